"""Cross-validation, held-out evaluation and side-by-side reports for any `Classifier`."""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from nlu.data_io import Example
from nlu.embedded import EmbeddedClassifier, train_examples
from nlu.types import Classifier, Prediction

logger = logging.getLogger(__name__)

__all__ = ["IntentScores", "Report", "cross_validate", "evaluate_classifier", "evaluate_heldout",
           "format_reports", "top_intent"]


@dataclass(frozen=True)
class IntentScores:
    """Precision, recall and F1 of one intent, over `support` true examples."""

    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class Report:
    """Predictions of one classifier on one example set; `raw` is the top-1 intent before the fallback."""

    name: str
    truth: list[str] = field(default_factory=list)
    predicted: list[str] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)
    langs: list[str] = field(default_factory=list)

    def add(self, *, example: Example, intent: str, raw_intent: str) -> None:
        self.truth.append(example.intent)
        self.predicted.append(intent)
        self.raw.append(raw_intent)
        self.langs.append(example.lang)

    def _select(self, lang: str | None) -> np.ndarray:
        langs = np.asarray(self.langs)
        return np.ones(len(langs), dtype=bool) if lang is None else langs == lang

    def accuracy(self, *, lang: str | None = None, raw: bool = False) -> float:
        """Share of examples whose (final or raw) intent is right."""
        mask = self._select(lang)
        if not mask.any():
            return float("nan")
        guess = np.asarray(self.raw if raw else self.predicted)[mask]
        return float((guess == np.asarray(self.truth)[mask]).mean())

    def coverage(self, *, lang: str | None = None) -> float:
        """Share of in-scope examples answered with an intent rather than the fallback."""
        mask = self._select(lang) & (np.asarray(self.truth) != "out_of_scope")
        return float((np.asarray(self.predicted)[mask] != "out_of_scope").mean()) if mask.any() else float("nan")

    def answered_accuracy(self, *, lang: str | None = None) -> float:
        """Share right among the answers that were not the fallback (selective accuracy)."""
        mask = self._select(lang) & (np.asarray(self.predicted) != "out_of_scope")
        if not mask.any():
            return float("nan")
        return float((np.asarray(self.predicted)[mask] == np.asarray(self.truth)[mask]).mean())

    def per_intent(self, *, lang: str | None = None, raw: bool = False) -> dict[str, IntentScores]:
        """Precision, recall, F1 and support per true intent."""
        mask = self._select(lang)
        truth = np.asarray(self.truth)[mask]
        guess = np.asarray(self.raw if raw else self.predicted)[mask]
        scores = {}
        for intent in sorted(set(self.truth)):
            tp = int(((guess == intent) & (truth == intent)).sum())
            predicted, support = int((guess == intent).sum()), int((truth == intent).sum())
            precision = tp / predicted if predicted else 0.0
            recall = tp / support if support else 0.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            scores[intent] = IntentScores(precision, recall, f1, support)
        return scores

    def macro_f1(self, *, lang: str | None = None, raw: bool = False) -> float:
        scores = [s.f1 for s in self.per_intent(lang=lang, raw=raw).values() if s.support]
        return float(np.mean(scores)) if scores else float("nan")

    def confusions(self, *, top: int = 10, raw: bool = True) -> list[tuple[tuple[str, str], int]]:
        """The most frequent (true, predicted) pairs among mistakes."""
        guess = self.raw if raw else self.predicted
        return Counter((t, g) for t, g in zip(self.truth, guess, strict=True) if t != g).most_common(top)

    def crisis_recall(self) -> float:
        """Share of crisis examples whose top-1 intent before the fallback is crisis."""
        hits = [r == "crisis" for t, r in zip(self.truth, self.raw, strict=True) if t == "crisis"]
        return float(np.mean(hits)) if hits else float("nan")


def top_intent(prediction: Prediction) -> str:
    """The answer before the fallback: the embedded model's scored top intent (a long message's sentences
    included), else the raw top intent (Rasa), else the intent."""
    return prediction.extra.get("top_intent", prediction.extra.get("raw_intent", prediction.intent))


def evaluate_classifier(classifier: Classifier, examples: list[Example], *, name: str) -> Report:
    """Run any `Classifier` over `examples`."""
    report = Report(name=name)
    for example in examples:
        prediction = classifier.predict(example.text)
        report.add(example=example, intent=prediction.intent, raw_intent=top_intent(prediction))
    return report


def cross_validate(examples: list[Example], *, folds: int = 5, seed: int = 0, calibrate: bool = True,
                   name: str = "embedded (cv)") -> Report:
    """Stratified (language x intent) k-fold cross-validation of the embedded model.

    With `calibrate`, each fold model is calibrated on its own training part, so
    the fallback figures are honest too (slower: folds x (1 + inner folds) fits).
    """
    from sklearn.model_selection import StratifiedKFold

    strata = [f"{e.lang}:{e.intent}" for e in examples]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    outcome: dict[int, tuple[str, str]] = {}
    for number, (train_idx, test_idx) in enumerate(splitter.split(examples, strata), start=1):
        model = train_examples([examples[i] for i in train_idx], calibrate=calibrate, seed=seed)
        classifier = EmbeddedClassifier(model)
        for i in test_idx:
            prediction = classifier.predict(examples[i].text)
            outcome[int(i)] = (prediction.intent, top_intent(prediction))
        logger.info("cross-validation fold %d/%d done", number, folds)
    report = Report(name=name)
    for i, example in enumerate(examples):
        intent, raw = outcome[i]
        report.add(example=example, intent=intent, raw_intent=raw)
    return report


def evaluate_heldout(*, training: list[Example], heldout: list[Example], name: str = "embedded") -> Report:
    """Train on all of `training`, then evaluate on `heldout`."""
    return evaluate_classifier(EmbeddedClassifier(train_examples(training)), heldout, name=name)


def format_reports(reports: list[Report], *, title: str) -> str:
    """A plain-text table with one column group per report, side by side."""
    langs = sorted({lang for r in reports for lang in r.langs})
    names = "".join(f" | {r.name[:23]:>23}" for r in reports)
    lines = [title, "=" * len(title), f"{'':30}{names}"]

    def row(label: str, values: list[str]) -> None:
        lines.append(f"{label:30}" + "".join(f" | {v:>23}" for v in values))

    for lang in [None, *langs]:
        suffix = f" [{lang}]" if lang else " [all]"
        row("accuracy" + suffix, [f"{r.accuracy(lang=lang):.3f}" for r in reports])
        row("accuracy raw top-1" + suffix, [f"{r.accuracy(lang=lang, raw=True):.3f}" for r in reports])
        row("macro-F1" + suffix, [f"{r.macro_f1(lang=lang):.3f}" for r in reports])
        row("coverage (in scope)" + suffix, [f"{r.coverage(lang=lang):.3f}" for r in reports])
        row("accuracy when answered" + suffix, [f"{r.answered_accuracy(lang=lang):.3f}" for r in reports])
    row("crisis recall (classifier)", [f"{r.crisis_recall():.3f}" for r in reports])
    lines += ["", f"{'intent: P / R / F1 (n)':30}{names}"]
    per = [r.per_intent() for r in reports]
    for intent in sorted({i for p in per for i in p}):
        row(intent, [f"{p[intent].precision:.2f} {p[intent].recall:.2f} {p[intent].f1:.2f} ({p[intent].support})"
                     if intent in p else "-" for p in per])
    for r in reports:
        lines += ["", f"most frequent confusions (true -> raw predicted), {r.name}:"]
        lines += [f"  {n:3d}  {t} -> {g}" for (t, g), n in r.confusions()]
    return "\n".join(lines)
