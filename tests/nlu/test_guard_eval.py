"""guard_figures: the crisis guard's recall and false alarms on nlu/guard, with stand-in classifiers."""
from __future__ import annotations

from nlu.guard_eval import crisis_examples, guard_figures, load_set
from nlu.types import Prediction


class Never:
    def predict(self, text: str) -> Prediction:
        return Prediction.nothing()


class Always:
    def predict(self, text: str) -> Prediction:
        return Prediction(intent="crisis", confidence=1.0)


def test_the_sets_load_with_languages_and_help() -> None:
    indirect = load_set("crisis_indirect")
    assert {lang for _t, lang, _h in indirect} == {"fi", "sv"}
    assert all(h in ("medical", "suicidal", "poisoning", "violence") for _t, _l, h in indirect)
    assert len(crisis_examples()) >= 100


def test_figures_with_a_classifier_that_never_says_crisis() -> None:
    figures = guard_figures(Never())
    assert figures["crisis_recall"] == figures["crisis_recall_patterns_alone"] == 1.0
    assert figures["crisis_recall_classifier_alone"] == 0.0
    assert figures["indirect_help_accuracy"] == 1.0
    assert figures["everyday_false_alarms"] == 0 and figures["short_false_alarm_rate"] == 0.0
    assert figures["crisis_count"] > figures["indirect_count"] >= 120
    assert figures["everyday_count"] >= 200 and figures["short_count"] >= 300
    assert figures["check_median_ms"] < 5


def test_figures_with_a_classifier_that_always_says_crisis() -> None:
    figures = guard_figures(Always())
    # Long everyday texts alarm through such a classifier; short answers never do, in no step.
    assert figures["everyday_false_alarms"] > 0 and 0 < figures["everyday_false_alarm_rate"] <= 1
    assert figures["short_false_alarms"]["choice"] == figures["short_false_alarms"]["slot"] == 0
    assert figures["everyday_highest_crisis_score"] == 1.0
    assert set(figures) >= {"crisis_recall", "everyday_false_alarm_rate", "short_false_alarm_rate", "classifier_bar"}
