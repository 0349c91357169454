"""Reports: accuracy, per-intent scores, confusions, cross-validation and side-by-side text."""
from __future__ import annotations

import pytest

from nlu.data_io import Example, load_training
from nlu.evaluate import Report, cross_validate, evaluate_classifier, format_reports
from nlu.types import Prediction


def make_report() -> Report:
    report = Report(name="demo")
    rows = [("greet", "greet", "greet", "fi"), ("greet", "deny", "deny", "sv"),
            ("crisis", "out_of_scope", "crisis", "fi"), ("deny", "deny", "deny", "sv")]
    for truth, intent, raw, lang in rows:
        report.add(example=Example("x", truth, lang), intent=intent, raw_intent=raw)
    return report


def test_accuracy_and_per_intent_scores() -> None:
    report = make_report()
    assert report.accuracy() == 0.5
    assert report.accuracy(raw=True) == 0.75
    assert report.accuracy(lang="fi") == 0.5 and report.accuracy(lang="sv") == 0.5
    scores = report.per_intent()
    assert scores["deny"].precision == 0.5 and scores["deny"].recall == 1.0
    assert scores["greet"].support == 2 and scores["greet"].recall == 0.5
    assert report.crisis_recall() == 1.0
    assert report.confusions(raw=False) == [(("greet", "deny"), 1), (("crisis", "out_of_scope"), 1)]
    assert report.coverage() == pytest.approx(0.75)
    assert report.answered_accuracy() == pytest.approx(2 / 3)


def test_evaluate_any_classifier_and_format_side_by_side() -> None:
    class Always:
        def predict(self, text: str) -> Prediction:
            return Prediction(intent="greet", confidence=1.0)

    examples = [Example("moi", "greet", "fi"), Example("nej", "deny", "sv")]
    a = evaluate_classifier(Always(), examples, name="always-greet")
    b = evaluate_classifier(Always(), examples, name="again")
    text = format_reports([a, b], title="demo")
    assert "always-greet" in text and "again" in text and "accuracy [sv]" in text


def test_cross_validation_covers_every_example(tiny_data_dir) -> None:
    examples = load_training(tiny_data_dir)
    report = cross_validate(examples, folds=3, calibrate=False)
    assert len(report.truth) == len(examples) and report.truth == [e.intent for e in examples]
    assert report.accuracy(raw=True) > 0.4
