"""Demo data: three lähitori units of an invented Itä-Uusimaa set-up and their coordinator pairs."""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Coordinator, StaffAccount, Unit

logger = logging.getLogger(__name__)

WEEKDAYS_9_16 = {d: [["09:00", "16:00"]] for d in ("mon", "tue", "wed", "thu")} | {"fri": [["09:00", "15:00"]]}
ALL_TOPICS: list[str] = []  # empty = a generalist who takes every topic
# Working hours within opening hours: about a working day when urgent, a week when soon, two weeks without hurry.
REPLY_HOURS = {"urgent": 7, "soon": 35, "no_hurry": 70}

UNITS: list[dict[str, Any]] = [
    dict(code="porvoo", name_fi="Porvoon lähitori (demo)", name_sv="Närtorget i Borgå (demo)",
         municipalities=["porvoo", "askola", "myrskyla", "pornainen", "pukkila"], languages=["fi", "sv"],
         phone="040 000 1001", address="Rauhankatu 20, Porvoo (demo)", opening_hours=WEEKDAYS_9_16,
         reply_hours=REPLY_HOURS),
    dict(code="loviisa", name_fi="Loviisan lähitori (demo)", name_sv="Närtorget i Lovisa (demo)",
         municipalities=["loviisa", "lapinjarvi"], languages=["fi", "sv"],
         phone="040 000 1002", address="Mannerheiminkatu 4, Loviisa (demo)", opening_hours=WEEKDAYS_9_16,
         reply_hours=REPLY_HOURS),
    dict(code="sipoo", name_fi="Sipoon lähitori (demo)", name_sv="Närtorget i Sibbo (demo)",
         municipalities=["sipoo"], languages=["fi", "sv"],
         phone="040 000 1003", address="Iso Kylätie 18, Sipoo (demo)", opening_hours=WEEKDAYS_9_16,
         reply_hours=REPLY_HOURS),
]

# (unit, first, last, languages, topics, pair index within the unit list below)
ELDERLY = ["home_support", "housing_services", "caregiver_support", "assistive_devices", "rehabilitation",
           "transport_service"]
SOCIAL = ["financial_support", "work_ability", "mental_health_substance", "family_services", "loneliness_activities"]
GENERAL = ["health_services", "digital_support", "disability_services", "lahitori_info"]
PEOPLE = [
    ("porvoo", "Sari", "Laine", ["fi"], ELDERLY + GENERAL, "Anna"),
    ("porvoo", "Anna", "Lindholm", ["fi", "sv"], ELDERLY + GENERAL, "Sari"),
    ("porvoo", "Mikko", "Heinonen", ["fi"], SOCIAL + GENERAL, "Johanna"),
    ("porvoo", "Johanna", "Björklund", ["fi", "sv"], SOCIAL + GENERAL, "Mikko"),
    ("loviisa", "Pirjo", "Karppinen", ["fi"], ALL_TOPICS, "Henrik"),
    ("loviisa", "Henrik", "Sjöberg", ["sv", "fi"], ALL_TOPICS, "Pirjo"),
    ("sipoo", "Leena", "Nieminen", ["fi", "sv"], ALL_TOPICS, "Fredrik"),
    ("sipoo", "Fredrik", "Holm", ["sv", "fi"], ALL_TOPICS, "Leena"),
]


def seed(session: Session) -> tuple[int, int]:
    """Insert the demo units and coordinators unless they exist; returns how many were added."""
    units_added = people_added = 0
    units: dict[str, Unit] = {}
    for data in UNITS:
        unit = session.scalar(select(Unit).where(Unit.code == data["code"]))
        if unit is None:
            unit = Unit(is_demo=True, **data)
            session.add(unit)
            units_added += 1
        elif unit.is_demo:  # a demo database made before: whom the unit serves and how soon it answers
            unit.municipalities, unit.reply_hours = list(data["municipalities"]), dict(data["reply_hours"])
        units[data["code"]] = unit
    session.flush()
    people: dict[tuple[str, str], Coordinator] = {}
    for code, first, last, languages, topics, _pair in PEOPLE:
        person = session.scalar(select(Coordinator).where(Coordinator.unit_id == units[code].id,
                                                          Coordinator.first_name == first))
        if person is None:
            person = Coordinator(unit_id=units[code].id, first_name=first, last_name=last, title_fi="palveluohjaaja",
                                 title_sv="servicehandledare", languages=languages, topics=topics, active=True,
                                 is_demo=True)
            session.add(person)
            people_added += 1
        people[(code, first)] = person
    session.flush()
    for code, first, *_rest, pair in PEOPLE:
        people[(code, first)].pair_id = people[(code, pair)].id
    logger.info("demo data: %d units and %d coordinators added", units_added, people_added)
    return units_added, people_added


# Console accounts: (username, role, coordinator, console language); the admin is linked to the first demo unit,
# which marks it demo (bot.web.accounts.is_demo) without narrowing what an admin sees.
ACCOUNTS = [("sari", "staff", "Sari Laine", "fi"), ("anna", "staff", "Anna Lindholm", "sv"),
            ("admin", "admin", None, "fi")]


@dataclass(frozen=True, slots=True)
class DemoAccount:
    """A demo console account; `password` only when it was just made (shown once, never stored in clear)."""

    username: str
    role: str
    who: str
    password: str | None
    note: str = ""  # why there is no password: it exists, or the name is another account's, or it could not be made


def seed_accounts(session: Session, *, now: datetime) -> list[DemoAccount]:
    """The demo console accounts, each made with a fresh random password unless it exists (its password kept).
    Call after `seed`: the staff accounts are the demo coordinators'."""
    from bot.web import accounts

    first_unit = session.scalar(select(Unit).where(Unit.code == UNITS[0]["code"], Unit.is_demo.is_(True)))
    made = []
    for username, role, coordinator, language in ACCOUNTS:
        existing = session.scalar(select(StaffAccount).where(StaffAccount.username == username))
        if existing is not None:
            note = ("exists, its password unchanged" if accounts.is_demo(session, existing) else
                    "the name is taken by an account that is not a demo one: left as it is")
            made.append(DemoAccount(username, existing.role, existing.display_name, None, note))
            continue
        password = secrets.token_urlsafe(12)  # 16 characters
        try:  # add checks everything before it writes anything
            account = accounts.add(session, username=username, password=password, role=role,
                                   coordinator=coordinator, language=language, now=now, by="demo")
        except accounts.AccountError as error:
            made.append(DemoAccount(username, role, coordinator or username, None, f"not made: {error}"))
            continue
        if account.coordinator_id is None and first_unit is not None:
            account.unit_id = first_unit.id
        made.append(DemoAccount(username, role, account.display_name, password))
    logger.info("demo accounts: %d added", sum(1 for item in made if item.password))
    return made
