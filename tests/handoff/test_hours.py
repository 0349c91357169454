"""When and how to expect contact: the unit's reply time per urgency in its opening hours, Finnish public holidays
closed, said as a day and a part of the day (never a minute), in Finnish and Swedish."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config import PROJECT_ROOT
from bot.db.models import DEFAULT_REPLY_HOURS
from bot.demo import REPLY_HOURS, WEEKDAYS_9_16
from bot.handoff.hours import (
    Expectation,
    expected_contact,
    is_open,
    next_opening,
    reply_time,
    working_time_between,
)
from bot.i18n import I18n

HKI = ZoneInfo("Europe/Helsinki")


@pytest.fixture(scope="module")
def i18n() -> I18n:
    return I18n(PROJECT_ROOT / "locales")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=HKI).astimezone(UTC)


def promise(i18n: I18n, now: datetime, lang: str, *, urgency: str | None = "urgent", contact: str | None = "phone",
            contact_time: str | None = None, reply_hours: dict | None = None) -> Expectation:
    return expected_contact(hours=WEEKDAYS_9_16, reply_hours=REPLY_HOURS if reply_hours is None else reply_hours,
                            urgency=urgency, contact=contact, contact_time=contact_time, now=now, tz="Europe/Helsinki",
                            lang=lang, i18n=i18n)


@pytest.mark.parametrize(("lang", "text"), [("fi", "viimeistään maanantaina 7.12."), ("sv", "senast måndag 7.12.")])
def test_friday_afternoon_urgent_case_is_promised_by_monday(i18n: I18n, lang: str, text: str):
    # Friday 14.00, an hour before closing: 1 working hour today, 6 on Monday.
    expectation = promise(i18n, at(2026, 12, 4, 14, 0), lang)
    assert expectation.text == text
    assert expectation.at == at(2026, 12, 7, 15, 0)  # the deadline escalation and the staff card go by


@pytest.mark.parametrize(("lang", "text"), [("fi", "viimeistään tiistaina 8.12."), ("sv", "senast tisdag 8.12.")])
def test_no_hurry_gives_two_weeks_of_working_time(i18n: I18n, lang: str, text: str):
    expectation = promise(i18n, at(2026, 11, 24, 10, 0), lang, urgency="no_hurry", contact="chat")
    assert expectation.text == text
    assert expectation.at == at(2026, 12, 8, 12, 0)


@pytest.mark.parametrize(("lang", "text"), [("fi", "viimeistään maanantaina 28.12."), ("sv", "senast måndag 28.12.")])
def test_christmas_holidays_are_not_working_time(i18n: I18n, lang: str, text: str):
    # Wednesday 23.12. after closing; Christmas Eve and Christmas Day are holidays, then the weekend.
    expectation = promise(i18n, at(2026, 12, 23, 17, 0), lang)
    assert expectation.text == text
    assert expectation.at == at(2026, 12, 28, 16, 0)


@pytest.mark.parametrize(("now", "lang", "reply", "text"), [
    (at(2026, 11, 24, 10, 0), "fi", 1, "tänään aamupäivän aikana"),
    (at(2026, 11, 24, 10, 0), "sv", 1, "i dag under förmiddagen"),
    (at(2026, 11, 24, 10, 0), "fi", 4, "viimeistään tänään iltapäivällä"),
    (at(2026, 11, 24, 10, 0), "sv", 4, "senast i dag på eftermiddagen"),
    (at(2026, 11, 24, 20, 0), "fi", 2, "huomenna aamupäivällä"),  # closed now: the contact can only come then
    (at(2026, 11, 24, 20, 0), "sv", 2, "i morgon på förmiddagen"),
    (at(2026, 11, 24, 20, 0), "fi", 7, "viimeistään huomenna iltapäivällä"),
    (at(2026, 11, 24, 20, 0), "sv", 7, "senast i morgon på eftermiddagen"),
    (at(2026, 11, 27, 16, 0), "fi", 2, "maanantaina 30.11. aamupäivällä"),
    (at(2026, 11, 27, 16, 0), "sv", 2, "måndag 30.11. på förmiddagen"),
])
def test_a_day_and_a_part_of_the_day(i18n: I18n, now: datetime, lang: str, reply: int, text: str):
    assert promise(i18n, now, lang, reply_hours={"urgent": reply}).text == text


def test_never_to_the_minute(i18n: I18n):
    for lang in ("fi", "sv"):
        for urgency in ("urgent", "soon", "no_hurry", None):
            text = promise(i18n, at(2026, 11, 24, 10, 17), lang, urgency=urgency).text
            assert "klo" not in text and "kl." not in text and ":" not in text, text


@pytest.mark.parametrize(("contact", "lang", "how"), [
    ("phone", "fi", "Sinulle soitetaan numeroon, jonka annoit."),
    ("phone", "sv", "Du blir uppringd på numret du gav."),
    ("chat", "fi", "Vastaus tulee tähän keskusteluun."),
    ("chat", "sv", "Svaret kommer här i chatten."),
    ("visit", "fi", "Silloin sovitte yhdessä ajan, jolloin tulet käymään lähitorilla."),
    ("visit", "sv", "Då kommer ni tillsammans överens om en tid för ditt besök på närtorget."),
    (None, "fi", ""),
])
def test_how_the_contact_comes(i18n: I18n, contact: str | None, lang: str, how: str):
    assert promise(i18n, at(2026, 11, 24, 10, 0), lang, contact=contact).how == how


@pytest.mark.parametrize(("lang", "text", "note"), [
    ("fi", "viimeistään huomenna", "Palveluohjaaja ottaa huomioon toiveesi ajasta: arkisin klo 16 jälkeen."),
    ("sv", "senast i morgon", "Servicehandledaren tar hänsyn till ditt önskemål om tid: vardagar efter kl. 16."),
])
def test_a_wish_about_the_time_leaves_the_part_of_the_day_to_it(i18n: I18n, lang: str, text: str, note: str):
    wish = "arkisin klo 16 jälkeen" if lang == "fi" else "vardagar efter kl. 16."
    expectation = promise(i18n, at(2026, 11, 24, 20, 0), lang, contact_time=wish)
    assert (expectation.text, expectation.note) == (text, note)
    assert promise(i18n, at(2026, 11, 24, 20, 0), lang, contact_time="  ").note == ""


def test_reply_hours_fall_back_to_the_defaults():
    assert reply_time({"urgent": 3}, "urgent").total_seconds() == 3 * 3600
    assert reply_time({"urgent": 3}, "no_hurry").total_seconds() == DEFAULT_REPLY_HOURS["no_hurry"] * 3600
    assert reply_time(None, None) == reply_time(None, "soon")
    assert reply_time({}, "something else") == reply_time({}, "soon")


def test_a_unit_without_opening_hours_promises_no_day(i18n: I18n):
    expectation = expected_contact(hours={}, reply_hours=REPLY_HOURS, urgency="urgent", contact="phone",
                                   now=at(2026, 11, 24, 10, 0), tz="Europe/Helsinki", lang="fi", i18n=i18n)
    assert expectation.at is None and expectation.text == "heti kun lähitori on taas auki"


def test_holiday_is_closed():
    independence_day = datetime(2027, 12, 6, 10, 0, tzinfo=HKI)  # a Monday
    assert not is_open(WEEKDAYS_9_16, independence_day)
    assert next_opening(WEEKDAYS_9_16, independence_day) == datetime(2027, 12, 7, 9, 0, tzinfo=HKI)


def test_opening_hours_read_naturally():
    assert I18n.opening_hours(WEEKDAYS_9_16, "fi") == "ma–to 9.00–16.00, pe 9.00–15.00"
    assert I18n.opening_hours(WEEKDAYS_9_16, "sv") == "mån–tors 9.00–16.00, fre 9.00–15.00"


@pytest.mark.parametrize("wrong", [{"urgent": "seitsemän"}, {"urgent": 0}, {"urgent": -3}, {"urgent": None},
                                   {"urgent": 100000}])
def test_a_mistyped_reply_time_falls_back_to_the_default(wrong: dict):
    assert reply_time(wrong, "urgent").total_seconds() == DEFAULT_REPLY_HOURS["urgent"] * 3600


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=HKI)


EIGHT_TO_FOUR = {d: [["08:00", "16:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


@pytest.mark.parametrize(("start", "end", "hours"), [
    (local(2026, 11, 24, 9, 0), local(2026, 11, 24, 12, 20), 3 + 1 / 3),  # within one day
    (local(2026, 11, 20, 15, 0), local(2026, 11, 23, 10, 0), 3),  # Friday 15.00 to Monday 10.00: the weekend is closed
    (local(2026, 11, 21, 11, 0), local(2026, 11, 22, 18, 0), 0),  # all of it on a weekend
    (local(2026, 11, 24, 6, 0), local(2026, 11, 24, 20, 0), 8),  # before opening to after closing: the whole day
    (local(2027, 1, 5, 15, 0), local(2027, 1, 7, 9, 0), 2),  # Tuesday to Thursday: Epiphany (Wednesday) is closed
    (local(2026, 12, 23, 15, 0), local(2026, 12, 28, 9, 0), 1 + 1),  # Christmas Eve, Christmas Day, Boxing Day closed
    (local(2026, 11, 24, 12, 0), local(2026, 11, 24, 11, 0), 0),  # an end before the start
])
def test_working_time_between_counts_only_opening_hours(start: datetime, end: datetime, hours: float):
    assert working_time_between(EIGHT_TO_FOUR, start, end) == timedelta(hours=hours)


def test_working_time_between_takes_the_end_in_any_timezone():
    start = local(2026, 11, 20, 15, 0)
    assert working_time_between(EIGHT_TO_FOUR, start, at(2026, 11, 23, 10, 0)) == timedelta(hours=3)


def test_working_time_between_with_two_slots_a_day():
    split = {"tue": [["08:00", "11:00"], ["12:00", "16:00"]]}
    assert working_time_between(split, local(2026, 11, 24, 10, 0), local(2026, 11, 24, 13, 30)) == timedelta(hours=2.5)
