"""The crisis guard: reviewed fi/sv patterns (and the classifier's crisis intent) that trigger 112 at once."""
from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from bot.dialogue import crisis_patterns as table
from nlu.text import fold, normalize
from nlu.types import Prediction

logger = logging.getLogger(__name__)

__all__ = ["CATEGORIES", "CLASSIFIER_MIN_CONFIDENCE", "CrisisHit", "Expects", "GuardContext", "HELP_KINDS", "HELP_OF",
           "PATTERNS", "acknowledge_instead", "already_called", "check", "classifier_alarm", "crisis_score",
           "help_request", "prepare"]

# The classifier's crisis intent is a safety net behind the patterns, not the judge: its raw crisis score
# fires on one-word replies ("isä" 0.94, "min man" 0.83) and on idioms ("jag dör av skratt" 1.0).  So it
# counts only on open text long enough for the step, never after a denial, an idiom or a question for a help
# number, and from a bar calibrated on nlu/guard with nlu/guard_eval.py (2026-12-03): with 6+ words the
# highest everyday score was 0.944; at 0.97 no everyday text alarms and the classifier alone still finds
# 35 % of all crisis examples (the patterns alone find all of them).  At 0.90 / 5 words: 47 % and 5 alarms.
CLASSIFIER_MIN_CONFIDENCE = 0.97
# Words (of 2+ letters) a text needs before the classifier's alarm counts, by what the step waits for
MIN_WORDS = {"free": 6, "choice": 10, "slot": 10}
WINDOW, OVERLAP = 2_000, 300  # characters a pattern window holds, and what two windows share
MAX_SCAN = 100_000  # longer texts: the first 80,000 and the last 20,000 characters are scanned

# The help each category gets (bot/dialogue/crisis_help.py words it):
#   medical   112 only;   suicidal  112 and the Crisis Helpline;   violence  112 now, Nollalinja later;
#   poisoning the Poison Information Centre, 112 if unconscious, drowsy or breathing badly.
# An overdose whose intent is unknown (an adult "otti yliannoksen") is a poisoning that also names the crisis
# line; a lethal dose asked about or pills gathered is suicidal help that also names the Poison Information
# Centre (`CrisisHit.also`).  The classifier's alarm ("crisis") gets the suicidal help: 112 first, both lines.
HELP_OF: dict[str, str] = {
    "suicide": "suicidal", "self_harm": "suicidal", "farewell": "suicidal", "lethal_dose": "suicidal",
    "crisis": "suicidal", "violence": "violence", "overdose": "poisoning", "poisoning": "poisoning",
    **dict.fromkeys(("unconscious", "not_breathing", "fallen", "chest_pain", "stroke", "bleeding", "seizure",
                     "child_danger", "missing_person", "emergency", "hypoglycaemia", "not_answering"), "medical"),
}
# The help kinds in precedence, when a message matches categories of several
HELP_KINDS = ("suicidal", "violence", "poisoning", "medical")
_ALSO = {"lethal_dose": "poisoning", "overdose": "suicidal"}
CATEGORIES = frozenset(HELP_OF) - {"crisis"}


# What a conversation step waits for (GuardContext.expects)
Expects = Literal["free", "choice", "slot"]


@dataclass(frozen=True)
class GuardContext:
    """What the conversation step waits for: open text, a button, or a short typed answer (phone, time)."""

    expects: Expects = "free"


@dataclass(frozen=True, slots=True)
class CrisisHit:
    """Why the guard fired: a category (or "crisis" for the classifier), the source, the help it gets, and the
    other help kinds the same message also calls for."""

    category: str
    source: Literal["pattern", "classifier"]
    help: str = ""
    also: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not self.help:
            object.__setattr__(self, "help", HELP_OF.get(self.category, "suicidal"))


