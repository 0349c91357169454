"""Everything logged at DEBUG, through the bot's own logging setup (what `lahitori -v` does), into a string."""
from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot import logs


@pytest.fixture(name="debug_log")
def debug_log_fixture() -> Iterator[io.StringIO]:
    root, stream = logging.getLogger(), io.StringIO()
    handler, level = logging.StreamHandler(stream), root.level
    handler.setFormatter(logging.Formatter(logs.FORMAT))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    logs.configure(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)
