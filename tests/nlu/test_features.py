"""The classifier's features: prepared text, character n-grams and cut word n-grams."""
from __future__ import annotations

import numpy as np
import pytest

from nlu.data_io import load_training
from nlu.embedded_training import _fit_linear, _transform, train_examples
from nlu.features import MAX_CHARS, PREFIX_CHARS, char_ngrams, prepare, word_ngrams


def test_prepare_folds_and_cuts() -> None:
    assert prepare("  Äiti  TARVII\tkotihoitoa ") == "aiti tarvii kotihoitoa"
    assert prepare("Mormor behöver hjälp på närtorget") == "mormor behover hjalp pa nartorget"
    assert len(prepare("å" * 10_000)) == MAX_CHARS


@pytest.mark.parametrize(("text", "expected"), [
    ("aiti tarvii kotihoitoa", ["aiti", "tarvii", "kotiho", "aiti tarvii", "tarvii kotiho"]),
    ("hemvarden kommer", ["hemvar", "kommer", "hemvar kommer"]),
    ("kotihoidon", ["kotiho"]),
    ("", []),
    ("!!! ???", []),
])
def test_word_ngrams_are_cut_unigrams_and_bigrams(text: str, expected: list[str]) -> None:
    assert word_ngrams(text) == expected
    assert all(len(gram) <= PREFIX_CHARS for gram in word_ngrams(text) if " " not in gram)


def test_inflections_share_their_word_feature() -> None:
    assert word_ngrams(prepare("kotihoitoa"))[0] == word_ngrams(prepare("kotihoidosta"))[0]
    assert word_ngrams(prepare("hemvården"))[0] == word_ngrams(prepare("hemvård"))[0]


def test_char_ngrams_stay_inside_words() -> None:
    grams = char_ngrams("ab cd")
    assert " ab " in grams and "b c" not in grams


def test_model_scores_equal_scikit_learn(tiny_data_dir) -> None:
    """The artifact's own predict path gives the same scores as the scikit-learn pipeline it was fitted with."""
    examples = load_training(tiny_data_dir)
    texts = [prepare(e.text) for e in examples]
    labels = np.asarray([e.intent for e in examples])
    vectorizers, svm = _fit_linear(texts=texts, labels=labels)
    model = train_examples(examples, calibrate=False)
    probe = [prepare(t) for t in ("tarviin rollaattorin", "hemvård åt pappa", "hei", "qwerty", "!!!")]
    expected = svm.decision_function(_transform(vectorizers, probe))
    for text, scores in zip(probe, expected):
        log_probs = np.log(model.probabilities(text)) * model.temperature
        # softmax(scores / T) keeps score differences: compare them relative to the first class
        np.testing.assert_allclose(log_probs - log_probs[0], scores - scores[0], atol=1e-4)
