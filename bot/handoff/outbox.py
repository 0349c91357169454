"""The notification outbox: rows written in the domain transaction, delivered later by the Dispatcher
(bot/handoff/dispatch.py: short leases renewed while sending, each piece's result and message id recorded at once,
a send in doubt sent again marked as a possible repeat). Staff rows go to Telegram chats (channel "telegram", with
the case card) and to work e-mail (channel "email", the case number only); bot/handoff/notify.py says who gets
which, and this module queues them.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, object_session

from bot.db.models import Coordinator, Handoff, Outbox, StaffMessage, Unit
from bot.handoff.dispatch import (
    LEASE,
    Backoff,
    Dispatcher,
    DispatchReport,
    PermanentSendError,
    SendInDoubt,
    retry_after,
)
from bot.handoff.notify import (
    EMAIL,
    TELEGRAM,
    coordinator_chat,
    email_address,
    email_key,
    group_chat,
    names_people,
    unit_readers,
)

__all__ = ["LEASE", "RETRACT", "Backoff", "DispatchReport", "Dispatcher", "PermanentSendError", "SendInDoubt",
           "drop_unsent", "email_coordinator", "email_unit", "enqueue", "forget_unretractable", "names_people",
           "notify_coordinator", "notify_handoff_created", "notify_unit_group", "remember_staff_messages",
           "retract_staff_messages", "retry_after"]

logger = logging.getLogger(__name__)

STAFF_CHANNEL = TELEGRAM  # staff chats; e-mail rows are channel EMAIL (bot/handoff/notify.py says who gets which)


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
    if handoff is None or handoff.status == "cancelled" or handoff.erased_at is not None:
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


def card_for_unit_group(handoff: Handoff) -> dict[str, Any]:
    return group_card(handoff) if names_people(handoff) else case_card(handoff)


def staff_language(person: Coordinator | Unit) -> str:
    """The language staff texts to a coordinator (or a unit's group chat) are written in: their first one."""
    return next((lang for lang in person.languages or [] if lang in ("fi", "sv")), "fi")


def email_coordinator(session: Session, *, coordinator: Coordinator, handoff: Handoff, kind: str, dedupe_key: str,
                      now: datetime) -> bool:
    """Queue the e-mail about the case (its number and kind, no client data) when the kind calls for action and the
    coordinator has an address; whether one was queued (or already was)."""
    address = email_address(coordinator, kind)
    if address is None:
        return False
    # The address rides in the encrypted payload (the recipient column is too short for every address, and the
    # payload goes once the row is sent); the recipient names the person.
    enqueue(session, channel=EMAIL, recipient=f"coordinator:{coordinator.id}", kind=kind,
            payload={"handoff_id": handoff.id, "lang": staff_language(coordinator), "to": address},
            dedupe_key=email_key(dedupe_key, kind=kind, handoff_id=handoff.id, person_id=coordinator.id, now=now),
            now=now)
    return True


def email_unit(session: Session, *, handoff: Handoff, kind: str, dedupe_key: str, now: datetime) -> list[int]:
    """E-mail everyone of the case's unit who may read it and is here (the unit without a Telegram group to tell);
    the ids of those e-mailed."""
    return [person.id for person in unit_readers(session, handoff, now)
            if email_coordinator(session, coordinator=person, handoff=handoff, kind=kind,
                                 dedupe_key=f"{dedupe_key}:c{person.id}", now=now)]


def notify_coordinator(session: Session, *, coordinator: Coordinator | None, handoff: Handoff, kind: str,
                       extra: dict[str, Any], dedupe_key: str, now: datetime) -> bool:
    """Queue the full case card to the coordinator's Telegram chat (linked, and allowed by the unit) and the e-mail
    without client data (an address, and a kind that calls for action); False when neither reaches them."""
    if coordinator is None or not coordinator.active:
        return False
    chat = coordinator_chat(coordinator, handoff)
    if chat is not None:
        enqueue(session, channel=STAFF_CHANNEL, recipient=chat, kind=kind,
                payload={**extra, "handoff_id": handoff.id, "lang": staff_language(coordinator),
                         "card": case_card(handoff)}, dedupe_key=dedupe_key, now=now)
    mailed = email_coordinator(session, coordinator=coordinator, handoff=handoff, kind=kind, dedupe_key=dedupe_key,
                               now=now)
    return chat is not None or mailed


def notify_unit_group(session: Session, *, unit: Unit, handoff: Handoff, kind: str, extra: dict[str, Any],
                      dedupe_key: str, now: datetime) -> bool:
    """Queue a card to the unit's staff group chat (restricted when the consent names people), when it has one
    and lets cases into Telegram."""
    chat = group_chat(unit)
    if chat is None:
        return False
    enqueue(session, channel=STAFF_CHANNEL, recipient=chat, kind=kind,
            payload={**extra, "handoff_id": handoff.id, "lang": staff_language(unit),
                     "card": card_for_unit_group(handoff)}, dedupe_key=dedupe_key, now=now)
    return True


def notify_handoff_created(session: Session, handoff: Handoff) -> None:
    """The `StoreActions(on_handoff=...)` hook: tell the assigned coordinator and the unit's group chat; when
    neither can be reached, e-mail the unit's people who may read the case."""
    now = handoff.created_at
    session.flush()
    reached = notify_coordinator(session, coordinator=handoff.coordinator, handoff=handoff, kind="handoff_new",
                                 extra={}, dedupe_key=f"handoff_new:{handoff.id}:c{handoff.coordinator_id}", now=now)
    grouped = notify_unit_group(session, unit=handoff.unit, handoff=handoff, kind="handoff_new", extra={},
                                dedupe_key=f"handoff_new:{handoff.id}:unit", now=now)
    if reached or grouped:
        return
    if not email_unit(session, handoff=handoff, kind="handoff_new", dedupe_key=f"handoff_new:{handoff.id}:unit",
                      now=now):
        logger.warning("handoff %d: nobody to notify (coordinator not linked, unit has no staff chat, nobody "
                       "with an e-mail address)", handoff.id)
