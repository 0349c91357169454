"""The Telegram scenarios again, with the turns in two worker processes (TURN_WORKERS=2), as `lahitori run` does."""
from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.config import PROJECT_ROOT
from bot.db.models import ProcessedUpdate
from bot.turn_workers import ProcessTurns
from tests.channels.conftest import BACKENDS, BOT_IDS, TOKEN_TAIL, RunningBot, TelegramCitizen, serving_bot
from tests.conftest import TEST_KEY
from tests.channels.test_telegram_e2e import scenarios

pytestmark = pytest.mark.e2e
globals().update(scenarios())  # the citizen scenarios again, on this module's running_bot


@pytest.fixture
async def running_bot(front, channel_services) -> AsyncIterator[RunningBot]:  # noqa: ANN001
    turns = ProcessTurns(channel_services.settings, 2)
    async with serving_bot(front, channel_services, turns=turns) as bot:
        assert len(turns.workers) == 2 and all(worker.process.is_alive() for worker in turns.workers)
        yield bot
        assert sum(worker.served for worker in turns.workers) > 0, "the turns ran in the workers"
    assert turns.workers == [], "post_stop stops the workers"


class Unobserved(RunningBot):
    """A bot in another process: its handled updates cannot be counted, so the citizen waits for messages."""

    async def settle(self, timeout: float = 15) -> None:
        pass


@BACKENDS  # the scenarios above run on PostgreSQL in test_telegram_e2e.py and test_webhook_e2e.py
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "systemd"])
async def test_lahitori_run_serves_citizens_through_its_turn_workers(stop, front, channel_services,  # noqa: ANN001
                                                                     telegram_http):
    """The real command, as an operator starts it: environment only, two turn workers; stopped by a signal to its
    whole process group, as Ctrl+C and systemd send it."""
    token = f"{next(BOT_IDS)}:{TOKEN_TAIL}"
    env = {"PATH": os.environ["PATH"], "DATABASE_URL": channel_services.settings.database_url, "DATA_KEY": TEST_KEY,
           "TELEGRAM_TOKEN": token, "TELEGRAM_API_URL": f"{front.url}/bot", "TELEGRAM_POLL_INTERVAL": "0.05",
           "TURN_WORKERS": "2"}
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=PROJECT_ROOT, env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                                                   start_new_session=True)
    try:
        citizen = TelegramCitizen(bot=Unobserved(application=None, front=front, token=token), http=telegram_http,
                                  chat_id=5301, lang="sv")
        await citizen.send("/start")
        await citizen.wait_for(lambda message: any(label == "Färdtjänst" for label, _ in message.buttons), timeout=60)
        seen = len(citizen.received)
        await citizen.press("Färdtjänst")
        offer = await citizen.wait_for(lambda message: "Vill du att en servicehandledare" in message.text, after=seen)
        seen = len(citizen.received)
        await citizen.press("Ja, jag vill bli kontaktad", keyboard=offer.buttons, message_id=offer.message_id)
        await citizen.wait_for(lambda message: "Berätta med egna ord" in message.text, after=seen)
    finally:
        os.killpg(process.pid, stop)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    log = stderr.decode()
    assert process.returncode == 0, log[-2000:]
    for _ in range(100):  # the workers (same process group) leave once the bot has closed their pipes
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("turn workers outlived the bot")
    assert "long polling, turn workers: 2" in log and "Traceback" not in log
    with channel_services.sessions() as session:  # written by the workers, read here
        assert session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 3
