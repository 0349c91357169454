"""The outbox: idempotent enqueue, the new-case notifications, and a dispatcher that survives an outage."""
from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta

from sqlalchemy import select, text

from bot.db.models import Outbox, Unit
from bot.handoff.outbox import Backoff, Dispatcher, PermanentSendError, enqueue, notify_handoff_created
from tests.handoff.conftest import helsinki

NOW = helsinki(2026, 11, 24, 10, 0)


def rows(session) -> list[Outbox]:
    session.expire_all()
    return list(session.scalars(select(Outbox).order_by(Outbox.id)))


def queue(session, count: int, *, at=NOW) -> None:  # noqa: ANN001
    for number in range(count):
        enqueue(session, channel="telegram", recipient=f"{100 + number}", kind="handoff_new",
                payload={"handoff_id": number, "card": {"description": "Äiti kaatui"}}, dedupe_key=f"k{number}", now=at)
    session.commit()


class Flaky:
    """A channel that is down until `until` (by the frozen clock), then delivers; it records every call."""

    def __init__(self, clock, *, until=None, error: type[Exception] = ConnectionError) -> None:  # noqa: ANN001
        self.clock, self.until, self.error = clock, until, error
        self.calls: list[tuple[int, object]] = []
        self.delivered: Counter[int] = Counter()

    async def __call__(self, row: Outbox) -> None:
        self.calls.append((row.id, self.clock()))
        if self.until is not None and self.clock() < self.until:
            raise self.error("the network is down")
        self.delivered[row.id] += 1


class FloodWait(Exception):
    def __init__(self, retry_after) -> None:  # noqa: ANN001
        super().__init__("flood control")
        self.retry_after = retry_after


# Enqueue -----------------------------------------------------------------------------------------------------

def test_enqueue_is_idempotent_on_the_dedupe_key(session):
    first = enqueue(session, channel="telegram", recipient="1", kind="k", payload={"a": 1}, dedupe_key="same", now=NOW)
    second = enqueue(session, channel="telegram", recipient="2", kind="k", payload={"a": 2}, dedupe_key="same", now=NOW)
    session.commit()
    assert first is not None and second is None
    [row] = rows(session)
    assert (row.recipient, row.payload, row.attempts, row.next_attempt_at) == ("1", {"a": 1}, 0, NOW)


def test_enqueue_is_idempotent_under_concurrency(session, sessions):
    results: list[int | None] = []
    with sessions() as first:
        results.append(enqueue(first, channel="telegram", recipient="1", kind="k", payload={}, dedupe_key="race", now=NOW))

        def other() -> None:
            with sessions.begin() as second:  # waits for the first transaction, then does nothing
                results.append(enqueue(second, channel="telegram", recipient="2", kind="k", payload={},
                                       dedupe_key="race", now=NOW))

        thread = threading.Thread(target=other)
        thread.start()
        time.sleep(0.3)
        first.commit()
        thread.join(timeout=30)
    assert results[0] is not None and results[1] is None
    assert [row.recipient for row in rows(session)] == ["1"]


def test_enqueue_belongs_to_the_callers_transaction(session, sessions):
    with sessions() as fresh:  # enqueue as the very first statement of a transaction, then roll back
        enqueue(fresh, channel="telegram", recipient="1", kind="k", payload={}, dedupe_key="gone", now=NOW)
        fresh.rollback()
    assert rows(session) == []


def test_the_payload_is_not_readable_in_raw_sql(session):
    queue(session, 1)
    raw = session.execute(text("SELECT payload FROM outbox")).scalar()
    assert raw.startswith("gAAAA") and "Äiti" not in raw and "kaatui" not in raw
    assert rows(session)[0].payload["card"]["description"] == "Äiti kaatui"


# Notifications of a new case ---------------------------------------------------------------------------------

