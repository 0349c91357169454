"""Build the configured `Classifier` once at start: the embedded model, or Rasa with it as fallback."""
from __future__ import annotations

import logging
from pathlib import Path

from nlu.data_io import data_files
from nlu.embedded import EmbeddedClassifier, EmbeddedModel, train
from nlu.types import Classifier

logger = logging.getLogger(__name__)

__all__ = ["BACKENDS", "build_classifier", "load_or_train", "needs_training"]

BACKENDS = ("embedded", "rasa")


def build_classifier(*, backend: str, rasa_url: str | None, rasa_token: str | None,
                     model_path: Path, data_dir: Path, timeout: float) -> Classifier:
    """The classifier named by `backend`; raises ValueError for an unknown backend or a missing URL."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown NLU backend {backend!r}; use one of {', '.join(BACKENDS)}")
    embedded = EmbeddedClassifier(load_or_train(model_path=Path(model_path), data_dir=Path(data_dir)))
    if backend == "embedded":
        return embedded
    if not rasa_url:
        raise ValueError("the rasa backend needs a Rasa server URL (RASA_URL)")
    from nlu.rasa_http import RasaClassifier

    logger.info("NLU backend: Rasa at %s, embedded model as fallback", rasa_url)
    return RasaClassifier(rasa_url, token=rasa_token, timeout=timeout, fallback=embedded)


def needs_training(*, model_path: Path, data_dir: Path) -> str | None:
    """Why the artifact must be (re)built, or None when it is up to date."""
    if not model_path.exists():
        return "no model file"
    newest = max((p.stat().st_mtime for p in data_files(data_dir)), default=0.0)
    if newest > model_path.stat().st_mtime:
        return "training data changed"
    return None


def load_or_train(*, model_path: Path, data_dir: Path) -> EmbeddedModel:
    """Load the artifact; train and save it first if it is missing, stale or unreadable."""
    reason = needs_training(model_path=model_path, data_dir=data_dir)
    if reason is None:
        try:
            return EmbeddedModel.load(model_path)
        except Exception as exc:  # noqa: BLE001 - an unreadable artifact is rebuilt, not fatal
            reason = f"model file unreadable ({type(exc).__name__})"
    logger.warning("training the embedded NLU model: %s (%s)", reason, model_path)
    model = train(data_dir)
    try:
        model.save(model_path)
    except OSError as exc:
        logger.warning("could not save the embedded model to %s: %s", model_path, exc)
    return model
