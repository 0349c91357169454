"""A unit's staff group chat: asked for by a coordinator in the group, approved by an administrator.

`/unitgroup` in a group only records `Unit.staff_chat_pending`; nothing reaches that group (cards, crisis alerts,
escalations: every sender reads `Unit.staff_chat_id`) until an administrator runs `lahitori staff group approve
UNIT`, which moves it to `staff_chat_id`. A coordinator may always take their unit's cards out of a group
(`/unitgroup off`); an administrator revokes with `lahitori staff group revoke UNIT`. Every change is audited.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.orm import Session

from bot.db.models import AuditEvent, Coordinator, Outbox, Unit
from bot.handoff.audit import record
from bot.handoff.outbox import STAFF_CHANNEL
from bot.handoff.staff_errors import CoordinatorInactive, NoPendingGroup, NoUnitGroup, UnknownCoordinator

logger = logging.getLogger(__name__)


def _member(session: Session, coordinator_id: int) -> Coordinator:
    coordinator = session.get(Coordinator, coordinator_id)
    if coordinator is None:
        raise UnknownCoordinator(f"no coordinator has id {coordinator_id}")
    if not coordinator.active:
        raise CoordinatorInactive("this coordinator account is not active")
    return coordinator


def _drop_unsent(session: Session, chat_id: str) -> int:
    """What is still queued to a group that no longer gets the unit's cases is not sent; how many rows."""
    return cast(CursorResult[Any], session.execute(delete(Outbox).where(
        Outbox.channel == STAFF_CHANNEL, Outbox.recipient == chat_id, Outbox.sent_at.is_(None),
        Outbox.failed_at.is_(None)).execution_options(synchronize_session=False))).rowcount


def request_unit_group(session: Session, *, coordinator_id: int, chat_id: int | str, now: datetime) -> Unit:
    """`/unitgroup` in a group: the group waits for an administrator's approval as the coordinator's unit's staff
    group (replacing an earlier request). The group already approved is left as it is."""
    coordinator = _member(session, coordinator_id)
    unit, chat = coordinator.unit, str(chat_id)
    if unit.staff_chat_id == chat:
        return unit
    replaced = unit.staff_chat_pending is not None and unit.staff_chat_pending != chat
    unit.staff_chat_pending = chat
    record(session, actor=f"coordinator:{coordinator_id}", action="unit_group_requested", at=now,
           details={"unit_id": unit.id, "coordinator_id": coordinator_id, "replaced_request": replaced})
    session.flush()
    logger.info("unit %d: a staff group waits for approval", unit.id)
    return unit


def leave_unit_group(session: Session, *, coordinator_id: int, chat_id: int | str, now: datetime) -> Unit:
    """`/unitgroup off` in a group: it no longer gets (or waits to get) the coordinator's unit's cases."""
    coordinator = _member(session, coordinator_id)
    unit, chat = coordinator.unit, str(chat_id)
    approved, pending = unit.staff_chat_id == chat, unit.staff_chat_pending == chat
    if approved:
        unit.staff_chat_id = None
        _drop_unsent(session, chat)
    if pending:
        unit.staff_chat_pending = None
    record(session, actor=f"coordinator:{coordinator_id}", action="unit_group_removed", at=now,
           details={"unit_id": unit.id, "coordinator_id": coordinator_id, "was_approved": approved,
                    "was_pending": pending})
    session.flush()
    return unit


def approve_unit_group(session: Session, *, unit_id: int, now: datetime, actor: str = "admin") -> Unit:
    """The group waiting for approval becomes the unit's staff group (replacing the one before); audited."""
    unit = session.get(Unit, unit_id)
    if unit is None or unit.staff_chat_pending is None:
        raise NoPendingGroup("no group is waiting for approval for this unit: "
                             "a coordinator sends /unitgroup in the group first")
    previous = unit.staff_chat_id
    unit.staff_chat_id, unit.staff_chat_pending = unit.staff_chat_pending, None
    if previous is not None and previous != unit.staff_chat_id:
        _drop_unsent(session, previous)
    record(session, actor=actor, action="unit_group_approved", at=now,
           details={"unit_id": unit.id, "replaced": previous is not None and previous != unit.staff_chat_id})
    session.flush()
    logger.info("unit %d: staff group approved", unit.id)
    return unit


def revoke_unit_group(session: Session, *, unit_id: int, now: datetime, actor: str = "admin") -> tuple[str | None,
                                                                                                      str | None]:
    """The unit's approved group gets nothing more (what is queued to it is not sent), and a request waiting
    for approval is turned down; (the approved group, the pending one) as they were. Audited."""
    unit = session.get(Unit, unit_id)
    if unit is None or (unit.staff_chat_id is None and unit.staff_chat_pending is None):
        raise NoUnitGroup("this unit has no staff group, approved or waiting")
    approved, pending = unit.staff_chat_id, unit.staff_chat_pending
    unit.staff_chat_id = unit.staff_chat_pending = None
    dropped = _drop_unsent(session, approved) if approved is not None else 0
    record(session, actor=actor, action="unit_group_revoked", at=now,
           details={"unit_id": unit.id, "was_approved": approved is not None, "was_pending": pending is not None,
                    "unsent_dropped": dropped})
    session.flush()
    logger.info("unit %d: staff group revoked", unit.id)
    return approved, pending


@dataclass(frozen=True)
class UnitGroups:
    """A unit's staff groups as an administrator sees them, with who asked for the waiting one and when."""

    unit: Unit
    approved: str | None
    pending: str | None
    asked_by: Coordinator | None
    asked_at: datetime | None


def unit_groups(session: Session) -> list[UnitGroups]:
    """Every unit, by code, with its approved and waiting staff group."""
    units = list(session.scalars(select(Unit).order_by(Unit.code)))
    asked: dict[Any, AuditEvent] = {}
    if any(unit.staff_chat_pending for unit in units):  # the audit details are encrypted: read, then match
        for event in session.scalars(select(AuditEvent).where(AuditEvent.action == "unit_group_requested")
                                     .order_by(AuditEvent.id)):
            asked[event.details.get("unit_id")] = event  # the newest request of each unit wins
    rows = []
    for unit in units:
        request = asked.get(unit.id) if unit.staff_chat_pending else None
        person = session.get(Coordinator, request.details.get("coordinator_id") or 0) if request else None
        rows.append(UnitGroups(unit=unit, approved=unit.staff_chat_id, pending=unit.staff_chat_pending,
                               asked_by=person, asked_at=request.at if request else None))
    return rows
