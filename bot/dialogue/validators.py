"""Validators for free-text answers: phone (Finnish), yes/no, non-empty."""
from __future__ import annotations

import re
import unicodedata

import phonenumbers

YES = {"kyllä", "kylla", "joo", "juu", "jep", "k", "ok", "okei", "sopii", "ja", "jo", "japp", "gärna", "garna", "okej", "yes", "y"}
NO = {"ei", "en", "e", "nej", "nä", "nää", "no", "n", "ei kiitos", "nej tack"}


def clean_text(text: str) -> str:
    """Drop control and format characters (keep newlines), normalise, trim."""
    text = unicodedata.normalize("NFC", text)
    kept = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return re.sub(r"[ \t]+", " ", kept).strip()


def has_letters_or_digits(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def parse_phone(text: str) -> str | None:
    """A valid Finnish (or +358) number in E.164, or None."""
    candidate = re.sub(r"[^\d+]", "", text)
    if not 5 <= len(candidate) <= 16:
        return None
    try:
        number = phonenumbers.parse(candidate, "FI")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 358 or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164, "FI"), phonenumbers.PhoneNumberFormat.NATIONAL)
    except phonenumbers.NumberParseException:
        return e164


def yes_no(text: str) -> bool | None:
    word = re.sub(r"[^\w ]", "", text.lower()).strip()
    if word in YES:
        return True
    if word in NO:
        return False
    return None
