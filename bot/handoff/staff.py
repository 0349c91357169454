"""The staff side of a case: claim, contacted, close, give to the pair, away and back (linking a chat:
staff_link.py; the unit's staff group: staff_group.py; the refusals: staff_errors.py, all importable from here).

Every function takes the caller's session and `now` and never commits. A refused attempt raises a StaffError
after adding an audit event to the session: catch the error inside the transaction and commit, or the audit
of the refusal (and the link-code throttle that counts it) is rolled back with it.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from bot.db.models import Absence, AuditEvent, Citizen, Coordinator, Handoff, MessageLog
from bot.dialogue.models import MAX_TEXT
from bot.handoff import relay, stats
from bot.handoff.audit import record
from bot.handoff.outbox import enqueue, names_people, notify_coordinator
from bot.handoff.routing import OPEN_STATUSES, is_absent
from bot.handoff.staff_errors import CaseNotFound as CaseNotFound
from bot.handoff.staff_errors import ChatAlreadyLinked as ChatAlreadyLinked
from bot.handoff.staff_errors import ChatNotChosen as ChatNotChosen
from bot.handoff.staff_errors import CitizenUnreachable as CitizenUnreachable
from bot.handoff.staff_errors import CodeExpired as CodeExpired
from bot.handoff.staff_errors import CodeUsed as CodeUsed
from bot.handoff.staff_errors import CoordinatorInactive as CoordinatorInactive
from bot.handoff.staff_errors import EmptyMessage as EmptyMessage
from bot.handoff.staff_errors import InvalidCode as InvalidCode
from bot.handoff.staff_errors import InvalidPeriod as InvalidPeriod
from bot.handoff.staff_errors import InvalidTransition as InvalidTransition
from bot.handoff.staff_errors import NoPendingGroup as NoPendingGroup
from bot.handoff.staff_errors import NotHolder as NotHolder
from bot.handoff.staff_errors import NoUnitGroup as NoUnitGroup
from bot.handoff.staff_errors import PairUnavailable as PairUnavailable
from bot.handoff.staff_errors import PermissionDenied as PermissionDenied
from bot.handoff.staff_errors import StaffError as StaffError
from bot.handoff.staff_errors import TooManyAttempts as TooManyAttempts
from bot.handoff.staff_errors import UnknownCoordinator as UnknownCoordinator
from bot.handoff.staff_link import CODE_ALPHABET as CODE_ALPHABET
from bot.handoff.staff_link import CODE_LENGTH as CODE_LENGTH
from bot.handoff.staff_link import LINK_FAILURES_PER_HOUR as LINK_FAILURES_PER_HOUR
from bot.handoff.staff_link import code_hash as code_hash
from bot.handoff.staff_link import coordinator_for_chat as coordinator_for_chat
from bot.handoff.staff_link import create_link_code as create_link_code
from bot.handoff.staff_link import link_account as link_account
from bot.handoff.staff_link import normalise_code as normalise_code

logger = logging.getLogger(__name__)


# Permissions -------------------------------------------------------------------------------------------------

def permitted(*, handoff: Handoff, coordinator: Coordinator) -> bool:
    """Who may act on a case: the people the consent names, else the assignee and their pair, else the unit.

    A consent that names a coordinator promises the citizen that nobody else reads the case, so a named case
    stays with those two people even when it has no assignee.
    """
    if not coordinator.active:
        return False
    consent = handoff.consent
    if names_people(handoff):
        return coordinator.id in {consent.coordinator_id, consent.pair_id, handoff.coordinator_id} - {None}
    if handoff.coordinator_id is None:
        return coordinator.unit_id == handoff.unit_id
    return coordinator.id in {handoff.coordinator_id, _pair_in_unit(handoff)}


def _pair_in_unit(handoff: Handoff) -> int | None:
    pair = handoff.coordinator.pair if handoff.coordinator else None
    return pair.id if pair is not None and pair.unit_id == handoff.unit_id else None


def pair_for(session: Session, *, handoff: Handoff) -> Coordinator | None:
    """The assignee's work pair as far as the consent allows: the other person it names, else the assignee's pair."""
    assignee = handoff.coordinator
    if assignee is None:
        return None
    if names_people(handoff):
        consent = handoff.consent
        others = [i for i in (consent.coordinator_id, consent.pair_id) if i is not None and i != assignee.id]
        return session.get(Coordinator, others[0]) if others else None
    return assignee.pair if _pair_in_unit(handoff) is not None else None


def _case(session: Session, *, handoff_id: int, coordinator_id: int, action: str,
          now: datetime) -> tuple[Handoff, Coordinator]:
    handoff = session.get(Handoff, handoff_id, with_for_update=True, populate_existing=True)
    if handoff is None or handoff.erased_at is not None:  # a bare record after erasure: nothing left to act on
        raise CaseNotFound(f"there is no case {handoff_id}")
    actor = session.get(Coordinator, coordinator_id)
    if actor is None or not permitted(handoff=handoff, coordinator=actor):
        record(session, actor=f"coordinator:{coordinator_id}", action="staff_permission_denied", at=now,
               handoff_id=handoff.id, citizen_id=handoff.citizen_id, details={"attempted": action})
        session.flush()
        logger.warning("coordinator %s may not %s case %d", coordinator_id, action, handoff.id)
        raise PermissionDenied(f"you may not {action} case {handoff.id}: it belongs to other coordinators")
    return handoff, actor


def _move(session: Session, handoff: Handoff, *, source: tuple[str, ...], values: dict[str, Any], verb: str) -> None:
    """Change the case if it is still in one of `source`; a concurrent change makes this one fail."""
    if handoff.status not in source:
        raise InvalidTransition(f"case {handoff.id} is {handoff.status}: it cannot be {verb}")
    same = (Handoff.id == handoff.id, Handoff.status == handoff.status,
            Handoff.coordinator_id.is_not_distinct_from(handoff.coordinator_id))
    changed = cast(CursorResult[Any], session.execute(update(Handoff).where(*same).values(**values)
                                                      .execution_options(synchronize_session=False))).rowcount
    if changed != 1:
        raise InvalidTransition(f"case {handoff.id} was changed by someone else just now: reload it")
    session.expire(handoff)


def _history(session: Session, handoff: Handoff, *, actor: Coordinator, action: str, now: datetime,
             **details: Any) -> None:
    record(session, actor=f"coordinator:{actor.id}", action=action, handoff_id=handoff.id,
           citizen_id=handoff.citizen_id, at=now, details={"coordinator_id": actor.id, **details})
    logger.info("case %d: %s by coordinator %d", handoff.id, action, actor.id)


def _citizen(session: Session, handoff: Handoff) -> Citizen | None:
    """The citizen of the case if a message can reach them (not blocked, not deleted)."""
    citizen = session.get(Citizen, handoff.citizen_id)
    if citizen is None or citizen.blocked_at is not None or citizen.external_id.startswith("deleted:"):
        return None
    return citizen


def _tell_citizen(session: Session, handoff: Handoff, *, kind: str, dedupe_key: str, person: Coordinator | None,
                  now: datetime) -> None:
    """Queue a message to the citizen in their language, naming the person (first name, title, unit)."""
    citizen = _citizen(session, handoff)
    if citizen is None:
        return
    if enqueue(session, channel=citizen.channel, recipient=citizen.external_id, kind=kind,
               payload=relay.citizen_payload(handoff, citizen, person), dedupe_key=dedupe_key, now=now) is not None:
        # The transcript shows what the citizen was told and by whose action; the wording is rendered at sending.
        session.add(MessageLog(citizen_id=citizen.id, handoff_id=handoff.id, direction="out", sender="system",
                               coordinator_id=person.id if person else None, text=f"[{kind}]", created_at=now))


# Case actions ------------------------------------------------------------------------------------------------

def claim(session: Session, *, handoff_id: int, coordinator_id: int, now: datetime) -> Handoff:
    """Take a new case; the claimer becomes its coordinator and the citizen is told who. Repeating is a no-op."""
    handoff, actor = _case(session, handoff_id=handoff_id, coordinator_id=coordinator_id, action="claim", now=now)
    if handoff.status == "claimed" and handoff.coordinator_id == actor.id:
        return handoff
    if handoff.status == "claimed" and handoff.coordinator is not None:
        raise InvalidTransition(f"case {handoff.id} is already claimed by {handoff.coordinator.first_name}")
    previous = handoff.coordinator_id
    _move(session, handoff, source=("new",),
          values={"status": "claimed", "claimed_at": now, "coordinator_id": actor.id}, verb="claimed")
    _history(session, handoff, actor=actor, action="handoff_claimed", now=now, previous_coordinator_id=previous)
    relay.hold(session, handoff)
    _tell_citizen(session, handoff, kind="case_claimed", dedupe_key=f"case_claimed:{handoff.id}", person=actor, now=now)
    return handoff


def mark_contacted(session: Session, *, handoff_id: int, coordinator_id: int, now: datetime) -> Handoff:
    """Record that the citizen has been contacted (phone, visit or chat)."""
    handoff, actor = _case(session, handoff_id=handoff_id, coordinator_id=coordinator_id, action="mark contacted",
                           now=now)
    _move(session, handoff, source=("claimed",), values={"status": "contacted", "contacted_at": now},
          verb="marked contacted")
    _history(session, handoff, actor=actor, action="handoff_contacted", now=now)
    stats.count(session, metric="contacted", day=stats.local_day(now), topic=handoff.need.topic,
                language=handoff.need.language)
    return handoff


def close(session: Session, *, handoff_id: int, coordinator_id: int, now: datetime) -> Handoff:
    """Close a claimed or contacted case; the citizen is asked for feedback."""
    handoff, actor = _case(session, handoff_id=handoff_id, coordinator_id=coordinator_id, action="close", now=now)
    _move(session, handoff, source=("claimed", "contacted"), values={"status": "closed", "closed_at": now},
          verb="closed")
    _history(session, handoff, actor=actor, action="handoff_closed", now=now)
    relay.release(session, handoff, feedback=_citizen(session, handoff) is not None)
    _tell_citizen(session, handoff, kind="case_closed_feedback", dedupe_key=f"case_closed:{handoff.id}",
                  person=handoff.coordinator, now=now)
    return handoff


def give_to_pair(session: Session, *, handoff_id: int, coordinator_id: int, now: datetime) -> Handoff:
    """Move an open case from its coordinator to their work pair, who gets the case card."""
    handoff, actor = _case(session, handoff_id=handoff_id, coordinator_id=coordinator_id, action="give to the pair",
                           now=now)
    if handoff.status not in OPEN_STATUSES:
        raise InvalidTransition(f"case {handoff.id} is {handoff.status}: it cannot be given to the pair")
    if handoff.coordinator is None:
        raise InvalidTransition(f"case {handoff.id} has no coordinator yet, so it has no work pair: claim it instead")
    pair = pair_for(session, handoff=handoff)
    if pair is None or not pair.active:
        raise PairUnavailable(f"{handoff.coordinator.first_name} has no active work pair for this case")
    if is_absent(pair, now):
        raise PairUnavailable(f"{pair.first_name} is away: the case stays where it is")
    giver = handoff.coordinator_id
    _move(session, handoff, source=(handoff.status,), values={"coordinator_id": pair.id}, verb="given to the pair")
    _history(session, handoff, actor=actor, action="handoff_given_to_pair", now=now, from_coordinator_id=giver,
             to_coordinator_id=pair.id)
    stamp = int(now.timestamp())
    notify_coordinator(session, coordinator=pair, handoff=handoff, kind="handoff_given",
                       extra={"from": actor.first_name}, dedupe_key=f"handoff_given:{handoff.id}:{pair.id}:{stamp}",
                       now=now)
    if handoff.status != "new":  # the citizen was told a name: tell the new one
        _tell_citizen(session, handoff, kind="case_reassigned", person=pair, now=now,
                      dedupe_key=f"case_reassigned:{handoff.id}:{pair.id}:{stamp}")
    return handoff


def reply(session: Session, *, handoff_id: int, coordinator_id: int, text: str, now: datetime) -> MessageLog:
    """A message from the coordinator holding a chat case to the citizen, signed with their name and unit.

    It goes into the transcript and the outbox in the caller's transaction; the audit names the case, never the
    words. The citizen's conversation switches to relay mode, so the bot no longer answers over the coordinator.
    """
    handoff, actor = _case(session, handoff_id=handoff_id, coordinator_id=coordinator_id, action="write about",
                           now=now)
    words = text.strip()[:MAX_TEXT]

    def refuse(error: StaffError) -> StaffError:
        record(session, actor=f"coordinator:{actor.id}", action="relay_refused", handoff_id=handoff.id,
               citizen_id=handoff.citizen_id, at=now, details={"reason": type(error).__name__})
        session.flush()
        return error

    if not words:
        raise refuse(EmptyMessage("write the message after the case number"))
    if handoff.status == "new":
        raise refuse(InvalidTransition(f"case {handoff.id} is not claimed yet: claim it before writing to the citizen"))
    if handoff.status not in relay.OPEN:
        raise refuse(InvalidTransition(f"case {handoff.id} is {handoff.status}: "
                                       "the citizen can no longer be written to"))
    if handoff.coordinator_id != actor.id:
        holder = handoff.coordinator.first_name if handoff.coordinator else "nobody"
        raise refuse(NotHolder(f"case {handoff.id} is held by {holder}: only they write to the citizen"))
    if not relay.wants_chat(handoff):
        raise refuse(ChatNotChosen(f"the citizen of case {handoff.id} asked to be contacted "
                                   f"by {handoff.need.contact_preference or 'phone'}, not in this chat"))
    citizen = _citizen(session, handoff)
    if citizen is None:
        raise refuse(CitizenUnreachable(f"the citizen of case {handoff.id} has blocked the bot or deleted their data: "
                                        "the message cannot be delivered"))
    message = MessageLog(citizen_id=citizen.id, handoff_id=handoff.id, direction="out", sender="coordinator",
                         coordinator_id=actor.id, text=words, created_at=now)
    session.add(message)
    session.flush()
    enqueue(session, channel=citizen.channel, recipient=citizen.external_id, kind="relay_out",
            payload=relay.citizen_payload(handoff, citizen, actor, text=words), dedupe_key=f"relay_out:{message.id}",
            now=now)
    relay.hold(session, handoff)
    record(session, actor=f"coordinator:{actor.id}", action="relay_to_citizen", handoff_id=handoff.id,
           citizen_id=handoff.citizen_id, at=now, details={"coordinator_id": actor.id})
    return message


def open_cases(session: Session, *, coordinator_id: int) -> list[Handoff]:
    """The open cases a coordinator may act on: theirs, their pair's, and their unit's unassigned ones."""
    me = _coordinator(session, coordinator_id)
    candidates = session.scalars(select(Handoff).where(
        Handoff.status.in_(OPEN_STATUSES), Handoff.unit_id == me.unit_id).order_by(Handoff.id))
    return [handoff for handoff in candidates if permitted(handoff=handoff, coordinator=me)]


def view(session: Session, *, handoff_id: int, coordinator_id: int, now: datetime) -> Handoff:
    """A case for reading its card, after the same permission check (and audit of a refusal) as any action. The
    view is audited too: the citizen sees who has looked at their case (/mydata, client-data act 703/2023)."""
    handoff, actor = _case(session, handoff_id=handoff_id, coordinator_id=coordinator_id, action="read", now=now)
    _history(session, handoff, actor=actor, action="case_viewed", now=now)
    return handoff


# Away and back -----------------------------------------------------------------------------------------------

def _coordinator(session: Session, coordinator_id: int) -> Coordinator:
    coordinator = session.get(Coordinator, coordinator_id)
    if coordinator is None:
        raise UnknownCoordinator(f"no coordinator has id {coordinator_id}")
    return coordinator


def _current(coordinator: Coordinator, now: datetime) -> list[Absence]:
    return [a for a in coordinator.absences if a.starts_at <= now and (a.ends_at is None or now < a.ends_at)]


def set_away(session: Session, *, coordinator_id: int, until: datetime | None, now: datetime) -> Absence:
    """Away from now until `until` (None: until set_back); new cases go to the pair meanwhile."""
    coordinator = _coordinator(session, coordinator_id)
    if until is not None and until <= now:
        raise InvalidPeriod("the return time must be in the future")
    current = _current(coordinator, now)
    if current:
        absence = current[0]
        absence.ends_at = until
    else:
        absence = Absence(starts_at=now, ends_at=until)
        coordinator.absences.append(absence)
    record(session, actor=f"coordinator:{coordinator_id}", action="coordinator_away", at=now,
           details={"coordinator_id": coordinator_id, "until": until.isoformat() if until else None})
    session.flush()
    return absence


def set_back(session: Session, *, coordinator_id: int, now: datetime) -> int:
    """End the absences in force now (planned future ones stay); how many were ended."""
    coordinator = _coordinator(session, coordinator_id)
    current = _current(coordinator, now)
    for absence in current:
        absence.ends_at = now
    record(session, actor=f"coordinator:{coordinator_id}", action="coordinator_back", at=now,
           details={"coordinator_id": coordinator_id, "ended": len(current)})
    session.flush()
    return len(current)


# The case history --------------------------------------------------------------------------------------------

HISTORY = ("handoff_created", "handoff_escalated", "handoff_claimed", "handoff_given_to_pair", "handoff_contacted",
           "handoff_closed", "handoff_cancelled", "case_addition")


def history(session: Session, *, handoff: Handoff) -> list[dict[str, Any]]:
    """What happened to the case, oldest first, from the audit trail: when, what, who (first names only)."""
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
             "by": name(event.details.get("coordinator_id")), "to": name(event.details.get("to_coordinator_id"))}
            for event in events]
