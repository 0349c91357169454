"""Never lose a message: the real `lahitori run` (bot and turn workers), really killed with SIGKILL in the middle of
conversations, polling and by webhook, on SQLite and PostgreSQL; a flood from one chat with a crisis text in it.

Afterwards every message sent was handled exactly once and in order: each citizen's transcript holds their
messages once each, in the order they were sent, and every update id is noted as processed, none left stored.
"""
from __future__ import annotations

import asyncio
import contextlib
import html
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from bot.config import PROJECT_ROOT
from bot.db.models import Citizen, InboundUpdate, MessageLog, ProcessedUpdate
from tests.channels.bot_api_front import Front
from tests.channels.conftest import (
    BACKENDS,
    BOT_IDS,
    PUBLIC_URL,
    TOKEN_TAIL,
    WEBHOOK_SECRET,
    demo_services,
    empty_database,
    free_port,
)
from tests.conftest import TEST_KEY

pytestmark = pytest.mark.e2e

# Modules that parametrize `backend` and use `backend_services` (this module's own tests use conftest's BACKENDS).
BACKEND = pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])


@pytest.fixture
def backend_services(backend: str, request: pytest.FixtureRequest, sqlite_url: str,
                     channel_classifier) -> Iterator:  # noqa: ANN001
    with demo_services(empty_database(backend, request, sqlite_url), channel_classifier) as services:
        yield services


