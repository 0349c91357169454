"""The notification outbox: rows written in the domain transaction, delivered later by the Dispatcher.

Delivery is at-least-once, and at most twice in one narrow case. The dispatcher leases due rows in one short
transaction (pushing `next_attempt_at` forward by `lease`, with FOR UPDATE SKIP LOCKED on PostgreSQL), sends
outside any transaction, and marks each row sent in its own short transaction. A crash (or a lost database)
between a successful send and that mark leaves the row unmarked: after the lease it is sent once more. Nothing
else sends a row twice: a leased row is invisible to other dispatchers, and the mark is conditional on
`sent_at IS NULL`. The lease is short (LEASE, seconds), so a crashed sender's rows go out again soon; a dispatcher
renews the lease of the rows it still holds before each send once RENEW_AFTER has passed, so every send starts
with at least LEASE - RENEW_AFTER left: keep that above the channel's send timeout (Telegram: about 11 s).
"""
from __future__ import annotations

import asyncio
import inspect
import logging
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, object_session, sessionmaker

from bot.db.models import Coordinator, Handoff, Outbox, StaffMessage, Unit

logger = logging.getLogger(__name__)

STAFF_CHANNEL = "telegram"
LEASE = timedelta(seconds=30)  # how long leased rows are invisible to other dispatchers
RENEW_AFTER = timedelta(seconds=10)  # a dispatcher renews the lease of its remaining rows after this long


class PermanentSendError(Exception):
    """The channel can never deliver this row (the user blocked the bot, the chat is gone): no retry."""


# Enqueueing --------------------------------------------------------------------------------------------------

def enqueue(session: Session, *, channel: str, recipient: str, kind: str, payload: dict[str, Any], dedupe_key: str,
            now: datetime) -> int | None:
    """Add a notification to the caller's transaction; the id, or None when `dedupe_key` is already queued.

    INSERT ... ON CONFLICT DO NOTHING (both SQLite and PostgreSQL) is idempotent under concurrency too: a
    concurrent insert of the same key waits for the other transaction and then does nothing. It needs no
    savepoint, which matters on SQLite: pysqlite opens no transaction before a SAVEPOINT, so a savepoint that
    is the first statement of a session commits on release and a later rollback would not undo it.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(Outbox)
        .values(channel=channel, recipient=str(recipient), kind=kind, payload=payload, dedupe_key=dedupe_key,
                handoff_id=payload.get("handoff_id"), attempts=0, created_at=now, next_attempt_at=now)
        .on_conflict_do_nothing(index_elements=[Outbox.dedupe_key])
        .returning(Outbox.id)
    )
    row_id = session.execute(statement).scalar()
    if row_id is None:
        logger.debug("outbox: %s already queued", kind)
    return row_id


def drop_unsent(session: Session, handoff_ids: list[int]) -> int:
    """A withdrawn or deleted case: what is still queued about it (cards, the citizen's words, a coordinator's
    reply) is not sent; the rows go, with their content. How many went."""
    if not handoff_ids:
        return 0
    return cast(CursorResult[Any], session.execute(delete(Outbox).where(
        Outbox.handoff_id.in_(handoff_ids), Outbox.sent_at.is_(None), Outbox.failed_at.is_(None)))).rowcount


RETRACT_WITHIN = timedelta(hours=47)  # Telegram lets a bot delete its messages for 48 hours
RETRACT = "retract"  # an outbox row that deletes earlier staff messages; carries message ids only


def _queue_retraction(session: Session, chat_id: str, message_ids: list[int], *, now: datetime) -> None:
    enqueue(session, channel=STAFF_CHANNEL, recipient=chat_id, kind=RETRACT, payload={"messages": message_ids},
            dedupe_key=f"{RETRACT}:{chat_id}:{max(message_ids)}", now=now)


def remember_staff_messages(session: Session, *, handoff_id: int, chat_id: str, message_ids: list[int],
                            now: datetime) -> None:
    """Note what was sent to staff with a citizen's words, so it can be retracted; if the case was withdrawn or
    deleted while the messages were on their way, retract them at once."""
    handoff = session.get(Handoff, handoff_id)
    if handoff is None or handoff.status == "cancelled":
        _queue_retraction(session, chat_id, message_ids, now=now)
        return
    session.add_all(StaffMessage(handoff_id=handoff_id, chat_id=str(chat_id), message_id=message_id, sent_at=now)
                    for message_id in message_ids)


def retract_staff_messages(session: Session, handoff_ids: list[int], *, now: datetime) -> int:
    """Queue the deletion of what staff chats got of these cases (what Telegram still lets the bot delete);
    the number of messages."""
    if not handoff_ids:
        return 0
    rows = session.execute(select(StaffMessage.chat_id, StaffMessage.message_id, StaffMessage.sent_at)
                           .where(StaffMessage.handoff_id.in_(handoff_ids))).all()
    by_chat: dict[str, list[int]] = {}
    for chat_id, message_id, sent_at in rows:
        if sent_at > now - RETRACT_WITHIN:
            by_chat.setdefault(chat_id, []).append(message_id)
    for chat_id, message_ids in by_chat.items():
        _queue_retraction(session, chat_id, message_ids, now=now)
    session.execute(delete(StaffMessage).where(StaffMessage.handoff_id.in_(handoff_ids)))
    return sum(len(message_ids) for message_ids in by_chat.values())


def forget_unretractable(session: Session, now: datetime) -> int:
    """Drop the ids of staff messages Telegram no longer lets the bot delete; how many."""
    return cast(CursorResult[Any], session.execute(
        delete(StaffMessage).where(StaffMessage.sent_at <= now - RETRACT_WITHIN)
        .execution_options(synchronize_session=False))).rowcount


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _unit_names(unit: Unit) -> dict[str, str]:
    return {"fi": unit.name_fi, "sv": unit.name_sv}


def case_card(handoff: Handoff) -> dict[str, Any]:
    """What a coordinator's case card shows: the need in the citizen's own words and the consent it rests on."""
    need, consent = handoff.need, handoff.consent
    card: dict[str, Any] = {
        "handoff_id": handoff.id, "status": handoff.status, "created_at": _iso(handoff.created_at),
        "expected_contact_at": _iso(handoff.expected_contact_at), "unit": _unit_names(handoff.unit),
        "coordinator": handoff.coordinator.first_name if handoff.coordinator else None,
        "topic": need.topic, "description": need.description, "for_whom": need.for_whom,
        "municipality": need.municipality, "urgency": need.urgency, "language": need.language,
        "contact_preference": need.contact_preference, "contact_time": need.contact_time,
        "consent_at": _iso(consent.decided_at), "consent_text_hash": consent.text_hash,
    }
    session = object_session(handoff)
    named = [session.get(Coordinator, i) for i in (consent.coordinator_id, consent.pair_id) if i] if session else []
    card["consent_names"] = [person.first_name for person in named if person is not None]
    if need.phone:
        card["phone"] = need.phone
    return card


def group_card(handoff: Handoff) -> dict[str, Any]:
    """What a unit's group chat may see of a case whose consent names people: no personal data at all."""
    return {"handoff_id": handoff.id, "status": handoff.status, "created_at": _iso(handoff.created_at),
            "unit": _unit_names(handoff.unit),
            "coordinator": handoff.coordinator.first_name if handoff.coordinator else None, "restricted": True}


