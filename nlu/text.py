"""Text normalisation shared by the intent classifier and the crisis guard."""
from __future__ import annotations

import logging
import re
import unicodedata

logger = logging.getLogger(__name__)

__all__ = ["fold", "has_letters", "normalize", "tokens"]

# Unicode categories removed outright: control, format (zero-width joiners, BOM,
# bidi marks), private use, unassigned and surrogates.  Whitespace controls
# (tab, newline) are turned into spaces first so that words stay apart.
_DROP_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cn", "Cs"})
_SPACE_RE = re.compile(r"\s+")
_WORD_RE = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
_FOLD = str.maketrans({"ä": "a", "ö": "o", "å": "a", "æ": "a", "ø": "o", "é": "e", "ü": "u"})


def normalize(text: str, *, fold_diacritics: bool = False) -> str:
    """Return `text` NFKC-normalised, lowercased, without control characters, single-spaced.

    With `fold_diacritics`, ä and å become a, ö becomes o (citizens often type
    without them: "aiti kaatui", "mamma behover hjalp").
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text))
    text = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or unicodedata.category(ch) not in _DROP_CATEGORIES
    )
    # NFKC again: lowercasing may produce decomposed sequences (e.g. "İ").
    text = unicodedata.normalize("NFKC", text.lower())
    text = _SPACE_RE.sub(" ", text).strip()
    if fold_diacritics:
        text = fold(text)
    return text


def fold(text: str) -> str:
    """Fold Nordic letters of already normalised text: ä/å → a, ö → o."""
    return text.translate(_FOLD)


def tokens(text: str) -> list[str]:
    """Split normalised text into word tokens (letters and digits, inner hyphens kept)."""
    return _WORD_RE.findall(text)


def has_letters(text: str) -> bool:
    """True when `text` contains at least one alphabetic character."""
    return any(ch.isalpha() for ch in text)
