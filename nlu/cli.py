"""Command-line commands `train`, `predict` and `evaluate`, mounted under `lahitori nlu` or `python -m nlu`."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from nlu.data_io import LANGS, DataError, load_heldout, load_training

if TYPE_CHECKING:
    from nlu.types import Classifier

logger = logging.getLogger(__name__)

__all__ = ["cmd_evaluate", "cmd_predict", "cmd_train", "register"]

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_DATA_DIR = PACKAGE_DIR / "data"
DEFAULT_HELDOUT_DIR = PACKAGE_DIR / "heldout"
DEFAULT_HELDOUT_LONG_DIR = PACKAGE_DIR / "heldout_long"
DEFAULT_MODEL_PATH = PACKAGE_DIR / "models" / "embedded.joblib"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `train`, `predict` and `evaluate` commands to an argparse subparsers object."""
    train = subparsers.add_parser("train", help="train the embedded model and save it")
    _data_options(train)
    train.set_defaults(func=cmd_train)

    predict = subparsers.add_parser("predict", help='classify JSON lines {"text": ...} from stdin')
    _data_options(predict)
    _rasa_options(predict)
    predict.add_argument("--backend", choices=("embedded", "rasa"), default="embedded")
    predict.set_defaults(func=cmd_predict)

    evaluate = subparsers.add_parser("evaluate", help="cross-validate and test on held-out data")
    _data_options(evaluate)
    _rasa_options(evaluate)
    evaluate.add_argument("--heldout-dir", type=Path, default=DEFAULT_HELDOUT_DIR)
    evaluate.add_argument("--heldout-long-dir", type=Path, default=DEFAULT_HELDOUT_LONG_DIR,
                          help="long and indirect held-out messages; evaluated when the directory has data files")
    evaluate.add_argument("--folds", type=int, default=5)
    evaluate.add_argument("--no-cv", action="store_true", help="skip cross-validation (held-out only)")
    evaluate.set_defaults(func=cmd_evaluate)


def _data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="training data (nlu/data)")
    parser.add_argument("--model-path", type=Path, default=DEFAULT_MODEL_PATH, help="embedded model artifact")


def _rasa_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rasa-url", default=None, help="Rasa server, e.g. http://127.0.0.1:5005")
    parser.add_argument("--timeout", type=float, default=None, help="seconds (default: RASA_TIMEOUT or 1.5)")
    # The token comes from the environment only: a command line is visible to every user of the machine.


def _timeout(args: argparse.Namespace) -> float:
    """--timeout, else RASA_TIMEOUT, else 1.5 s; a bad value is one clear line, not a traceback."""
    if args.timeout is not None:
        return args.timeout
    raw = os.environ.get("RASA_TIMEOUT", "1.5")
    try:
        return float(raw)
    except ValueError:
        raise SystemExit(f"configuration error: RASA_TIMEOUT: not a number of seconds: {raw!r}") from None


def cmd_train(args: argparse.Namespace) -> int:
    """Train the embedded model on --data-dir and save it to --model-path."""
    from nlu.embedded import train_examples

    try:
        examples = load_training(args.data_dir)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    counts = Counter((e.intent, e.lang) for e in examples)
    intents = sorted({e.intent for e in examples})
    print(f"{'intent':26}" + "".join(f"{lang:>6}" for lang in LANGS))
    for intent in intents:
        print(f"{intent:26}" + "".join(f"{counts[(intent, lang)]:>6}" for lang in LANGS))
    print(f"{'total':26}" + "".join(f"{sum(counts[(i, lang)] for i in intents):>6}" for lang in LANGS))
    started = time.perf_counter()
    model = train_examples(examples)
    seconds = time.perf_counter() - started
    path = model.save(args.model_path)
    features = model.meta["features"]
    print(f"trained in {seconds:.1f} s: {features['char']} character and {features['word']} word features, "
          f"threshold {model.threshold:.2f}, gap {model.gap:.2f} (messages of two or more sentences: "
          f"{model.long_threshold:.2f}, {model.long_gap:.2f})")
    print(f"saved {path} ({path.stat().st_size / 1024:.0f} KiB)")
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    """Read JSON lines {"text": ...} on stdin, write one JSON line per input."""
    from nlu.factory import build_classifier

    try:
        classifier = build_classifier(
            backend=args.backend, rasa_url=args.rasa_url or os.environ.get("RASA_URL"),
            rasa_token=os.environ.get("RASA_TOKEN") or None, model_path=args.model_path,
            data_dir=args.data_dir, timeout=_timeout(args))
    except (ValueError, DataError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stream = getattr(sys.stdin, "buffer", sys.stdin)
    for number, raw in enumerate(stream, start=1):
        try:
            line = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            if not line.strip():
                continue
            item = json.loads(line)
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                raise ValueError('expected an object with a string "text"')
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            _write({"line": number, "error": f"malformed input: {exc}"})
            continue
        prediction = classifier.predict(item["text"])
        _write({"text": item["text"], "intent": prediction.intent,
                "confidence": round(prediction.confidence, 4), "lang": prediction.lang,
                "topics": prediction.extra.get("topics", [])})
    return 0


def _write(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Cross-validate on --data-dir, test on --heldout-dir and --heldout-long-dir; --rasa-url adds Rasa side by side."""
    from nlu.data_io import data_files
    from nlu.embedded import EmbeddedClassifier, train_examples
    from nlu.evaluate import cross_validate, evaluate_classifier, format_reports

    long_dir = args.heldout_long_dir
    try:
        training = load_training(args.data_dir)
        heldout = load_heldout(args.heldout_dir)
        heldout_long = load_heldout(long_dir) if long_dir.is_dir() and data_files(long_dir) else []
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not args.no_cv:
        report = cross_validate(training, folds=args.folds, name="embedded (cv)")
        print(format_reports([report], title=f"{args.folds}-fold cross-validation on {args.data_dir}"))
        print()
    columns: list[tuple[str, Classifier]] = [("embedded", EmbeddedClassifier(train_examples(training)))]
    rasa = None
    if args.rasa_url:
        from nlu.rasa_http import RasaClassifier

        rasa = RasaClassifier(args.rasa_url, token=os.environ.get("RASA_TOKEN") or None,
                              timeout=_timeout(args), fallback=_Unavailable())
        columns.append(("rasa", rasa))
    try:
        sets = [(args.heldout_dir, heldout)] + ([(long_dir, heldout_long)] if heldout_long else [])
        for number, (directory, examples) in enumerate(sets):
            reports = [evaluate_classifier(classifier, examples, name=name) for name, classifier in columns]
            print(("\n" if number else "") + format_reports(reports, title=f"held-out evaluation on {directory}"))
    finally:
        if rasa is not None:
            rasa.close()
    if not heldout_long:
        print(f"\n(no long held-out set at {long_dir})")
    return 0


class _Unavailable:
    """Fallback for evaluation: a Rasa failure must show as a miss, not as the embedded answer."""

    def predict(self, text: str):
        from nlu.types import Prediction

        return Prediction.nothing(backend="rasa-unavailable")
