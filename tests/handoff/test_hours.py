"""When to expect contact, from opening hours and Finnish public holidays, in Finnish and Swedish."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.config import PROJECT_ROOT
from bot.demo import WEEKDAYS_9_16
from bot.handoff.hours import expected_contact, is_open, next_opening
from bot.i18n import I18n

HKI = ZoneInfo("Europe/Helsinki")


@pytest.fixture(scope="module")
def i18n() -> I18n:
    return I18n(PROJECT_ROOT / "locales")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=HKI).astimezone(UTC)


@pytest.mark.parametrize(("now", "lang", "text"), [
    (at(2026, 11, 24, 10, 0), "fi", "tänään viimeistään klo 12.00"),
    (at(2026, 11, 24, 10, 0), "sv", "i dag senast kl. 12:00"),
    (at(2026, 11, 24, 15, 30), "fi", "keskiviikkona 25.11. viimeistään klo 10.30"),
    (at(2026, 11, 24, 20, 0), "fi", "huomenna aamupäivällä"),
    (at(2026, 11, 24, 20, 0), "sv", "i morgon förmiddag"),
    (at(2026, 11, 27, 16, 0), "fi", "maanantaina 30.11. aamupäivällä"),
    (at(2026, 11, 27, 16, 0), "sv", "på måndag 30.11 på förmiddagen"),
    (at(2026, 12, 23, 17, 0), "fi", "maanantaina 28.12. aamupäivällä"),  # Christmas Eve and Day are holidays
])
def test_expected_contact(i18n: I18n, now: datetime, lang: str, text: str):
    assert expected_contact(hours=WEEKDAYS_9_16, now=now, tz="Europe/Helsinki", lang=lang, i18n=i18n).text == text


def test_holiday_is_closed():
    independence_day = datetime(2027, 12, 6, 10, 0, tzinfo=HKI)  # a Monday
    assert not is_open(WEEKDAYS_9_16, independence_day)
    assert next_opening(WEEKDAYS_9_16, independence_day) == datetime(2027, 12, 7, 9, 0, tzinfo=HKI)


def test_opening_hours_read_naturally():
    assert I18n.opening_hours(WEEKDAYS_9_16, "fi") == "ma–to 9.00–16.00, pe 9.00–15.00"
    assert I18n.opening_hours(WEEKDAYS_9_16, "sv") == "mån–tors 09:00–16:00, fre 09:00–15:00"
