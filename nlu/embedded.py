"""The default, in-process intent classifier: character n-gram and word TF-IDF into a linear SVM."""
from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np

from nlu import langid
from nlu.data_io import Example, load_training
from nlu.features import MAX_CHARS, char_ngrams, prepare, word_ngrams
from nlu.types import ALL_INTENTS, Prediction

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_MODEL_PATH", "MAX_CHARS", "RANKING_SIZE", "EmbeddedClassifier", "EmbeddedModel", "char_ngrams",
    "decide", "prepare", "train", "train_examples",
]

DEFAULT_MODEL_PATH = Path(__file__).resolve().parent / "models" / "embedded.joblib"
FORMAT_VERSION = 2
# Chosen by 5-fold cross-validation on nlu/data (never on nlu/heldout), raw top-1, mean of
# three shuffles, 5,356 examples: char_wb 2-5 alone with LinearSVC(C=1) 0.934, C=1.5
# 0.936; adding word uni/bigrams (words cut to 6 letters) at half the weight of the
# characters 0.940 (Snowball stems instead of cut words 0.940, whole words 0.938, word
# weight 0.3 or 0.7 0.937, C=2-3 0.940).  LogisticRegression(C=20) was 0.886 against the
# SVM's 0.895 on an earlier version of the data.  See nlu/features.py.
WORD_WEIGHT = 0.5
SVM_C = 1.5
CV_FOLDS = 5
RANKING_SIZE = 5


