"""The follow-up question a unit may switch on (`unit.follow_up_days`): that many days after a case closed, its
citizen is asked once, in their language, "Did you get the help you needed?" (yes / partly / no). Only citizens who
consented to be contacted about the case are asked, never after a withdrawal or an erasure. The answer is counted
(stat_count `follow_up_<answer>`, by topic, language and unit) and not stored with the case: the case only keeps that
the question went and was answered, so it is asked and counted once."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from bot.db.models import Citizen, Handoff, Unit
from bot.handoff import stats
from bot.handoff.audit import record
from bot.handoff.outbox import enqueue
from bot.i18n import N_

logger = logging.getLogger(__name__)

KIND = "follow_up"
PREFIX = "fu:"  # fu:<case>:<yes|partly|no>, the answer buttons
ANSWERS = ("yes", "partly", "no")
QUESTION = N_("You were helped with case #{case} a while ago. Did you get the help you needed?")
LABELS = {"yes": N_("Yes"), "partly": N_("Partly"), "no": N_("No")}
THANKS = {
    "yes": N_("Thank you! It is good to hear that you got help."),
    "partly": N_("Thank you for telling us. If you still need help, just write here or call the lähitori."),
    "no": N_("Thank you for telling us, and we are sorry. If you still need help, just write here or call the "
             "lähitori: we will look at it again."),
}
ALREADY = N_("Thank you: your answer to this question is already counted.")
BATCH = 200


def parse(payload: str | None) -> tuple[int, str] | None:
    """(case, answer) of a follow-up button, or None."""
    parts = (payload or "").split(":")
    if len(parts) == 3 and parts[0] + ":" == PREFIX and parts[1].isdigit() and parts[2] in ANSWERS:
        return int(parts[1]), parts[2]
    return None


def send_due(session: Session, *, now: datetime) -> int:
    """Queue the question for every case closed long enough ago in a unit that asks (the wait is per unit, so each
    unit is asked for its own due cases: one not yet due never holds up those that are); how many were queued."""
    units = session.execute(select(Unit.id, Unit.follow_up_days).where(Unit.follow_up_days.is_not(None))).all()
    due = [handoff for unit_id, days in units for handoff in session.scalars(
        select(Handoff).where(Handoff.unit_id == unit_id, Handoff.status == "closed",
                              Handoff.follow_up_sent_at.is_(None), Handoff.erased_at.is_(None),
                              Handoff.citizen_id.is_not(None), Handoff.closed_at <= now - timedelta(days=days))
        .order_by(Handoff.id).limit(BATCH))]
    queued = 0
    for handoff in due:
        # Compare-and-set: two instances never queue it twice.
        taken = cast(CursorResult[Any], session.execute(
            update(Handoff).where(Handoff.id == handoff.id, Handoff.follow_up_sent_at.is_(None))
            .values(follow_up_sent_at=now).execution_options(synchronize_session=False))).rowcount
        session.expire(handoff, ["follow_up_sent_at"])
        if taken != 1:
            continue
        citizen = session.get(Citizen, handoff.citizen_id)
        consent = handoff.consent
        if citizen is None or citizen.blocked_at is not None or consent is None or consent.decision != "given" \
                or consent.withdrawn_at is not None:
            continue  # marked, so never looked at again: no consent to contact, or nobody to reach
        enqueue(session, channel=citizen.channel, recipient=citizen.external_id, kind=KIND,
                payload={"handoff_id": handoff.id, "lang": citizen.language, "case": handoff.id},
                dedupe_key=f"{KIND}:{handoff.id}", now=now)
        record(session, actor="system", action="follow_up_sent", at=now, handoff_id=handoff.id,
               citizen_id=citizen.id, details={})
        queued += 1
    return queued


def answer(session: Session, *, citizen_id: int, handoff_id: int, answer: str, now: datetime,
           tz: str = stats.DEFAULT_TZ) -> bool:
    """Count the citizen's answer once; False when it was already counted or the case is not theirs to answer."""
    handoff = session.get(Handoff, handoff_id)
    if (handoff is None or handoff.citizen_id != citizen_id or handoff.follow_up_sent_at is None
            or answer not in ANSWERS):
        return False
    taken = cast(CursorResult[Any], session.execute(
        update(Handoff).where(Handoff.id == handoff_id, Handoff.follow_up_answered_at.is_(None))
        .values(follow_up_answered_at=now).execution_options(synchronize_session=False))).rowcount
    session.expire(handoff, ["follow_up_answered_at"])
    if taken != 1:
        return False
    need = handoff.need
    stats.count(session, metric=f"follow_up_{answer}", day=stats.local_day(now, tz), topic=need.topic if need else "",
                language=need.language if need else "", unit=handoff.unit.code)
    record(session, actor=f"citizen:{citizen_id}", action="follow_up_answered", at=now, handoff_id=handoff_id,
           citizen_id=citizen_id, details={})
    return True
