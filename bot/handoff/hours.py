"""Opening hours, Finnish public holidays and when a citizen can expect to be contacted."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from bot.i18n import I18n, N_, WEEKDAYS

RESPONSE_WORKING_HOURS = 2  # a coordinator answers within this many working hours


@lru_cache(maxsize=8)
def _finnish_holidays(year: int) -> holidays.HolidayBase:
    return holidays.Finland(years=year)


def is_holiday(day: date) -> bool:
    return day in _finnish_holidays(day.year)


def _slots(hours: dict, day: date) -> list[tuple[time, time]]:
    if is_holiday(day):
        return []
    return [(time.fromisoformat(a), time.fromisoformat(b)) for a, b in hours.get(WEEKDAYS[day.weekday()]) or []]


def is_open(hours: dict, local: datetime) -> bool:
    return any(a <= local.time() < b for a, b in _slots(hours, local.date()))


def next_opening(hours: dict, local: datetime) -> datetime | None:
    """The next moment the unit opens after `local` (None if it never opens in the next 3 weeks)."""
    for offset in range(0, 22):
        day = local.date() + timedelta(days=offset)
        for start, _end in _slots(hours, day):
            candidate = datetime.combine(day, start, tzinfo=local.tzinfo)
            if candidate > local:
                return candidate
    return None


def working_time_after(hours: dict, local: datetime, amount: timedelta) -> datetime | None:
    """The moment `amount` of opening hours has passed after `local` (for escalation deadlines too)."""
    remaining, cursor = amount, local
    for _ in range(60):
        open_slot = next(((a, b) for a, b in _slots(hours, cursor.date()) if a <= cursor.time() < b), None)
        if open_slot is None:
            cursor = next_opening(hours, cursor)
            if cursor is None:
                return None
            continue
        slot_end = datetime.combine(cursor.date(), open_slot[1], tzinfo=cursor.tzinfo)
        if cursor + remaining <= slot_end:
            return cursor + remaining
        remaining -= slot_end - cursor
        cursor = slot_end
    return None


@dataclass(frozen=True, slots=True)
class Expectation:
    at: datetime | None  # UTC
    text: str  # e.g. "tänään klo 14.30 mennessä" / "måndag 30.11 på förmiddagen"


def expected_contact(*, hours: dict, now: datetime, tz: str, lang: str, i18n: I18n) -> Expectation:
    """When the citizen can expect contact, in their language."""
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    due = working_time_after(hours, local, timedelta(hours=RESPONSE_WORKING_HOURS))
    if due is None:
        return Expectation(None, i18n.gettext(lang, N_("as soon as the lähitori is open again")))
    due_utc = due.astimezone(now.tzinfo)
    if due.date() == local.date():
        text = i18n.gettext(lang, N_("today by {time}")).format(time=I18n.time(due, lang))
    elif is_open(hours, local) or due.time() > time(12, 0):
        text = i18n.gettext(lang, N_("{day} by {time}")).format(day=I18n.day(due.date(), lang), time=I18n.time(due, lang))
    elif due.date() == local.date() + timedelta(days=1):
        text = i18n.gettext(lang, N_("tomorrow morning"))
    else:
        text = i18n.gettext(lang, N_("on {day} in the morning")).format(day=I18n.day(due.date(), lang))
    return Expectation(due_utc, text)
