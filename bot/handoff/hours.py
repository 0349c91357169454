"""Opening hours, Finnish public holidays and when (and how) a citizen can expect to be contacted."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays

from bot.db.models import DEFAULT_REPLY_HOURS
from bot.i18n import N_, WEEKDAYS, I18n

logger = logging.getLogger(__name__)
MAX_STEPS = 400  # opening slots and closed spells working_time_after walks through (months of reply time)
MAX_REPLY_HOURS = 500  # a unit's reply time beyond this is a typing error, not a promise


@lru_cache(maxsize=8)
def _finnish_holidays(year: int) -> holidays.HolidayBase:
    return holidays.Finland(years=year)


def is_holiday(day: date) -> bool:
    return day in _finnish_holidays(day.year)


def _slots(hours: dict, day: date) -> list[tuple[time, time]]:
    """The day's opening slots: an exception for the date (the unit's own: a closed Christmas Eve, a short day)
    first, then Finnish public holidays (closed), then the weekday's hours."""
    exceptions = hours.get("exceptions") or {}
    if day.isoformat() in exceptions:
        return [(time.fromisoformat(a), time.fromisoformat(b)) for a, b in exceptions[day.isoformat()] or []]
    if is_holiday(day):
        return []
    return [(time.fromisoformat(a), time.fromisoformat(b)) for a, b in hours.get(WEEKDAYS[day.weekday()]) or []]


def is_open(hours: dict, local: datetime) -> bool:
    return any(a <= local.time() < b for a, b in _slots(hours, local.date()))


def next_opening(hours: dict, local: datetime) -> datetime | None:
    """The next moment the unit opens after `local` (None if it never opens in the next 3 weeks)."""
    for offset in range(22):
        day = local.date() + timedelta(days=offset)
        for start, _end in _slots(hours, day):
            candidate = datetime.combine(day, start, tzinfo=local.tzinfo)
            if candidate > local:
                return candidate
    return None


def working_time_after(hours: dict, local: datetime, amount: timedelta) -> datetime | None:
    """The moment `amount` of opening hours has passed after `local` (for escalation deadlines too)."""
    remaining, cursor = amount, local
    for _ in range(MAX_STEPS):
        open_slot = next(((a, b) for a, b in _slots(hours, cursor.date()) if a <= cursor.time() < b), None)
        if open_slot is None:
            opening = next_opening(hours, cursor)
            if opening is None:
                return None
            cursor = opening
            continue
        slot_end = datetime.combine(cursor.date(), open_slot[1], tzinfo=cursor.tzinfo)
        if cursor + remaining <= slot_end:
            return cursor + remaining
        remaining -= slot_end - cursor
        cursor = slot_end
    return None


def working_time_between(hours: dict, start: datetime, end: datetime) -> timedelta:
    """How much of the unit's opening hours (Finnish holidays closed) lies between two local moments: how long a
    case has waited in working time. Zero when `end` is not after `start`."""
    total, end = timedelta(), end.astimezone(start.tzinfo)
    if end <= start:
        return total
    day = start.date()
    while day <= end.date():
        for a, b in _slots(hours, day):
            opens = datetime.combine(day, a, tzinfo=start.tzinfo)
            closes = datetime.combine(day, b, tzinfo=start.tzinfo)
            overlap = min(closes, end) - max(opens, start)
            if overlap > timedelta():
                total += overlap
        day += timedelta(days=1)
    return total


URGENCIES = ("urgent", "soon", "no_hurry")
WISH_LIMIT = 120  # characters of the citizen's own words about a good time, quoted back to them
MORNING_ENDS, AFTERNOON_ENDS = time(12, 0), time(17, 0)

# (day, part of day, exact): exact when contact can only fall in that part of that day; otherwise "at the latest".
# part None: the day only, when the citizen's own wish about the time decides the part of the day.
PROMISES = {
    ("today", "morning", True): N_("today during the morning"),
    ("today", "afternoon", True): N_("today during the afternoon"),
    ("today", "evening", True): N_("today during the evening"),
    ("tomorrow", "morning", True): N_("tomorrow during the morning"),
    ("tomorrow", "afternoon", True): N_("tomorrow during the afternoon"),
    ("tomorrow", "evening", True): N_("tomorrow during the evening"),
    ("day", "morning", True): N_("{day} during the morning"),
    ("day", "afternoon", True): N_("{day} during the afternoon"),
    ("day", "evening", True): N_("{day} during the evening"),
    ("today", "morning", False): N_("today in the morning at the latest"),
    ("today", "afternoon", False): N_("today in the afternoon at the latest"),
    ("today", "evening", False): N_("today in the evening at the latest"),
    ("tomorrow", "morning", False): N_("tomorrow in the morning at the latest"),
    ("tomorrow", "afternoon", False): N_("tomorrow in the afternoon at the latest"),
    ("tomorrow", "evening", False): N_("tomorrow in the evening at the latest"),
    ("today", None, False): N_("today at the latest"),
    ("tomorrow", None, False): N_("tomorrow at the latest"),
    ("day", None, False): N_("by {day} at the latest"),
}
HOW = {
    "phone": N_("You will get a call at the number you gave."),
    "chat": N_("The answer comes here in this chat."),
    "visit": N_("You will then agree together on a time for your visit to the lähitori."),
}


