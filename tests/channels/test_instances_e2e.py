"""Several `lahitori run` instances: two webhook instances on one PostgreSQL behind a loopback load balancer keep
every chat's order, handle every update once and lose nothing when one is killed; a second poller on one token
stops with one clear line."""
from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tests.channels.bot_api_front import Front
from tests.channels.conftest import BOT_IDS, PUBLIC_URL, TOKEN_TAIL, free_port
from tests.channels.loopback_lb import LoadBalancer
from tests.channels.test_durability_e2e import Bot, inbox, running, say, transcripts, until_handled

pytestmark = pytest.mark.e2e


@pytest.mark.postgres
@pytest.mark.parametrize("channel_backend", ["postgres"])
async def test_two_webhook_instances_keep_order_and_survive_a_kill(front: Front, channel_services, tmp_path):
    backend_services = channel_services
    token = f"{next(BOT_IDS)}:{TOKEN_TAIL}"
    first = Bot(front, backend_services, tmp_path, webhook=True, token=token, workers=1)
    second = Bot(front, backend_services, tmp_path / "b", webhook=True, token=token, workers=1)
    (tmp_path / "b").mkdir()
    balancer = LoadBalancer([f"http://127.0.0.1:{first.port}", f"http://127.0.0.1:{second.port}"])
    front.reverse_proxy(PUBLIC_URL, await balancer.start(free_port()))
    chats, rounds = 50, 6
    sent: dict[str, list[str]] = {str(6400 + n): [] for n in range(chats)}
    try:
        async with httpx.AsyncClient(timeout=10) as http, running(first), running(second):
            started = time.monotonic()
            for round_ in range(rounds):
                if round_ == rounds // 2:
                    await first.kill()  # mid-run: the balancer sends everything to the other one
                for chat, texts in sent.items():
                    text = f"viesti {round_ + 1} keskustelussa {chat}"
                    await say(http, front, token, int(chat), text)
                    texts.append(text)
            await until_handled(backend_services, chats * rounds, second)
            elapsed = time.monotonic() - started
            assert await second.stop() == 0, second.log()[-2000:]
    finally:
        await balancer.stop()
    print(f"\ntwo instances: {chats * rounds} updates from {chats} chats in {elapsed:.1f} s "
          f"({chats * rounds / elapsed:.0f} updates/s, one instance killed mid-run); served {balancer.served}")
    assert all(count > 0 for count in balancer.served.values()), "both instances took updates"
    found = transcripts(backend_services)
    inversions = sum(found.get(chat, []) != texts for chat, texts in sent.items())
    assert found == sent and inversions == 0, "every message once, in order, in every chat"


async def test_a_second_poller_stops_with_one_clear_line(front: Front, channel_services, tmp_path):
    token = f"{next(BOT_IDS)}:{TOKEN_TAIL}"
    first = Bot(front, channel_services, tmp_path, token=token)
    second = Bot(front, channel_services, tmp_path / "b", token=token)
    (tmp_path / "b").mkdir()
    async with httpx.AsyncClient(timeout=10) as http, running(first):
        await say(http, front, token, 6501, "/start")
        deadline = time.monotonic() + 60
        while not await inbox(http, front, token, 6501):
            assert time.monotonic() < deadline, first.log()[-2000:]
            await asyncio.sleep(0.1)
        async with running(second):
            deadline = time.monotonic() + 60
            while all(bot.process.returncode is None for bot in (first, second)):
                assert time.monotonic() < deadline, "neither poller stopped"
                await asyncio.sleep(0.1)
            stopped, serving = (first, second) if first.process.returncode is not None else (second, first)
            assert stopped.process.returncode == 2
            lines = stopped.log().strip().splitlines()
            assert "another bot process polls with this TELEGRAM_TOKEN" in lines[-1], lines[-3:]
            assert sum("409" in line or "Conflict" in line for line in lines) == 1, "one line, no retrying"
            await say(http, front, token, 6501, "/help")
            deadline = time.monotonic() + 60
            while not await inbox(http, front, token, 6501):
                assert time.monotonic() < deadline, "the other poller goes on: " + serving.log()[-2000:]
                await asyncio.sleep(0.1)
            assert await serving.stop() == 0
