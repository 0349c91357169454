"""The Telegram scenarios again in webhook mode: the emulator's updates reach python-telegram-bot's webhook server
through the front (as Telegram would post them, with the secret header), and `lahitori run` in webhook mode."""
from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.config import PROJECT_ROOT
from bot.db.models import ProcessedUpdate
from tests.channels.conftest import (BACKENDS, BOT_IDS, PUBLIC_URL, TOKEN_TAIL, WEBHOOK_SECRET, RunningBot,
                                     TelegramCitizen,
                                     free_port, serving_bot)
from tests.channels.test_telegram_e2e import FI, scenarios
from tests.conftest import TEST_KEY

pytestmark = [pytest.mark.e2e, BACKENDS]  # on SQLite and on PostgreSQL
globals().update(scenarios())  # the citizen scenarios again, on this module's running_bot


@pytest.fixture
async def running_bot(front, channel_services) -> AsyncIterator[RunningBot]:  # noqa: ANN001
    async with serving_bot(front, channel_services, webhook=True) as bot:
        url, secret = front.webhooks[bot.token]
        assert url.startswith(PUBLIC_URL + "/") and secret == WEBHOOK_SECRET, "setWebhook got the public address"
        assert bot.token.split(":")[1] not in url, "the webhook's path does not reveal the token"
        yield bot
    assert not any(method == "getUpdates" for method, _ in front.calls), "a webhook bot never polls"


def start_update(update_id: int, chat_id: int) -> dict:
    """A /start as Telegram posts it to a webhook."""
    user = {"id": chat_id, "is_bot": False, "first_name": "Testi", "language_code": "fi"}
    return {"update_id": update_id,
            "message": {"message_id": 1, "date": int(time.time()), "chat": {"id": chat_id, "type": "private"},
                        "from": user, "text": "/start", "entities": [{"offset": 0, "length": 6,
                                                                      "type": "bot_command"}]}}


async def test_a_post_without_the_secret_is_refused_and_never_handled(running_bot, telegram_http,  # noqa: ANN001
                                                                      channel_services):
    chat = 5501
    for update_id, headers in ((9001, {}), (9002, {"X-Telegram-Bot-Api-Secret-Token": "not-the-secret"})):
        response = await telegram_http.post(running_bot.webhook, json=start_update(update_id, chat), headers=headers)
        assert response.status_code == 403
    response = await telegram_http.post(running_bot.webhook, content=b"{not json",
                                        headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET,
                                                 "Content-Type": "application/json"})
    assert response.status_code >= 400, "a malformed body is refused (python-telegram-bot: 500), the server lives on"
    response = await telegram_http.post(running_bot.webhook, json=start_update(9003, chat),
                                        headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
    assert response.status_code == 200
    running_bot.expected = running_bot.front.delivered[running_bot.token] = 1  # posted here, not through the front
    await running_bot.settle()
    assert running_bot.done == [9003]
    assert len(running_bot.front.sent("sendMessage", chat)) == 2, "the welcome and the topic menu, once"
    with channel_services.sessions() as session:
        assert session.scalars(select(ProcessedUpdate.update_id)).all() == [9003]


async def test_lahitori_run_in_webhook_mode_logs_no_contents_even_in_debug(front, channel_services,  # noqa: ANN001
                                                                            telegram_http):
    """The real command, as an operator starts it behind a reverse proxy (WEBHOOK_URL and WEBHOOK_SECRET set), with
    debug logging: python-telegram-bot's own debug lines (whole updates, whole API calls) keep no texts."""
    token, port = f"{next(BOT_IDS)}:{TOKEN_TAIL}", free_port()
    front.reverse_proxy(PUBLIC_URL, f"http://127.0.0.1:{port}")
    env = {"PATH": os.environ["PATH"], "DATABASE_URL": channel_services.settings.database_url, "DATA_KEY": TEST_KEY,
           "TELEGRAM_TOKEN": token, "TELEGRAM_API_URL": f"{front.url}/bot", "WEBHOOK_URL": PUBLIC_URL,
           "WEBHOOK_SECRET": WEBHOOK_SECRET, "WEBHOOK_PORT": str(port)}
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "-v", "run", cwd=PROJECT_ROOT, env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                                                   start_new_session=True)
    try:
        for _ in range(600):  # the webhook is set once the server listens
            if token in front.webhooks:
                break
            assert process.returncode is None, "lahitori run ended early"
            await asyncio.sleep(0.05)
        citizen = TelegramCitizen(bot=RunningBot(application=None, front=front, token=token), http=telegram_http,
                                  chat_id=5502, lang="fi")
        citizen.bot.settle = lambda timeout=15: asyncio.sleep(0)  # another process: wait for the messages instead
        await citizen.send("/start")
        await citizen.wait_for(lambda message: any(label == FI["topic"] for label, _ in message.buttons), timeout=60)
        seen = len(citizen.received)
        await citizen.press(FI["topic"])
        await citizen.wait_for(lambda message: FI["offer"] in message.text, after=seen)
        seen = len(citizen.received)
        await citizen.press(FI["want"])
        await citizen.wait_for(lambda message: FI["describe"] in message.text, after=seen)
        seen = len(citizen.received)
        await citizen.send(FI["need"])
        await citizen.wait_for(lambda message: bool(message.buttons), after=seen)
        url = front.webhooks[token][0].replace(PUBLIC_URL, f"http://127.0.0.1:{port}")
        refused = await telegram_http.post(url, json=start_update(9101, 5503))  # as Telegram, but without the secret
        assert refused.status_code == 403
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    log = stderr.decode()
    assert process.returncode == 0, log[-2000:]
    assert f"webhook on 127.0.0.1:{port}" in log and " ERROR " not in log and " CRITICAL " not in log
    assert "Calling Bot API endpoint" in log and "Webhook received data" in log, "debug lines were written"
    for words in ("Äitini", "Kerro omin sanoin", "Porvoon", FI["topic"], TOKEN_TAIL, WEBHOOK_SECRET):
        assert words not in log, f"{words!r} in the log"
    with channel_services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 4, "the refused post left none"
