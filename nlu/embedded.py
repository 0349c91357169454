"""The default, in-process intent classifier: character n-gram and word TF-IDF into a linear SVM.

This module loads and predicts; training and calibration are in nlu/embedded_training.py.
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import joblib
import numpy as np

from nlu import langid
from nlu.data_io import Example
from nlu.features import MAX_CHARS, Segment, char_ngrams, prepare, segments, word_ngrams
from nlu.types import ALL_INTENTS, SERVICE_TOPICS, Prediction

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_MODEL_PATH", "MAX_CHARS", "MAX_TOPICS", "RANKING_SIZE", "TOPIC_MIN_CONFIDENCE", "EmbeddedClassifier",
    "EmbeddedModel", "SENTENCE_WEIGHT", "blend", "char_ngrams", "decide", "prepare", "train", "train_examples",
]

DEFAULT_MODEL_PATH = Path(__file__).resolve().parent / "models" / "embedded.joblib"
FORMAT_VERSION = 3
RANKING_SIZE = 5
# extra["topics"]: the service topics that single request sentences of a message carry
# on their own, at TOPIC_MIN_CONFIDENCE or more, and that are among the whole message's
# MAX_TOPICS most probable intents.  On nlu/dev (240 one-need messages and 16 with two
# needs, never trained on), every sentence at 0.7 found both needs in 16 of 16 but gave
# 50 of 240 one-need messages a second topic (background such as "isä on 90 ja asuu
# yksin" reads as home care); requests only, 15 of 16 and 8 of 240, with a wrong topic
# in 29 of 240; and among the whole text's top 3 at 0.8, 15 of 16, 5 and 19 of 240.
# See nlu/features.py for the request words.
TOPIC_MIN_CONFIDENCE = 0.8
MAX_TOPICS = 3
# A message of two or more sentences is scored as (1 - w) x its whole text + w x the mean
# of its request sentences alone (background sentences left out).  On nlu/dev, top-1
# fi / sv: whole text 0.925 / 0.908; w = 0.1: 0.933 / 0.908-0.917; 0.2: 0.933 / 0.925;
# 0.3: 0.933 / 0.917; 0.4: 0.925 / 0.892-0.900 (the mean, the last or the most confident
# request sentence alike).  Out of fold on the 1,041 long examples of nlu/data, two
# shuffles: w = 0 fi 0.905, 0.918 / sv 0.926, 0.931; w = 0.25 fi 0.914, 0.924 / sv 0.928,
# 0.930.  Every sentence with the same weight, or the maximum over the sentences, did
# worse than the whole text (background reads as confidently as the need).
SENTENCE_WEIGHT = 0.25
_SERVICE_TOPICS = frozenset(SERVICE_TOPICS)


@dataclass
class EmbeddedModel:
    """A trained model: two vocabularies with IDF weights, a linear layer and its calibration.

    The feature vector is [char n-grams, l2-normalised | word n-grams, l2-normalised x
    word_weight], as scikit-learn's FeatureUnion of two TfidfVectorizers builds it.
    `threshold` and `gap` hold for messages of one sentence, `long_threshold` and
    `long_gap` for messages of two or more (see `train_examples`).
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
    long_threshold: float
    long_gap: float
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
        return self.rank(self.probabilities(text), size=size)

    def rank(self, probs: np.ndarray, *, size: int = RANKING_SIZE) -> tuple[tuple[str, float], ...]:
        """The `size` most probable intents of a probability vector, best first."""
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
    def load(cls, path: Path = DEFAULT_MODEL_PATH) -> EmbeddedModel:
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
    """`Classifier` over an EmbeddedModel, with a confidence threshold and an ambiguity gap.

    A message of two or more sentences is held to the model's `long_threshold` and
    `long_gap`; `threshold` and `gap`, when given, replace both pairs.
    """

    backend = "embedded"

    def __init__(self, model: EmbeddedModel, *, threshold: float | None = None, gap: float | None = None) -> None:
        self.model = model
        self.threshold = model.threshold if threshold is None else threshold
        self.gap = model.gap if gap is None else gap
        self.long_threshold = model.long_threshold if threshold is None else threshold
        self.long_gap = model.long_gap if gap is None else gap

    def predict(self, text: str) -> Prediction:
        """The top intent, or out_of_scope when unsure; never raises.

        A message of two or more sentences is scored by its whole text and its request
        sentences (`blend`).  `ranking`, `extra["raw_intent"]` and `extra["raw_confidence"]`
        are always the whole text's, before the fallback (the crisis guard reads them);
        `extra["top_intent"]` and `extra["top_confidence"]` are the scored answer before the
        fallback, `extra["fallback"]` says why there was one, `extra["topics"]` see `_topics`.
        """
        if not isinstance(text, str):
            return Prediction.nothing(backend=self.backend)
        try:
            prepared = prepare(text)
            if not any(ch.isalnum() for ch in prepared):
                return Prediction.nothing(backend=self.backend)
            whole = self.model.probabilities(prepared)
            lang, _ = langid.detect(prepared)
            parts = segments(text)
            requests = [(part, self.model.probabilities(part.text)) for part in parts
                        if part.is_request] if len(parts) >= 2 else []
        except Exception as exc:  # noqa: BLE001 - a classifier must never break a turn
            logger.warning("embedded prediction failed: %s", type(exc).__name__)
            return Prediction.nothing(backend=self.backend)
        ranking = self.model.rank(whole)
        if len(parts) >= 2:
            scored = self.model.rank(blend(whole, [probs for _, probs in requests]))
            threshold, gap = self.long_threshold, self.long_gap
        else:
            scored, threshold, gap = ranking, self.threshold, self.gap
        decided = decide(ranking=scored, threshold=threshold, gap=gap, lang=lang, backend=self.backend)
        extra = {**decided.extra, "raw_intent": ranking[0][0], "raw_confidence": ranking[0][1],
                 "top_intent": scored[0][0], "top_confidence": scored[0][1],
                 "topics": self._topics(requests, ranking=ranking) if len(parts) >= 2 else []}
        return replace(decided, ranking=ranking, extra=extra)

    def _topics(self, requests: list[tuple[Segment, np.ndarray]], *,
                ranking: tuple[tuple[str, float], ...]) -> list[list]:
        """[intent, confidence] of the distinct service topics of a message's request sentences, best first.

        Only a message of two or more sentences has topics.  Each is the top intent of one
        request sentence classified alone, at TOPIC_MIN_CONFIDENCE or more, and one of the
        whole message's MAX_TOPICS most probable intents (`ranking`), with its best sentence
        confidence.  Background sentences add none: they read as confidently as the need.
        """
        allowed = {intent for intent, _ in ranking[:MAX_TOPICS]} & _SERVICE_TOPICS
        best: dict[str, float] = {}
        for _part, probs in requests:
            index = int(np.argmax(probs))
            intent, confidence = self.model.classes[index], float(probs[index])
            if intent in allowed and confidence >= TOPIC_MIN_CONFIDENCE:
                best[intent] = max(best.get(intent, 0.0), confidence)
        ranked = sorted(best.items(), key=lambda item: -item[1])[:MAX_TOPICS]
        return [[intent, round(confidence, 4)] for intent, confidence in ranked]

def blend(whole: np.ndarray, requests: list[np.ndarray]) -> np.ndarray:
    """Probabilities of a message of several sentences: its whole text with its request sentences' mean."""
    if not requests:
        return whole
    return (1.0 - SENTENCE_WEIGHT) * whole + SENTENCE_WEIGHT * np.mean(requests, axis=0)


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
    """Train on every fi/sv file of `data_dir`, calibrating by cross-validation (nlu/embedded_training.py)."""
    from nlu.embedded_training import train as _train

    return _train(data_dir)


def train_examples(examples: list[Example], *, calibrate: bool = True, seed: int = 0) -> EmbeddedModel:
    """Train on `examples`; with `calibrate`, fit temperature, thresholds and gaps out of fold."""
    from nlu.embedded_training import train_examples as _train_examples

    return _train_examples(examples, calibrate=calibrate, seed=seed)
