"""build_classifier: load the artifact, (re)train it when missing or stale, wrap Rasa around it."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from nlu.embedded import EmbeddedClassifier
from nlu.factory import build_classifier, needs_training
from nlu.rasa_http import RasaClassifier


def build(*, backend: str, model_path: Path, data_dir: Path, rasa_url: str | None = None):
    return build_classifier(backend=backend, rasa_url=rasa_url, rasa_token=None, model_path=model_path,
                            data_dir=data_dir, timeout=0.5)


def test_embedded_trains_when_missing_then_loads(tiny_data_dir: Path, tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "models" / "embedded.joblib"
    assert needs_training(model_path=path, data_dir=tiny_data_dir) == "no model file"
    classifier = build(backend="embedded", model_path=path, data_dir=tiny_data_dir)
    assert isinstance(classifier, EmbeddedClassifier) and path.exists()
    assert "training the embedded NLU model" in caplog.text
    assert needs_training(model_path=path, data_dir=tiny_data_dir) is None
    caplog.clear()
    build(backend="embedded", model_path=path, data_dir=tiny_data_dir)
    assert "training" not in caplog.text


def test_retrains_when_data_is_newer(tiny_data_dir: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(tiny_data_dir, data)
    path = tmp_path / "embedded.joblib"
    build(backend="embedded", model_path=path, data_dir=data)
    old = path.stat().st_mtime - 100
    os.utime(path, (old, old))
    assert needs_training(model_path=path, data_dir=data) == "training data changed"
    build(backend="embedded", model_path=path, data_dir=data)
    assert needs_training(model_path=path, data_dir=data) is None


def test_unreadable_artifact_is_rebuilt(tiny_data_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "embedded.joblib"
    path.write_bytes(b"not a model")
    classifier = build(backend="embedded", model_path=path, data_dir=tiny_data_dir)
    assert classifier.predict("rollaattori lainaan").extra["raw_intent"] == "assistive_devices"


def test_rasa_wraps_the_embedded_model_as_fallback(tiny_data_dir: Path, tmp_path: Path) -> None:
    classifier = build(backend="rasa", rasa_url="http://127.0.0.1:9", model_path=tmp_path / "m.joblib",
                       data_dir=tiny_data_dir)
    assert isinstance(classifier, RasaClassifier)
    assert isinstance(classifier.fallback, EmbeddedClassifier)
    assert classifier.predict("rollaattori lainaan").backend == "embedded"  # nothing listens on port 9
    classifier.close()


@pytest.mark.parametrize(("backend", "url", "message"), [("spacy", None, "unknown NLU backend"),
                                                          ("rasa", None, "RASA_URL")])
def test_configuration_errors(tiny_data_dir: Path, tmp_path: Path, backend: str, url, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build(backend=backend, rasa_url=url, model_path=tmp_path / "m.joblib", data_dir=tiny_data_dir)
