"""The logging filter: the libraries' log lines keep their wording and numbers, never their texts."""
from __future__ import annotations

import io
import logging

import pytest

from bot.logs import FORMAT, WITHHELD, WithoutContents, configure

WORDS = "Äitini tarvitsee apua kotona"


def formatted(name: str, msg: object, *args: object, level: int = logging.DEBUG) -> str:
    record = logging.LogRecord(name, level, __file__, 1, msg, args or None, None)
    assert WithoutContents().filter(record) is True, "records are changed, never dropped"
    return record.getMessage()


def test_library_arguments_are_withheld_but_numbers_kept():
    line = formatted("telegram.ext.ExtBot", "Calling Bot API endpoint `%s` with parameters `%s`", "sendMessage",
                     {"chat_id": 5001, "text": WORDS})
    assert WORDS not in line and "sendMessage" not in line and line.count(WITHHELD) == 2
    assert formatted("telegram.ext.Updater", "Received Update with ID %d on Webhook", 9003).endswith("ID 9003 on Webhook")
    assert formatted("telegram.ext.Application", "Failed run number %s of %s", 2, 3.0) == "Failed run number 2 of 3.0"
    assert formatted("httpx", "HTTP Request: %s %s", "POST", "https://api.telegram.org/bot123:SECRET/getMe") == \
        f"HTTP Request: {WITHHELD} {WITHHELD}"


def test_mapping_arguments_and_objects_as_messages():
    record = logging.LogRecord("telegram.ext", logging.ERROR, __file__, 1, "data %(text)s, id %(id)d",
                               ({"text": WORDS, "id": 7},), None)
    WithoutContents().filter(record)
    assert record.getMessage() == f"data {WITHHELD}, id 7"
    assert formatted("telegram.ext.Application", {"message": {"text": WORDS}}) == "(dict)"


@pytest.mark.parametrize("name", ["bot.channels.telegram", "lahitori", "telegram_outbox", "root"])
def test_the_projects_own_lines_are_untouched(name):
    assert formatted(name, "handoff %s: %s", 12, "nobody to notify") == "handoff 12: nobody to notify"


def test_configure_filters_every_handler_of_the_root_logger():
    root, stream = logging.getLogger(), io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    level = root.level
    try:
        root.setLevel(logging.DEBUG)
        configure(logging.DEBUG)
        configure(logging.DEBUG)  # twice: one filter
        assert sum(isinstance(f, WithoutContents) for f in handler.filters) == 1
        try:
            raise KeyError("update_id")
        except KeyError:
            logging.getLogger("telegram.ext.Updater").critical("Received data was: %r", {"text": WORDS},
                                                                exc_info=True)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    written = stream.getvalue()
    assert "CRITICAL telegram.ext.Updater: Received data was: {'text': '<withheld>'}" in written  # one dict: by key
    assert "KeyError: 'update_id'" in written
    assert WORDS not in written