def test_a_new_case_reaches_the_coordinator_with_the_card_and_the_group_without_it(session, person, make_case):
    person("Sari").telegram_chat_id = "1001"
    session.scalar(select(Unit).where(Unit.code == "porvoo")).staff_chat_id = "-100200"
    case = make_case(at=NOW, coordinator="Sari", on_handoff=notify_handoff_created)
    to_sari, to_group = rows(session)
    assert (to_sari.channel, to_sari.recipient, to_sari.kind) == ("telegram", "1001", "handoff_new")
    card = to_sari.payload["card"]
    assert card["handoff_id"] == case.id and card["description"] == "Äiti kaatui eilen eikä pärjää yksin"
    assert (card["topic"], card["for_whom"], card["municipality"], card["language"]) == (
        "home_support", "close_one", "porvoo", "fi")
    assert (card["contact_preference"], card["phone"]) == ("phone", "+358401234567")
    assert card["consent_at"] == NOW.isoformat() and len(card["consent_text_hash"]) == 64
    # The consent names Sari and Anna and promises nobody else: the group learns that a case exists, nothing more.
    assert to_group.recipient == "-100200"
    assert to_group.payload["card"] == {"handoff_id": case.id, "status": "new", "created_at": NOW.isoformat(),
                                        "unit": {"fi": "Porvoon lähitori (demo)", "sv": "Närtorget i Borgå (demo)"},
                                        "coordinator": "Sari", "restricted": True}


def test_a_unit_case_goes_to_the_group_with_the_card_and_nobody_linked_gets_nothing(session, make_case):
    make_case(at=NOW, coordinator="Sari", on_handoff=notify_handoff_created)
    assert rows(session) == []  # Sari has not linked a chat, Porvoo has no group chat
    session.scalar(select(Unit).where(Unit.code == "sipoo")).staff_chat_id = "-100300"
    make_case(at=NOW, coordinator=None, unit="sipoo", phone=None, on_handoff=notify_handoff_created)
    [to_group] = rows(session)
    assert to_group.recipient == "-100300"
    assert to_group.payload["card"]["description"] == "Äiti kaatui eilen eikä pärjää yksin"
    assert "phone" not in to_group.payload["card"]


# The dispatcher ----------------------------------------------------------------------------------------------

async def drain(dispatcher: Dispatcher, clock, session, *, limit: int = 200) -> None:  # noqa: ANN001
    """Run the dispatcher, jumping the frozen clock to the next due row, until nothing is pending."""
    for _ in range(limit):
        await dispatcher.run_once()
        pending = [r.next_attempt_at for r in rows(session) if r.sent_at is None and r.failed_at is None]
        if not pending:
            return
        clock.at = max(clock.at, min(pending))
    raise AssertionError("the outbox did not drain")


async def test_an_hour_long_outage_delivers_everything_exactly_once(session, sessions, clock):
    queue(session, 3, at=clock())
    outage_ends = clock() + timedelta(hours=1)
    send = Flaky(clock, until=outage_ends)
    dispatcher = Dispatcher(sessions, send=send, clock=clock, backoff=Backoff(base=timedelta(seconds=10),
                                                                              cap=timedelta(minutes=5)))
    await drain(dispatcher, clock, session)

    assert send.delivered == Counter({1: 1, 2: 1, 3: 1})
    for row in rows(session):
        tries = [at for row_id, at in send.calls if row_id == row.id]
        assert row.attempts == len(tries) and row.sent_at == tries[-1] >= outage_ends
        assert row.failed_at is None and row.last_error is None
        gaps = [(b - a).total_seconds() for a, b in zip(tries, tries[1:], strict=False)]
        assert gaps[:6] == [10, 20, 40, 80, 160, 300]  # doubling ...
        assert set(gaps[5:]) == {300}  # ... and capped at five minutes
    assert clock() - outage_ends < timedelta(minutes=5)


