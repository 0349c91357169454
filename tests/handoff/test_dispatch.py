"""The dispatcher's crash safety (bot/handoff/dispatch.py): a send in doubt is sent again marked as a possible repeat,
a long row resumes after its delivered pieces, every piece's message id is kept at once, a dropped row is not sent,
and the lease is renewed while a send takes its time."""
from __future__ import annotations

import asyncio
import itertools

from sqlalchemy import select

from bot.db.models import Outbox, StaffMessage
from bot.handoff.dispatch import LEASE, Dispatcher, SendInDoubt
from bot.handoff.outbox import drop_unsent, enqueue, notify_handoff_created
from tests.handoff.conftest import helsinki

NOW = helsinki(2026, 11, 24, 10, 0)


class Pieces:
    """A channel of `count` pieces a row; records (row id, piece, marked as a repeat) and gives message ids."""

    def __init__(self, count: int = 1, *, fail_at: tuple[int, Exception] | None = None) -> None:
        self.count, self.fail_at = count, fail_at
        self.sent: list[tuple[int, int, bool]] = []
        self.ids = itertools.count(500)

    def pieces(self, row: Outbox, *, repeat: int | None) -> list[tuple[int, bool]]:
        return [(index, index == repeat) for index in range(self.count)]

    async def send_piece(self, row: Outbox, piece: object) -> int | None:
        index, repeat = piece  # type: ignore[misc]
        if self.fail_at is not None and self.fail_at[0] == len(self.sent):
            self.fail_at, error = None, self.fail_at[1]
            raise error
        self.sent.append((row.id, index, repeat))
        return next(self.ids)

    def keeps(self, row: Outbox) -> bool:
        return True

    def in_doubt(self, error: BaseException) -> bool:
        return isinstance(error, SendInDoubt)


def card(session, make_case, **extra):  # noqa: ANN001, ANN201
    """A case to Sari (chat 1001) with its card queued; the outbox row."""
    from bot.db.models import Coordinator

    session.scalar(select(Coordinator).where(Coordinator.first_name == "Sari")).telegram_chat_id = "1001"
    case = make_case(at=NOW, coordinator="Sari", on_handoff=notify_handoff_created, **extra)
    session.commit()
    return session.scalars(select(Outbox).where(Outbox.handoff_id == case.id)).one()


def kept(session) -> list[int]:  # noqa: ANN001
    session.expire_all()
    return sorted(session.scalars(select(StaffMessage.message_id)))


async def test_a_send_cut_short_by_a_crash_is_sent_again_marked_as_a_possible_repeat(session, sessions, clock,
                                                                                   make_case):
    card(session, make_case)
    channel = Pieces()
    dying = Dispatcher(sessions, send=channel, clock=clock)
    [row] = dying.lease_due()
    assert dying.begin(row)
    await channel.send_piece(row, (0, False))  # it reached Telegram; the process died before recording it
    again = Dispatcher(sessions, send=channel, clock=clock)
    assert (await again.run_once()).sent == 0, "leased for a few seconds"
    clock.advance(seconds=LEASE.total_seconds())
    report = await again.run_once()
    assert (report.sent, report.repeated) == (1, 1)
    assert channel.sent == [(row.id, 0, False), (row.id, 0, True)], "the second copy says it may be one"
    assert kept(session) == [501], "the copy's id is kept (the first's never came back)"
    session.expire_all()
    done = session.get(Outbox, row.id)
    assert done.sent_at is not None and done.sending_at is None and done.payload is None


async def test_a_long_row_resumes_after_its_delivered_pieces_and_keeps_every_id(session, sessions, clock, make_case):
    row = card(session, make_case)
    channel = Pieces(3)
    dispatcher = Dispatcher(sessions, send=channel, clock=clock)
    [leased] = dispatcher.lease_due()
    assert dispatcher.begin(leased)
    for index in range(2):  # two pieces go and are recorded; the third is on its way when the process dies
        dispatcher.delivered(leased, index + 1, await channel.send_piece(leased, (index, False)), last=False)
    clock.advance(seconds=LEASE.total_seconds())
    assert (await dispatcher.run_once()).repeated == 1
    assert channel.sent == [(row.id, 0, False), (row.id, 1, False), (row.id, 2, True)]
    assert kept(session) == [500, 501, 502]


async def test_a_clean_failure_is_retried_unmarked_and_a_timeout_marked(session, sessions, clock, make_case):
    card(session, make_case)
    channel = Pieces(fail_at=(0, ConnectionError("refused")))
    dispatcher = Dispatcher(sessions, send=channel, clock=clock)
    assert (await dispatcher.run_once()).retried == 1
    clock.advance(minutes=1)
    assert (await dispatcher.run_once()).repeated == 0 and channel.sent[-1][2] is False
    card(session, make_case)
    channel.fail_at = (len(channel.sent), SendInDoubt("timed out"))
    assert (await dispatcher.run_once()).retried == 1
    clock.advance(minutes=1)
    assert (await dispatcher.run_once()).repeated == 1 and channel.sent[-1][2] is True


async def test_a_row_dropped_while_leased_is_not_sent(session, sessions, clock, make_case):
    row = card(session, make_case)
    channel = Pieces()
    dispatcher = Dispatcher(sessions, send=channel, clock=clock)
    original = dispatcher.lease_due

    def lease_then_withdraw() -> list[Outbox]:
        leased = original()
        with sessions.begin() as other:  # the citizen withdraws consent meanwhile
            drop_unsent(other, [row.handoff_id])
        return leased

    dispatcher.lease_due = lease_then_withdraw  # type: ignore[method-assign]
    report = await dispatcher.run_once()
    assert (report.sent, report.skipped, channel.sent) == (0, 1, [])


async def test_the_lease_is_renewed_while_a_send_takes_its_time(session, sessions, clock):
    for number in range(2):
        enqueue(session, channel="telegram", recipient="1", kind="case_claimed", payload={"n": number},
                dedupe_key=f"slow{number}", now=clock())
    session.commit()
    rival = Dispatcher(sessions, send=lambda row: None, clock=clock)
    stolen: list[int] = []

    async def slow(row: Outbox) -> None:
        clock.advance(seconds=LEASE.total_seconds() * 3)  # long past the lease, by the clock
        await asyncio.sleep(0.3)  # meanwhile the renewal runs (every 0.05 s here)
        stolen.extend(later.id for later in await asyncio.to_thread(rival.lease_due))

    patient = Dispatcher(sessions, send=slow, clock=clock, renew_every=0.05)
    assert (await patient.run_once()).sent == 2
    assert stolen == [], "no other dispatcher took a row this one held"