@dataclass
class EmbeddedModel:
    """A trained model: two vocabularies with IDF weights, a linear layer and its calibration.

    The feature vector is [char n-grams, l2-normalised | word n-grams, l2-normalised x
    word_weight], as scikit-learn's FeatureUnion of two TfidfVectorizers builds it.
    """

    classes: tuple[str, ...]
    vocabulary: dict[str, int]  # char n-gram -> column
    idf: np.ndarray  # (n_char_features,) float32
    word_vocabulary: dict[str, int]  # word n-gram -> column after the char block
    word_idf: np.ndarray  # (n_word_features,) float32
    word_weight: float
    weights: np.ndarray  # (n_char_features + n_word_features, n_classes) float32
    bias: np.ndarray  # (n_classes,) float32
    temperature: float  # softmax(scores / temperature) gives calibrated probabilities
    threshold: float
    gap: float
    meta: dict = field(default_factory=dict)

    def probabilities(self, text: str) -> np.ndarray:
        """Calibrated class probabilities for an already `prepare`d text."""
        scores = self.bias.astype(np.float32, copy=True)
        offset = len(self.vocabulary)
        for grams, vocabulary, idf, weight, shift in (
                (char_ngrams(text), self.vocabulary, self.idf, 1.0, 0),
                (word_ngrams(text), self.word_vocabulary, self.word_idf, self.word_weight, offset)):
            index: list[int] = []
            tf: list[float] = []
            for gram, count in Counter(grams).items():
                column = vocabulary.get(gram)
                if column is not None:
                    index.append(column)
                    tf.append(count)
            if not index:
                continue
            columns = np.fromiter(index, dtype=np.intp, count=len(index))
            values = (1.0 + np.log(np.asarray(tf, dtype=np.float32))) * idf[columns]
            values *= weight / np.sqrt(np.dot(values, values))
            scores += values @ self.weights[columns + shift]
        scaled = scores / self.temperature
        scaled -= scaled.max()
        exp = np.exp(scaled)
        return exp / exp.sum()

    def ranking(self, text: str, *, size: int = RANKING_SIZE) -> tuple[tuple[str, float], ...]:
        """The `size` most probable intents of an already `prepare`d text, best first."""
        probs = self.probabilities(text)
        top = np.argsort(-probs)[:size]
        return tuple((self.classes[i], float(probs[i])) for i in top)

    def save(self, path: Path = DEFAULT_MODEL_PATH) -> Path:
        """Write the model with joblib (atomically: a reader never sees half a file)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        state = {"format": FORMAT_VERSION, **{k: getattr(self, k) for k in self.__dataclass_fields__}}
        joblib.dump(state, tmp, compress=3)
        tmp.replace(path)
        logger.info("saved embedded model to %s (%d bytes)", path, path.stat().st_size)
        return path

    @classmethod
    def load(cls, path: Path = DEFAULT_MODEL_PATH) -> "EmbeddedModel":
        """Read a model written by `save`; ValueError if it is of another format."""
        state = joblib.load(Path(path))
        if not isinstance(state, dict) or state.pop("format", None) != FORMAT_VERSION:
            raise ValueError(f"{path}: not an embedded model of format {FORMAT_VERSION}; retrain it")
        model = cls(**state)
        unknown = set(model.classes) - ALL_INTENTS
        if unknown:
            raise ValueError(f"{path}: model knows intents outside the contract: {sorted(unknown)}")
        return model


class EmbeddedClassifier:
    """`Classifier` over an EmbeddedModel, with a confidence threshold and an ambiguity gap."""

    backend = "embedded"

    def __init__(self, model: EmbeddedModel, *, threshold: float | None = None, gap: float | None = None) -> None:
        self.model = model
        self.threshold = model.threshold if threshold is None else threshold
        self.gap = model.gap if gap is None else gap

    def predict(self, text: str) -> Prediction:
        """The top intent, or out_of_scope when unsure; never raises."""
        if not isinstance(text, str):
            return Prediction.nothing(backend=self.backend)
        try:
            prepared = prepare(text)
            if not any(ch.isalnum() for ch in prepared):
                return Prediction.nothing(backend=self.backend)
            ranking = self.model.ranking(prepared)
            lang, _ = langid.detect(prepared)
        except Exception as exc:  # noqa: BLE001 - a classifier must never break a turn
            logger.warning("embedded prediction failed: %s", type(exc).__name__)
            return Prediction.nothing(backend=self.backend)
        return decide(ranking=ranking, threshold=self.threshold, gap=self.gap, lang=lang, backend=self.backend)


def decide(*, ranking: tuple[tuple[str, float], ...], threshold: float, gap: float,
           lang: str | None, backend: str) -> Prediction:
    """Apply threshold and ambiguity gap to a ranking (best first); shared with rasa_http."""
    if not ranking:
        return Prediction.nothing(lang=lang, backend=backend)
    top_intent, top = ranking[0]
    second = ranking[1][1] if len(ranking) > 1 else 0.0
    extra = {"raw_intent": top_intent, "raw_confidence": top}
    if top_intent != "out_of_scope":
        reason = "low_confidence" if top < threshold else "ambiguous" if top - second < gap else None
        if reason:
            # As Rasa's FallbackClassifier does, the fallback carries the threshold as its confidence.
            extra["fallback"] = reason
            return Prediction(intent="out_of_scope", confidence=threshold, ranking=ranking,
                              lang=lang, backend=backend, extra=extra)
    return Prediction(intent=top_intent, confidence=top, ranking=ranking, lang=lang, backend=backend, extra=extra)


def train(data_dir: Path) -> EmbeddedModel:
    """Train on every fi/sv file of `data_dir`, calibrating by cross-validation."""
    return train_examples(load_training(data_dir))


def train_examples(examples: list[Example], *, calibrate: bool = True, seed: int = 0) -> EmbeddedModel:
    """Train on `examples`; with `calibrate`, fit temperature, threshold and gap out of fold."""
    started = time.perf_counter()
    texts = [prepare(e.text) for e in examples]
    labels = np.asarray([e.intent for e in examples])
    if len(set(labels)) < 3:
        raise ValueError("training needs examples of at least three intents")
    (chars, words), svm = _fit_linear(texts=texts, labels=labels)
    classes = tuple(str(c) for c in svm.classes_)
    temperature, threshold, gap = 1.0, 0.0, 0.0
    if calibrate:
        strata = [f"{e.lang}:{e.intent}" for e in examples]
        scores = _out_of_fold_scores(texts=texts, labels=labels, strata=strata, classes=classes, seed=seed)
        temperature = _fit_temperature(scores=scores, labels=labels, classes=classes)
        threshold, gap = _choose_threshold(probs=_softmax(scores / temperature), labels=labels, classes=classes)
    seconds = time.perf_counter() - started
    model = EmbeddedModel(
        classes=classes,
        vocabulary={str(k): int(v) for k, v in chars.vocabulary_.items()},
        idf=chars.idf_.astype(np.float32),
        word_vocabulary={str(k): int(v) for k, v in words.vocabulary_.items()},
        word_idf=words.idf_.astype(np.float32),
        word_weight=WORD_WEIGHT,
        weights=np.ascontiguousarray(svm.coef_.T, dtype=np.float32),
        bias=svm.intercept_.astype(np.float32),
        temperature=float(temperature),
        threshold=float(threshold),
        gap=float(gap),
        meta={
            "trained_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "train_seconds": round(seconds, 2),
            "examples": dict(Counter(f"{e.lang}:{e.intent}" for e in examples)),
            "features": {"char": len(chars.vocabulary_), "word": len(words.vocabulary_)},
            "svm_c": SVM_C,
        },
    )
    logger.info("trained embedded model on %d examples in %.1f s (threshold %.2f, gap %.2f)",
                len(examples), seconds, model.threshold, model.gap)
    return model


def _fit_linear(*, texts: list[str], labels: np.ndarray):
    """Fit both vectorizers and the SVM; returns ((chars, words), svm)."""
    # scikit-learn is imported only for training: loading and predicting do without it.
    from sklearn.svm import LinearSVC

    chars, words = _vectorizer(char_ngrams), _vectorizer(word_ngrams)
    matrix = _stack(chars.fit_transform(texts), words.fit_transform(texts))
    svm = LinearSVC(C=SVM_C, random_state=0).fit(matrix, labels)
    return (chars, words), svm


def _vectorizer(analyzer):
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(analyzer=analyzer, sublinear_tf=True, dtype=np.float32)


def _stack(char_matrix, word_matrix):
    import scipy.sparse as sparse

    return sparse.hstack([char_matrix, word_matrix * WORD_WEIGHT], format="csr")


def _transform(vectorizers, texts: list[str]):
    chars, words = vectorizers
    return _stack(chars.transform(texts), words.transform(texts))


def _out_of_fold_scores(*, texts: list[str], labels: np.ndarray, strata: list[str],
                        classes: tuple[str, ...], seed: int) -> np.ndarray:
    """SVM decision scores of every example from a model that did not see it."""
    from sklearn.model_selection import StratifiedKFold

    folds = min(CV_FOLDS, min(Counter(strata).values()))
    if folds < 2:
        folds, strata = 2, list(labels)
    scores = np.zeros((len(texts), len(classes)), dtype=np.float64)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(texts, strata):
        vectorizers, svm = _fit_linear(texts=[texts[i] for i in train_idx], labels=labels[train_idx])
        fold_scores = svm.decision_function(_transform(vectorizers, [texts[i] for i in test_idx]))
        columns = [classes.index(str(c)) for c in svm.classes_]
        scores[np.ix_(test_idx, columns)] = fold_scores
        missing = sorted(set(range(len(classes))) - set(columns))
        if missing:  # an intent absent from this fold's training part can never win
            scores[np.ix_(test_idx, missing)] = -10.0
    return scores


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def _fit_temperature(*, scores: np.ndarray, labels: np.ndarray, classes: tuple[str, ...]) -> float:
    """The softmax temperature that minimises the out-of-fold negative log-likelihood."""
    truth = np.asarray([classes.index(str(label)) for label in labels])
    grid = np.exp(np.linspace(np.log(0.02), np.log(5.0), 121))
    losses = [-np.log(_softmax(scores / t)[np.arange(len(truth)), truth] + 1e-12).mean() for t in grid]
    return float(grid[int(np.argmin(losses))])


def _choose_threshold(*, probs: np.ndarray, labels: np.ndarray, classes: tuple[str, ...]) -> tuple[float, float]:
    """Threshold and gap that maximise out-of-fold utility.

    A right answer scores +1, a wrong one -1 (it sends the citizen down the
    wrong flow), a fallback to out_of_scope 0 (the bot asks again or offers a
    person) or +1 when out_of_scope was right.
    """
    order = np.argsort(-probs, axis=1)
    top = probs[np.arange(len(probs)), order[:, 0]]
    margin = top - probs[np.arange(len(probs)), order[:, 1]]
    predicted = np.asarray(classes)[order[:, 0]]
    correct = predicted == labels
    oos_pred = predicted == "out_of_scope"
    oos_true = labels == "out_of_scope"
    best = (-np.inf, 0.0, 0.0)
    for threshold in np.round(np.arange(0.0, 0.91, 0.02), 2):
        for gap in np.round(np.arange(0.0, 0.41, 0.02), 2):
            accept = oos_pred | ((top >= threshold) & (margin >= gap))
            utility = (np.where(correct, 1, -1) * accept).sum() + (oos_true & ~accept).sum()
            if utility > best[0] + 1e-9:
                best = (float(utility), float(threshold), float(gap))
    return best[1], best[2]
