"""The audit trail: who did what and when, never what a citizen wrote."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.db.models import AuditEvent
from bot.db.types import utcnow


def record(session: Session, *, actor: str, action: str, citizen_id: int | None = None, handoff_id: int | None = None,
           details: dict[str, Any] | None = None, at: datetime | None = None) -> AuditEvent:
    event = AuditEvent(actor=actor, action=action, citizen_id=citizen_id, handoff_id=handoff_id,
                       details=details or {}, at=at or utcnow())
    session.add(event)
    return event
