"""Validators for free-text answers: phone numbers, yes/no in Finnish and Swedish, non-empty."""
from __future__ import annotations

import re
import unicodedata

import phonenumbers

from nlu.text import tokens

# Whole answers that mean yes or no, folded (lowercase, ä/ö/å as a/o/a, no punctuation).
YES = frozenset({
    "kylla", "kyl", "joo", "juu", "jep", "jepp", "jees", "joopa", "juupa", "k", "ok", "okei", "okay", "oki",
    "selva", "sopii", "mielellaan", "toki", "tietysti", "tietenkin", "ilman muuta", "totta kai", "tottakai",
    "ja", "jo", "japp", "garna", "visst", "absolut", "okej", "yes", "y", "jajamen",
    "joo kiitos", "juu kiitos", "kylla kiitos", "kiitos kylla", "no joo", "no kylla", "kylla vaan", "sopii hyvin",
    "se sopii", "kylla kiitos mielellaan", "ja tack", "ja garna", "garna det", "jo visst", "ja visst", "javisst",
    "ja absolut", "ja det gar bra", "det gar bra", "gar bra", "okej tack", "ok tack", "tack ja",
    # the labels of the summary and consent buttons, typed
    "kylla oikein", "oikein", "on oikein", "kaikki oikein", "pitaa paikkansa", "ja det stammer", "det stammer",
    "stammer", "allt stammer", "kylla saa valittaa", "saa valittaa", "ja det far skickas", "det far skickas",
})
NO = frozenset({
    "ei", "en", "e", "eipa", "ei oo", "ei ole", "no ei", "nej", "na", "naa", "no", "n", "nix", "nope", "int", "inte",
    "ej", "ei kiitos", "ei kiitti", "kiitos ei", "ei tarvitse", "ei tarvii", "ei tarvi", "ei kay", "ei sovi",
    "en halua", "ei en halua", "ei todellakaan", "ei nyt", "nej tack", "na tack", "int nu", "inte nu", "nej inte nu",
    "vill inte", "jag vill inte", "nej jag vill inte", "behovs inte", "inte alls", "absolut inte",
    "nej det vill jag inte",
})
# Words that can begin a short yes or no ("kyllä, se on oikein", "ei, kunta on väärä").
YES_LEAD = frozenset({"kylla", "kyl", "joo", "juu", "jep", "jepp", "jees", "okei", "ok", "okej", "sopii",
                      "mielellaan", "toki", "tietysti", "japp", "garna", "visst", "absolut", "javisst"})
NO_LEAD = frozenset({"ei", "eipa", "nej", "nix", "inte", "int"})
NEGATING = frozenset({"ei", "en", "eipa", "eika", "ala", "nej", "inte", "int", "ingen", "inget", "ej", "na", "no"})
# Doubt or a "but" makes a short answer no answer ("en tiiä", "joo mutta...", "ja men").
DOUBT = frozenset({"tieda", "tiia", "tia", "tiija", "tiedetty", "varma", "ehka", "ehk", "kai", "mutta", "paitsi",
                   "vet", "vete", "vetat", "kanske", "saker", "men", "fast", "utom", "osaa", "jos", "om"})
LEAD_MAX_WORDS = 4


def clean_text(text: str) -> str:
    """Drop control and format characters (keep newlines), normalise, trim."""
    text = unicodedata.normalize("NFC", text)
    kept = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return re.sub(r"[ \t]+", " ", kept).strip()


def has_letters_or_digits(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def folded_words(text: str) -> list[str]:
    """Lowercase words without accents: 'Kyllä, oikein!' -> ['kylla', 'oikein']."""
    text = unicodedata.normalize("NFKD", text.lower())
    return tokens("".join(ch for ch in text if not unicodedata.combining(ch)))


# Phone numbers ----------------------------------------------------------------------------------------------

_PREFIX = re.compile(r"^[^\W\d_]+[.:]")  # "puh.040…", "tel:+358…": a word before the number, not in it


def phone_letters(text: str) -> list[str]:
    """Letters written inside a number ('o4o 123 45 67' -> ['o'], '040 123 456l' -> ['l']), in order, once each."""
    found: list[str] = []
    for token in re.split(r"[\s,;/]+", text):
        token = _PREFIX.sub("", token)
        if any(ch.isdigit() for ch in token):
            found.extend(ch for ch in token if ch.isalpha() and ch not in found)
    return found


def parse_phone(text: str) -> str | None:
    """A valid number in E.164, or None: Finnish in any usual form, or any country's in international form
    (+46 70 123 45 67, 0046 70 123 45 67). A number with letters in it is never guessed at."""
    if phone_letters(text):
        return None
    candidate = re.sub(r"[^\d+]", "", text)
    if not 5 <= len(candidate) <= 16 or "+" in candidate[1:]:
        return None
    tries = [candidate]
    if candidate.startswith("358"):
        tries.append("+" + candidate)  # 358401234567: the country code without its plus
    for attempt in tries:
        try:
            number = phonenumbers.parse(attempt, "FI")
        except phonenumbers.NumberParseException:
            continue
        international = attempt.startswith(("+", "00"))
        if phonenumbers.is_valid_number(number) and (number.country_code == 358 or international):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def format_phone(e164: str) -> str:
    """040 1234567 for a Finnish number, +46 70 123 45 67 for another country's."""
    try:
        number = phonenumbers.parse(e164, "FI")
    except phonenumbers.NumberParseException:
        return e164
    style = phonenumbers.PhoneNumberFormat
    return phonenumbers.format_number(number, style.NATIONAL if number.country_code == 358 else style.INTERNATIONAL)


# Yes and no -------------------------------------------------------------------------------------------------

def yes_no(text: str) -> bool | None:
    """True for a typed yes, False for a no, None for anything else, in Finnish and Swedish.

    A whole answer may be any word of YES or NO ("ja" is the Swedish yes, "en" the Finnish "I don't").
    A short answer (up to four words) may also begin with an unambiguous yes or no word and go on:
    "kyllä, se on oikein", "nej, inte ännu". Doubt ("en tiiä"), a "but", or yes and no together is no answer.
    """
    words = folded_words(text)
    if not words:
        return None
    phrase = " ".join(words)
    if phrase in YES:
        return True
    if phrase in NO:
        return False
    if len(words) > LEAD_MAX_WORDS or any(word in DOUBT for word in words):
        return None
    first, rest = words[0], words[1:]
    if first in YES_LEAD and not any(word in NEGATING for word in rest):
        return True
    if first in NO_LEAD and not any(word in YES_LEAD or word in ("ja", "jo") for word in rest):
        return False
    return None