def names_people(handoff: Handoff) -> bool:
    """The consent names a coordinator (and pair): nobody else may read the case, not even the unit group."""
    return handoff.consent.coordinator_id is not None or handoff.consent.pair_id is not None


def card_for_unit_group(handoff: Handoff) -> dict[str, Any]:
    return group_card(handoff) if names_people(handoff) else case_card(handoff)


def staff_language(person: Coordinator | Unit) -> str:
    """The language staff texts to a coordinator (or a unit's group chat) are written in: their first one."""
    return next((lang for lang in person.languages or [] if lang in ("fi", "sv")), "fi")


def notify_coordinator(session: Session, *, coordinator: Coordinator | None, handoff: Handoff, kind: str,
                       extra: dict[str, Any], dedupe_key: str, now: datetime) -> bool:
    """Queue the full case card to a linked, active coordinator; False when they cannot be reached."""
    if coordinator is None or not coordinator.active or not coordinator.telegram_chat_id:
        return False
    enqueue(session, channel=STAFF_CHANNEL, recipient=coordinator.telegram_chat_id, kind=kind,
            payload={**extra, "handoff_id": handoff.id, "lang": staff_language(coordinator),
                     "card": case_card(handoff)}, dedupe_key=dedupe_key, now=now)
    return True


def notify_unit_group(session: Session, *, unit: Unit, handoff: Handoff, kind: str, extra: dict[str, Any],
                      dedupe_key: str, now: datetime) -> bool:
    """Queue a card to the unit's staff group chat (restricted when the consent names people)."""
    if not unit.staff_chat_id:
        return False
    enqueue(session, channel=STAFF_CHANNEL, recipient=unit.staff_chat_id, kind=kind,
            payload={**extra, "handoff_id": handoff.id, "lang": staff_language(unit),
                     "card": card_for_unit_group(handoff)}, dedupe_key=dedupe_key, now=now)
    return True


def notify_handoff_created(session: Session, handoff: Handoff) -> None:
    """The `StoreActions(on_handoff=...)` hook: tell the assigned coordinator and the unit's group chat."""
    now = handoff.created_at
    session.flush()
    reached = notify_coordinator(session, coordinator=handoff.coordinator, handoff=handoff, kind="handoff_new",
                                 extra={}, dedupe_key=f"handoff_new:{handoff.id}:c{handoff.coordinator_id}", now=now)
    grouped = notify_unit_group(session, unit=handoff.unit, handoff=handoff, kind="handoff_new", extra={},
                                dedupe_key=f"handoff_new:{handoff.id}:unit", now=now)
    if not (reached or grouped):
        logger.warning("handoff %d: nobody to notify (coordinator not linked, unit has no staff chat)", handoff.id)


