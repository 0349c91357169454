"""The default, in-process intent classifier: character n-gram TF-IDF into a linear SVM."""
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
from nlu.text import fold, normalize
from nlu.types import ALL_INTENTS, Prediction

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_MODEL_PATH", "RANKING_SIZE", "EmbeddedClassifier", "EmbeddedModel", "char_ngrams", "decide",
    "prepare", "train", "train_examples",
]

DEFAULT_MODEL_PATH = Path(__file__).resolve().parent / "models" / "embedded.joblib"
FORMAT_VERSION = 1
MAX_CHARS = 600  # longer messages are cut: the request is in the first sentences
# Chosen by 5-fold cross-validation on nlu/data (never on nlu/heldout): char_wb 2-5 on
# folded text into LinearSVC(C=1) gave 0.771.  Adding Snowball-stemmed (fi+sv) word
# uni/bigrams gave 0.761, 5-char word prefixes 0.761, plain words 0.749, char 2-5
# across words 0.751, LogisticRegression 0.754, NB-SVM 0.763, ranges 1-5/2-6/3-6
# 0.767-0.770: all within noise or worse, so the simplest and fastest one stays.
NGRAM_RANGE = (2, 5)
SVM_C = 1.0
CV_FOLDS = 5
RANKING_SIZE = 5


def prepare(text: str) -> str:
    """The classifier's view of a message: normalised, ä/ö/å-folded, at most MAX_CHARS long."""
    # Cut before normalising too, so a 10 MB paste costs no more than a long message.
    return fold(normalize(str(text)[: MAX_CHARS * 4]))[:MAX_CHARS]


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


@dataclass
class EmbeddedModel:
    """A trained model: vocabulary, IDF weights, a linear layer and its calibration."""

    classes: tuple[str, ...]
    vocabulary: dict[str, int]
    idf: np.ndarray  # (n_features,) float32
    weights: np.ndarray  # (n_features, n_classes) float32
    bias: np.ndarray  # (n_classes,) float32
    temperature: float  # softmax(scores / temperature) gives calibrated probabilities
    threshold: float
    gap: float
    meta: dict = field(default_factory=dict)

    def probabilities(self, text: str) -> np.ndarray:
        """Calibrated class probabilities for an already `prepare`d text."""
        counts = Counter(char_ngrams(text))
        vocabulary = self.vocabulary
        index: list[int] = []
        tf: list[float] = []
        for gram, count in counts.items():
            column = vocabulary.get(gram)
            if column is not None:
                index.append(column)
                tf.append(count)
        if index:
            columns = np.fromiter(index, dtype=np.intp, count=len(index))
            values = (1.0 + np.log(np.asarray(tf, dtype=np.float32))) * self.idf[columns]
            values /= np.sqrt(np.dot(values, values))
            scores = values @ self.weights[columns] + self.bias
        else:
            scores = self.bias.copy()
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
    vectorizer, svm = _fit_linear(texts=texts, labels=labels)
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
        vocabulary={str(k): int(v) for k, v in vectorizer.vocabulary_.items()},
        idf=vectorizer.idf_.astype(np.float32),
        weights=np.ascontiguousarray(svm.coef_.T, dtype=np.float32),
        bias=svm.intercept_.astype(np.float32),
        temperature=float(temperature),
        threshold=float(threshold),
        gap=float(gap),
        meta={
            "trained_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "train_seconds": round(seconds, 2),
            "examples": dict(Counter(f"{e.lang}:{e.intent}" for e in examples)),
            "features": len(vectorizer.vocabulary_),
        },
    )
    logger.info("trained embedded model on %d examples in %.1f s (threshold %.2f, gap %.2f)",
                len(examples), seconds, model.threshold, model.gap)
    return model


def _fit_linear(*, texts: list[str], labels: np.ndarray):
    # scikit-learn is imported only for training: loading and predicting do without it.
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    vectorizer = TfidfVectorizer(analyzer=char_ngrams, sublinear_tf=True, dtype=np.float32)
    matrix = vectorizer.fit_transform(texts)
    svm = LinearSVC(C=SVM_C, random_state=0).fit(matrix, labels)
    return vectorizer, svm


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
        vectorizer, svm = _fit_linear(texts=[texts[i] for i in train_idx], labels=labels[train_idx])
        fold_scores = svm.decision_function(vectorizer.transform([texts[i] for i in test_idx]))
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
