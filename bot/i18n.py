"""Babel catalogs per conversation language, and locale-aware dates, times and opening hours."""
from __future__ import annotations

import io
import logging
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

    # Formatting -----------------------------------------------------------------------------------------

    @staticmethod
    def time(value: time | datetime, lang: str) -> str:
        return format_time(value, format="short", locale=lang)

    @staticmethod
    def weekday(value: date, lang: str) -> str:
        return format_date(value, format="EEEE", locale=lang)

    @staticmethod
    def day(value: date, lang: str) -> str:
        """'maanantaina 1.12.' / 'måndag 1.12'."""
        if lang == "sv":
            return f"{format_date(value, 'EEEE', locale='sv')} {value.day}.{value.month}"
        return f"{format_date(value, 'EEEE', locale='fi')} {value.day}.{value.month}."

    @staticmethod
    def opening_hours(hours: dict[str, list[list[str]]], lang: str) -> str:
        """Group equal days: 'ma–pe 9.00–16.00, la 10.00–14.00' / 'mån–fre 09:00–16:00'."""
        names = get_day_names("abbreviated", locale=lang, context="format")
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
