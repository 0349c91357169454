"""Choosing who receives a case: topic, municipality and language; an absent person's work pair; least load."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from bot.db.models import Coordinator, Handoff, Unit

logger = logging.getLogger(__name__)

OPEN_STATUSES = ("new", "claimed", "contacted")


@dataclass(frozen=True, slots=True)
class Assignment:
    unit: Unit
    coordinator: Coordinator | None
    via_pair: bool = False  # the chosen person covers for an absent colleague


def units_for(session: Session, *, municipality: str | None, lang: str) -> list[Unit]:
    """Units serving the municipality, those speaking the language first.

    Without a municipality (not asked yet) every unit; for a municipality no unit serves (a Helsinki resident, the
    old "other" choice) none: the county cannot take the case, and the citizen is told where to turn instead
    (bot/handoff/area.py).
    """
    units = list(session.scalars(select(Unit).order_by(Unit.id)))
    serving = [u for u in units if municipality in (u.municipalities or [])] if municipality else units
    return sorted(serving, key=lambda u: lang not in (u.languages or []))


def serves(session: Session, *, municipality: str | None) -> bool:
    """Some unit serves the municipality (an unknown municipality is nobody's)."""
    return bool(municipality) and bool(units_for(session, municipality=municipality, lang="fi"))


def last_coordinator(session: Session, *, citizen_id: int) -> int | None:
    """Who had the citizen's most recent case, if anyone did."""
    return session.scalar(select(Handoff.coordinator_id).where(Handoff.citizen_id == citizen_id,
                                                               Handoff.coordinator_id.is_not(None))
                          .order_by(Handoff.id.desc()).limit(1))


def is_absent(coordinator: Coordinator, now: datetime) -> bool:
    if not coordinator.active:
        return True
    return any(a.starts_at <= now and (a.ends_at is None or now < a.ends_at) for a in coordinator.absences)


def open_load(session: Session, coordinator_ids: list[int]) -> dict[int, int]:
    if not coordinator_ids:
        return {}
    rows = session.execute(
        select(Handoff.coordinator_id, func.count())
        .where(Handoff.coordinator_id.in_(coordinator_ids), Handoff.status.in_(OPEN_STATUSES))
        .group_by(Handoff.coordinator_id)
    )
    return {cid: count for cid, count in rows}


def choose(session: Session, *, topic: str, municipality: str | None, lang: str, now: datetime,
           prefer: int | None = None) -> Assignment | None:
    """The person (or unit) who gets a new case; None when no unit serves the municipality (or no unit exists).

    `prefer` is the coordinator who last had this citizen's case: a returning citizen goes back to the same
    person whenever they could take the case anyway (right unit, language and topic, not away).
    """
    units = units_for(session, municipality=municipality, lang=lang)
    if not units:
        return None
    for unit in units:
        people = list(session.scalars(
            select(Coordinator).where(Coordinator.unit_id == unit.id)
            .options(selectinload(Coordinator.absences),
                     selectinload(Coordinator.pair).selectinload(Coordinator.absences))
            .order_by(Coordinator.id)
        ))
        qualified = [c for c in people if lang in (c.languages or []) and (not c.topics or topic in c.topics)]
        effective: dict[int, tuple[Coordinator, bool]] = {}
        for person in qualified:
            if not is_absent(person, now):
                effective.setdefault(person.id, (person, False))
            elif person.pair is not None and not is_absent(person.pair, now) and lang in (person.pair.languages or []):
                effective.setdefault(person.pair.id, (person.pair, True))
        if prefer in effective and not effective[prefer][1]:
            return Assignment(unit=unit, coordinator=effective[prefer][0])
        if effective:
            load = open_load(session, list(effective))
            person, via_pair = min(effective.values(), key=lambda item: (load.get(item[0].id, 0), item[1], item[0].id))
            return Assignment(unit=unit, coordinator=person, via_pair=via_pair)
    logger.info("no coordinator free for a case; the unit receives it")
    return Assignment(unit=units[0], coordinator=None)