@dataclass(frozen=True, slots=True)
class Expectation:
    """When and how the citizen will be contacted: `at` is the deadline (UTC) and the rest is said to them."""

    at: datetime | None  # UTC; None when the unit has no opening hours ahead
    text: str  # a day and a part of the day, never a minute: "huomenna aamupäivällä", "senast tisdag 8.12."
    how: str = ""  # how the contact comes: "Sinulle soitetaan numeroon, jonka annoit."; "" when not known
    note: str = ""  # the citizen's wish about the time, acknowledged; "" when they gave none


def reply_time(reply_hours: dict[str, Any] | None, urgency: str | None) -> timedelta:
    """The unit's reply time for the urgency in working hours (the defaults for what the unit does not say)."""
    key = urgency if urgency in DEFAULT_REPLY_HOURS else "soon"
    try:
        value = float((reply_hours or {}).get(key, DEFAULT_REPLY_HOURS[key]))
    except (TypeError, ValueError):
        value = -1.0
    if not 0 < value <= MAX_REPLY_HOURS:
        logger.warning("unit reply_hours[%r] is not a number of hours: the default %s", key, DEFAULT_REPLY_HOURS[key])
        value = DEFAULT_REPLY_HOURS[key]
    return timedelta(hours=value)


def part_of_day(moment: datetime) -> str:
    clock = moment.time()
    return "morning" if clock <= MORNING_ENDS else "afternoon" if clock <= AFTERNOON_ENDS else "evening"


def promise_text(*, hours: dict, due: datetime, now: datetime, lang: str, i18n: I18n, day_only: bool = False) -> str:
    """The deadline `due` as a day and a part of the day seen from `now` (both local): 'huomenna aamupäivällä',
    'viimeistään tiistaina 8.12.'. `day_only` leaves the part of the day out (the citizen asked for a time)."""
    if due <= now:
        return i18n.gettext(lang, N_("as soon as possible"))
    today = now.date()
    day = "today" if due.date() == today else "tomorrow" if due.date() == today + timedelta(days=1) else "day"
    earliest = now if is_open(hours, now) else (next_opening(hours, now) or due)
    part: str | None = part_of_day(due)
    exact = earliest.date() == due.date() and part_of_day(earliest) == part
    if day_only or (day == "day" and not exact):
        part, exact = None, False
    template = i18n.gettext(lang, PROMISES[(day, part, exact)])
    return template.format(day=I18n.day(due.date(), lang, year=due.year != today.year))


def contact_how(contact: str | None, lang: str, i18n: I18n) -> str:
    """How the contact comes, by the citizen's choice: a call, this chat, or a visit agreed on first."""
    return i18n.gettext(lang, HOW[contact]) if contact in HOW else ""


def contact_time_note(wish: str | None, lang: str, i18n: I18n) -> str:
    """'Palveluohjaaja ottaa huomioon toiveesi ajasta: arkisin klo 16 jälkeen.'; '' without a wish."""
    words = " ".join((wish or "").split()).rstrip(" .!?")
    if not words:
        return ""
    if len(words) > WISH_LIMIT:
        words = words[:WISH_LIMIT - 1].rstrip() + "…"
    note = i18n.gettext(lang, N_("The coordinator takes your wish about the time into account: {wish}."))
    return note.format(wish=words)


def expected_contact(*, hours: dict, reply_hours: dict[str, Any] | None, urgency: str | None, contact: str | None,
                     now: datetime, tz: str, lang: str, i18n: I18n, contact_time: str | None = None) -> Expectation:
    """When and how the citizen can expect contact, in their language: the unit's reply time for the urgency,
    counted in its opening hours (Finnish holidays closed), said as a day and a part of the day."""
    local = now.astimezone(ZoneInfo(tz))
    due = working_time_after(hours, local, reply_time(reply_hours, urgency))
    how, note = contact_how(contact, lang, i18n), contact_time_note(contact_time, lang, i18n)
    if due is None:
        return Expectation(None, i18n.gettext(lang, N_("as soon as the lähitori is open again")), how, note)
    text = promise_text(hours=hours, due=due, now=local, lang=lang, i18n=i18n, day_only=bool(note))
    return Expectation(due.astimezone(UTC), text, how, note)
