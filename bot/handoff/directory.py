"""The directory an admin keeps: units (names, municipalities, languages, phone, address, opening hours with
exceptions, reply times per urgency, staff Telegram on or off) and coordinators (name, titles, unit, languages,
topics, work pair, e-mail, absences). The same rules as routing relies on: languages from the contract's set, topics
from the intent contract, a work pair in the same unit (pairs are mutual). Every change is audited with the fields
it changed. A refusal is a DirectoryError whose message is a msgid with its values, so each channel says it in its
reader's language."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Absence, Coordinator, Unit
from bot.handoff.audit import record
from bot.handoff.hours import MAX_REPLY_HOURS
from bot.i18n import N_, WEEKDAYS
from nlu.types import SERVICE_TOPICS

LANGS = ("fi", "sv")
URGENCIES = ("urgent", "soon", "no_hurry")
CODE = re.compile(r"[a-z][a-z0-9_-]{1,31}")
MUNICIPALITY = re.compile(r"[a-zåäö][a-zåäö0-9-]{1,63}")
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}")
SPAN = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*[-–]\s*(\d{1,2})[:.](\d{2})\s*$")


class DirectoryError(ValueError):
    """A change the directory refuses: `message` is a msgid, `values` fill it."""

    def __init__(self, message: str, **values: Any) -> None:
        super().__init__(message.format(**values) if values else message)
        self.message, self.values = message, values


def _text(value: str | None, *, field: str, limit: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise DirectoryError(N_("{field}: required."), field=field)
    if len(text) > limit:
        raise DirectoryError(N_("{field}: at most {limit} characters."), field=field, limit=limit)
    return text


def languages(values: list[str]) -> list[str]:
    chosen = [lang for lang in LANGS if lang in values]
    if not chosen or set(values) - set(LANGS):
        raise DirectoryError(N_("Choose at least one language: Finnish or Swedish."))
    return chosen


def phone(value: str) -> str:
    text = _text(value, field="phone", limit=32)
    try:
        number = phonenumbers.parse(text, "FI")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        raise DirectoryError(N_("The phone number {value} does not look like a Finnish number."), value=text)
    return text


def spans(text: str, *, field: str) -> list[list[str]]:
    """'9.00-12.00, 13:00–16:00' -> [["09:00", "12:00"], ["13:00", "16:00"]]; '' or 'closed' -> []."""
    out: list[list[str]] = []
    cleaned = (text or "").strip().lower()
    if cleaned in ("", "-", "closed", "suljettu", "stängt"):
        return out
    for part in cleaned.split(","):
        match = SPAN.match(part)
        if match is None:
            raise DirectoryError(N_("{field}: write opening hours like 9.00-16.00 (or 9.00-12.00, 13.00-16.00)."),
                                 field=field)
        h1, m1, h2, m2 = (int(group) for group in match.groups())
        if not (h1 < 24 and h2 <= 24 and m1 < 60 and m2 < 60) or (h1, m1) >= (h2, m2):
            raise DirectoryError(N_("{field}: {span} is not a time span."), field=field, span=part.strip())
        out.append([f"{h1:02d}:{m1:02d}", f"{h2:02d}:{m2:02d}" if h2 < 24 else "23:59"])
    return out


def opening_hours(days: dict[str, str], exceptions: str) -> dict[str, Any]:
    """Weekday fields ('mon': '9.00-16.00') and exception lines ('2026-12-24 closed', '2026-12-31 9.00-12.00')."""
    hours: dict[str, Any] = {day: found for day in WEEKDAYS if (found := spans(days.get(day, ""), field=day))}
    dated: dict[str, list[list[str]]] = {}
    for line in (exceptions or "").splitlines():
        if not line.strip():
            continue
        day, _space, rest = line.strip().partition(" ")
        try:
            datetime.strptime(day, "%Y-%m-%d")
        except ValueError:
            raise DirectoryError(N_("Exceptions: begin each line with a date like 2026-12-24.")) from None
        dated[day] = spans(rest, field=day)
    if dated:
        hours["exceptions"] = dated
    return hours


def reply_hours(values: dict[str, str]) -> dict[str, int]:
    out = {}
    for urgency in URGENCIES:
        try:
            number = int(str(values.get(urgency, "")).strip())
        except ValueError:
            number = 0
        if not 1 <= number <= MAX_REPLY_HOURS:
            raise DirectoryError(N_("Reply times are working hours from 1 to {most}."), most=MAX_REPLY_HOURS)
        out[urgency] = number
    if not out["urgent"] <= out["soon"] <= out["no_hurry"]:
        raise DirectoryError(N_("Reply times must grow with less hurry: urgent, then soon, then no hurry."))
    return out


def follow_up_days(text: str) -> int | None:
    """'' (no follow-up question) or 1-365 days after a case closed."""
    if not text.strip():
        return None
    if not text.strip().isdigit() or not 1 <= int(text) <= 365:
        raise DirectoryError(N_("Follow-up: a number of days from 1 to 365, or empty for no follow-up question."))
    return int(text)


def _audit(session: Session, *, actor: str, action: str, now: datetime, changed: dict[str, Any]) -> None:
    record(session, actor=actor, action=action, at=now, details=changed)


def save_unit(session: Session, unit: Unit | None, form: dict[str, Any], *, actor: str, now: datetime) -> Unit:
    """Create (unit None) or change a unit from the form's fields; audited with what changed."""
    values: dict[str, Any] = {
        "name_fi": _text(form.get("name_fi"), field="name_fi", limit=120),
        "name_sv": _text(form.get("name_sv"), field="name_sv", limit=120),
        "municipalities": list(dict.fromkeys(m.strip().lower() for m in str(form.get("municipalities", "")).split(",")
                                             if m.strip())),
        "languages": languages(list(form.get("languages") or [])),
        "phone": phone(str(form.get("phone", ""))),
        "address": _text(form.get("address"), field="address", limit=200, required=False),
        "opening_hours": opening_hours({day: form.get(f"hours_{day}", "") for day in WEEKDAYS},
                                       str(form.get("exceptions", ""))),
        "reply_hours": reply_hours({u: form.get(f"reply_{u}", "") for u in URGENCIES}),
        "staff_telegram": form.get("staff_telegram") in ("on", "1", True),
        "follow_up_days": follow_up_days(str(form.get("follow_up_days") or "")),
    }
    bad = [m for m in values["municipalities"] if not MUNICIPALITY.fullmatch(m)]
    if bad:
        raise DirectoryError(N_("Municipalities: write codes like porvoo, lapinjarvi (not {value})."), value=bad[0])
    if unit is None:
        code = str(form.get("code", "")).strip().lower()
        if not CODE.fullmatch(code):
            raise DirectoryError(N_("Code: 2-32 small letters, digits, - or _ (like porvoo)."))
        if session.scalar(select(Unit.id).where(Unit.code == code)) is not None:
            raise DirectoryError(N_("There is already a unit with the code {value}."), value=code)
        unit = Unit(code=code, **values)
        session.add(unit)
        session.flush()
        _audit(session, actor=actor, action="directory_unit_added", now=now, changed={"unit": code, **values})
        return unit
    changed = {key: value for key, value in values.items() if getattr(unit, key) != value}
    for key, value in changed.items():
        setattr(unit, key, value)
    if changed:
        _audit(session, actor=actor, action="directory_unit_changed", now=now, changed={"unit": unit.code, **changed})
    return unit


