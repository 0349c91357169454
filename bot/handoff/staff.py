"""The staff side of a case: claim, contacted, close with an outcome, give to the pair, reassign within the unit,
which of these a case allows now, away and back (notes and the readable history: notes.py; linking a chat:
staff_link.py; the unit's staff group: staff_group.py; the refusals: staff_errors.py, all importable from here).

Every function takes the caller's session and `now` and never commits. A refused attempt raises a StaffError
after adding an audit event to the session: catch the error inside the transaction and commit, or the audit
of the refusal (and the link-code throttle that counts it) is rolled back with it.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from bot.db.models import Citizen, Coordinator, Handoff, MessageLog
from bot.dialogue.models import MAX_TEXT
from bot.handoff import relay, stats
from bot.handoff.audit import record
from bot.handoff.outbox import enqueue, names_people, notify_coordinator
from bot.handoff.routing import OPEN_STATUSES, is_absent
from bot.handoff.staff_away import find_coordinator as _coordinator
from bot.handoff.staff_away import set_away as set_away
from bot.handoff.staff_away import set_back as set_back
from bot.handoff.staff_errors import AlreadyClaimed as AlreadyClaimed
from bot.handoff.staff_errors import CaseNotFound as CaseNotFound
from bot.handoff.staff_errors import ChatAlreadyLinked as ChatAlreadyLinked
from bot.handoff.staff_errors import ChatNotChosen as ChatNotChosen
from bot.handoff.staff_errors import CitizenUnreachable as CitizenUnreachable
from bot.handoff.staff_errors import CodeExpired as CodeExpired
from bot.handoff.staff_errors import CodeUsed as CodeUsed
from bot.handoff.staff_errors import CoordinatorInactive as CoordinatorInactive
from bot.handoff.staff_errors import EmptyMessage as EmptyMessage
from bot.handoff.staff_errors import EmptyNote as EmptyNote
from bot.handoff.staff_errors import InvalidCode as InvalidCode
from bot.handoff.staff_errors import InvalidOutcome as InvalidOutcome
from bot.handoff.staff_errors import InvalidPeriod as InvalidPeriod
from bot.handoff.staff_errors import InvalidTransition as InvalidTransition
from bot.handoff.staff_errors import NoPendingGroup as NoPendingGroup
from bot.handoff.staff_errors import NotHolder as NotHolder
from bot.handoff.staff_errors import NoUnitGroup as NoUnitGroup
from bot.handoff.staff_errors import PairUnavailable as PairUnavailable
from bot.handoff.staff_errors import PermissionDenied as PermissionDenied
from bot.handoff.staff_errors import ReassignRefused as ReassignRefused
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

# What a case's state allows, in the order a channel shows the actions; each channel offers those it has (Telegram:
# claim, contacted, close, pair; the console all). "note" is the console's private note.
ACTIONS_BY_STATUS = {"new": ("claim", "pair", "reassign", "note"),
                     "claimed": ("contacted", "close", "pair", "reassign", "note"),
                     "contacted": ("close", "pair", "reassign", "note"), "closed": ("note",)}
OUTCOMES = ("guidance", "referred", "phone", "unreachable", "other")  # how a case ended (handoff.outcome)
MAX_OUTCOME_NOTE = 200


def allowed_actions(*, status: str, held: bool, restricted: bool = False) -> tuple[str, ...]:
    """The actions a case in `status` allows: no work pair without a holder; a card that hides the case from the
    reader (the consent names other people) offers only the claim, which checks who may."""
    actions = ACTIONS_BY_STATUS.get(status, ())
    if restricted:
        actions = tuple(a for a in actions if a == "claim")
    return tuple(a for a in actions if a != "pair" or held)


def actions_on(handoff: Handoff) -> tuple[str, ...]:
    """allowed_actions for a case at hand (its readers are already permitted)."""
    return allowed_actions(status=handoff.status, held=handoff.coordinator_id is not None)


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


@contextmanager
def _refusals(session: Session, handoff: Handoff, *, actor: Coordinator, action: str, now: datetime) -> Iterator[None]:
    """A refusal inside is audited (`staff_action_refused`: what was attempted and why, never words) and raised on."""
    try:
        yield
    except StaffError as error:
        record(session, actor=f"coordinator:{actor.id}", action="staff_action_refused", handoff_id=handoff.id,
               citizen_id=handoff.citizen_id, at=now, details={"attempted": action, "reason": type(error).__name__})
        session.flush()
        raise


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
    """Take a new case; the claimer becomes its coordinator and the citizen is told who. Repeating is a no-op. Two
    claiming at once: the row lock (PostgreSQL) or the compare-and-set (SQLite) lets one win; the other is told
    who has it (AlreadyClaimed)."""
    handoff, actor = _case(session, handoff_id=handoff_id, coordinator_id=coordinator_id, action="claim", now=now)
    if handoff.status == "claimed" and handoff.coordinator_id == actor.id:
        return handoff
    with _refusals(session, handoff, actor=actor, action="claim", now=now):
        _already_claimed(handoff)
        previous = handoff.coordinator_id
        try:
            _move(session, handoff, source=("new",),
                  values={"status": "claimed", "claimed_at": now, "coordinator_id": actor.id}, verb="claimed")
        except InvalidTransition:
            session.refresh(handoff)
            _already_claimed(handoff)
            raise
    _history(session, handoff, actor=actor, action="handoff_claimed", now=now, previous_coordinator_id=previous)
    stats.count(session, metric="claimed", day=stats.local_day(now), **stats.case_keys(handoff),
                bucket=stats.waited(handoff, now))
    relay.hold(session, handoff)
    _tell_citizen(session, handoff, kind="case_claimed", dedupe_key=f"case_claimed:{handoff.id}", person=actor, now=now)
    return handoff


def _already_claimed(handoff: Handoff) -> None:
    if handoff.status in ("claimed", "contacted") and handoff.coordinator is not None:
        raise AlreadyClaimed(f"case {handoff.id} is already claimed by {handoff.coordinator.first_name}")


def mark_contacted(session: Session, *, handoff_id: int, coordinator_id: int, now: datetime) -> Handoff:
    """Record that the citizen has been contacted (phone, visit or chat)."""
    handoff, actor = _case(session, handoff_id=handoff_id, coordinator_id=coordinator_id, action="mark contacted",
                           now=now)
    with _refusals(session, handoff, actor=actor, action="contacted", now=now):
        _move(session, handoff, source=("claimed",), values={"status": "contacted", "contacted_at": now},
              verb="marked contacted")
    _history(session, handoff, actor=actor, action="handoff_contacted", now=now)
    stats.count(session, metric="contacted", day=stats.local_day(now), **stats.case_keys(handoff),
                bucket=stats.waited(handoff, now))
    stats.count(session, metric="contact_promise", day=stats.local_day(now), **stats.case_keys(handoff),
                bucket=stats.promise_kept(handoff, now))
    return handoff


def outcome_of(outcome: str | None, note: str | None) -> tuple[str | None, str | None]:
    """The outcome code and its few words as stored; InvalidOutcome for an unknown code or a referral that does
    not name the service. None: closed without a coded outcome (Telegram's Close button has no room to choose)."""
    if outcome is None:
        return None, None
    code, words = outcome.strip(), " ".join((note or "").split())[:MAX_OUTCOME_NOTE] or None
    if code not in OUTCOMES:
        raise InvalidOutcome("choose how the case ended: guidance, referred, phone, unreachable or other")
    if code == "referred" and words is None:
        raise InvalidOutcome("name the service the citizen was referred to")
    return code, words


def close(session: Session, *, handoff_id: int, coordinator_id: int, now: datetime, outcome: str | None = None,
          outcome_note: str | None = None) -> Handoff:
    """Close a claimed or contacted case with how it ended (OUTCOMES; `referred` names the service in
    `outcome_note`); the citizen is asked for feedback. The console always gives an outcome; Telegram's Close
    button gives None, stored as "not recorded". The audit names the code, never the note."""
    handoff, actor = _case(session, handoff_id=handoff_id, coordinator_id=coordinator_id, action="close", now=now)
    with _refusals(session, handoff, actor=actor, action="close", now=now):
        code, words = outcome_of(outcome, outcome_note)
        _move(session, handoff, source=("claimed", "contacted"),
              values={"status": "closed", "closed_at": now, "outcome": code, "outcome_note": words}, verb="closed")
    _history(session, handoff, actor=actor, action="handoff_closed", now=now, outcome=code)
    relay.release(session, handoff, feedback=_citizen(session, handoff) is not None)
    _tell_citizen(session, handoff, kind="case_closed_feedback", dedupe_key=f"case_closed:{handoff.id}",
                  person=handoff.coordinator, now=now)
    return handoff


def give_to_pair(session: Session, *, handoff_id: int, coordinator_id: int, now: datetime) -> Handoff:
    """Move an open case from its coordinator to their work pair, who gets the case card."""
    handoff, actor = _case(session, handoff_id=handoff_id, coordinator_id=coordinator_id, action="give to the pair",
                           now=now)
    with _refusals(session, handoff, actor=actor, action="pair", now=now):
        if handoff.status not in OPEN_STATUSES:
            raise InvalidTransition(f"case {handoff.id} is {handoff.status}: it cannot be given to the pair")
        if handoff.coordinator is None:
            raise InvalidTransition(f"case {handoff.id} has no coordinator yet, so it has no work pair: claim it "
                                    "instead")
        pair = pair_for(session, handoff=handoff)
        if pair is None or not pair.active:
            raise PairUnavailable(f"{handoff.coordinator.first_name} has no active work pair for this case")
        if is_absent(pair, now):
            raise PairUnavailable(f"{pair.first_name} is away: the case stays where it is")
        giver = handoff.coordinator_id
        _move(session, handoff, source=(handoff.status,), values={"coordinator_id": pair.id}, verb="given to the pair")
    _pass(session, handoff, actor=actor, to=pair, action="handoff_given_to_pair", giver=giver, now=now)
    return handoff


def reassign(session: Session, *, handoff_id: int, coordinator_id: int, to_coordinator_id: int,
             now: datetime) -> Handoff:
    """Give an open case to another coordinator of its unit who is active and in, and whom the consent allows (a
    consent that names people: only them). They get the card; a citizen who was told a name is told the new one."""
    handoff, actor = _case(session, handoff_id=handoff_id, coordinator_id=coordinator_id, action="reassign", now=now)
    with _refusals(session, handoff, actor=actor, action="reassign", now=now):
        if handoff.status not in OPEN_STATUSES:
            raise InvalidTransition(f"case {handoff.id} is {handoff.status}: it cannot be reassigned")
        to = session.get(Coordinator, to_coordinator_id)
        if to is None or to.unit_id != handoff.unit_id:
            raise ReassignRefused(f"case {handoff.id} can go only to a coordinator of its own unit")
        if to.id == handoff.coordinator_id:
            raise ReassignRefused(f"{to.first_name} already has case {handoff.id}")
        if is_absent(to, now):
            raise ReassignRefused(f"{to.first_name} is away or no longer active: the case stays where it is")
        consent = handoff.consent
        if names_people(handoff) and to.id not in {consent.coordinator_id, consent.pair_id}:
            raise ReassignRefused(f"the citizen's consent names the people who may handle case {handoff.id}")
        giver = handoff.coordinator_id
        _move(session, handoff, source=(handoff.status,), values={"coordinator_id": to.id}, verb="reassigned")
    _pass(session, handoff, actor=actor, to=to, action="handoff_reassigned", giver=giver, now=now)
    return handoff


def reassign_candidates(session: Session, *, handoff: Handoff, now: datetime) -> list[Coordinator]:
    """Whom `reassign` would accept for the case now: its unit's active coordinators who are in, but the holder; a
    consent that names people allows only them."""
    consent = handoff.consent
    named = {consent.coordinator_id, consent.pair_id} if names_people(handoff) else None
    people = session.scalars(select(Coordinator).where(Coordinator.unit_id == handoff.unit_id,
                                                       Coordinator.active.is_(True))
                             .order_by(Coordinator.first_name, Coordinator.last_name))
    return [person for person in people if person.id != handoff.coordinator_id and not is_absent(person, now)
            and (named is None or person.id in named)]


def _pass(session: Session, handoff: Handoff, *, actor: Coordinator, to: Coordinator, action: str, giver: int | None,
          now: datetime) -> None:
    """A case moved to `to`: audited, the card to them, and a citizen who was told a name is told the new one."""
    _history(session, handoff, actor=actor, action=action, now=now, from_coordinator_id=giver,
             to_coordinator_id=to.id)
    stamp = int(now.timestamp())
    notify_coordinator(session, coordinator=to, handoff=handoff, kind="handoff_given",
                       extra={"from": actor.first_name}, dedupe_key=f"handoff_given:{handoff.id}:{to.id}:{stamp}",
                       now=now)
    if handoff.status != "new":  # the citizen was told a name: tell the new one
        _tell_citizen(session, handoff, kind="case_reassigned", person=to, now=now,
                      dedupe_key=f"case_reassigned:{handoff.id}:{to.id}:{stamp}")


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


VIEWS = ("case", "transcript", "export")  # what a coordinator opened (case_viewed's `view`, shown in /mydata)


def view(session: Session, *, handoff_id: int, coordinator_id: int, now: datetime, what: str = "case",
         via: str | None = None) -> Handoff:
    """A case for reading (its card, its transcript or its export: `what`), after the same permission check (and
    audit of a refusal) as any action. The view is audited too: the citizen sees who has looked at their case and
    at what (/mydata, client-data act 703/2023)."""
    handoff, actor = _case(session, handoff_id=handoff_id, coordinator_id=coordinator_id, action="read", now=now)
    where = {"via": via} if via else {}
    _history(session, handoff, actor=actor, action="case_viewed", now=now, view=what if what in VIEWS else "case",
             **where)
    return handoff
