"""`python -m bot` is the `lahitori` command."""
import sys

from bot.cli import main

sys.exit(main())
