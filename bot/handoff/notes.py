"""What is written about a case, as staff read it: private notes, the history from the audit trail, the transcript
with the bot's own notices as words rather than markers, and the card with its history. Every staff channel uses
these. Notes are the citizen's data: in /mydata and its export, erased with them (bot/handoff/erasure.py)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import AuditEvent, CaseNote, Coordinator, Handoff, MessageLog
from bot.handoff import staff
from bot.handoff.outbox import case_card

logger = logging.getLogger(__name__)

MAX_NOTE = 4000
HISTORY = ("handoff_created", "handoff_escalated", "handoff_claimed", "handoff_given_to_pair", "handoff_reassigned",
           "handoff_contacted", "handoff_closed", "handoff_cancelled", "case_addition", "case_note_added")


@dataclass(frozen=True, slots=True)
class Note:
    at: datetime
    author: str  # the coordinator's full name ("–" once they are no longer in the register)
    text: str


@dataclass(frozen=True, slots=True)
class Line:
    """One transcript line: the words as written, or (`notice`) what the bot told the citizen, by whose action."""

    at: datetime
    direction: str
    sender: str
    text: str | None
    notice: str | None  # a key of staff_texts.NOTICES
    person: str | None  # the coordinator who wrote it, or whose action the notice tells of


def add_note(session: Session, *, handoff_id: int, coordinator_id: int, text: str, now: datetime) -> CaseNote:
    """A private note on a case by a coordinator who may act on it; audited as `case_note_added` without its words.
    A cancelled case (the consent withdrawn) takes no more notes."""
    handoff, actor = staff._case(session, handoff_id=handoff_id, coordinator_id=coordinator_id, action="note",
                                 now=now)
    words = text.strip()[:MAX_NOTE]
    with staff._refusals(session, handoff, actor=actor, action="note", now=now):
        if not words:
            raise staff.EmptyNote("write the note first")
        if "note" not in staff.actions_on(handoff):
            raise staff.InvalidTransition(f"case {handoff.id} is {handoff.status}: it takes no more notes")
    note = CaseNote(handoff_id=handoff.id, coordinator_id=actor.id, author=f"coordinator:{actor.id}", text=words,
                    created_at=now)
    session.add(note)
    session.flush()
    staff._history(session, handoff, actor=actor, action="case_note_added", now=now, note_id=note.id)
    return note


def notes(session: Session, *, handoff_id: int) -> list[Note]:
    """The case's notes, oldest first, with their authors' names."""
    rows = session.scalars(select(CaseNote).where(CaseNote.handoff_id == handoff_id)
                           .order_by(CaseNote.created_at, CaseNote.id))
    return [Note(row.created_at, _full_name(session, row.coordinator_id), row.text) for row in rows]


def _full_name(session: Session, coordinator_id: int | None) -> str:
    person = session.get(Coordinator, coordinator_id) if coordinator_id is not None else None
    return person.full_name if person is not None else "–"


def history(session: Session, *, handoff: Handoff) -> list[dict[str, Any]]:
    """What happened to the case, oldest first, from the audit trail: when, what, who (first names only), and the
    outcome code of a closing; never a note's or a message's words."""
    events = session.scalars(select(AuditEvent).where(AuditEvent.handoff_id == handoff.id,
                                                      AuditEvent.action.in_(HISTORY)).order_by(AuditEvent.id))
    names: dict[int, str] = {}

    def name(coordinator_id: Any) -> str | None:
        if not isinstance(coordinator_id, int):
            return None
        if coordinator_id not in names:
            person = session.get(Coordinator, coordinator_id)
            names[coordinator_id] = person.first_name if person else "–"
        return names[coordinator_id]

    return [{"at": event.at.isoformat(), "action": event.action, "level": event.details.get("level"),
             "by": name(event.details.get("coordinator_id")), "to": name(event.details.get("to_coordinator_id")),
             "outcome": event.details.get("outcome"), "reason": event.details.get("reason")}
            for event in events]


def full_card(session: Session, handoff: Handoff) -> dict[str, Any]:
    """The case card with its history, for a coordinator who asked for the case (not for notifications)."""
    return {**case_card(handoff), "history": history(session, handoff=handoff)}


def transcript(session: Session, *, handoff_id: int) -> list[Line]:
    """The case's messages, oldest first. The bot's notices to the citizen are stored as markers (`[case_claimed]`,
    written by staff._tell_citizen): they come back as the notice's key, to be said in the reader's language."""
    rows = session.scalars(select(MessageLog).where(MessageLog.handoff_id == handoff_id)
                           .order_by(MessageLog.created_at, MessageLog.id))
    lines = []
    for row in rows:
        notice = _notice(row)
        lines.append(Line(row.created_at, row.direction, row.sender, None if notice else row.text, notice,
                          _full_name(session, row.coordinator_id) if row.coordinator_id is not None else None))
    return lines


def _notice(row: MessageLog) -> str | None:
    text = row.text or ""
    if not (text.startswith("[") and text.endswith("]")):
        return None
    if row.sender == "system":
        return text[1:-1] if text[1:-1] in ("case_claimed", "case_reassigned", "case_closed_feedback") else "notice"
    if row.sender == "citizen":  # what telegram.received_text writes for what was not text
        if text.startswith("[button "):
            return "button"
        return {"[sticker]": "sticker", "[not text]": "not_text"}.get(text)
    return None
