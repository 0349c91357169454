"""Fixtures for the Telegram channel: a migrated demo database, the emulated Bot API and the real bot loop."""
from __future__ import annotations

import asyncio
import contextlib
import html
import importlib.util
import itertools
import os
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from telegram import Update
from telegram.ext import Application, TypeHandler

from bot.channels.telegram import ALLOWED_UPDATES, build_application
from bot.channels.telegram_cli import webhook_options
from bot.config import PROJECT_ROOT
from bot.demo import seed
from tests.channels.bot_api_front import Front
from tests.conftest import TEST_KEY, make_settings

EMULATOR = PROJECT_ROOT / "node_modules" / "telegram-test-api"
# The package has no start script of its own: start its server class on the port given in TTA_PORT.
START_JS = ("const S = require('telegram-test-api');"
            "new S({port: Number(process.env.TTA_PORT), host: '127.0.0.1', storeTimeout: 600})"
            ".start().then(() => console.log('ready'));")
DATA_KEY = TEST_KEY
TOKEN_TAIL = "A" * 35
PUBLIC_URL = "https://bot.lahitori.example.fi/telegram"  # a webhook's public address, behind the front's proxy
WEBHOOK_SECRET = "front-secret_42"
BOT_IDS = itertools.count(700001)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def channel_classifier():
    """The real embedded classifier (nlu/factory.py); the keyword fake only where that module is absent."""
    if importlib.util.find_spec("nlu.factory") is not None:
        from bot.services import build_classifier

        return build_classifier(make_settings("sqlite://"))
    from tests.auxil.nlu import KeywordClassifier

    return KeywordClassifier()


@contextlib.contextmanager
def demo_services(url: str, classifier, **build_options) -> Iterator:  # noqa: ANN001
    """Services on a migrated database with the demo units and coordinators; closed afterwards."""
    from bot.services import build

    services = build(make_settings(url, OUTBOX_INTERVAL=0.05), classifier=classifier, **build_options)
    with services.sessions.begin() as session:
        seed(session)
    try:
        yield services
    finally:
        services.close()


@pytest.fixture
def channel_backend() -> str:
    """The database the channel tests run on: SQLite, unless a module or test parametrizes this name (BACKENDS)."""
    return "sqlite"


# Run a module's (or a test's) bot on both databases: `pytestmark = [..., BACKENDS]` or `@BACKENDS`.
BACKENDS = pytest.mark.parametrize("channel_backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])


@pytest.fixture
def channel_db_url(channel_backend: str, request: pytest.FixtureRequest, sqlite_url: str) -> str:
    """A migrated, empty database: a fresh SQLite file, or the PostgreSQL test database truncated."""
    return empty_database(channel_backend, request, sqlite_url)


def empty_database(backend: str, request: pytest.FixtureRequest, sqlite_url: str) -> str:
    if backend == "sqlite":
        return sqlite_url
    from sqlalchemy import text

    from bot.db.models import Base
    from bot.db.session import make_engine

    url = request.getfixturevalue("pg_migrated")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(t.name for t in Base.metadata.sorted_tables)} "
                                "RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def channel_services(channel_db_url: str, channel_classifier):
    with demo_services(channel_db_url, channel_classifier) as services:
        yield services


