"""Babel catalogs per conversation language, and locale-aware dates, times and opening hours."""
from __future__ import annotations

import datetime as dt
import io
import logging
import re
from datetime import date, datetime, time
from pathlib import Path

from babel.dates import format_date, format_time, get_day_names
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

logger = logging.getLogger(__name__)

LANGUAGES = ("fi", "sv")
DOMAIN = "messages"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LOCALES = {"fi": "fi_FI", "sv": "sv_FI"}  # Babel locales: Finland's formats in both languages
_DOUBLE_PERIOD = re.compile(r"(\b\d{1,2}\.\d{1,2}\.)\.(?!\.)")  # "7.12." meeting the sentence's own period
_SPACES = re.compile(r"(?<=\S) {2,}")  # two spaces inside a line (indentation at a line's start stays)
_SPACE_BEFORE_BREAK = re.compile(r" +\n")


def N_(message: str) -> str:
    """Mark a string for extraction without translating it (translated later, per conversation)."""
    return message


def _load(locales_dir: Path, lang: str) -> Translations:
    po_path = locales_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo_path = po_path.with_suffix(".mo")
    if mo_path.exists() and (not po_path.exists() or mo_path.stat().st_mtime >= po_path.stat().st_mtime):
        with mo_path.open("rb") as handle:
            return Translations(handle, domain=DOMAIN)
    if not po_path.exists():
        raise FileNotFoundError(f"no catalog for {lang!r} at {po_path}: see README, Translations")
    # No compiled catalog yet (fresh clone): compile the .po in memory.
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


class I18n:
    """Translations for fi and sv; the language is chosen per call, never process-wide."""

    def __init__(self, locales_dir: Path) -> None:
        self.catalogs = {lang: _load(Path(locales_dir), lang) for lang in LANGUAGES}

    def gettext(self, lang: str, message: str) -> str:
        return self.catalogs.get(lang, self.catalogs["fi"]).gettext(message)

    # Formatting: Finland's formats in both languages (Babel fi_FI, sv_FI), with Finland's own patterns where
    # CLDR's sv_FI follows Sweden ("2026-12-03", "14:05"): 3.12.2026, klo 14.05 / kl. 14.05.

    @staticmethod
    def locale(lang: str) -> str:
        """The Babel locale of a conversation language: 'fi_FI' or 'sv_FI'."""
        return LOCALES.get(lang, LOCALES["fi"])

    @staticmethod
    def time(value: dt.time | datetime, lang: str) -> str:
        """'14.05' (both languages write the period in Finland)."""
        return format_time(value, "H.mm", locale=I18n.locale(lang))

    @staticmethod
    def clock(value: dt.time | datetime, lang: str) -> str:
        """'klo 14.05' / 'kl. 14.05'."""
        return f"{'kl.' if lang == 'sv' else 'klo'} {I18n.time(value, lang)}"

    @staticmethod
    def date_text(value: date, lang: str, *, year: bool = True) -> str:
        """'3.12.2026', or '3.12.' without the year."""
        return format_date(value, "d.M.yyyy" if year else "d.M.", locale=I18n.locale(lang))

    @staticmethod
    def weekday(value: date, lang: str) -> str:
        """The weekday as it stands before a date: 'torstaina' (Finnish essive) / 'torsdag'."""
        return format_date(value, "EEEE", locale=I18n.locale(lang))

    @staticmethod
    def day(value: date, lang: str, *, year: bool = False) -> str:
        """'torstaina 3.12.' / 'torsdag 3.12.' (with `year`: 'torstaina 3.12.2026')."""
        return f"{I18n.weekday(value, lang)} {I18n.date_text(value, lang, year=year)}"

    @staticmethod
    def short_day(value: date, lang: str, *, year: bool = False) -> str:
        """'to 3.12.' / 'tors 3.12.' (with `year`: 'to 3.12.2026'), for staff cards and lists."""
        return format_date(value, "EEE d.M.yyyy" if year else "EEE d.M.", locale=I18n.locale(lang))

    @staticmethod
    def stamp(value: datetime, lang: str, *, year: bool = False) -> str:
        """'to 3.12. klo 14.05' / 'tors 3.12. kl. 14.05'."""
        return f"{I18n.short_day(value, lang, year=year)} {I18n.clock(value, lang)}"

    @staticmethod
    def tidy(text: str) -> str:
        """A filled-in template made whole: one period where a date's period meets the sentence's own
        ('viimeistään 7.12.' + '.'), and one space where an empty placeholder left two."""
        text = _DOUBLE_PERIOD.sub(r"\1", text)
        return _SPACES.sub(" ", _SPACE_BEFORE_BREAK.sub("\n", text)).strip(" ")

    @staticmethod
    def opening_hours(hours: dict[str, list[list[str]]], lang: str) -> str:
        """Group equal days: 'ma–pe 9.00–16.00, la 10.00–14.00' / 'mån–fre 9.00–16.00'."""
        names = get_day_names("abbreviated", locale=I18n.locale(lang), context="format")
        spans: list[tuple[int, int, str]] = []
        for index, day in enumerate(WEEKDAYS):
            slots = hours.get(day) or []
            label = ", ".join(
                f"{I18n.time(time.fromisoformat(a), lang)}–{I18n.time(time.fromisoformat(b), lang)}" for a, b in slots
            )
            if not label:
                continue
            if spans and spans[-1][1] == index - 1 and spans[-1][2] == label:
                spans[-1] = (spans[-1][0], index, label)
            else:
                spans.append((index, index, label))
        parts = []
        for first, last, label in spans:
            days = names[first] if first == last else f"{names[first]}–{names[last]}"
            parts.append(f"{days.rstrip('.')} {label}")
        return ", ".join(parts)