def _pair(session: Session, person: Coordinator, pair_id: int | None, unit_id: int) -> Coordinator | None:
    if pair_id is None:
        return None
    pair = session.get(Coordinator, pair_id)
    if pair is None or pair.id == person.id or pair.unit_id != unit_id:
        raise DirectoryError(N_("The work pair must be another coordinator of the same unit."))
    return pair


def save_coordinator(session: Session, person: Coordinator | None, form: dict[str, Any], *, actor: str,
                     now: datetime) -> Coordinator:
    """Create (person None) or change a coordinator; a work pair is set on both (their earlier pairs let go)."""
    unit = session.get(Unit, int(form.get("unit_id") or 0))
    if unit is None:
        raise DirectoryError(N_("Choose the coordinator's unit."))
    topics = [t for t in SERVICE_TOPICS if t in (form.get("topics") or [])]
    if set(form.get("topics") or []) - set(SERVICE_TOPICS):
        raise DirectoryError(N_("Unknown topic: choose topics from the list."))
    email = str(form.get("email") or "").strip() or None
    if email is not None and (len(email) > 254 or not EMAIL.fullmatch(email)):
        raise DirectoryError(N_("The e-mail address {value} does not look right."), value=email)
    values: dict[str, Any] = {
        "first_name": _text(form.get("first_name"), field="first_name", limit=60),
        "last_name": _text(form.get("last_name"), field="last_name", limit=60),
        "title_fi": _text(form.get("title_fi"), field="title_fi", limit=80),
        "title_sv": _text(form.get("title_sv"), field="title_sv", limit=80),
        "unit_id": unit.id, "languages": languages(list(form.get("languages") or [])), "topics": topics,
        "email": email, "active": form.get("active") in ("on", "1", True),
    }
    action = "directory_coordinator_changed"
    if person is None:
        person = Coordinator(**values)
        session.add(person)
        session.flush()
        action, changed = "directory_coordinator_added", dict(values)
    else:
        changed = {key: value for key, value in values.items() if getattr(person, key) != value}
        for key, value in changed.items():
            setattr(person, key, value)
    pair_id = int(form["pair_id"]) if str(form.get("pair_id") or "").isdigit() else None
    pair = _pair(session, person, pair_id, unit.id)
    if pair_id != person.pair_id:
        old = session.get(Coordinator, person.pair_id) if person.pair_id else None
        if old is not None and old.pair_id == person.id:
            old.pair_id = None  # let go of the earlier pair
        if pair is not None:
            their = session.get(Coordinator, pair.pair_id) if pair.pair_id else None
            if their is not None and their.pair_id == pair.id:
                their.pair_id = None  # the new pair's earlier pair is let go too
            pair.pair_id = person.id
        person.pair_id = pair_id
        changed["pair_id"] = pair_id
    if changed:
        _audit(session, actor=actor, action=action, now=now,
               changed={"coordinator_id": person.id, **{k: v for k, v in changed.items()}})
    session.flush()
    return person


def add_absence(session: Session, person: Coordinator, *, starts_at: datetime, ends_at: datetime | None,
                actor: str, now: datetime) -> Absence:
    if ends_at is not None and ends_at <= starts_at:
        raise DirectoryError(N_("An absence must end after it begins."))
    absence = Absence(coordinator_id=person.id, starts_at=starts_at, ends_at=ends_at)
    session.add(absence)
    session.flush()
    _audit(session, actor=actor, action="directory_absence_added", now=now,
           changed={"coordinator_id": person.id, "starts_at": starts_at.isoformat(),
                    "ends_at": ends_at.isoformat() if ends_at else None})
    return absence


def end_absence(session: Session, absence: Absence, *, actor: str, now: datetime) -> None:
    """End it now (one in the future is removed)."""
    if absence.starts_at > now:
        session.delete(absence)
    else:
        absence.ends_at = now
    _audit(session, actor=actor, action="directory_absence_ended", now=now,
           changed={"coordinator_id": absence.coordinator_id, "absence_id": absence.id})
