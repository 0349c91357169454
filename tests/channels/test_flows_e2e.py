"""The real `lahitori run` (bot and a turn worker) against the emulated Bot API: a good start publishes FLOWS_DIR, an
edit the running bot takes is published too, and a start with a broken FLOWS_DIR runs the newest published version,
on PostgreSQL as on SQLite: a citizen gets the normal first answer, and "haluan kuolla" gets 112."""
from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path

import httpx
import pytest

from bot.config import PROJECT_ROOT
from bot.flowspec import versions
from tests.channels.test_durability_e2e import BACKEND, Bot, backend_services, inbox, running, say  # noqa: F401

pytestmark = pytest.mark.e2e


async def replies(http: httpx.AsyncClient, bot: Bot, chat_id: int, text: str, *, quiet: float = 1.5) -> list[str]:
    """Send `text` as a citizen and return what the bot answers: everything until it has been quiet a while."""
    await say(http, bot.front, bot.token, chat_id, text)
    received: list[str] = []
    deadline = time.monotonic() + 60
    while not received:
        assert time.monotonic() < deadline and bot.process.returncode is None, bot.log()[-3000:]
        received += await inbox(http, bot.front, bot.token, chat_id)
        await asyncio.sleep(0.05)
    last = time.monotonic()
    while time.monotonic() - last < quiet:
        more = await inbox(http, bot.front, bot.token, chat_id)
        if more:
            received += more
            last = time.monotonic()
        await asyncio.sleep(0.05)
    return received


def newest(services) -> versions.FlowVersion | None:  # noqa: ANN001
    with services.sessions() as session:
        return versions.latest(session)


@BACKEND
async def test_a_broken_flows_dir_after_a_good_start_runs_the_published_flows(backend, front, backend_services,  # noqa: ANN001, F811
                                                                             tmp_path: Path):
    flows = Path(shutil.copytree(PROJECT_ROOT / "flows", tmp_path / "flows"))
    bot = Bot(front, backend_services, tmp_path)
    bot.env["FLOWS_DIR"] = str(flows)
    main = flows / "main.yaml"
    async with httpx.AsyncClient(timeout=10) as http:
        async with running(bot):
            first = await replies(http, bot, 7101, "/start")
            assert "published as flow version 1" in bot.log()
            main.write_text(main.read_text().replace("Hyvää jatkoa!", "Mukavaa päivää!"))  # an edit while running
            deadline = time.monotonic() + 20
            while (version := await asyncio.to_thread(newest, backend_services)) is None or version.id < 2:
                assert time.monotonic() < deadline, f"the edit was not published; log:\n{bot.log()[-3000:]}"
                await asyncio.sleep(0.1)
            assert "Mukavaa päivää!" in version.files["main.yaml"] and version.created_by == "system"
            assert await bot.stop() == 0, bot.log()[-2000:]

        main.write_text("id: main\nsteps: [broken\n")
        async with running(bot):
            again = await replies(http, bot, 7102, "/start")
            crisis = await replies(http, bot, 7102, "haluan kuolla")
            log = bot.log()
            assert await bot.stop() == 0, bot.log()[-2000:]
    assert f"the flows in {flows} are invalid" in log and "running with the published flow version 2 of " in log, log
    assert again == first, "the normal first answer, from the published flows"
    assert not any("suppeassa tilassa" in text for text in again), "not the built-in fallback"
    assert any("112" in text for text in crisis), crisis
    version = await asyncio.to_thread(newest, backend_services)
    assert version is not None and version.id == 2, "the broken directory was not published"
