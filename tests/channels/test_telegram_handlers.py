"""The Telegram adapter with python-telegram-bot's own objects and a recording request: offline by construction."""
from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections import defaultdict
from datetime import datetime, timezone
from typing import Any

import pytest
from sqlalchemy import select
from telegram import Update
from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

from bot.channels import telegram as tg
from bot.channels.telegram_cli import check_token, webhook_options
from bot.cli import main
from bot.config import ConfigError
from bot.conversation import TurnResult
from bot.db.models import Citizen
from bot.dialogue.models import Button, Reply
from tests.channels.conftest import DATA_KEY, TOKEN_TAIL, demo_services
from tests.conftest import make_settings

TOKEN = f"123456:{TOKEN_TAIL}"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Lähitori", "username": "lahitori_bot"}


class RecordingRequest(BaseRequest):
    """Answers the Bot API from a script and records each call (after python-telegram-bot's tests/auxil)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.script: dict[str, list[Any]] = defaultdict(list)  # per method: (status, body) or an exception

    @property
    def read_timeout(self) -> float:
        return 1.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         **_timeouts: Any) -> tuple[int, bytes]:
        api = url.rsplit("/", 1)[-1]
        params = json.loads(json.dumps(request_data.parameters, default=str)) if request_data else {}
        self.calls.append((api, params))
        if self.script[api]:
            outcome = self.script[api].pop(0)
            if isinstance(outcome, Exception):
                raise outcome
            return outcome[0], json.dumps(outcome[1]).encode()
        result: Any = True
        if api == "getMe":
            result = BOT_USER
        elif api == "sendMessage":
            result = {"message_id": len(self.calls), "date": int(time.time()), "text": params["text"],
                      "chat": {"id": int(params["chat_id"]), "type": "private"}}
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def sent(self, api: str = "sendMessage") -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == api]


class ScriptedRunner:
    """Stands in for TurnRunner: records each call and answers with the replies it is given."""

    def __init__(self, *replies: Reply, delay: float = 0.0, fail: bool = False) -> None:
        self.replies, self.delay, self.fail = list(replies), delay, fail
        self.calls: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def handle(self, **given: Any) -> TurnResult:
        with self.lock:
            self.calls.append(given)
        if self.fail:
            raise RuntimeError(f"database exploded while reading {given.get('text')}")
        if given.get("text") == "slow" or (self.delay and len(self.calls) == 1):
            time.sleep(self.delay or 0.2)
        return TurnResult(replies=list(self.replies), lang="fi")


def message_update(update_id: int, text: str, *, chat_id: int = 42, lang: str = "fi", chat_type: str = "private",
                   bot=None) -> Update:  # noqa: ANN001
    entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}] if text.startswith("/") else []
    return Update.de_json({"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "text": text, "entities": entities,
        "chat": {"id": chat_id, "type": chat_type},
        "from": {"id": chat_id, "is_bot": False, "first_name": "Maija", "username": "maija", "language_code": lang}}},
        bot)


def button_update(update_id: int, data: str, *, chat_id: int = 42, bot=None) -> Update:  # noqa: ANN001
    user = {"id": chat_id, "is_bot": False, "first_name": "Maija", "language_code": "sv-FI"}
    return Update.de_json({"update_id": update_id, "callback_query": {
        "id": f"q{update_id}", "from": user, "chat_instance": "ci", "data": data,
        "message": {"message_id": 1, "date": int(time.time()), "chat": {"id": chat_id, "type": "private"}}}}, bot)


@pytest.fixture
def unit_services(sqlite_url: str):
    from tests.auxil.nlu import KeywordClassifier

    with demo_services(sqlite_url, KeywordClassifier()) as services:
        yield services


@pytest.fixture
async def make_app(unit_services):
    """Build an initialized Application on a recording request; `runner` replaces the real TurnRunner."""
    apps = []

    async def make(runner=None, **channel_options):  # noqa: ANN001
        request = RecordingRequest()
        channel = tg.TelegramChannel(unit_services, runner=runner, **channel_options)
        app = tg.build_application(unit_services, token=TOKEN, request=request, channel=channel, updater=False)
        await app.initialize()
        await app.start()
        apps.append(app)
        return app, request

    yield make
    for app in apps:
        if app.running:
            await app.stop()
        await app.shutdown()


# Rendering ---------------------------------------------------------------------------------------------------

def test_split_keeps_short_text_whole():
    assert tg.split_text("Hei!\n\nMitä kuuluu?") == ["Hei!\n\nMitä kuuluu?"]


def test_split_cuts_on_paragraphs_then_lines_then_words():
    paragraphs = "\n\n".join(f"Kappale {i}. " + "sana " * 300 for i in range(6))
    pieces = tg.split_text(paragraphs)
    assert len(pieces) > 1 and all(tg.utf16_len(piece) <= tg.MAX_CHARS for piece in pieces)
    assert all(piece.startswith("Kappale") for piece in pieces), "each piece starts at a paragraph"
    lines = "\n".join("rivi " * 20 for _ in range(100))
    assert all(p.startswith("rivi") and p.endswith("rivi") for p in tg.split_text(lines, limit=500))
    words = tg.split_text("sana " * 2000, limit=100)
    assert all(len(p) <= 100 and p.endswith("sana") for p in words)
    assert " ".join(words).split() == ["sana"] * 2000


def test_split_counts_utf16_units_and_cuts_long_words():
    emoji = "🙂" * 3000  # 6000 UTF-16 units, no break anywhere
    pieces = tg.split_text(emoji)
    assert [tg.utf16_len(p) for p in pieces] == [4096, 1904] and "".join(pieces) == emoji


def test_render_escapes_html_and_puts_the_keyboard_last():
    reply = Reply(text="<b>Pekka</b> & <script>alert(1)</script>\n\n" + "x " * 3000, buttons=(Button("Kyllä", "m1:yes"),))
    rendered = tg.render(reply)
    assert rendered[0][0].startswith("&lt;b&gt;Pekka&lt;/b&gt; &amp; &lt;script&gt;") and rendered[0][1] is None
    assert rendered[-1][1].inline_keyboard[0][0].callback_data == "m1:yes"


def test_keyboard_pairs_short_labels_and_keeps_long_ones_alone():
    buttons = (Button("Porvoo", "m4:0"), Button("Loviisa", "m4:1"),
               Button("Tarvitsen apua parin päivän sisällä", "m5:0"), Button("Sipoo", "m4:2"))
    rows = [[(b.text, b.callback_data) for b in row] for row in tg.keyboard(buttons).inline_keyboard]
    assert rows == [[("Porvoo", "m4:0"), ("Loviisa", "m4:1")], [("Tarvitsen apua parin päivän sisällä", "m5:0")],
                    [("Sipoo", "m4:2")]]
    assert tg.keyboard(()) is None
    with pytest.raises(ValueError, match="64 bytes"):
        tg.keyboard((Button("x", "m1:" + "ä" * 40),))


def test_language_code_maps_to_fi_or_sv():
    from telegram import User

    assert [tg.lang_of(User(1, "a", False, language_code=code)) for code in ("fi", "sv-FI", "SV", "en", None)] \
        == ["fi", "sv", "sv", None, None]


# Handlers ----------------------------------------------------------------------------------------------------

async def test_text_turn_passes_ids_and_sends_escaped_html(make_app):
    runner = ScriptedRunner(Reply("Kirjasin: <i>Äiti & minä</i>", (Button("Kyllä, oikein", "m8:yes"),
                                                                     Button("Haluan korjata", "m8:no"))))
    app, request = await make_app(runner)
    await app.process_update(message_update(7, "<i>Äiti & minä</i>", lang="fi", bot=app.bot))
    assert runner.calls == [dict(channel="telegram", external_id="42", lang_hint="fi", update_id=7,
                                 update_from="telegram:123456", text="<i>Äiti & minä</i>")]
    [sent] = request.sent()
    assert sent["text"] == "Kirjasin: &lt;i&gt;Äiti &amp; minä&lt;/i&gt;" and sent["parse_mode"] == "HTML"
    assert sent["reply_markup"]["inline_keyboard"] == [[{"text": "Kyllä, oikein", "callback_data": "m8:yes"},
                                                        {"text": "Haluan korjata", "callback_data": "m8:no"}]]


async def test_start_and_other_commands(make_app):
    runner = ScriptedRunner(Reply("Hei!"))
    app, request = await make_app(runner)
    await app.process_update(message_update(1, "/start", bot=app.bot))
    await app.process_update(message_update(2, "/help", bot=app.bot))
    assert runner.calls[0]["start"] is True and "text" not in runner.calls[0]
    assert runner.calls[1]["text"] == "/help" and "start" not in runner.calls[1]


async def test_button_answers_the_query_then_runs_the_payload(make_app):
    runner = ScriptedRunner(Reply("Tuo painike oli aiemmasta viestistä. Tässä ollaan nyt."))
    app, request = await make_app(runner)
    await app.process_update(button_update(9, "m3:1", bot=app.bot))
    await asyncio.sleep(0.05)  # the answer runs as its own task
    assert [name for name, _ in request.calls if name != "getMe"] == ["answerCallbackQuery", "sendMessage"]
    assert runner.calls == [dict(channel="telegram", external_id="42", lang_hint="sv", update_id=9,
                                 update_from="telegram:123456", payload="m3:1")]


async def test_duplicate_sends_nothing_and_groups_are_ignored(make_app):
    class Duplicate(ScriptedRunner):
        def handle(self, **given: Any) -> TurnResult:
            super().handle(**given)
            return TurnResult(replies=[], lang="fi", duplicate=True)

    runner = Duplicate(Reply("never"))
    app, request = await make_app(runner)
    await app.process_update(message_update(3, "hei", bot=app.bot))
    await app.process_update(message_update(4, "hei", chat_id=-100, chat_type="group", bot=app.bot))
    assert len(runner.calls) == 1 and request.sent() == []


async def test_one_chat_in_order_while_other_chats_go_on(make_app):
    runner = ScriptedRunner(Reply("ok"), delay=0.3)
    app, request = await make_app(runner)
    updates = [message_update(1, "eka", chat_id=1), message_update(2, "toka", chat_id=1),
               message_update(3, "muu", chat_id=2), message_update(4, "kolmas", chat_id=1)]
    for update in updates:
        update.set_bot(app.bot)
        await app.update_queue.put(update)
    for _ in range(1000):  # stored, then run from the store: allow for a loaded machine
        if len(request.sent()) == 4:
            break
        await asyncio.sleep(0.01)
    await app.stop()
    order = [call["text"] for call in runner.calls]
    assert [t for t in order if t != "muu"] == ["eka", "toka", "kolmas"]
    assert order.index("muu") == 1, "the other chat did not wait for the slow first turn"
    assert [p["chat_id"] for p in request.sent()][0] == 2
    assert len(app.bot_data["channel"].locks) == 0, "locks are dropped when a chat is idle"


async def test_forbidden_marks_the_citizen_blocked_and_stops(make_app, unit_services):
    app, request = await make_app()  # the real TurnRunner
    request.script["sendMessage"].append((403, {"ok": False, "error_code": 403,
                                                "description": "Forbidden: bot was blocked by the user"}))
    await app.process_update(message_update(11, "/start", chat_id=77, bot=app.bot))
    assert len(request.sent()) == 1, "no retry and no later reply after a block"
    with unit_services.sessions() as session:
        citizen = session.scalars(select(Citizen).where(Citizen.external_id == "77")).one()
        assert citizen.blocked_at is not None


async def test_retry_after_is_honoured(make_app, monkeypatch):
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # the coming behaviour, and no deprecation warning from PTB
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        await asyncio.sleep(seconds)

    app, request = await make_app(ScriptedRunner(Reply("yksi"), Reply("kaksi")), sleep=sleep)
    request.script["sendMessage"].append((429, {"ok": False, "error_code": 429, "description": "Too Many Requests",
                                                "parameters": {"retry_after": 0.05}}))
    await app.process_update(message_update(12, "hei", bot=app.bot))
    assert sleeps == [0.05]
    assert [p["text"] for p in request.sent()] == ["yksi", "yksi", "kaksi"]


async def test_a_very_long_flood_wait_is_not_waited_out(make_app, monkeypatch):
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    app, request = await make_app(ScriptedRunner(Reply("yksi")), sleep=sleep)
    request.script["sendMessage"].append((429, {"ok": False, "error_code": 429, "description": "Too Many Requests",
                                                "parameters": {"retry_after": 3600}}))
    await app.process_update(message_update(15, "hei", bot=app.bot))
    assert sleeps == [] and len(request.sent()) == 1


async def test_network_errors_are_retried_with_backoff_and_capped(make_app):
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    app, request = await make_app(ScriptedRunner(Reply("yksi"), Reply("kaksi")), sleep=sleep, attempts=3, backoff=0.1)
    request.script["sendMessage"] += [TimedOut(), TimedOut(), TimedOut()]
    await app.process_update(message_update(13, "hei", bot=app.bot))
    assert [p["text"] for p in request.sent()] == ["yksi"] * 3, "capped, and no later reply without the first"
    assert len(sleeps) == 2 and 0.08 <= sleeps[0] <= 0.12 and 0.16 <= sleeps[1] <= 0.24


async def test_error_handler_logs_the_class_only_and_tells_the_citizen(make_app, unit_services, caplog):
    app, request = await make_app(ScriptedRunner(fail=True))
    with caplog.at_level(logging.DEBUG):
        await app.process_update(message_update(14, "salainen asia", lang="sv", bot=app.bot))
    assert "RuntimeError" in caplog.text and "salainen" not in caplog.text
    [sent] = request.sent()
    assert sent["text"] == unit_services.i18n.gettext("sv", tg.ERROR_TEXT) != tg.ERROR_TEXT
    assert sent["text"].startswith("Förlåt")


async def test_commands_registered_for_fi_sv_and_default(make_app):
    app, request = await make_app(ScriptedRunner())
    await app.bot_data["channel"].post_init(app)
    registered = {p.get("language_code"): [c["command"] for c in p["commands"]] for p in request.sent("setMyCommands")}
    assert set(registered) == {None, "fi", "sv"}
    assert registered["fi"] == ["start", "language", "help", "mydata", "delete", "human", "mycase"]


# `lahitori run` settings -------------------------------------------------------------------------------------

def settings_with(tmp_path, **extra):  # noqa: ANN001
    return make_settings(f"sqlite:///{tmp_path}/x.db", **extra)


@pytest.mark.parametrize("token, words", [(None, "not set"), ("12345", "does not look like"),
                                          ("abc:" + "x" * 40, "does not look like"), ("1:short", "does not look like")])
def test_token_is_checked(tmp_path, token, words):
    settings = settings_with(tmp_path, **({"TELEGRAM_TOKEN": token} if token else {}))
    with pytest.raises(ConfigError) as caught:
        check_token(settings)
    assert str(caught.value).startswith("configuration error: TELEGRAM_TOKEN: ") and words in str(caught.value)
    assert token is None or token not in str(caught.value)
    assert check_token(settings_with(tmp_path, TELEGRAM_TOKEN=TOKEN)) == TOKEN


def test_run_without_a_good_token_prints_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TELEGRAM_TOKEN", "123:not-a-token")
    monkeypatch.setenv("DATA_KEY", DATA_KEY)
    assert main(["run", "--db", f"sqlite:///{tmp_path}/x.db"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "TELEGRAM_TOKEN" in err and "not-a-token" not in err


def test_webhook_settings_are_checked(tmp_path):
    base = dict(TELEGRAM_TOKEN=TOKEN, WEBHOOK_URL="https://bot.example.fi/tg")
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET: required"):
        webhook_options(settings_with(tmp_path, **base), TOKEN)
    with pytest.raises(ConfigError, match="WEBHOOK_CERT: no such file"):
        webhook_options(settings_with(tmp_path, **base, WEBHOOK_SECRET="s3cret", WEBHOOK_CERT=str(tmp_path / "c.pem"),
                                      WEBHOOK_KEY=str(tmp_path / "k.pem")), TOKEN)
    options = webhook_options(settings_with(tmp_path, **base, WEBHOOK_SECRET="s3cret"), TOKEN)
    assert options["webhook_url"] == f"https://bot.example.fi/tg/{options['url_path']}"
    assert TOKEN.split(":")[1] not in options["url_path"] and options["secret_token"] == "s3cret"


def test_file_url_follows_the_api_url():
    assert tg.file_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert tg.file_url("http://127.0.0.1:8081/bot") == "http://127.0.0.1:8081/file/bot"


def test_blocked_at_is_a_time(unit_services):
    channel = tg.TelegramChannel(unit_services, runner=ScriptedRunner())
    with unit_services.sessions.begin() as session:
        session.add(Citizen(channel="telegram", external_id="5", language="fi"))
    channel.mark_blocked(5)
    with unit_services.sessions() as session:
        blocked = session.scalar(select(Citizen.blocked_at))
    assert isinstance(blocked, datetime) and blocked.tzinfo is not None and blocked <= datetime.now(timezone.utc)
