"""kill -9 while the outbox sends: 60 case cards to a coordinator, the whole `lahitori run` killed several times in
the middle of sending, started again each time. Every card arrives; a card whose send was cut off after Telegram had
it (the front answers each send late, so kills land there too) arrives twice and the second copy says it may be a
repeat; every copy whose id the bot got is kept for retraction. Printed: copies sent twice, and how long after each
kill the sending went on (restart and the crashed sender's lease included)."""
from __future__ import annotations

import asyncio
import random
import re
import time

import httpx
import pytest
from sqlalchemy import func, select

from bot.db.models import Coordinator, Outbox, StaffMessage
from tests.channels.bot_api_front import Front
from tests.channels.conftest import BACKENDS
from tests.channels.test_durability_e2e import Bot, messages, running
from tests.channels.test_staff_e2e import make_case

pytestmark = pytest.mark.e2e

CARDS, KILLS, STAFF_CHAT = 60, 4, 6601
REPEAT = "(lähetetty uudelleen katkoksen jälkeen)"
CASE = re.compile(r"#(\d+)\b")


def sent_cards(services) -> int:  # noqa: ANN001
    with services.sessions() as session:
        return session.scalar(select(func.count()).select_from(Outbox).where(
            Outbox.kind == "handoff_new", Outbox.sent_at.is_not(None))) or 0


def kept_ids(services) -> dict[int, int]:  # noqa: ANN001
    """message id -> case, as kept for retraction."""
    with services.sessions() as session:
        return dict(session.execute(select(StaffMessage.message_id, StaffMessage.handoff_id).where(
            StaffMessage.chat_id == str(STAFF_CHAT))).tuples().all())


async def until(condition, what: str, bot: Bot, timeout: float = 90) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(condition):
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}\n{bot.log()[-3000:]}"
        await asyncio.sleep(0.05)


@BACKENDS
async def test_kill9_while_the_outbox_sends_delivers_every_card_and_marks_every_repeat(front: Front, channel_services,
                                                                                      tmp_path):
    services = channel_services
    with services.sessions.begin() as session:
        sari = session.scalar(select(Coordinator).where(Coordinator.first_name == "Sari"))
        sari.telegram_chat_id = str(STAFF_CHAT)
    with services.sessions() as session:
        sari = session.scalar(select(Coordinator).where(Coordinator.first_name == "Sari"))
    cases = [make_case(services, n, sari) for n in range(CARDS)]
    bot = Bot(front, services, tmp_path)
    front.slow(bot.token, 0.1)  # Telegram has each card 0.1 s before the bot hears so: a kill can land in between
    random.seed(13)
    resumed: list[float] = []
    async with httpx.AsyncClient(timeout=10) as http, running(bot):
        for _kill in range(KILLS):
            before = await asyncio.to_thread(sent_cards, services)
            await until(lambda before=before: sent_cards(services) >= min(before + 6, CARDS - 2),
                        "cards going out", bot)
            await asyncio.sleep(random.uniform(0.0, 0.25))
            await bot.kill()
            killed_at, count = time.monotonic(), len(front.sent("sendMessage", STAFF_CHAT))
            await bot.start()
            await until(lambda count=count: len(front.sent("sendMessage", STAFF_CHAT)) > count, "sending again", bot)
            resumed.append(time.monotonic() - killed_at)
        await until(lambda: sent_cards(services) == CARDS, "every card sent", bot)
        assert await bot.stop() == 0, bot.log()[-2000:]
        arrived = await messages(http, front, bot.token, STAFF_CHAT)
    by_case: dict[int, list[tuple[int, str]]] = {}
    for message_id, text in arrived:
        by_case.setdefault(int(CASE.search(text).group(1)), []).append((message_id, text))
    twice = sum(len(sent) - 1 for sent in by_case.values())
    print(f"\noutbox, {services.settings.database_url.split(':')[0]}: {CARDS} cards, {KILLS} kills; copies sent twice "
          f"(each marked as a possible repeat): {twice}; sending went on after each kill in "
          f"{', '.join(f'{seconds:.1f} s' for seconds in resumed)}")
    assert sorted(by_case) == sorted(cases), "every card arrived"
    kept = kept_ids(services)
    for case, sent in by_case.items():
        assert all(REPEAT in text for _id, text in sent[1:]), f"case {case}: every repeat says it may be one"
        assert kept.get(sent[-1][0]) == case, f"case {case}: the id of the copy the bot was told of is kept"
        # Each earlier copy was cut off by a kill after Telegram had it: the bot never learnt its id.
        assert not any(message_id in kept for message_id, _text in sent[:-1]), f"case {case}"
    assert len(kept) == CARDS, "one id a card: the copy whose sending was recorded"
