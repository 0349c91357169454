"""What the embedded classifier sees of a message: character n-grams and truncated word uni/bigrams."""
from __future__ import annotations

import logging

from nlu.text import fold, normalize, tokens

logger = logging.getLogger(__name__)

__all__ = ["MAX_CHARS", "NGRAM_RANGE", "PREFIX_CHARS", "char_ngrams", "prepare", "word_ngrams"]

MAX_CHARS = 600  # longer messages are cut: the request is in the first sentences
NGRAM_RANGE = (2, 5)
# Words are cut to their first six letters: a cheap stem that joins Finnish and Swedish
# inflections ("kotihoitoa", "kotihoidon" -> "kotiho"; "hemvården" -> "hemvar").  Out of
# fold on nlu/data it did as well as Snowball stems (the shorter of the fi and sv stem)
# at no cost per message; Snowball in pure Python took ~0.6 ms for an 11-word message.
PREFIX_CHARS = 6


def prepare(text: str) -> str:
    """The classifier's view of a message: normalised, ä/ö/å-folded, at most MAX_CHARS long."""
    # Cut before normalising too, so a 10 MB paste costs no more than a long message.
    return fold(normalize(str(text)[: MAX_CHARS * 4]))[:MAX_CHARS]


def char_ngrams(text: str) -> list[str]:
    """Character 2-5-grams inside word boundaries (scikit-learn's char_wb), on prepared text."""
    lo, hi = NGRAM_RANGE
    grams: list[str] = []
    append = grams.append
    for word in text.split():
        padded = f" {word} "
        size = len(padded)
        for n in range(lo, hi + 1):
            if size < n:
                break
            for start in range(size - n + 1):
                append(padded[start:start + n])
    return grams


def word_ngrams(text: str) -> list[str]:
    """Word unigrams and bigrams of prepared text, each word cut to PREFIX_CHARS letters."""
    words = [word[:PREFIX_CHARS] for word in tokens(text)]
    return words + [f"{a} {b}" for a, b in zip(words, words[1:])]
