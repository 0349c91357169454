"""Talking through the bot: while a coordinator holds a chat case, the citizen's words go to them, and back.

The conversation's `mode` says who answers the citizen:
- `bot`: the flows (the default);
- `relay`: a coordinator holds the case (`handoff_id`) and the citizen asked to be contacted in this chat; their
  messages go to that coordinator and the bot stays silent, except for the crisis guard and explicit commands;
- `feedback`: the case was just closed; the feedback buttons sent with the closing message are valid. Anything
  typed returns the conversation to the bot.

Every function takes the caller's session and `now` and never commits; messages leave through the outbox.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Citizen, Conversation, Coordinator, Handoff, MessageLog
from bot.handoff.audit import record
from bot.handoff.notify import coordinator_chat, group_chat, names_people
from bot.handoff.outbox import STAFF_CHANNEL, email_coordinator, email_unit, enqueue, staff_language

logger = logging.getLogger(__name__)

OPEN = ("claimed", "contacted")


def wants_chat(handoff: Handoff) -> bool:
    """The coordinator answers in this chat: the citizen chose the chat, or a visit (its time is agreed here)."""
    return handoff.need.contact_preference in ("chat", "visit")


def conversation_of(session: Session, citizen_id: int | None) -> Conversation | None:
    if citizen_id is None:  # a bare case record after erasure: nobody's
        return None
    return session.scalar(select(Conversation).where(Conversation.citizen_id == citizen_id))


def hold(session: Session, handoff: Handoff) -> bool:
    """Put the citizen's conversation in relay mode for this case (a chat case just claimed); True if it is."""
    if not wants_chat(handoff):
        return False
    conversation = conversation_of(session, handoff.citizen_id)
    if conversation is None:
        return False
    conversation.mode, conversation.handoff_id = "relay", handoff.id
    return True


def release(session: Session, handoff: Handoff, *, feedback: bool) -> None:
    """End the relay of this case; with `feedback` the closing message's rating buttons become valid."""
    conversation = conversation_of(session, handoff.citizen_id)
    if conversation is None:
        return
    if conversation.mode == "relay" and conversation.handoff_id != handoff.id:
        return  # the conversation already relays another case
    if feedback:
        conversation.mode, conversation.handoff_id = "feedback", handoff.id
    elif conversation.handoff_id == handoff.id:
        conversation.mode, conversation.handoff_id = "bot", None


def holder(handoff: Handoff) -> Coordinator | None:
    return handoff.coordinator if handoff.coordinator is not None and handoff.coordinator.active else None


def citizen_payload(handoff: Handoff, citizen: Citizen, person: Coordinator | None, **extra: Any) -> dict[str, Any]:
    """What a message to the citizen names: the person (first name, title), the unit and its phone,
    in their language."""
    lang, unit = citizen.language, handoff.unit
    return {"handoff_id": handoff.id, "lang": lang, "topic": handoff.need.topic, "unit": unit.name(lang),
            "unit_phone": unit.phone, "coordinator": person.first_name if person else None,
            "title": person.title(lang) if person else None, "chat": wants_chat(handoff), **extra}


def to_staff(session: Session, handoff: Handoff, *, kind: str, dedupe_key: str, now: datetime,
             **payload: Any) -> bool:
    """Queue a message about the case to whoever holds it, else the people the consent names, else the unit (its
    group chat, or by e-mail its people) when the consent names nobody; False if nobody could be reached.

    Telegram only where the units allow it; e-mail (no client data) for the kinds that call for action
    (bot/handoff/notify.py)."""
    people = [holder(handoff)]
    if people[0] is None:
        consent = handoff.consent
        people = [session.get(Coordinator, i) for i in (consent.coordinator_id, consent.pair_id) if i]
    sent = False
    for person in people:
        if person is None or not person.active:
            continue
        chat = coordinator_chat(person, handoff)
        if chat is not None:
            enqueue(session, channel=STAFF_CHANNEL, recipient=chat, kind=kind,
                    payload={"handoff_id": handoff.id, "lang": staff_language(person), **payload},
                    dedupe_key=f"{dedupe_key}:c{person.id}", now=now)
            sent = True
        if email_coordinator(session, coordinator=person, handoff=handoff, kind=kind,
                             dedupe_key=f"{dedupe_key}:c{person.id}", now=now):
            sent = True
    if not sent and not names_people(handoff):
        unit, chat = handoff.unit, group_chat(handoff.unit)
        if chat is not None:
            enqueue(session, channel=STAFF_CHANNEL, recipient=chat, kind=kind,
                    payload={"handoff_id": handoff.id, "lang": staff_language(unit), **payload},
                    dedupe_key=f"{dedupe_key}:unit", now=now)
            sent = True
        else:
            sent = bool(email_unit(session, handoff=handoff, kind=kind, dedupe_key=dedupe_key, now=now))
    if not sent:
        logger.warning("case %d: nobody linked to receive %s", handoff.id, kind)
    return sent


def pass_on(session: Session, handoff: Handoff, *, kind: str, action: str, text: str, now: datetime,
            **details: Any) -> MessageLog:
    """The citizen's words on an open case: into the transcript with the case, queued to whoever holds it
    (`relay_in`, `case_addition`), and audited without the words. The transcript row's id keys the outbox row."""
    message = MessageLog(citizen_id=handoff.citizen_id, handoff_id=handoff.id, direction="in", sender="citizen",
                         text=text, created_at=now)
    session.add(message)
    session.flush()
    to_staff(session, handoff, kind=kind, dedupe_key=f"{kind}:{message.id}", now=now, text=text, **details)
    record(session, actor=f"citizen:{handoff.citizen_id}", action=action, citizen_id=handoff.citizen_id,
           handoff_id=handoff.id, at=now, details=details)
    return message
