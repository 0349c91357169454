"""Finland's formats in both languages (Babel fi_FI, sv_FI): 3.12.2026, klo 14.05 / kl. 14.05, 'torsdag 3.12.'."""
from __future__ import annotations

from datetime import date, datetime, time

import pytest

from bot.i18n import I18n

MOMENT = datetime(2026, 12, 3, 14, 5)  # a Thursday


def test_locales_are_finlands():
    assert (I18n.locale("fi"), I18n.locale("sv")) == ("fi_FI", "sv_FI")


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_dates_and_times_are_written_the_finnish_way_in_both_languages(lang: str):
    assert I18n.date_text(MOMENT.date(), lang) == "3.12.2026"
    assert I18n.date_text(MOMENT.date(), lang, year=False) == "3.12."
    assert I18n.time(MOMENT, lang) == "14.05"
    assert I18n.time(time(9, 0), lang) == "9.00"


@pytest.mark.parametrize(("lang", "clock", "day", "day_with_year", "short", "stamp"), [
    ("fi", "klo 14.05", "torstaina 3.12.", "torstaina 3.12.2026", "to 3.12.", "to 3.12. klo 14.05"),
    ("sv", "kl. 14.05", "torsdag 3.12.", "torsdag 3.12.2026", "tors 3.12.", "tors 3.12. kl. 14.05"),
])
def test_weekday_dates_and_clock_times(lang: str, clock: str, day: str, day_with_year: str, short: str, stamp: str):
    assert I18n.clock(MOMENT, lang) == clock
    assert I18n.day(MOMENT.date(), lang) == day
    assert I18n.day(MOMENT.date(), lang, year=True) == day_with_year
    assert I18n.short_day(MOMENT.date(), lang) == short
    assert I18n.stamp(MOMENT, lang) == stamp


def test_not_swedens_formats():
    for text in (I18n.date_text(date(2026, 12, 3), "sv"), I18n.time(MOMENT, "sv"), I18n.day(date(2026, 12, 3), "sv")):
        assert "-" not in text and ":" not in text, text


def test_opening_hours_in_both_languages():
    hours = {"mon": [["09:00", "16:00"]], "tue": [["09:00", "16:00"]], "sat": [["10:00", "14:00"]]}
    assert I18n.opening_hours(hours, "fi") == "ma–ti 9.00–16.00, la 10.00–14.00"
    assert I18n.opening_hours(hours, "sv") == "mån–tis 9.00–16.00, lör 10.00–14.00"


@pytest.mark.parametrize(("filled", "tidy"), [
    ("Hän ottaa sinuun yhteyttä viimeistään 7.12.. Jos asia", "Hän ottaa sinuun yhteyttä viimeistään 7.12. Jos asia"),
    ("Du blir kontaktad senast måndag 7.12..", "Du blir kontaktad senast måndag 7.12."),
    ("Vastaus tulee tähän keskusteluun.  Jos asia", "Vastaus tulee tähän keskusteluun. Jos asia"),  # an empty {note}
    ("viimeistään 4.1.2027.", "viimeistään 4.1.2027."),
    ("Odota...", "Odota..."),
    ("klo 14.05.", "klo 14.05."),
])
def test_a_filled_in_template_is_tidied(filled: str, tidy: str):
    assert I18n.tidy(filled) == tidy
