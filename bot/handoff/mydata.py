"""Everything held about one citizen (GDPR Art. 15 and 20, the client-data act 703/2023), collected once into a
typed structure; bot/handoff/mydata_render.py says it as lines for /mydata and writes the export's JSON. Reads only."""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.db.models import (
    AuditEvent,
    Citizen,
    Consent,
    Conversation,
    Coordinator,
    Feedback,
    Handoff,
    MessageLog,
    Need,
    Unit,
)
from bot.handoff import notes, viewlog
from bot.handoff.retention import Periods
from bot.handoff.routing import OPEN_STATUSES

logger = logging.getLogger(__name__)

VIEWED = "case_viewed"  # the audit action of a coordinator opening a case (bot/handoff/staff.py view)
CRISIS = "crisis_detected"
NEED_FIELDS = ("description", "for_whom", "municipality", "urgency", "contact_preference", "phone", "contact_time")


@dataclass(frozen=True, slots=True)
class Person:
    """A coordinator as the citizen is told: full name, title and unit in the citizen's language."""

    id: int
    name: str
    title: str
    unit: str


@dataclass(frozen=True, slots=True)
class NeedData:
    id: int
    topic: str
    topic_confidence: float | None  # how sure the classifier was of the topic (None: chosen from the menu)
    values: dict[str, str | None]  # NEED_FIELDS: the citizen's own words and answers, whole
    language: str
    status: str
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class ConsentData:
    id: int
    need_id: int
    decision: str  # given | declined
    text: str  # exactly as shown and answered
    text_sha256: str
    language: str
    coordinator: str | None
    pair: str | None
    unit: str
    decided_at: datetime
    withdrawn_at: datetime | None


@dataclass(frozen=True, slots=True)
class ViewData:
    at: datetime
    by: Person | None  # None: an administrator (`admin`), or a coordinator no longer in the register
    admin: str | None = None  # an administrator's account without a coordinator: its display name
    view: str = "case"  # case | transcript | export (bot/handoff/viewlog.py)


@dataclass(frozen=True, slots=True)
class CaseData:
    number: int
    need_id: int | None
    holder: Person | None  # None: the unit as a whole
    unit: str
    status: str
    times: dict[str, datetime | None]  # passed_on, expected_contact, claimed, contacted, closed, cancelled
    views: tuple[ViewData, ...]
    outcome: str | None = None  # how it ended (guidance | referred | phone | unreachable | other), once closed
    outcome_note: str | None = None  # the service referred to, or a coordinator's few words
    notes: tuple[NoteData, ...] = ()  # the staff's private notes on the case


@dataclass(frozen=True, slots=True)
class NoteData:
    at: datetime
    by: str  # the coordinator's full name
    text: str


@dataclass(frozen=True, slots=True)
class FeedbackData:
    at: datetime
    score: int
    comment: str | None
    case_number: int | None
    topic: str | None


@dataclass(frozen=True, slots=True)
class MessageData:
    at: datetime
    direction: str
    sender: str
    text: str
    case_number: int | None
    coordinator: str | None


@dataclass(frozen=True, slots=True)
class Retention:
    basis: str  # conversation | open_case | closed_case
    days: int
    until: date | None  # None while a case is open


@dataclass(frozen=True, slots=True)
class MyData:
    channel: str
    channel_id: str
    language: str
    first_contact_at: datetime
    needs: tuple[NeedData, ...]
    consents: tuple[ConsentData, ...]
    cases: tuple[CaseData, ...]
    feedback: tuple[FeedbackData, ...]
    crisis_help: tuple[datetime, ...]  # when crisis guidance was given; never what was written
    answers: dict[str, Any]  # what the conversation remembers now (not yet a need, or kept for the next one)
    message_count: int
    retention: Retention
    history: tuple[tuple[datetime, str, str], ...] = ()  # (at, action, by) of the audit trail; only in the export
    transcript: tuple[MessageData, ...] = ()  # only in the export


def kept_until(cases: tuple[CaseData, ...], *, now: datetime, tz: str, periods: Periods) -> Retention:
    """When the purge (bot/handoff/retention.py) will have removed it all: nothing while a case is open; else the
    later of the closed-case period after the last case ended and the conversation period after now (this message
    is the latest activity)."""
    if any(case.status in OPEN_STATUSES for case in cases):
        return Retention("open_case", periods.closed_case.days, None)
    zone = ZoneInfo(tz)
    conversation = (now + periods.conversation).astimezone(zone).date()
    ends = [case.times["closed"] or case.times["cancelled"] for case in cases]
    ended = max((end for end in ends if end is not None), default=None)
    if ended is not None and (ended + periods.closed_case).astimezone(zone).date() >= conversation:
        return Retention("closed_case", periods.closed_case.days, (ended + periods.closed_case).astimezone(zone).date())
    return Retention("conversation", periods.conversation.days, conversation)


def _person(coordinator: Coordinator | None, lang: str) -> Person | None:
    if coordinator is None:
        return None
    return Person(coordinator.id, coordinator.full_name, coordinator.title(lang), coordinator.unit.name(lang))


