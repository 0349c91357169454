"""Consent rules: a need reaches a coordinator only through a recorded yes to the exact text shown."""
from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TypeGuard

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.db.models import Consent, Handoff, Need
from bot.handoff.audit import record

PURPOSE = "handoff_to_coordinator"


class ConsentError(Exception):
    """A handoff was attempted without a consent that allows it."""


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record_decision(session: Session, *, citizen_id: int, need_id: int, text: str, decision: str, lang: str,
                    unit_id: int, coordinator_id: int | None, pair_id: int | None, now: datetime) -> Consent:
    if decision not in ("given", "declined"):
        raise ValueError(f"decision must be given or declined, not {decision!r}")
    need = session.get(Need, need_id)
    if need is None or need.citizen_id != citizen_id:
        raise ConsentError("the need does not belong to this citizen")
    consent = Consent(citizen_id=citizen_id, need_id=need_id, decision=decision, purpose=PURPOSE, text=text,
                      text_hash=text_hash(text), language=lang, unit_id=unit_id, coordinator_id=coordinator_id,
                      pair_id=pair_id, decided_at=now)
    session.add(consent)
    session.flush()
    record(session, actor=f"citizen:{citizen_id}", action=f"consent_{decision}", citizen_id=citizen_id,
           details={"consent_id": consent.id, "need_id": need_id, "text_hash": consent.text_hash,
                    "coordinator_id": coordinator_id, "unit_id": unit_id}, at=now)
    return consent


def usable(consent: Consent | None, *, need_id: int) -> TypeGuard[Consent]:
    return (consent is not None and consent.decision == "given" and consent.withdrawn_at is None
            and consent.need_id == need_id)


def withdraw_all(session: Session, *, citizen_id: int, now: datetime, actor: str | None = None) -> int:
    """Withdraw every consent in force and cancel the open handoffs that rest on them."""
    consents = list(session.scalars(select(Consent).where(
        Consent.citizen_id == citizen_id, Consent.decision == "given", Consent.withdrawn_at.is_(None))))
    for consent in consents:
        consent.withdrawn_at = now
        handoff = session.scalar(select(Handoff).where(Handoff.consent_id == consent.id))
        if handoff is not None and handoff.status not in ("closed", "cancelled"):
            handoff.status, handoff.cancelled_at = "cancelled", now
            record(session, actor=actor or f"citizen:{citizen_id}", action="handoff_cancelled", citizen_id=citizen_id,
                   handoff_id=handoff.id, details={"reason": "consent_withdrawn"}, at=now)
        session.execute(update(Need).where(Need.id == consent.need_id, Need.status == "handed_off")
                        .values(status="withdrawn"))
        record(session, actor=actor or f"citizen:{citizen_id}", action="consent_withdrawn", citizen_id=citizen_id,
               details={"consent_id": consent.id}, at=now)
    return len(consents)
