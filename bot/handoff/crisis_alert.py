"""Showing a crisis answer to the lähitori's staff during opening hours, so that a person knows of it.

The alert carries no words of the citizen and no identity (they have consented to nothing): only that the bot just
gave emergency guidance, of which kind, in which language and when. It goes to the unit's staff group chat through
the outbox, in the same transaction as the crisis record; outside opening hours, or when the unit has no group chat
it lets cases into (`staff_telegram` off), nothing is sent, and the citizen's answer then says honestly that nobody
is reading now.
"""
from __future__ import annotations

import logging
from datetime import datetime
from uuid import uuid4
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Handoff, Need, Unit
from bot.handoff.hours import is_open
from bot.handoff.notify import group_chat
from bot.handoff.outbox import STAFF_CHANNEL, enqueue, staff_language
from bot.handoff.routing import units_for

logger = logging.getLogger(__name__)

KIND = "crisis_alert"


def unit_of(session: Session, citizen_id: int, lang: str) -> Unit | None:
    """The unit that knows the citizen best: their newest case's, else the unit of their newest need's
    municipality, else the first unit serving the language."""
    handoff = session.scalar(select(Handoff).where(Handoff.citizen_id == citizen_id)
                             .order_by(Handoff.id.desc()).limit(1))
    if handoff is not None:
        return handoff.unit
    municipality = session.scalar(select(Need.municipality).where(Need.citizen_id == citizen_id)
                                  .order_by(Need.id.desc()).limit(1))
    units = units_for(session, municipality=municipality, lang=lang)
    return units[0] if units else session.scalar(select(Unit).order_by(Unit.id).limit(1))


def alert_staff(session: Session, *, citizen_id: int, help_kind: str, lang: str, now: datetime, tz: str) -> bool:
    """Queue an alert to the unit's staff group chat while the unit is open (and lets cases into Telegram); True
    when one was queued."""
    unit = unit_of(session, citizen_id, lang)
    chat = group_chat(unit) if unit is not None else None  # none when the unit keeps Telegram out of its work
    if unit is None or chat is None or not is_open(unit.opening_hours or {}, now.astimezone(ZoneInfo(tz))):
        return False
    enqueue(session, channel=STAFF_CHANNEL, recipient=chat, kind=KIND,
            payload={"lang": staff_language(unit), "help": help_kind, "citizen_lang": lang, "at": now.isoformat()},
            dedupe_key=f"{KIND}:{uuid4().hex}", now=now)  # no citizen id in the key: it outlives an erasure
    logger.info("crisis alert queued to unit %d", unit.id)
    return True