def collect(session: Session, *, citizen: Citizen, now: datetime, tz: str, lang: str, settings: Settings | None = None,
            everything: bool = False) -> MyData:
    """What is held about `citizen`; with `everything`, also the audit trail and the whole transcript."""
    mine = citizen.id
    needs = list(session.scalars(select(Need).where(Need.citizen_id == mine).order_by(Need.id)))
    consents = list(session.scalars(select(Consent).where(Consent.citizen_id == mine).order_by(Consent.id)))
    cases = list(session.scalars(select(Handoff).where(Handoff.citizen_id == mine).order_by(Handoff.id)))
    numbers = [case.id for case in cases]
    views = views_of(session, numbers, lang=lang)

    def name(coordinator_id: int | None) -> str | None:
        person = session.get(Coordinator, coordinator_id) if coordinator_id else None
        return person.full_name if person else None

    conversation = session.scalar(select(Conversation).where(Conversation.citizen_id == mine))
    crisis = tuple(event.at for event in session.scalars(  # "112 is already called" got an acknowledgement only
        select(AuditEvent).where(AuditEvent.citizen_id == mine, AuditEvent.action == CRISIS).order_by(AuditEvent.at))
        if not (event.details or {}).get("already_called"))
    case_data = tuple(CaseData(
        number=case.id, need_id=case.need_id, holder=_person(case.coordinator, lang), unit=case.unit.name(lang),
        status=case.status, views=tuple(views[case.id]), outcome=case.outcome, outcome_note=case.outcome_note,
        notes=tuple(NoteData(note.at, note.author, note.text) for note in notes.notes(session, handoff_id=case.id)),
        times={"passed_on": case.created_at, "expected_contact": case.expected_contact_at,
               "claimed": case.claimed_at, "contacted": case.contacted_at, "closed": case.closed_at,
               "cancelled": case.cancelled_at}) for case in cases)
    data = MyData(
        channel=citizen.channel, channel_id=citizen.external_id, language=citizen.language,
        first_contact_at=citizen.created_at,
        needs=tuple(NeedData(need.id, need.topic, need.topic_confidence, {f: getattr(need, f) for f in NEED_FIELDS},
                             need.language, need.status, need.created_at) for need in needs),
        consents=tuple(ConsentData(
            consent.id, consent.need_id, consent.decision, consent.text, consent.text_hash, consent.language,
            name(consent.coordinator_id), name(consent.pair_id), session.get_one(Unit, consent.unit_id).name(lang),
            consent.decided_at, consent.withdrawn_at) for consent in consents),
        cases=case_data,
        feedback=tuple(FeedbackData(row.created_at, row.score, row.comment, row.handoff_id, row.topic)
                       for row in session.scalars(select(Feedback).where(Feedback.citizen_id == mine)
                                                  .order_by(Feedback.id))),
        crisis_help=crisis,
        answers={k: v for k, v in ((conversation.slots or {}) if conversation else {}).items()
                 if not k.startswith("_") and v not in (None, "")},
        message_count=session.scalar(select(func.count()).select_from(MessageLog)
                                     .where(MessageLog.citizen_id == mine)) or 0,
        retention=kept_until(case_data, now=now, tz=tz,
                             periods=Periods.from_settings(settings) if settings is not None else Periods()))
    if not everything:
        return data
    history = tuple((event.at, event.action, _actor(session, event.actor)) for event in session.scalars(
        select(AuditEvent).where(or_(AuditEvent.citizen_id == mine, AuditEvent.handoff_id.in_(numbers)))
        .order_by(AuditEvent.at, AuditEvent.id)))
    transcript = tuple(MessageData(row.created_at, row.direction, row.sender, row.text, row.handoff_id,
                                   name(row.coordinator_id))
                       for row in session.scalars(select(MessageLog).where(MessageLog.citizen_id == mine)
                                                  .order_by(MessageLog.created_at, MessageLog.id)))
    return replace(data, history=history, transcript=transcript)


def views_of(session: Session, numbers: list[int], *, lang: str) -> dict[int, list[ViewData]]:
    """Who opened each of these cases, its transcript or its export, oldest first (the view log, 703/2023)."""
    views: dict[int, list[ViewData]] = {number: [] for number in numbers}
    viewed = select(AuditEvent).where(AuditEvent.handoff_id.in_(numbers), AuditEvent.action == VIEWED)
    for event in session.scalars(viewed.order_by(AuditEvent.at, AuditEvent.id)) if numbers else ():
        seen = viewlog.viewer(session, event.actor, lang)
        person = Person(seen.id or 0, seen.name or "", seen.title or "", seen.unit or "") \
            if seen.kind == "coordinator" else None
        views[event.handoff_id or 0].append(ViewData(event.at, person, seen.name if seen.kind == "admin" else None,
                                                     viewlog.view_of(event)))
    return views


def _coordinator_of(session: Session, actor: str) -> Coordinator | None:
    kind, _, number = actor.partition(":")
    return session.get(Coordinator, int(number)) if kind == "coordinator" and number.isdigit() else None


def _actor(session: Session, actor: str) -> str:
    """Who did it, for the citizen: "you", "system", or a coordinator's full name."""
    if actor.startswith("citizen:"):
        return "you"
    coordinator = _coordinator_of(session, actor)
    if coordinator is not None:
        return coordinator.full_name
    return "coordinator" if actor.startswith("coordinator:") else "system"