async def test_a_failure_stores_only_the_error_class(session, sessions, clock):
    queue(session, 1)
    send = Flaky(clock, until=clock() + timedelta(seconds=1), error=ValueError)
    report = await Dispatcher(sessions, send=send, clock=clock).run_once()
    [row] = rows(session)
    assert (report.retried, row.attempts, row.last_error) == (1, 1, "ValueError")
    assert row.next_attempt_at == clock() + timedelta(seconds=10)


async def test_retry_after_is_honoured(session, sessions, clock):
    queue(session, 3)
    waits = {1: 42, 2: 42.0, 3: timedelta(seconds=42)}  # python-telegram-bot's RetryAfter: int, later timedelta

    async def flood(row: Outbox) -> None:
        raise FloodWait(waits[row.id])

    dispatcher = Dispatcher(sessions, send=flood, clock=clock)
    assert (await dispatcher.run_once()).retried == 3
    assert {(row.attempts, row.next_attempt_at, row.last_error) for row in rows(session)} == {
        (1, clock() + timedelta(seconds=42), "FloodWait")}
    clock.advance(seconds=41)
    assert (await dispatcher.run_once()).retried == 0  # not due yet
    clock.advance(seconds=1)
    assert (await dispatcher.run_once()).retried == 3


async def test_a_permanent_error_fails_the_row_at_once(session, sessions, clock):
    queue(session, 2)
    calls = []

    def blocked(row: Outbox) -> None:  # a plain function works too
        calls.append(row.id)
        if row.recipient == "100":
            raise PermanentSendError()

    dispatcher = Dispatcher(sessions, send=blocked, clock=clock)
    report = await dispatcher.run_once()
    assert (report.sent, report.failed) == (1, 1)
    clock.advance(days=1)
    assert (await dispatcher.run_once()).sent == 0
    first, second = rows(session)
    assert (first.failed_at, first.attempts, first.last_error, first.sent_at) == (NOW, 1, "PermanentSendError", None)
    assert second.sent_at == NOW and calls == [1, 2]


async def test_giving_up_after_max_attempts(session, sessions, clock):
    queue(session, 1)
    send = Flaky(clock, until=clock() + timedelta(days=9))
    await drain(Dispatcher(sessions, send=send, clock=clock, max_attempts=4), clock, session)
    [row] = rows(session)
    assert (row.attempts, row.last_error, row.sent_at) == (4, "ConnectionError", None)
    assert row.failed_at is not None and len(send.calls) == 4


async def test_a_row_being_sent_is_not_taken_by_a_second_dispatcher(session, sessions, clock):
    queue(session, 1)
    other = Dispatcher(sessions, send=Flaky(clock), clock=clock)
    seen_by_other = []

    async def send(row: Outbox) -> None:
        seen_by_other.append(await other.run_once())

    assert (await Dispatcher(sessions, send=send, clock=clock).run_once()).sent == 1
    assert seen_by_other[0].sent == 0 and other.send.calls == []
    assert (await other.run_once()).sent == 0  # sent rows stay sent


async def test_a_crash_between_send_and_mark_resends_once_after_the_lease(session, sessions, clock):
    queue(session, 1)
    send = Flaky(clock)
    dispatcher = Dispatcher(sessions, send=send, clock=clock, lease=timedelta(minutes=5))
    [row] = dispatcher.lease_due()
    await send(row)  # delivered, then the process dies before mark_sent
    clock.advance(minutes=4)
    assert (await dispatcher.run_once()).sent == 0  # still leased
    clock.advance(minutes=1)
    assert (await dispatcher.run_once()).sent == 1
    assert send.delivered == Counter({1: 2}) and rows(session)[0].sent_at == clock()


def test_backoff_doubles_and_caps():
    backoff = Backoff(base=timedelta(seconds=10), cap=timedelta(minutes=5))
    assert [backoff.delay(n).total_seconds() for n in (1, 2, 3, 6, 7, 500)] == [10, 20, 40, 300, 300, 300]
