"""Escalation of unclaimed cases: after the claim timeout in working time to the work pair, then to the unit (its
group chat, or without one it may use, by e-mail everyone of the unit who may read the case)."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, TypeGuard, cast
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from bot.db.models import Coordinator, Handoff
from bot.handoff.audit import record
from bot.handoff.hours import working_time_after
from bot.handoff.notify import coordinator_chat, email_address
from bot.handoff.outbox import email_unit, names_people, notify_coordinator, notify_unit_group
from bot.handoff.routing import is_absent
from bot.handoff.staff import pair_for

logger = logging.getLogger(__name__)

MAX_LEVEL = 2  # 1: the work pair, 2: the unit (its staff group chat, or its people by e-mail)


def deadline(handoff: Handoff, *, level: int, claim_timeout: timedelta, tz: str) -> datetime:
    """When a still-new case reaches `level`: level × claim_timeout of the unit's opening hours after creation.

    Holidays and closed hours do not count. A unit without opening hours (or closed for three weeks ahead)
    falls back to wall-clock time, so that a case never waits forever unnoticed.
    """
    created = handoff.created_at
    due = working_time_after(handoff.unit.opening_hours or {}, created.astimezone(ZoneInfo(tz)), claim_timeout * level)
    return due.astimezone(created.tzinfo) if due is not None else created + claim_timeout * level


def escalate_due(session: Session, *, now: datetime, claim_timeout: timedelta = timedelta(hours=2),
                 tz: str = "Europe/Helsinki") -> list[int]:
    """Escalate every new case whose deadline has passed, one level at a time; the ids escalated now."""
    candidates = session.scalars(select(Handoff).where(
        Handoff.status == "new", Handoff.escalation_level < MAX_LEVEL,
        Handoff.created_at <= now - claim_timeout,  # working time never runs faster than the clock
    ).order_by(Handoff.id))
    escalated = []
    for handoff in list(candidates):
        stepped = False
        while handoff.escalation_level < MAX_LEVEL:
            level = handoff.escalation_level + 1
            if deadline(handoff, level=level, claim_timeout=claim_timeout, tz=tz) > now:
                break
            # Compare-and-set: a concurrent run or a claim in between makes this a no-op, never a second step.
            changed = cast(CursorResult[Any], session.execute(update(Handoff).where(
                Handoff.id == handoff.id, Handoff.status == "new", Handoff.escalation_level == level - 1,
            ).values(escalation_level=level).execution_options(synchronize_session=False))).rowcount
            if changed != 1:
                break
            session.expire(handoff, ["escalation_level", "status"])
            notified = _notify(session, handoff, level=level, now=now)
            record(session, actor="system", action="handoff_escalated", handoff_id=handoff.id,
                   citizen_id=handoff.citizen_id, at=now, details={"level": level, "notified": notified})
            logger.info("case %d escalated to level %d (%s)", handoff.id, level, ", ".join(notified) or "nobody")
            stepped = True
        if stepped:
            escalated.append(handoff.id)
    session.flush()
    return escalated


def _reachable(person: Coordinator | None, handoff: Handoff, now: datetime) -> TypeGuard[Coordinator]:
    """Here, and reachable on a channel: a Telegram chat the units allow, or an e-mail address."""
    if person is None or is_absent(person, now):
        return False
    return coordinator_chat(person, handoff) is not None or email_address(person, "handoff_escalated") is not None


def _first_responders(session: Session, handoff: Handoff, now: datetime) -> list[Coordinator]:
    """Who should pick up an unclaimed case at level 1: the assignee's pair, or the people the consent names."""
    if handoff.coordinator is not None:
        candidates = [pair_for(session, handoff=handoff)]
    elif names_people(handoff):
        candidates = [session.get(Coordinator, i)
                      for i in (handoff.consent.coordinator_id, handoff.consent.pair_id) if i]
    else:
        candidates = []
    return [person for person in candidates if _reachable(person, handoff, now)]


def _notify(session: Session, handoff: Handoff, *, level: int, now: datetime) -> list[str]:
    """Queue the escalation; the unit group when there is nobody to reach at level 1. What was notified."""
    extra = {"level": level}
    if level == 1:
        people = _first_responders(session, handoff, now)
        for person in people:
            notify_coordinator(session, coordinator=person, handoff=handoff, kind="handoff_escalated", extra=extra,
                               dedupe_key=f"escalated:{handoff.id}:1:c{person.id}", now=now)
        if people:
            return [f"coordinator:{person.id}" for person in people]
    key = f"escalated:{handoff.id}:{level}:unit"
    if notify_unit_group(session, unit=handoff.unit, handoff=handoff, kind="handoff_escalated", extra=extra,
                         dedupe_key=key, now=now):
        return [f"unit:{handoff.unit_id}"]
    mailed = email_unit(session, handoff=handoff, kind="handoff_escalated", dedupe_key=key, now=now)
    if mailed:
        return [f"coordinator:{person_id}" for person_id in mailed]
    logger.warning("case %d: level %d escalation reached nobody (no reachable pair, no unit staff chat, nobody "
                   "of the unit with an e-mail address)", handoff.id, level)
    return []