# Dispatching -------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential delay between attempts: base, 2·base, 4·base ... never more than cap."""

    base: timedelta = timedelta(seconds=10)
    cap: timedelta = timedelta(minutes=5)

    def delay(self, attempts: int) -> timedelta:
        return min(self.cap, self.base * 2 ** min(max(attempts - 1, 0), 30))


@dataclass(slots=True)
class DispatchReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def retry_after(error: BaseException) -> timedelta | None:
    """A flood-control wait the channel asked for (python-telegram-bot's RetryAfter has one), if any."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB deprecates the int form in favour of a timedelta
        value = getattr(error, "retry_after", None)
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and value >= 0:
        return timedelta(seconds=value)
    return None


Send = Callable[[Outbox], Awaitable[None] | None]


class Dispatcher:
    """Delivers due outbox rows through `send`, retrying with capped exponential backoff."""

    def __init__(self, sessions: sessionmaker[Session], *, send: Send, clock: Callable[[], datetime],
                 max_attempts: int = 60, backoff: Backoff = Backoff(), batch_size: int = 50,
                 lease: timedelta = LEASE, renew_after: timedelta = RENEW_AFTER) -> None:
        self.sessions, self.send, self.clock = sessions, send, clock
        self.max_attempts, self.backoff, self.batch_size, self.lease = max_attempts, backoff, batch_size, lease
        self.renew_after = renew_after

    async def run_once(self) -> DispatchReport:
        """Send every row due now, oldest first; database work runs in a thread, `send` on the loop."""
        report = DispatchReport()
        rows = await asyncio.to_thread(self.lease_due)
        leased_at = self.clock()
        for index, row in enumerate(rows):
            if self.clock() - leased_at >= self.renew_after:
                await asyncio.to_thread(self.renew, [later.id for later in rows[index:]])
                leased_at = self.clock()
            try:
                result = self.send(row)
                if inspect.isawaitable(result):
                    await result
            except Exception as error:  # noqa: BLE001 - every channel error is classified below
                outcome = await asyncio.to_thread(self.mark_failed, row, error)
                setattr(report, outcome, getattr(report, outcome) + 1)
            else:
                await asyncio.to_thread(self.mark_sent, row)
                report.sent += 1
        return report

    def lease_due(self) -> list[Outbox]:
        """Take due rows for this dispatcher only: each is pushed `lease` into the future before sending."""
        now = self.clock()
        due = (Outbox.sent_at.is_(None), Outbox.failed_at.is_(None), Outbox.next_attempt_at <= now)
        with self.sessions() as session, session.begin():
            query = select(Outbox).where(*due).order_by(Outbox.id).limit(self.batch_size)
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = list(session.scalars(query))
            leased = []
            for row in rows:
                # Conditional, so that on SQLite (no row locks) a second dispatcher cannot lease it again.
                taken = cast(CursorResult[Any], session.execute(
                    update(Outbox).where(Outbox.id == row.id, *due).values(next_attempt_at=now + self.lease)
                    .execution_options(synchronize_session=False))).rowcount
                if taken == 1:
                    leased.append(row)
            session.expunge_all()
        return leased

    def renew(self, ids: list[int]) -> None:
        """Push the lease of rows this dispatcher still holds (unsent) `lease` into the future again."""
        now = self.clock()
        with self.sessions() as session, session.begin():
            session.execute(update(Outbox).where(Outbox.id.in_(ids), Outbox.sent_at.is_(None),
                                                 Outbox.failed_at.is_(None))
                            .values(next_attempt_at=now + self.lease).execution_options(synchronize_session=False))

    def mark_sent(self, row: Outbox) -> None:
        now = self.clock()
        with self.sessions() as session, session.begin():
            session.execute(update(Outbox).where(Outbox.id == row.id, Outbox.sent_at.is_(None))
                            .values(sent_at=now, attempts=Outbox.attempts + 1, last_error=None, payload=None))
        logger.info("outbox %d (%s) sent after %d attempt(s)", row.id, row.kind, row.attempts + 1)

    def mark_failed(self, row: Outbox, error: Exception) -> str:
        """Count the attempt and schedule the next one, or give up; 'retried' or 'failed'."""
        now = self.clock()
        attempts = row.attempts + 1
        values: dict[str, Any] = {"attempts": attempts, "last_error": type(error).__name__[:200]}
        if isinstance(error, PermanentSendError) or attempts >= self.max_attempts:
            values["failed_at"], values["payload"] = now, None
            outcome = "failed"
            logger.error("outbox %d (%s) failed for good after %d attempt(s): %s", row.id, row.kind, attempts,
                         type(error).__name__)
        else:
            wait = retry_after(error) or self.backoff.delay(attempts)
            values["next_attempt_at"] = now + wait
            outcome = "retried"
            logger.warning("outbox %d (%s) attempt %d failed (%s); next in %ds", row.id, row.kind, attempts,
                           type(error).__name__, wait.total_seconds())
        with self.sessions() as session, session.begin():
            session.execute(update(Outbox).where(Outbox.id == row.id, Outbox.sent_at.is_(None)).values(**values))
        return outcome
