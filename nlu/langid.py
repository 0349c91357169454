"""Finnish/Swedish language identification with lingua, robust to two-word messages."""
from __future__ import annotations

import logging
import threading

from nlu.text import has_letters, normalize, tokens

logger = logging.getLogger(__name__)

__all__ = ["detect", "preload"]

_HEAD_CHARS = 120
_detector = None
_lock = threading.Lock()

# Very short messages ("ja", "nej", "kiitos", "mun äiti") are where statistical
# detection is weakest.  Words that exist in only one of the two languages
# settle them; lingua decides everything else.
_FI_WORDS = frozenset("""
    moi moikka terve heippa kiitos kiitti kiitoksia joo juu kyllä kylla ei emme eikä eika
    selvä selva mun mä mää mie minä sinä sina oon ole olen on oli olla tai että etta
    äiti aiti isä isa mummo vaari mieheni vaimoni apua tarvitsen tarviin tarvii tarvitsee
    haluan haluisin haluaisin anteeks anteeksi näkemiin nakemiin hyvää hyvaa päivää paivaa
    huomenta iltaa se sen sille mulla minun minulla meillä meilla teillä teilla kun niin voi
    voiko miten mistä mista mist missä missa mikä mika mitä mita onko onks pitää pitaa saa
    saako kanssa myös myos vaan jos koska hän enää enaa vielä viela joka kuka mihin
    suomeksi suomi
""".split())
_SV_WORDS = frozenset("""
    hejsan tack tackar nej jag du vi är och inte behöver behover det att som har till med
    för min mitt hur vad kan vill får far finns hon den på av om eller nu mycket också
    någon nagon hos farmor mormor farfar morfar hjälp hjalp ursäkta ursakta adjö adjo
    hejdå hejda god dag morgon kväll kvall tjena tjenare okej visst gärna garna nä nää
    svenska svensk vara vet vem helt ni
""".split())
# Written the same in both languages ("ja" = and / yes, "en" = I don't / a, "jo",
# "pappa", "mamma", "hei"/"hej", "ok"): left out of both lists, lingua decides.


def _get_detector():
    global _detector
    if _detector is None:
        with _lock:
            if _detector is None:
                from lingua import Language, LanguageDetectorBuilder

                _detector = (
                    LanguageDetectorBuilder.from_languages(Language.FINNISH, Language.SWEDISH)
                    .with_preloaded_language_models()
                    .build()
                )
                logger.debug("lingua detector built")
    return _detector


def preload() -> None:
    """Build the detector now (about a second) instead of on the first message."""
    _get_detector()


def detect(text: str) -> tuple[str | None, float]:
    """Return ('fi' | 'sv', confidence 0.5-1.0), or (None, 0.0) for text without letters."""
    try:
        norm = normalize(text)
        if not has_letters(norm):
            return None, 0.0
        words = tokens(norm)
        by_words = _by_words(words)
        if by_words is not None:
            return by_words
        values = _get_detector().compute_language_confidence_values(_head(norm))
        best = values[0]
        lang = "fi" if best.language.name == "FINNISH" else "sv"
        return lang, float(best.value)
    except Exception:  # noqa: BLE001 - language detection must never break a turn
        logger.warning("language detection failed", exc_info=False)
        return None, 0.0


def _by_words(words: list[str]) -> tuple[str, float] | None:
    """Settle a message by one-sided function words; None when they do not decide.

    Up to three words, one such word is enough; longer messages need two
    distinct ones and none of the other language.
    """
    fi = len({w for w in words if w in _FI_WORDS})
    sv = len({w for w in words if w in _SV_WORDS})
    if any("å" in w for w in words):
        sv += 1
    need = 1 if len(words) <= 3 else 2
    if fi >= need and not sv:
        return "fi", 0.9 if need == 1 else 0.95
    if sv >= need and not fi:
        return "sv", 0.9 if need == 1 else 0.95
    return None


def _head(text: str) -> str:
    """The first words of a long message: enough for lingua, and keeps it fast."""
    if len(text) <= _HEAD_CHARS:
        return text
    cut = text.rfind(" ", 0, _HEAD_CHARS)
    return text[: cut if cut > _HEAD_CHARS // 2 else _HEAD_CHARS]
