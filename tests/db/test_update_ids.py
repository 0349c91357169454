"""Update ids: once-only per bot, and kept for a window only (a bot's ids start again after a quiet week)."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from bot.channels.staff_jobs import StaffJobs
from bot.conversation import KEEP_UPDATE_IDS, TurnRunner, forget_old_updates
from bot.db.models import ProcessedUpdate
from tests.handoff.conftest import FrozenClock, helsinki


def turn(runner: TurnRunner, update_id: int, *, bot: str = "telegram:1", user: str = "7"):
    return runner.handle(channel="telegram", external_id=user, text="/mycase", update_id=update_id, update_from=bot)


def test_the_same_update_id_from_two_bots_is_two_turns(services):
    runner = TurnRunner(services)
    assert not turn(runner, 500, bot="telegram:1").duplicate
    assert not turn(runner, 500, bot="telegram:2").duplicate
    assert turn(runner, 500, bot="telegram:1").duplicate
    with services.sessions() as session:
        assert sorted(session.scalars(select(ProcessedUpdate.channel))) == ["telegram:1", "telegram:2"]


def test_ids_older_than_the_window_are_forgotten_and_may_come_again(services):
    services.clock = clock = FrozenClock(helsinki(2026, 11, 24, 10, 0))
    runner = TurnRunner(services)
    turn(runner, 1)
    clock.advance(seconds=(KEEP_UPDATE_IDS - timedelta(minutes=1)).total_seconds())
    turn(runner, 2)
    with services.sessions.begin() as session:
        assert forget_old_updates(session, services.clock()) == 0
    clock.advance(minutes=2)
    with services.sessions.begin() as session:
        assert forget_old_updates(session, services.clock()) == 1
    with services.sessions() as session:
        assert list(session.scalars(select(ProcessedUpdate.update_id))) == [2]
    again = turn(runner, 1)  # the bot's numbering began again after a quiet week
    assert not again.duplicate and again.replies
    assert turn(runner, 2).duplicate


async def test_the_staff_jobs_forget_them(services):
    services.clock = clock = FrozenClock(helsinki(2026, 11, 24, 10, 0))
    TurnRunner(services).handle(channel="telegram", external_id="7", start=True, update_id=1, update_from="telegram:1")
    clock.advance(hours=49)
    worker = StaffJobs(services, interval=0.01)  # the staff jobs forget them, with or without Telegram
    worker.start()
    for _ in range(300):
        with services.sessions() as session:
            if session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 0:
                break
        await asyncio.sleep(0.01)
    await worker.stop()
    with services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 0
