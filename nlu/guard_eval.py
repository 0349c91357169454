"""Figures of the crisis guard on nlu/guard: crisis recall, false alarms on everyday texts, the classifier's bar."""
from __future__ import annotations

import logging
import statistics
import time
from pathlib import Path

import yaml

from bot.dialogue import crisis
from nlu.data_io import load_dir
from nlu.types import Classifier

logger = logging.getLogger(__name__)

__all__ = ["GUARD_DIR", "crisis_examples", "guard_figures", "load_set"]

ROOT = Path(__file__).resolve().parents[1]
GUARD_DIR = ROOT / "nlu" / "guard"
DATA_DIRS = (ROOT / "nlu" / "data", ROOT / "nlu" / "heldout")
CONTEXTS: tuple[crisis.Expects, ...] = ("free", "choice", "slot")


def load_set(name: str, guard_dir: Path = GUARD_DIR) -> list[tuple[str, str, str | None]]:
    """(text, language, expected help or None) of nlu/guard/<name>.yml, both languages."""
    data = yaml.safe_load((Path(guard_dir) / f"{name}.yml").read_text(encoding="utf-8"))
    rows = []
    for lang, items in data.items():
        for item in items:
            if isinstance(item, dict):
                rows.append((str(item["text"]), lang, item.get("help")))
            else:
                rows.append((str(item), lang, None))
    return rows


def crisis_examples(data_dirs: tuple[Path, ...] = DATA_DIRS) -> list[str]:
    """Every crisis example of the NLU training and held-out data."""
    return [e.text for d in data_dirs for e in load_dir(d) if e.intent == "crisis"]


def _share(count: int, total: int) -> float:
    return round(count / total, 4) if total else 0.0


def guard_figures(classifier: Classifier, *, guard_dir: Path = GUARD_DIR,
                  data_dirs: tuple[Path, ...] = DATA_DIRS) -> dict:
    """Recall and false alarms of `crisis.check` with this classifier's predictions, on the crisis examples of the
    NLU data and nlu/guard/crisis_indirect.yml, and on nlu/guard/everyday.yml and everyday_short.yml."""
    indirect = load_set("crisis_indirect", guard_dir)
    everyday = [t for t, _l, _h in load_set("everyday", guard_dir)]
    short = [t for t, _l, _h in load_set("everyday_short", guard_dir)]
    crisis_texts = crisis_examples(data_dirs) + [t for t, _l, _h in indirect]
    free = crisis.GuardContext()
    predictions = {t: classifier.predict(t) for t in {*crisis_texts, *everyday, *short}}

    caught = sum(crisis.check(t, predictions[t], context=free) is not None for t in crisis_texts)
    by_patterns = sum(crisis.check(t) is not None for t in crisis_texts)
    # The classifier's part alone: its alarm as `check` judges it, patterns aside (the same word count, denials)
    by_classifier = sum(crisis.classifier_alarm(t, predictions[t], context=free) for t in crisis_texts)
    right_help = sum((hit := crisis.check(t)) is not None and hit.help == want for t, _l, want in indirect)
    everyday_alarms = [t for t in everyday if crisis.check(t, predictions[t], context=free) is not None]
    short_alarms = {e: [t for t in short if crisis.check(t, predictions[t], context=crisis.GuardContext(e))
                        is not None] for e in CONTEXTS}
    # The highest crisis score an everyday text long enough for the classifier's alarm gets: the bar's headroom
    headroom = max((crisis.crisis_score(predictions[t]) for t in everyday
                    if _words(t) >= crisis.MIN_WORDS["free"] and "|" not in crisis.prepare(t)
                    and not crisis.help_request(t)), default=0.0)
    timings = []
    for text in everyday + [t for t, _l, _h in indirect]:
        started = time.perf_counter()
        crisis.check(text, predictions[text], context=free)
        timings.append(time.perf_counter() - started)
    return {
        "crisis_count": len(crisis_texts),
        "crisis_recall": _share(caught, len(crisis_texts)),
        "crisis_recall_patterns_alone": _share(by_patterns, len(crisis_texts)),
        "crisis_recall_classifier_alone": _share(by_classifier, len(crisis_texts)),
        "indirect_count": len(indirect),
        "indirect_help_accuracy": _share(right_help, len(indirect)),
        "everyday_count": len(everyday),
        "everyday_false_alarms": len(everyday_alarms),
        "everyday_false_alarm_rate": _share(len(everyday_alarms), len(everyday)),
        "short_count": len(short),
        "short_false_alarms": {e: len(v) for e, v in short_alarms.items()},
        "short_false_alarm_rate": _share(max(len(v) for v in short_alarms.values()), len(short)),
        "classifier_bar": crisis.CLASSIFIER_MIN_CONFIDENCE,
        "everyday_highest_crisis_score": round(headroom, 4),
        "check_median_ms": round(statistics.median(timings) * 1000, 3) if timings else 0.0,
        "false_alarm_examples": everyday_alarms[:10] + [t for v in short_alarms.values() for t in v][:10],
    }


def _words(text: str) -> int:
    return len(crisis._WORDS.findall(crisis.prepare(text)))