# The emulated Bot API ----------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def emulator_url() -> Iterator[str]:
    """telegram-test-api on a free loopback port; fails (never skips) when `npm ci` has not been run."""
    if not (EMULATOR / "package.json").is_file():
        pytest.fail("node_modules/telegram-test-api is missing: run `npm ci` in the project root "
                    "(package.json pins the Bot API emulator the e2e tests need)", pytrace=False)
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH: install Node.js 20 to run the Telegram e2e tests", pytrace=False)
    port = free_port()
    process = subprocess.Popen([node, "-e", START_JS], cwd=PROJECT_ROOT, env={**os.environ, "TTA_PORT": str(port)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while True:
        if process.poll() is not None:
            pytest.fail(f"telegram-test-api did not start: {process.stderr.read()[-500:]}", pytrace=False)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                pytest.fail("telegram-test-api did not open its port within 20 s", pytrace=False)
            time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
async def front(emulator_url: str) -> AsyncIterator[Front]:
    front = Front(emulator_url)
    await front.start()
    yield front
    await front.stop()


# The bot, polling the front or served by it through a webhook ------------------------------------------------

@dataclass
class RunningBot:
    application: Application
    front: Front
    token: str
    done: list[int] = field(default_factory=list)  # update ids whose handling finished
    expected: int = 0  # updates the citizens have sent (and redeliveries asked for)
    webhook: str = ""  # where the bot's webhook server listens, in webhook mode

    async def settle(self, timeout: float = 15) -> None:
        """Wait until every update the front handed over has been handled (replies sent)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.done) < self.front.delivered[self.token] or self.front.delivered[self.token] < self.expected:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"bot did not handle its updates in {timeout} s "
                                     f"(expected {self.expected}, delivered {self.front.delivered[self.token]}, "
                                     f"handled {len(self.done)})")
            await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def serving_bot(front: Front, services, turns=None, *,  # noqa: ANN001
                      webhook: bool = False) -> AsyncIterator[RunningBot]:
    """The real Application in the test's event loop, long polling the front; `turns` as in build_application
    (None: threads of this process). With `webhook`, its webhook server instead, on a free loopback port behind
    PUBLIC_URL, with the options `lahitori run` gives it (telegram_cli.webhook_options)."""
    token = f"{next(BOT_IDS)}:{TOKEN_TAIL}"  # one bot per test: the emulator keeps their messages apart
    application = build_application(services, token=token, base_url=f"{front.url}/bot", turns=turns)
    bot = RunningBot(application=application, front=front, token=token)

    async def finished(update: Update, _context) -> None:  # noqa: ANN001
        bot.done.append(update.update_id)

    application.add_handler(TypeHandler(Update, finished), group=99)
    await application.initialize()
    await application.post_init(application)
    if webhook:
        port = free_port()
        options = webhook_options(make_settings("sqlite://", WEBHOOK_URL=PUBLIC_URL, WEBHOOK_SECRET=WEBHOOK_SECRET,
                                                WEBHOOK_PORT=port), token)
        front.reverse_proxy(PUBLIC_URL, f"http://127.0.0.1:{port}")
        bot.webhook = f"http://127.0.0.1:{port}/{options['url_path']}"
        await application.updater.start_webhook(**options, allowed_updates=ALLOWED_UPDATES)
    else:
        await application.updater.start_polling(poll_interval=0.05, allowed_updates=ALLOWED_UPDATES)
    await application.start()
    try:
        yield bot
    finally:
        await application.post_stop(application)  # the outbox job and the turn workers; run_polling would call it
        await application.updater.stop()
        await application.stop()
        await application.shutdown()


@pytest.fixture
async def running_bot(front: Front, channel_services) -> AsyncIterator[RunningBot]:
    async with serving_bot(front, channel_services) as bot:
        yield bot


# A Telegram user (citizen or coordinator) using the emulator's client API ---------------------------------------

@dataclass
class Sent:
    """One message the bot really sent: the raw text as posted, and what the user sees."""

    raw: str
    parse_mode: str | None
    buttons: list[tuple[str, str]]
    message_id: int

    @property
    def text(self) -> str:
        return html.unescape(self.raw) if self.parse_mode == "HTML" else self.raw


@dataclass
class TelegramCitizen:
    """A Telegram user in a private chat with the bot; coordinators are driven with the same client."""

    bot: RunningBot
    http: httpx.AsyncClient
    chat_id: int
    lang: str
    keyboard: list[tuple[str, str]] = field(default_factory=list)
    keyboard_message: int = 0
    keyboards: list[tuple[int, list[tuple[str, str]]]] = field(default_factory=list)
    received: list[Sent] = field(default_factory=list)  # everything the bot sent to this chat, in order

    def _user(self) -> dict:
        return {"id": self.chat_id, "is_bot": False, "first_name": "Testi", "language_code": self.lang}

    def _chat(self) -> dict:
        return {"id": self.chat_id, "type": "private", "first_name": "Testi"}

    def _message(self, text: str) -> dict:
        return {"botToken": self.bot.token, "from": self._user(), "date": int(time.time()), "text": text,
                "chat": self._chat()}

    async def send(self, text: str, *, reply_to: Sent | None = None) -> list[Sent]:
        """Write `text`; with `reply_to`, as Telegram's reply to that message of the bot's (the emulator passes
        the client's message fields through, so the reply is given whole, as Telegram would deliver it)."""
        message = self._message(text)
        if text.startswith("/"):
            message["entities"] = [{"offset": 0, "length": len(text.split()[0]), "type": "bot_command"}]
        if reply_to is not None:
            message["reply_to_message"] = {
                "message_id": reply_to.message_id, "date": int(time.time()), "text": reply_to.text,
                "chat": self._chat(), "from": {"id": int(self.bot.token.split(":")[0]), "is_bot": True,
                                               "first_name": "Bot"}}
        await self._post("sendCommand" if text.startswith("/") else "sendMessage", message)
        return await self.replies()

    async def press(self, label: str = "", *, data: str | None = None, keyboard: list[tuple[str, str]] | None = None,
                    message_id: int = 0) -> list[Sent]:
        """Press the button whose label contains `label` (or whose callback data is `data`) on the latest keyboard
        (or the one given)."""
        keyboard = keyboard if keyboard is not None else self.keyboard
        matches = [d for text, d in keyboard if (d == data if data is not None else label.lower() in text.lower())]
        assert matches, f"no button like {data or label!r} in {keyboard}"
        if data is not None and not message_id:
            message_id = next((mid for mid, buttons in reversed(self.keyboards) if data in dict(buttons).values()), 0)
        query = {"botToken": self.bot.token, "from": self._user(), "data": matches[0],
                 "message": {"message_id": message_id or self.keyboard_message, "date": int(time.time()),
                             "chat": self._chat()}}
        await self._post("sendCallback", query)
        return await self.replies()

    async def redeliver(self, update_id: int) -> list[Sent]:
        await self._post("_front/redeliver", {"token": self.bot.token, "update_id": update_id})
        return await self.replies()

    async def _post(self, route: str, body: dict) -> None:
        response = await self.http.post(f"{self.bot.front.url}/{route}", json=body)
        assert response.status_code == 200, response.text
        self.bot.expected += 1

    async def replies(self) -> list[Sent]:
        """Everything the bot sent to this chat since the last call, once the bot has handled the update."""
        await self.bot.settle()
        return await self.fetch()

    async def fetch(self) -> list[Sent]:
        """What has arrived in this chat since the last fetch (including the outbox's messages), at once."""
        response = await self.http.post(f"{self.bot.front.url}/getUpdates",
                                        json={"token": self.bot.token, "chatId": self.chat_id})
        sent = []
        for item in response.json()["result"]:
            message = item["message"]
            rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
            buttons = [(button["text"], button["callback_data"]) for row in rows for button in row]
            sent.append(Sent(raw=message["text"], parse_mode=message.get("parse_mode"), buttons=buttons,
                             message_id=item["messageId"]))
            if buttons:
                self.keyboard, self.keyboard_message = buttons, item["messageId"]
                self.keyboards.append((item["messageId"], buttons))
        self.received += sent
        return sent

    async def wait_for(self, predicate: Callable[[Sent], bool], *, after: int = 0, timeout: float = 20) -> Sent:
        """The first message from `received[after:]` on that satisfies `predicate`, polling until one arrives
        (the outbox delivers in the background); fails after `timeout` seconds with what did arrive."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            found = next((message for message in self.received[after:] if predicate(message)), None)
            if found is not None:
                return found
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"chat {self.chat_id}: no such message within {timeout} s; received "
                                     f"{[m.text[:80] for m in self.received[after:]]}")
            await self.fetch()
            await asyncio.sleep(0.05)


@pytest.fixture
async def telegram_http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


@pytest.fixture
def citizen_factory(running_bot: RunningBot, telegram_http: httpx.AsyncClient):
    def make(chat_id: int, lang: str) -> TelegramCitizen:
        return TelegramCitizen(bot=running_bot, http=telegram_http, chat_id=chat_id, lang=lang)

    return make