class Bot:
    """`lahitori run` as an operator starts it, in its own process group: SIGKILL of the group kills the bot and
    its turn workers at once."""

    def __init__(self, front: Front, services, tmp: Path, *, webhook: bool = False,  # noqa: ANN001
                 workers: int = 1, token: str | None = None, port: int | None = None) -> None:
        self.front, self.tmp, self.webhook = front, tmp, webhook
        self.token = token or f"{next(BOT_IDS)}:{TOKEN_TAIL}"
        self.port = port or free_port()
        self.env = {"PATH": os.environ["PATH"], "DATABASE_URL": services.settings.database_url, "DATA_KEY": TEST_KEY,
                    "TELEGRAM_TOKEN": self.token, "TELEGRAM_API_URL": f"{front.url}/bot",
                    "TELEGRAM_POLL_INTERVAL": "0.05", "TURN_WORKERS": str(workers), "OUTBOX_INTERVAL": "0.2"}
        if webhook:
            self.env.update(WEBHOOK_URL=PUBLIC_URL, WEBHOOK_SECRET=WEBHOOK_SECRET, WEBHOOK_PORT=str(self.port))
            front.reverse_proxy(PUBLIC_URL, f"http://127.0.0.1:{self.port}")
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0

    async def start(self) -> None:
        """Start it; in webhook mode, return once its webhook is set (as Telegram, the emulator posts updates only
        to a webhook it knows, and keeps the earlier ones for getUpdates)."""
        self.starts += 1
        log = (self.tmp / f"bot-{self.token.split(':')[0]}-{self.starts}.log").open("wb")  # noqa: ASYNC230, SIM115
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=PROJECT_ROOT, env=self.env, stdout=asyncio.subprocess.DEVNULL,
            stderr=log, start_new_session=True)
        log.close()
        if self.webhook and self.starts == 1:
            deadline = time.monotonic() + 60
            while self.token not in self.front.webhooks:
                assert self.process.returncode is None and time.monotonic() < deadline, self.log()[-2000:]
                await asyncio.sleep(0.05)

    def log(self) -> str:
        return (self.tmp / f"bot-{self.token.split(':')[0]}-{self.starts}.log").read_text(errors="replace")

    async def kill(self) -> None:
        """SIGKILL to the whole process group: the bot and its workers, with no chance to finish anything."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> int:
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), 30)
        except TimeoutError:
            await self.kill()
            return -9


@contextlib.asynccontextmanager
async def running(bot: Bot) -> AsyncIterator[Bot]:
    await bot.start()
    try:
        yield bot
    finally:
        if bot.process is not None and bot.process.returncode is None:
            await bot.kill()


async def say(http: httpx.AsyncClient, front: Front, token: str, chat_id: int, text: str) -> None:
    """A citizen writes (through the emulator's client API, as in TelegramCitizen)."""
    user = {"id": chat_id, "is_bot": False, "first_name": "Testi", "language_code": "fi"}
    message = {"botToken": token, "from": user, "date": int(time.time()), "text": text,
               "chat": {"id": chat_id, "type": "private", "first_name": "Testi"}}
    response = await http.post(f"{front.url}/sendMessage", json=message)
    assert response.status_code == 200, response.text


async def inbox(http: httpx.AsyncClient, front: Front, token: str, chat_id: int) -> list[str]:
    """What the bot has sent to this chat since the last look."""
    return [text for _id, text in await messages(http, front, token, chat_id)]


async def messages(http: httpx.AsyncClient, front: Front, token: str, chat_id: int) -> list[tuple[int, str]]:
    """(message id, text) of what the bot has sent to this chat since the last look."""
    response = await http.post(f"{front.url}/getUpdates", json={"token": token, "chatId": chat_id})
    return [(item["messageId"], item["message"]["text"]) for item in response.json()["result"]]


def handled(services, total: int) -> bool:  # noqa: ANN001
    with services.sessions() as session:
        done = session.scalar(select(func.count()).select_from(ProcessedUpdate))
        left = session.scalar(select(func.count()).select_from(InboundUpdate))
    return done >= total and left == 0


async def until_handled(services, total: int, bot: Bot, timeout: float = 90) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(handled, services, total):
        if time.monotonic() > deadline:
            with services.sessions() as session:
                done = session.scalar(select(func.count()).select_from(ProcessedUpdate))
                left = session.scalar(select(func.count()).select_from(InboundUpdate))
            raise AssertionError(f"{done} of {total} updates handled, {left} still stored; log:\n{bot.log()[-3000:]}")
        await asyncio.sleep(0.1)


def transcripts(services, direction: str = "in") -> dict[str, list[str]]:  # noqa: ANN001
    """Each citizen's own messages (or, `out`, the bot's replies), in the order the bot recorded them."""
    with services.sessions() as session:
        rows = session.execute(select(Citizen.external_id, MessageLog.text).join(Citizen)
                               .where(MessageLog.direction == direction).order_by(MessageLog.id)).all()
    found: dict[str, list[str]] = {}
    for chat, text in rows:
        found.setdefault(chat, []).append(text)
    return found


REPEAT = "(lähetetty uudelleen katkoksen jälkeen)"  # the first of the replies sent again after a restart says so


def plain(text: str) -> str:
    """A reply as the turn recorded it: unescaped, without the line of a possible repeat."""
    return html.unescape(text).removeprefix(REPEAT + "\n\n")


async def replies_reached(http: httpx.AsyncClient, front: Front, services, token: str,  # noqa: ANN001
                          chats: list[str]) -> int:
    """Every reply the turns recorded reached its chat, in order; how many arrived twice (a kill between a send and
    the deletion of its kept replies sends them again after the restart)."""
    recorded = transcripts(services, "out")
    twice = 0
    for chat in chats:
        raw = await inbox(http, front, token, int(chat))
        arrived = [plain(text) for text in raw]
        expected = iter(arrived)
        assert all(any(text == reply for text in expected) for reply in recorded.get(chat, [])), \
            f"chat {chat}: a recorded reply never arrived"
        twice += len(arrived) - len(recorded.get(chat, []))
        assert len(arrived) == len(recorded.get(chat, [])) or any(text.startswith(REPEAT) for text in raw), \
            f"chat {chat}: replies sent again say they may be repeats"
    return twice


async def converse_through_kills(front: Front, services, tmp: Path, *, webhook: bool, kills: int = 3,  # noqa: ANN001
                                 chats: int = 6, rounds: int = 6) -> Bot:
    """`chats` citizens each write numbered messages, `rounds` a phase, while the bot serves; at the end of each
    phase but the last the whole bot is killed (SIGKILL, mid-flow: right after a round, without waiting), the
    citizens write one more round while it is down, and it is started again. Afterwards every message must have
    been handled once, in order. Prints how long after each kill the bot answered again."""
    bot = Bot(front, services, tmp, webhook=webhook)
    probe = 6199  # a citizen who asks "are you there?" after each start
    sent: dict[str, list[str]] = {str(6100 + n): [] for n in range(chats)}
    sent[str(probe)] = []
    recovered: list[float] = []
    async with httpx.AsyncClient(timeout=10) as http, running(bot):
        killed_at = time.monotonic()
        replied = 0  # replies to the probe, which reads its chat as it goes
        for phase in range(kills + 1):
            text = f"oletko siellä {phase + 1}"
            await asyncio.sleep(0.3)
            replied += len(await inbox(http, front, bot.token, probe))  # what was still coming for the last probe
            await say(http, front, bot.token, probe, text)
            sent[str(probe)].append(text)
            while not (answer := await inbox(http, front, bot.token, probe)):
                assert time.monotonic() - killed_at < 90, bot.log()[-2000:]
                await asyncio.sleep(0.05)
            replied += len(answer)
            if phase:
                recovered.append(time.monotonic() - killed_at)
            for round_ in range(rounds + (phase < kills)):
                if round_ == rounds:  # the bot is down: these wait for it
                    await bot.kill()
                    killed_at = time.monotonic()
                for chat, texts in sent.items():
                    if chat != str(probe):
                        text = f"viesti {phase}.{round_ + 1} keskustelussa {chat}"
                        await say(http, front, bot.token, int(chat), text)
                        texts.append(text)
                await asyncio.sleep(0.05)
            if phase < kills:
                await bot.start()
        total = sum(len(texts) for texts in sent.values())
        await until_handled(services, total, bot)
        assert await bot.stop() == 0, bot.log()[-2000:]
        replied += len(await inbox(http, front, bot.token, probe))
        twice = await replies_reached(http, front, services, bot.token, [chat for chat in sent if chat != str(probe)])
    twice += replied - len(transcripts(services, "out").get(str(probe), []))
    print(f"\n{'webhook' if webhook else 'polling'}, {services.settings.database_url.split(':')[0]}: {total} "
          f"messages, {kills} kills; first answer after each kill (restart included): "
          f"{', '.join(f'{seconds:.1f} s' for seconds in recovered)}; handed out again: {front.redelivered[bot.token]}"
          f"; replies sent twice: {twice}")
    assert transcripts(services) == sent, "every message exactly once and in order"
    assert bot.starts == kills + 1
    return bot


@BACKENDS
async def test_polling_kill9_mid_conversation_loses_nothing(front, channel_services, tmp_path):  # noqa: ANN001
    await converse_through_kills(front, channel_services, tmp_path, webhook=False)


@BACKENDS
async def test_webhook_kill9_mid_conversation_loses_nothing(front, channel_services, tmp_path):  # noqa: ANN001
    await converse_through_kills(front, channel_services, tmp_path, webhook=True)


async def test_flood_is_recorded_paced_and_the_crisis_text_answered_at_once(front, channel_services, tmp_path):
    """One chat sends 200 messages and then a crisis text; another chat goes on with its business. The crisis text
    gets its help within seconds, the flooding citizen one note, every message is recorded once, in order."""
    bot = Bot(front, channel_services, tmp_path)
    flooder, other = 6201, 6202
    async with httpx.AsyncClient(timeout=10) as http, running(bot):
        await say(http, front, bot.token, other, "/start")
        deadline = time.monotonic() + 60
        while not await inbox(http, front, bot.token, other):  # the bot is up and answering
            assert time.monotonic() < deadline, bot.log()[-2000:]
            await asyncio.sleep(0.1)
        sent = [f"tulva {n}" for n in range(1, 201)]
        for text in sent:  # one after another: the order they arrive in is the order they were sent
            await say(http, front, bot.token, flooder, text)
        crisis_text = "haluan kuolla"
        await say(http, front, bot.token, flooder, crisis_text)
        sent_at = time.monotonic()
        received: list[str] = []
        while not any("112" in text for text in received):
            assert time.monotonic() - sent_at < 10, f"no crisis help in 10 s: {received[-5:]}"
            received += await inbox(http, front, bot.token, flooder)
            await asyncio.sleep(0.05)
        help_after = time.monotonic() - sent_at
        await say(http, front, bot.token, other, "/help")
        other_at = time.monotonic()
        while not await inbox(http, front, bot.token, other):
            assert time.monotonic() - other_at < 10, "another chat waited for the flood"
            await asyncio.sleep(0.05)
        other_after = time.monotonic() - other_at
        await until_handled(channel_services, 203, bot)
        received += await inbox(http, front, bot.token, flooder)
        assert await bot.stop() == 0, bot.log()[-2000:]
    print(f"\ncrisis help {help_after:.2f} s after the crisis text; another chat answered in {other_after:.2f} s; "
          f"the flooding chat got {len(received)} messages")
    notes = [text for text in received if "I have saved them" in text or "tallentanut" in text.lower()]
    assert len(notes) == 1, received
    assert len(received) < 80, "the flood was paced: far fewer answers than messages"
    assert transcripts(channel_services)[str(flooder)] == [*sent, crisis_text], "every message recorded, in order"


@BACKENDS
async def test_replies_committed_but_not_sent_are_sent_after_a_kill9(front, channel_services, tmp_path):  # noqa: ANN001
    """A turn commits and its replies wait in its stored update until sent; the bot is killed while their send hangs.
    After the restart the replies go out, once, and the turn is not run again."""
    services, chat = channel_services, 6301
    bot = Bot(front, services, tmp_path)
    async with httpx.AsyncClient(timeout=10) as http, running(bot):
        await say(http, front, bot.token, chat, "/start")
        deadline = time.monotonic() + 60
        while not await inbox(http, front, bot.token, chat):  # the bot is up and answering
            assert time.monotonic() < deadline, bot.log()[-2000:]
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)
        answered = len(transcripts(services, "out")[str(chat)])  # the answers to /start
        await inbox(http, front, bot.token, chat)
        front.hold(bot.token, chat)
        words = "Äitini tarvitsee apua kotona, siivous ja kauppa-asiat eivät enää onnistu."
        await say(http, front, bot.token, chat, words)
        while not (front.held and await asyncio.to_thread(waiting_replies, services)):
            assert time.monotonic() < deadline, bot.log()[-2000:]
            await asyncio.sleep(0.05)
        await bot.kill()  # the turn has committed; its answer never left
        front.release(bot.token, chat)
        killed_at = time.monotonic()
        await bot.start()
        arrived: list[str] = []
        while len(arrived) < len(transcripts(services, "out")[str(chat)]) - answered:
            assert time.monotonic() - killed_at < 60, bot.log()[-2000:]
            arrived += await inbox(http, front, bot.token, chat)
            await asyncio.sleep(0.05)
        answered_after = time.monotonic() - killed_at
        await until_handled(services, 2, bot)
        assert await bot.stop() == 0, bot.log()[-2000:]
        arrived += await inbox(http, front, bot.token, chat)
    print(f"\nkept replies, {services.settings.database_url.split(':')[0]}: sent {answered_after:.1f} s after the kill "
          f"(restart included)")
    assert transcripts(services)[str(chat)] == ["/start", words], "the turn ran once"
    assert [plain(text) for text in arrived] == transcripts(services, "out")[str(chat)][answered:], \
        "its replies arrived, once each, in order"
    assert arrived[0].startswith(REPEAT), "the bot cannot know whether they went before the kill: they say so"


def waiting_replies(services) -> bool:  # noqa: ANN001
    """Whether a turn's replies wait in the store (its transaction committed, the replies not sent)."""
    with services.sessions() as session:
        return session.scalar(select(func.count()).select_from(InboundUpdate)
                              .where(InboundUpdate.state == "replying")) > 0