def _compile(rows: tuple[tuple[str, str, str], ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    compiled = []
    for category, _lang, pattern in rows:
        if category not in CATEGORIES:
            raise ValueError(f"crisis pattern with unknown category {category!r}")
        compiled.append((category, re.compile(pattern)))
    return tuple(compiled)


PATTERNS = _compile(table.TABLE)
# 112 named: an alarm, unless the message asks for the number or says the call was made
MENTION = next(p for _c, lang, p in table.TABLE if lang == "any")
_MENTION = re.compile(MENTION)
_COMBOS = tuple((c, tuple(re.compile(g) for g in strong), tuple(re.compile(g) for g in weak), need,
                 re.compile(unless) if unless else None) for c, _lang, strong, weak, need, unless in table.COMBOS)
if any(c not in CATEGORIES for c, *_rest in _COMBOS):
    raise ValueError("crisis combination with an unknown category")
_CUTS = re.compile("|".join(f"(?:{p})" for p in table.DENIALS + table.IDIOMS))
_HELP_NAMES = tuple((kind, re.compile(p)) for kind, p in table.HELP_NAMES)
_HELP_CUES = re.compile(table.HELP_CUES)
_CALLED = tuple(re.compile(p) for p in table.ALREADY_CALLED)

_NON_WORD = re.compile(r"(?:[^\w|]|_)+")
_REPEATS = re.compile(r"(\w)\1{2,}")
_LONG_RUN = re.compile(r"\w{60}")
_GAPS = re.compile(r"[ \t\u00a0\u3000]{2,}|\s*\n\s*")
_WORDS = re.compile(r"[^\W\d_]{2,}")
# Single letters with one and the same separator between them: "h a l u a n", "h.a.l.u.a.n", "k-u-o-l-l-a"
_SPACED = re.compile(r"(?<![^\W_])[^\W_]([ .\-_*·•/+~])(?:[^\W_]\1)+[^\W_](?![^\W_])")
# Phrases a fully spaced-out message ("h a l u a n k u o l l a", one space everywhere) still shows joined
_COMPACT = re.compile(r"itsemurh|itsetuho|halua?u?nkuol|haluaisinkuol|tapanit[st]e|enjaksaelaa|enhaluaelaa|"
                      r"sjalvmord|villdo|talivetavmig|tarlivetavmig|dodamigsjalv|overdos|yliannos")
# Cyrillic and Greek letters that look like Latin ones (after lowercasing)
_HOMOGLYPHS = str.maketrans({**dict(zip("аеорсухіјѕԁԛԝкмтнвёїӓӧ", "aeopcyxijsdqwkmthbeiäö", strict=True)),
                             **dict(zip("αοεικνρτυχμβ", "aoeikvptuxub", strict=True))})
_LEET = (str.maketrans("013457@$", "oieastas"), str.maketrans("013457@$", "oleastas"))  # 1 is i, or l
# A word of letters and look-alike digits only, with both: "h4luan", "1tsemurha", "$elf" (not "84-vuotias", "112")
_LEET_TOKEN = re.compile(r"(?<![\w@$])[^\W\d_@$]*(?:[^\W\d_][013457@$]|[013457@$][^\W\d_])[^\W\d_013457@$]*"
                         r"(?:[013457@$]+[^\W\d_]*)*(?![\w@$])")


def _base(text: str) -> str:
    """Normalised (NFKC, lowercase, no zero-width or control characters), look-alikes folded, and no accents or
    combining marks (ä/ö/å → a/o/a, "h̶a̶l̶u̶a̶n̶" → "haluan")."""
    text = unicodedata.normalize("NFD", normalize(text).translate(_HOMOGLYPHS))
    return fold("".join(c for c in text if not unicodedata.combining(c))).replace("|", " ")


def _finish(text: str, repeats: str) -> tuple[str, bool]:
    """Repeats cut, denials and idioms cut out (True when any was), punctuation made single spaces."""
    text = _REPEATS.sub(repeats, text)
    cut = _CUTS.sub(" | ", text)
    # No word is 60 letters long: breaking a run keeps "\w*" from crawling a pasted blob ("aaaa…") per position
    return _LONG_RUN.sub(r"\g<0> ", _NON_WORD.sub(" ", cut)).strip(), cut != text


def prepare(text: str) -> str:
    """The guard's main view of a message: normalised, folded, denials and idioms cut, punctuation as spaces."""
    return _finish(_base(text or ""), r"\1\1")[0]


def _leet(text: str, table: dict[int, int]) -> str:
    """1→i (or l), 3→e, 4→a, 0→o, 5→s, 7→t, @→a, $→s in words that also have letters (112 stays 112)."""
    return _LEET_TOKEN.sub(lambda m: m.group().translate(table), text)


def _views(text: str) -> tuple[list[str], bool, str]:
    """The texts the patterns run on, whether a denial or idiom was cut, and the compact letters of spaced runs."""
    base = _base(text)
    variants = [base]
    compact = ""
    if _SPACED.search(base):
        # joined: a wide gap or a line break ends a spaced-out word ("h a l u a n  k u o l l a")
        gapped = _base(_GAPS.sub(" ¦ ", text))
        variants.append(_SPACED.sub(lambda m: m.group().replace(m.group(1), ""), gapped))
        compact = "".join(m.group().replace(m.group(1), "") for m in _SPACED.finditer(base))
    if _LEET_TOKEN.search(base) or (len(variants) > 1 and _LEET_TOKEN.search(variants[1])):
        variants += [_leet(v, t) for v in variants for t in (_LEET if "1" in v else _LEET[:1])]
    views, quiet = [], False
    for variant in variants:
        for repeats in ((r"\1\1", r"\1") if _REPEATS.search(variant) else (r"\1\1",)):
            view, cut = _finish(variant, repeats)
            quiet |= cut
            if view not in views:
                views.append(view)
    return views, quiet, compact


def _windows(text: str) -> list[str]:
    """Overlapping windows cut at spaces, so that no phrase is split; the whole text when it is short."""
    if len(text) <= WINDOW:
        return [text]
    out, start = [], 0
    while start < len(text):
        end = min(len(text), start + WINDOW)
        if end < len(text):
            space = text.rfind(" ", start + WINDOW - OVERLAP, end)
            end = space if space > start else end
        out.append(text[start:end])
        if end >= len(text):
            break
        back = text.find(" ", max(start + 1, end - OVERLAP))
        start = back + 1 if 0 <= back < end else end
    return out


def _matches(views: list[str], compact: str) -> list[tuple[str, bool]]:
    """(category, is a mere mention of 112) of every pattern, combination and compact phrase that matches."""
    found: list[tuple[str, bool]] = []
    for view in views:
        for window in _windows(view):
            for category, pattern in PATTERNS:
                if pattern.search(window):
                    found.append((category, pattern.pattern == MENTION and not _strong_mention(window)))
            for category, strong, weak, need, unless in _COMBOS:
                hits = sum(1 for g in strong if g.search(window))
                if hits and hits + sum(1 for g in weak if g.search(window)) >= need \
                        and not (unless and unless.search(window)):
                    found.append((category, False))
    if compact and _COMPACT.search(compact):
        found.append(("suicide", False))
    return found


def _strong_mention(window: str) -> bool:
    """A mention of 112 said on its own ("112", "112!!") is an alarm whatever else the text asks."""
    return _MENTION.fullmatch(window) is not None


def _scan_text(text: str) -> str:
    if len(text) <= MAX_SCAN:
        return text
    return text[:80_000] + " \n " + text[-20_000:]


def check(text: str | None, prediction: Prediction | None = None, *,
          context: GuardContext = GuardContext()) -> CrisisHit | None:
    """A CrisisHit when the message may be an emergency, else None; never raises.

    The patterns fire in every context.  The classifier's alarm counts only on open text long enough to mean
    something in the step (`MIN_WORDS`), not after a denial, an idiom or a question for a help number."""
    quiet, words = False, 0
    try:
        text = _scan_text(text or "")
        views, quiet, compact = _views(text)
        found = _matches(views, compact)
        if found and all(mention for _c, mention in found) and (help_request(text) or already_called(text)):
            found = []  # "mikä on hätänumero", "soitin jo 112": asked for the number, or the call was made
        if found:
            return _hit([c for c, _m in found], "pattern")
        quiet = quiet or bool(help_request(text))
        words = len(_WORDS.findall(views[0])) if text.strip() else -1
    except Exception as exc:  # noqa: BLE001 - the guard must not break a turn
        logger.warning("crisis patterns failed: %s", type(exc).__name__)
    try:
        if prediction is not None and not quiet and _classifier_says_crisis(prediction, words, context):
            return CrisisHit(category="crisis", source="classifier")
    except Exception as exc:  # noqa: BLE001
        logger.warning("crisis classifier check failed: %s", type(exc).__name__)
    return None


def classifier_alarm(text: str | None, prediction: Prediction, *, context: GuardContext = GuardContext()) -> bool:
    """The classifier's part of `check` alone, patterns aside (for figures): its alarm as `check` judges it."""
    text = _scan_text(text or "")
    views, quiet, _compact = _views(text)
    if quiet or help_request(text):
        return False
    return _classifier_says_crisis(prediction, len(_WORDS.findall(views[0])) if text.strip() else -1, context)


def _hit(categories: list[str], source: Literal["pattern", "classifier"]) -> CrisisHit:
    kinds = {HELP_OF[c] for c in categories} | {_ALSO[c] for c in categories if c in _ALSO}
    help_kind = next(k for k in HELP_KINDS if any(HELP_OF[c] == k for c in categories))
    category = next(c for c in categories if HELP_OF[c] == help_kind)
    return CrisisHit(category=category, source=source, help=help_kind,
                     also=frozenset(kinds - {help_kind, "medical"}))


def crisis_score(prediction: Prediction) -> float:
    """The classifier's crisis score: its answer's confidence, or the raw top intent's before the fallback."""
    if prediction.intent == "crisis":
        return float(prediction.confidence or 0.0)
    extra = prediction.extra or {}
    raw, confidence = extra.get("raw_intent"), extra.get("raw_confidence", 0.0)
    if raw is None and prediction.ranking:
        raw, confidence = prediction.ranking[0]
    return float(confidence or 0.0) if raw == "crisis" else 0.0


def _classifier_says_crisis(prediction: Prediction, words: int, context: GuardContext) -> bool:
    """Crisis above the bar, on a text long enough for the step (words == -1: no text given, the bar alone)."""
    if words >= 0 and words < MIN_WORDS.get(context.expects, MIN_WORDS["free"]):
        return False
    return crisis_score(prediction) >= CLASSIFIER_MIN_CONFIDENCE


def help_request(text: str | None) -> frozenset[str]:
    """Which help numbers the citizen asks for ("mikä on kriisipuhelimen numero"): crisis_line, emergency,
    poison, nollalinja, medical_advice; empty when none.  Never raises."""
    try:
        prepared = _NON_WORD.sub(" ", _base((text or "")[:2_000])).strip()
        kinds = frozenset(kind for kind, pattern in _HELP_NAMES if pattern.search(prepared))
        if kinds and (_HELP_CUES.search(prepared) or "?" in (text or "") or len(prepared.split()) <= 3):
            return kinds
    except Exception as exc:  # noqa: BLE001
        logger.warning("help request check failed: %s", type(exc).__name__)
    return frozenset()


def already_called(text: str | None) -> bool:
    """True when the citizen says 112 or an ambulance was already called, or help is on its way."""
    try:
        prepared = _NON_WORD.sub(" ", _base((text or "")[:MAX_SCAN])).strip()
        return any(pattern.search(prepared) for pattern in _CALLED)
    except Exception as exc:  # noqa: BLE001
        logger.warning("already-called check failed: %s", type(exc).__name__)
        return False


def acknowledge_instead(text: str | None, hit: CrisisHit | None) -> bool:
    """True when the crisis answer would only repeat what is done: 112 already called and nothing in the message
    calls for more than 112 (medical help).  Then acknowledge briefly and carry on with the citizen's need."""
    return already_called(text) and (hit is None or (hit.help == "medical" and not hit.also))
