"""`python -m nlu train|predict|evaluate`: the NLU commands without the rest of the bot."""
from __future__ import annotations

import argparse
import logging
import sys

from nlu.cli import register

logger = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    """Parse `argv` and run one NLU command; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m nlu", description="lähitori intent classification")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    subparsers = parser.add_subparsers(dest="command", required=True)
    register(subparsers)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
