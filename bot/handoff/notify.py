"""Who hears of a case, on which channel: the rules in one place (the queueing is in bot/handoff/outbox.py).

- The console shows every case live to those who may see it; the channels below only call people to it.
- Telegram carries case content (cards, the citizen's words, additions, crisis alerts): to a linked, active
  coordinator, or to a unit's approved group chat, and only while the unit allows it (`unit.staff_telegram`). A unit
  that switched it off keeps every card and relayed word out of Telegram.
- E-mail, to a coordinator's work address, carries no client data at all: only the case number, what happened and
  the link to the case in the console, in the coordinator's language; and only for what calls for action
  (EMAIL_KINDS). The citizen's words (`relay_in`) bring at most one e-mail an hour per case and reader.
- When the unit is to be told (escalation level 2, or nobody else could be reached) and it has no Telegram group it
  may use, every active, present coordinator of the unit who may see the case is e-mailed: when the consent names
  people, only them.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Coordinator, Handoff, Unit
from bot.handoff.routing import is_absent

TELEGRAM = "telegram"
EMAIL = "email"
EMAIL_KINDS = frozenset({"handoff_new", "handoff_given", "handoff_escalated", "relay_in", "case_withdrawn"})


def telegram_allowed(*units: Unit | None) -> bool:
    """Whether these units let case content into Telegram (the default; a unit can switch it off)."""
    return all(unit is None or unit.staff_telegram is not False for unit in units)


def coordinator_chat(person: Coordinator, handoff: Handoff) -> str | None:
    """The coordinator's linked Telegram chat for this case: None when they are inactive or unlinked, or when the
    case's unit or their own keeps cases out of Telegram."""
    if not person.active or not person.telegram_chat_id or not telegram_allowed(handoff.unit, person.unit):
        return None
    return person.telegram_chat_id


def group_chat(unit: Unit) -> str | None:
    """The unit's approved staff group chat, when the unit lets cases into Telegram."""
    return unit.staff_chat_id if unit.staff_chat_id and telegram_allowed(unit) else None


def email_address(person: Coordinator, kind: str) -> str | None:
    """Where a notification of `kind` is e-mailed to this coordinator: None for kinds that call for no action, or
    without an active person or an address."""
    if kind not in EMAIL_KINDS or not person.active or not person.email:
        return None
    return person.email


def email_key(key: str, *, kind: str, handoff_id: int, person_id: int, now: datetime) -> str:
    """The e-mail's dedupe key: the notification's own with `:email`; for the citizen's words (one row a message)
    one key an hour per case and reader, so that a lively chat is one e-mail, not one a message."""
    if kind == "relay_in":
        return f"relay_in:{handoff_id}:c{person_id}:{now:%Y%m%d%H}:email"
    return f"{key}:email"


def names_people(handoff: Handoff) -> bool:
    """The consent names a coordinator (and pair): nobody else may read the case, not even the unit group."""
    return handoff.consent.coordinator_id is not None or handoff.consent.pair_id is not None


def may_read(handoff: Handoff, person: Coordinator) -> bool:
    """Whether the consent lets this coordinator of the case's unit read it."""
    if person.unit_id != handoff.unit_id:
        return False
    return not names_people(handoff) or person.id in (handoff.consent.coordinator_id, handoff.consent.pair_id)


def unit_readers(session: Session, handoff: Handoff, now: datetime) -> list[Coordinator]:
    """Everyone of the case's unit who may read it, is active and is not away: who is e-mailed when the unit is."""
    people = session.scalars(select(Coordinator).where(Coordinator.unit_id == handoff.unit_id,
                                                       Coordinator.active.is_(True)).order_by(Coordinator.id))
    return [person for person in people if may_read(handoff, person) and not is_absent(person, now)]
