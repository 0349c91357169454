"""What the embedded classifier sees of a message: character n-grams, truncated word uni/bigrams, sentences."""
from __future__ import annotations

import logging
import re
from typing import NamedTuple

from nlu.text import fold, normalize, tokens

logger = logging.getLogger(__name__)

__all__ = ["HEAD_CHARS", "MAX_CHARS", "NGRAM_RANGE", "PREFIX_CHARS", "Segment", "char_ngrams", "prepare",
           "segments", "word_ngrams"]

# Longer messages keep their beginning and their end: citizens tell the background first
# and the need last, so a plain cut at 600 characters lost the request of long stories.
MAX_CHARS = 1000
HEAD_CHARS = 250
NGRAM_RANGE = (2, 5)
# Words are cut to their first six letters: a cheap stem that joins Finnish and Swedish
# inflections ("kotihoitoa", "kotihoidon" -> "kotiho"; "hemvården" -> "hemvar").  Out of
# fold on nlu/data it did as well as Snowball stems (the shorter of the fi and sv stem)
# at no cost per message; Snowball in pure Python took ~0.6 ms for an 11-word message.
PREFIX_CHARS = 6

# Sentence ends; a sentence shorter than MIN_SEGMENT_CHARS ("ok.", "hei!") is no segment.
_SENTENCE_END_RE = re.compile(r"(?<=[.!?;:])\s+|\n+")
MIN_SEGMENT_CHARS = 12
# Words that make a sentence a request rather than background, in prepared (folded) text:
# fi "voisko, saako, tarvis, miten, mista, kuka, onko, haluaisin", sv "kunde, sku, behover,
# finns, hur, var, vem, vill".  Background sentences ("isa on 90 ja asuu yksin") carry a
# topic's words as confidently as requests do, so only requests may add a topic.
_REQUEST_RE = re.compile(
    r"\b(?:voi\w*|vois\w*|saa\w*|sais\w*|tarvi\w*|tarvis\w*|tartti\w*|pitais\w*|pitas\w*|pitaa|miten|mista|mihin"
    r"|missa|kuka|kenelle|kehen|onko|onks|haluai?sin|haluisin|ois|olis\w*|apua"
    r"|kan|kunde|kund|sku|skulle|behover|behov\w*|finns|hur|var|vart|vem|vill|ville|hjalp\w*|far|borde|maste|ska)\b")


class Segment(NamedTuple):
    """A sentence of a message, prepared; `is_request` when it asks for something."""

    text: str
    is_request: bool


def prepare(text: str) -> str:
    """The classifier's view of a message: normalised, ä/ö/å-folded, at most MAX_CHARS long.

    A longer message keeps its first HEAD_CHARS and its last characters, cut at spaces.
    """
    # Cut before normalising too, so a 10 MB paste costs no more than a long message.
    raw = str(text)
    if len(raw) > MAX_CHARS * 4:
        raw = raw[: MAX_CHARS * 2] + " " + raw[-MAX_CHARS * 2:]
    folded = fold(normalize(raw))
    if len(folded) <= MAX_CHARS:
        return folded
    head = folded[:HEAD_CHARS]
    tail = folded[-(MAX_CHARS - HEAD_CHARS - 1):]
    # Drop the broken word at each cut unless the piece is one unbroken word.
    head = head.rsplit(" ", 1)[0] if " " in head else head
    tail = tail.split(" ", 1)[1] if " " in tail else tail
    return f"{head} {tail}"


def segments(text: str) -> list[Segment]:
    """The sentences of a message, each prepared, marked when they ask for something.

    A question mark or a request word ("voisko", "kunde", "tarvis", "behöver") makes a
    request.  Of a message longer than MAX_CHARS, the first sentence and as many of the
    last ones as fit are kept, as `prepare` keeps its beginning and end.
    """
    found: list[Segment] = []
    for piece in _SENTENCE_END_RE.split(str(text)[: MAX_CHARS * 4]):
        prepared = prepare(piece).strip(" .,;:!")
        if len(prepared) >= MIN_SEGMENT_CHARS:
            asks = prepared.endswith("?") or _REQUEST_RE.search(prepared) is not None
            found.append(Segment(prepared, asks))
    if sum(len(s.text) for s in found) <= MAX_CHARS:
        return found
    kept, room = [found[0]], MAX_CHARS - len(found[0].text)
    tail: list[Segment] = []
    for segment in reversed(found[1:]):
        room -= len(segment.text)
        if room < 0:
            break
        tail.append(segment)
    return kept + tail[::-1]


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
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
