"""Logging for the bot and its turn workers: one format, and no message contents from the libraries either.

This project's own log lines name classes, ids and counts, never what a citizen or a coordinator wrote. The
libraries are another matter: python-telegram-bot logs whole updates and Bot API calls with their texts (at
DEBUG, and at ERROR or CRITICAL when an update cannot be read), and httpx logs URLs, which carry the bot's token.
The filter below withholds every argument of their log lines except numbers, on every handler the bot logs to;
the fixed wording of a line stays, so it still says what happened.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LIBRARIES = ("telegram", "httpx", "httpcore", "aiohttp", "tornado")  # their records may carry texts or the token
WITHHELD = "<withheld>"


def _kept(value: object) -> object:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else WITHHELD


class WithoutContents(logging.Filter):
    """Withholds the arguments (all but numbers) of the libraries' records, and messages that are not plain text."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.partition(".")[0] not in LIBRARIES:
            return True
        if not isinstance(record.msg, str):
            record.msg, record.args = f"({type(record.msg).__name__})", None
        elif isinstance(record.args, Mapping):
            record.args = {key: _kept(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(_kept(value) for value in record.args)
        return True


def configure(level: int) -> None:
    """Log to standard error at `level` (unless logging is set up already: basicConfig's rule), every handler of
    the root logger filtered, basicConfig's and any other."""
    logging.basicConfig(level=level, format=FORMAT)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(existing, WithoutContents) for existing in handler.filters):
            handler.addFilter(WithoutContents())
