"""Reading Rasa NLU YAML: examples, languages from file names, and `file:line:` errors."""
from __future__ import annotations

from pathlib import Path

import pytest

from nlu.data_io import DataError, Example, lang_of, load_file, load_heldout, load_training
from nlu.text import normalize
from nlu.types import ALL_INTENTS

GOOD = '''version: "3.1"
nlu:
- intent: home_support
  examples: |
    - kotihoito äidille

    - tarviin [kotihoitoa](service) nyt
    -   ateriapalvelu   
- regex: phone
  examples: |
    - \\d+
- intent: greet
  examples: |
    - moi
'''


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_examples_with_prefix_stripped_and_blank_lines_tolerated(tmp_path: Path) -> None:
    examples = load_file(write(tmp_path, "fi.yml", GOOD))
    assert examples == [
        Example("kotihoito äidille", "home_support", "fi"),
        Example("tarviin kotihoitoa nyt", "home_support", "fi"),
        Example("ateriapalvelu", "home_support", "fi"),
        Example("moi", "greet", "fi"),
    ]


def test_language_comes_from_the_file_name(tmp_path: Path) -> None:
    assert lang_of(Path("sv.yml")) == "sv"
    assert lang_of(Path("fi_extra.yaml")) == "fi"
    assert load_file(write(tmp_path, "sv.yml", GOOD))[0].lang == "sv"
    with pytest.raises(DataError, match=r"en\.yml:1: cannot tell the language"):
        lang_of(Path("en.yml"))


def test_unknown_intent_names_file_and_line(tmp_path: Path) -> None:
    text = GOOD.replace("- intent: greet", "- intent: greeting")
    with pytest.raises(DataError) as info:
        load_file(write(tmp_path, "fi.yml", text))
    assert str(info.value).startswith(f"{tmp_path / 'fi.yml'}:12: unknown intent 'greeting'")
    assert isinstance(info.value, ValueError)
    assert info.value.line == 12


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    text = 'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - moi\n  bad: [unclosed\n'
    with pytest.raises(DataError, match=r"fi\.yml:\d+: invalid YAML"):
        load_file(write(tmp_path, "fi.yml", text))


@pytest.mark.parametrize(("text", "message", "line"), [
    ('version: "3.1"\n', "missing top-level `nlu:` list", 1),
    ('version: "3.1"\nnlu: hello\n', "`nlu:` must be a list", 2),
    ('version: "3.1"\nnlu:\n- examples: |\n    - moi\n', "entry has no `intent:` key", 3),
    ('version: "3.1"\nnlu:\n- intent: greet\n', "has no `examples:`", 3),
    ('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - moi\n    hei\n', "must start with '- '", 6),
    ('- just a list\n', "expected a mapping", 1),
])
def test_malformed_files_are_reported_with_their_line(tmp_path: Path, text: str, message: str, line: int) -> None:
    with pytest.raises(DataError) as info:
        load_file(write(tmp_path, "fi.yml", text))
    assert message in str(info.value)
    assert info.value.line == line


def test_load_training_and_heldout_read_every_file_of_a_directory(tiny_data_dir: Path) -> None:
    examples = load_training(tiny_data_dir)
    assert {e.lang for e in examples} == {"fi", "sv"}
    assert load_heldout(tiny_data_dir) == examples
    with pytest.raises(DataError, match="no such directory"):
        load_training(tiny_data_dir / "missing")


def test_real_data_uses_contract_names_only_and_both_languages(training_examples, heldout_examples) -> None:
    for examples in (training_examples, heldout_examples):
        assert {e.intent for e in examples} == ALL_INTENTS
        assert {e.lang for e in examples} == {"fi", "sv"}


def test_heldout_does_not_leak_into_training(training_examples, heldout_examples) -> None:
    seen = {normalize(e.text) for e in training_examples}
    leaked = [e.text for e in heldout_examples if normalize(e.text) in seen]
    assert leaked == []
