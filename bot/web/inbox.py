"""What a console account may see, and the inbox rows: the domain's permission rule (bot/handoff/staff.permitted)
for staff, everything for an admin. Reads only."""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from bot.db.models import Coordinator, Handoff, StaffAccount
from bot.handoff import staff
from bot.handoff.routing import OPEN_STATUSES

logger = logging.getLogger(__name__)

STATUSES = OPEN_STATUSES  # new | claimed | contacted


@dataclass(frozen=True, slots=True)
class Filters:
    mine: bool = False
    status: str | None = None  # one of STATUSES, None: every open one

    @classmethod
    def parse(cls, query: dict[str, str]) -> Filters:
        status = query.get("status")
        return cls(mine=query.get("mine") == "1", status=status if status in STATUSES else None)

    def query(self) -> str:
        parts = (["mine=1"] if self.mine else []) + ([f"status={self.status}"] if self.status else [])
        return "&".join(parts)


@dataclass(frozen=True, slots=True)
class Row:
    number: int
    topic: str
    language: str
    municipality: str | None
    status: str
    created_at: datetime
    expected_contact_at: datetime | None
    escalation_level: int
    holder: str | None
    mine: bool

    def promise(self, now: datetime) -> str:
        """on_time | late | escalated: against the contact time the citizen was promised."""
        if self.escalation_level > 0 and self.status == "new":
            return "escalated"
        if self.status == "new" and self.expected_contact_at is not None and self.expected_contact_at < now:
            return "late"
        return "on_time"


def me(session: Session, account: StaffAccount) -> Coordinator | None:
    return session.get(Coordinator, account.coordinator_id) if account.coordinator_id else None


def may_see(session: Session, account: StaffAccount, handoff: Handoff) -> bool:
    """An admin sees every case; a staff member the ones the domain lets their coordinator act on (their unit's,
    narrowed to the named people when the consent names any)."""
    if handoff.erased_at is not None or handoff.need is None or handoff.consent is None:
        return False
    if account.role == "admin":
        return True
    coordinator = me(session, account)
    return coordinator is not None and staff.permitted(handoff=handoff, coordinator=coordinator)


def visible(session: Session, account: StaffAccount, filters: Filters) -> list[Row]:
    """The open cases the account may see, oldest first."""
    coordinator = me(session, account)
    query = (select(Handoff).where(Handoff.status.in_([filters.status] if filters.status else STATUSES),
                                   Handoff.erased_at.is_(None))
             .options(joinedload(Handoff.need), joinedload(Handoff.consent), joinedload(Handoff.coordinator))
             .order_by(Handoff.created_at, Handoff.id))
    if account.role != "admin":
        if coordinator is None:
            return []
        query = query.where(Handoff.unit_id == coordinator.unit_id)
    if filters.mine:
        if coordinator is None:
            return []
        query = query.where(Handoff.coordinator_id == coordinator.id)
    rows = []
    for handoff in session.scalars(query).unique():
        if not may_see(session, account, handoff):
            continue
        rows.append(Row(number=handoff.id, topic=handoff.need.topic, language=handoff.need.language,
                        municipality=handoff.need.municipality, status=handoff.status, created_at=handoff.created_at,
                        expected_contact_at=handoff.expected_contact_at, escalation_level=handoff.escalation_level,
                        holder=handoff.coordinator.full_name if handoff.coordinator else None,
                        mine=coordinator is not None and handoff.coordinator_id == coordinator.id))
    return rows


def signature(rows: list[Row]) -> str:
    """Changes when a case arrives, leaves or changes hands or state: what the live inbox watches."""
    text = ";".join(f"{r.number}:{r.status}:{r.holder}:{r.escalation_level}" for r in rows)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
