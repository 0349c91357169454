"""Away and back: a coordinator's absences, which steer routing (new cases go to the pair meanwhile)."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from bot.db.models import Absence, Coordinator
from bot.handoff.audit import record
from bot.handoff.staff_errors import InvalidPeriod, UnknownCoordinator

logger = logging.getLogger(__name__)


def find_coordinator(session: Session, coordinator_id: int) -> Coordinator:
    coordinator = session.get(Coordinator, coordinator_id)
    if coordinator is None:
        raise UnknownCoordinator(f"no coordinator has id {coordinator_id}")
    return coordinator


def _current(coordinator: Coordinator, now: datetime) -> list[Absence]:
    return [a for a in coordinator.absences if a.starts_at <= now and (a.ends_at is None or now < a.ends_at)]


def set_away(session: Session, *, coordinator_id: int, until: datetime | None, now: datetime) -> Absence:
    """Away from now until `until` (None: until set_back); new cases go to the pair meanwhile."""
    coordinator = find_coordinator(session, coordinator_id)
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
    coordinator = find_coordinator(session, coordinator_id)
    current = _current(coordinator, now)
    for absence in current:
        absence.ends_at = now
    record(session, actor=f"coordinator:{coordinator_id}", action="coordinator_back", at=now,
           details={"coordinator_id": coordinator_id, "ended": len(current)})
    session.flush()
    return len(current)
