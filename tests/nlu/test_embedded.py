"""The embedded classifier: accuracy floors, contract names, fallback, odd input, persistence."""
from __future__ import annotations

import statistics
import time
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from nlu.embedded import MAX_CHARS, EmbeddedClassifier, EmbeddedModel, char_ngrams, prepare, train_examples
from nlu.types import ALL_INTENTS, Classifier, Prediction

# Held-out figures measured on the data of this commit (raw top-1, i.e. before the
# fallback): fi 0.913, sv 0.917; with threshold and gap: fi 0.900, sv 0.917.
RAW_FLOOR = {"fi": 0.87, "sv": 0.88}
FINAL_FLOOR = {"fi": 0.85, "sv": 0.87}


@pytest.fixture(scope="module")
def classifier(trained_model: EmbeddedModel) -> EmbeddedClassifier:
    return EmbeddedClassifier(trained_model)


def test_is_a_classifier(classifier: EmbeddedClassifier) -> None:
    as_protocol: Classifier = classifier
    assert callable(as_protocol.predict)


def test_heldout_accuracy_per_language(classifier: EmbeddedClassifier, heldout_examples) -> None:
    raw, final, total = Counter(), Counter(), Counter()
    for example in heldout_examples:
        prediction = classifier.predict(example.text)
        total[example.lang] += 1
        raw[example.lang] += prediction.extra.get("raw_intent", prediction.intent) == example.intent
        final[example.lang] += prediction.intent == example.intent
    for lang in ("fi", "sv"):
        assert raw[lang] / total[lang] >= RAW_FLOOR[lang], (lang, raw[lang] / total[lang])
        assert final[lang] / total[lang] >= FINAL_FLOOR[lang], (lang, final[lang] / total[lang])


def test_answers_with_contract_names_only(classifier: EmbeddedClassifier, trained_model, heldout_examples) -> None:
    assert set(trained_model.classes) == ALL_INTENTS
    for example in heldout_examples[::7]:
        prediction = classifier.predict(example.text)
        assert prediction.intent in ALL_INTENTS
        assert {intent for intent, _ in prediction.ranking} <= ALL_INTENTS
        assert prediction.backend == "embedded"


@pytest.mark.parametrize(("text", "intent", "lang"), [
    ("tarviin rollaattorin", "assistive_devices", "fi"),
    ("hej, min mamma behöver hemvård", "home_support", "sv"),
    ("kiitos ja hei hei", "thanks_goodbye", "fi"),
])
def test_typical_messages(classifier: EmbeddedClassifier, text: str, intent: str, lang: str) -> None:
    prediction = classifier.predict(text)
    assert (prediction.intent, prediction.lang) == (intent, lang)
    assert prediction.confidence >= classifier.threshold
    assert len(prediction.ranking) == 5
    assert prediction.ranking[0][1] >= prediction.ranking[1][1]


# Everyday descriptions of a need that once scored as a crisis ("eikä" was mostly seen in "... eikä pääse ylös"):
# a false alarm puts 112 in front of an older person asking for a taxi card. Not in the training data.
@pytest.mark.parametrize(("text", "intent"), [
    ("Isä on 84 eikä jaksa kävellä pysäkille", "transport_service"),
    ("Isä on 84-vuotias eikä pysty enää kävelemään pysäkille.", "transport_service"),
    ("äiti ei jaksa enää kävellä kauppaan", "transport_service"),
    ("Han är 84 och klarar inte att gå till busshållplatsen.", "transport_service"),
])
def test_everyday_limits_are_not_a_crisis(classifier: EmbeddedClassifier, text: str, intent: str) -> None:
    from bot.dialogue.crisis import CLASSIFIER_MIN_CONFIDENCE

    prediction = classifier.predict(text)
    assert prediction.intent == intent
    assert dict(prediction.ranking).get("crisis", 0.0) < CLASSIFIER_MIN_CONFIDENCE


@pytest.mark.parametrize("text", ["asdkjh qwe zzz", "xyzzy plugh", "qwpoeiruty", "jjjjjjjjj kkkkk"])
def test_gibberish_is_out_of_scope(classifier: EmbeddedClassifier, text: str) -> None:
    assert classifier.predict(text).intent == "out_of_scope"


