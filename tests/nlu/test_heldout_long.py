"""The long, colloquial held-out set (nlu/heldout_long): loadable, contract names, enough examples, no leaks."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from nlu.data_io import LANGS, Example, load_file, load_heldout, load_training
from nlu.text import fold, normalize
from nlu.types import ALL_INTENTS, SERVICE_TOPICS

ROOT = Path(__file__).resolve().parents[2]
LONG_DIR = ROOT / "nlu" / "heldout_long"
DATA_DIR = ROOT / "nlu" / "data"
HELDOUT_DIR = ROOT / "nlu" / "heldout"
MIN_PER_TOPIC = 12
MIN_PER_CONVERSATION = 6
CONVERSATION_CHECKED = ("greet", "thanks_goodbye", "ask_human", "privacy", "out_of_scope")
_PUNCT_RE = re.compile(r"[\W_]+")


def key(text: str) -> str:
    """Lowercase, ä/ö/å folded, punctuation and whitespace collapsed to single spaces."""
    return " ".join(_PUNCT_RE.sub(" ", fold(normalize(text))).split())


@pytest.fixture(scope="module")
def long_examples() -> list[Example]:
    return load_heldout(LONG_DIR)


@pytest.mark.parametrize("lang", LANGS)
def test_each_language_file_loads_with_the_data_io_loader(lang: str) -> None:
    examples = load_file(LONG_DIR / f"{lang}.yml")
    assert examples
    assert {e.lang for e in examples} == {lang}


def test_only_contract_intents_and_never_crisis(long_examples: list[Example]) -> None:
    intents = {e.intent for e in long_examples}
    assert intents <= ALL_INTENTS
    assert "crisis" not in intents


@pytest.mark.parametrize("lang", LANGS)
def test_every_service_topic_has_enough_examples(long_examples: list[Example], lang: str) -> None:
    counts = Counter(e.intent for e in long_examples if e.lang == lang)
    short = {topic: counts[topic] for topic in SERVICE_TOPICS if counts[topic] < MIN_PER_TOPIC}
    assert not short, f"{lang}: service topics with fewer than {MIN_PER_TOPIC} examples: {short}"


@pytest.mark.parametrize("lang", LANGS)
def test_conversation_intents_have_enough_examples(long_examples: list[Example], lang: str) -> None:
    counts = Counter(e.intent for e in long_examples if e.lang == lang)
    short = {name: counts[name] for name in CONVERSATION_CHECKED if counts[name] < MIN_PER_CONVERSATION}
    assert not short, f"{lang}: conversation intents with fewer than {MIN_PER_CONVERSATION} examples: {short}"


def test_no_example_repeats_within_the_set(long_examples: list[Example]) -> None:
    repeated = [k for k, n in Counter(key(e.text) for e in long_examples).items() if n > 1]
    assert not repeated


def test_no_overlap_with_training_or_the_other_heldout_set(long_examples: list[Example]) -> None:
    seen = {key(e.text): e for e in load_training(DATA_DIR) + load_heldout(HELDOUT_DIR)}
    leaked = [(e.text, seen[key(e.text)].text) for e in long_examples if key(e.text) in seen]
    assert not leaked, f"in nlu/heldout_long and in nlu/data or nlu/heldout: {leaked[:5]}"


def test_normalisation_key_folds_case_punctuation_and_nordic_letters() -> None:
    assert key("Äiti  EI pääse,  kauppaan!") == key("aiti ei paase kauppaan")
    assert key("Hur ska ja göra?") == key("hur ska ja gora")
