"""The `train`, `predict` and `evaluate` commands, called directly and through `python -m nlu`."""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nlu.cli import cmd_evaluate, cmd_train, register
from nlu.types import ALL_INTENTS

ROOT = Path(__file__).resolve().parents[2]


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


@pytest.fixture(scope="module")
def tiny_model(tiny_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli_model") / "embedded.joblib"
    assert cmd_train(parse("train", "--data-dir", str(tiny_data_dir), "--model-path", str(path))) == 0
    return path


def run_nlu(*argv: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RASA_")}
    return subprocess.run([sys.executable, "-m", "nlu", *argv], input=stdin, capture_output=True,
                          cwd=ROOT, env=env, timeout=120)


def test_register_adds_the_three_commands() -> None:
    for command in ("train", "predict", "evaluate"):
        assert callable(parse(command).func)
    args = parse("predict", "--backend", "rasa", "--rasa-url", "http://127.0.0.1:9")
    assert (args.backend, args.rasa_url) == ("rasa", "http://127.0.0.1:9")


def test_train_prints_counts_and_saves(tiny_data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "m.joblib"
    assert cmd_train(parse("train", "--data-dir", str(tiny_data_dir), "--model-path", str(path))) == 0
    out = capsys.readouterr().out
    assert "home_support" in out and "fi" in out and "sv" in out
    assert "trained in" in out and path.exists()


def test_train_reports_bad_data(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "fi.yml").write_text('version: "3.1"\nnlu:\n- intent: nope\n  examples: |\n    - x\n')
    assert cmd_train(parse("train", "--data-dir", str(tmp_path), "--model-path", str(tmp_path / "m"))) == 2
    assert "fi.yml:3: unknown intent 'nope'" in capsys.readouterr().err


def test_predict_writes_one_json_line_per_input(tiny_model: Path, tiny_data_dir: Path) -> None:
    lines = [json.dumps({"text": "rollaattori lainaan"}), "", "{not json", json.dumps(["text"]),
             json.dumps({"text": 5}), json.dumps({"text": "hemvård åt mamma"}, ensure_ascii=False)]
    stdin = ("\n".join(lines) + "\n").encode() + b"\xff\xfe broken utf-8\n"
    result = run_nlu("predict", "--model-path", str(tiny_model), "--data-dir", str(tiny_data_dir), stdin=stdin)
    assert result.returncode == 0, result.stderr
    assert b"Traceback" not in result.stderr
    out = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(out) == 6
    assert out[0]["text"] == "rollaattori lainaan" and out[0]["intent"] == "assistive_devices"
    assert out[0]["lang"] == "fi" and 0 < out[0]["confidence"] <= 1
    assert [sorted(o) for o in out[1:4]] == [["error", "line"]] * 3
    assert out[4]["intent"] == "home_support" and out[4]["lang"] == "sv"
    assert "error" in out[5]
    assert all(o.get("intent", "out_of_scope") in ALL_INTENTS for o in out)


def test_predict_with_rasa_down_falls_back(tiny_model: Path, tiny_data_dir: Path) -> None:
    result = run_nlu("predict", "--backend", "rasa", "--rasa-url", "http://127.0.0.1:9", "--timeout", "0.5",
                     "--model-path", str(tiny_model), "--data-dir", str(tiny_data_dir),
                     stdin=b'{"text": "rollaattori lainaan"}\n')
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["intent"] == "assistive_devices"
    assert b"rollaattori" not in result.stderr  # the warning never carries the text


def test_predict_rasa_without_url_is_a_clear_error(tiny_model: Path, tiny_data_dir: Path) -> None:
    result = run_nlu("predict", "--backend", "rasa", "--model-path", str(tiny_model),
                     "--data-dir", str(tiny_data_dir))
    assert result.returncode == 2
    assert b"RASA_URL" in result.stderr and b"Traceback" not in result.stderr


def test_evaluate_prints_per_intent_and_language(tiny_data_dir: Path, capsys: pytest.CaptureFixture) -> None:
    args = parse("evaluate", "--data-dir", str(tiny_data_dir), "--heldout-dir", str(tiny_data_dir), "--folds", "2")
    assert cmd_evaluate(args) == 0
    out = capsys.readouterr().out
    assert "2-fold cross-validation" in out and "held-out evaluation" in out
    assert "accuracy [fi]" in out and "accuracy [sv]" in out and "assistive_devices" in out


def test_module_help_works() -> None:
    result = run_nlu("--help")
    assert result.returncode == 0
    assert b"train" in result.stdout and b"evaluate" in result.stdout