def test_low_confidence_falls_back_and_keeps_the_raw_intent(trained_model: EmbeddedModel) -> None:
    strict = EmbeddedClassifier(trained_model, threshold=1.01, gap=0.0)
    prediction = strict.predict("tarviin rollaattorin")
    assert prediction.intent == "out_of_scope"
    assert prediction.extra["raw_intent"] == "assistive_devices"
    assert prediction.extra["fallback"] == "low_confidence"
    assert prediction.ranking[0][0] == "assistive_devices"


def test_ambiguity_gap_falls_back(trained_model: EmbeddedModel) -> None:
    picky = EmbeddedClassifier(trained_model, threshold=0.0, gap=1.0)
    prediction = picky.predict("tarviin rollaattorin")
    assert prediction.intent == "out_of_scope"
    assert prediction.extra["fallback"] == "ambiguous"


def test_threshold_and_gap_are_calibrated_and_stored(trained_model: EmbeddedModel) -> None:
    assert 0.0 < trained_model.threshold < 0.95
    assert 0.0 <= trained_model.gap < 0.5
    assert trained_model.temperature > 0
    assert trained_model.meta["train_seconds"] > 0


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "😀😀😀", "!!!", "\x00\x01\x02", "x" * 10_000,
                                  "ä" * 10_000, "\u202e\u200b", "a\ud800b"])
def test_odd_input_never_raises(classifier: EmbeddedClassifier, text: str) -> None:
    prediction = classifier.predict(text)
    assert isinstance(prediction, Prediction)
    assert prediction.intent in ALL_INTENTS


def test_non_string_input_is_nothing(classifier: EmbeddedClassifier) -> None:
    assert classifier.predict(None).intent == "out_of_scope"  # type: ignore[arg-type]


def test_empty_and_emoji_are_nothing(classifier: EmbeddedClassifier) -> None:
    assert classifier.predict("  ") == Prediction.nothing(backend="embedded")
    assert classifier.predict("👍👍").confidence == 0.0


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_a_contract_prediction(classifier: EmbeddedClassifier, text: str) -> None:
    prediction = classifier.predict(text)
    assert prediction.intent in ALL_INTENTS
    assert 0.0 <= prediction.confidence <= 1.0


def test_long_text_is_truncated() -> None:
    assert len(prepare("kotihoito " * 5000)) <= MAX_CHARS


def test_char_ngrams_match_scikit_learn_char_wb() -> None:
    from sklearn.feature_extraction.text import CountVectorizer

    text = "isä ei pääse a ylös kotihoito"
    reference = CountVectorizer(analyzer="char_wb", ngram_range=(2, 5), lowercase=False).build_analyzer()
    assert sorted(char_ngrams(text)) == sorted(reference(text))


def test_save_load_round_trip(trained_model: EmbeddedModel, tmp_path: Path, heldout_examples) -> None:
    path = trained_model.save(tmp_path / "models" / "embedded.joblib")
    started = time.perf_counter()
    loaded = EmbeddedModel.load(path)
    assert time.perf_counter() - started < 1.0
    assert (loaded.threshold, loaded.gap, loaded.classes) == (
        trained_model.threshold, trained_model.gap, trained_model.classes)
    before, after = EmbeddedClassifier(trained_model), EmbeddedClassifier(loaded)
    for example in heldout_examples[::11]:
        assert before.predict(example.text) == after.predict(example.text)


def test_load_rejects_other_files(tmp_path: Path) -> None:
    import joblib

    joblib.dump({"something": "else"}, tmp_path / "other.joblib")
    with pytest.raises(ValueError, match="retrain"):
        EmbeddedModel.load(tmp_path / "other.joblib")


def test_training_on_tiny_data(tiny_data_dir: Path) -> None:
    from nlu.data_io import load_training

    model = train_examples(load_training(tiny_data_dir))
    assert set(model.classes) == {"home_support", "assistive_devices", "greet", "out_of_scope"}
    assert EmbeddedClassifier(model).predict("rollaattori").extra["raw_intent"] == "assistive_devices"


def test_predict_is_fast(classifier: EmbeddedClassifier, heldout_examples) -> None:
    # A loose bound (the benchmark prints the real figure): a loaded CI machine must pass.
    classifier.predict("lämmittely")
    timings = []
    for example in heldout_examples[:200]:
        started = time.perf_counter()
        classifier.predict(example.text)
        timings.append(time.perf_counter() - started)
    assert statistics.median(timings) < 0.005
