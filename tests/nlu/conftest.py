"""Fixtures of the NLU tests: the real data, one model trained per session, and a tiny data set."""
from __future__ import annotations

from pathlib import Path

import pytest

from nlu.data_io import Example, load_heldout, load_training
from nlu.embedded import EmbeddedModel, train_examples

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "nlu" / "data"
HELDOUT_DIR = ROOT / "nlu" / "heldout"

# A few examples per intent and language: enough for the code paths, seconds to train.
TINY = {
    "fi": {
        "home_support": ["kotihoito äidille", "tarviin kotihoitoa", "ateriapalvelu isälle",
                         "turvapuhelin mummolle", "siivousapu kotiin", "kauppa-apu vanhukselle"],
        "assistive_devices": ["rollaattori lainaan", "tarviin pyörätuolin", "apuvälinelainaamo",
                              "suihkutuoli äidille", "kävelykeppi", "rollaattorin korjaus"],
        "greet": ["moi", "hei", "terve", "huomenta", "moikka", "päivää"],
        "out_of_scope": ["sää huomenna", "pizzaa", "jalkapallo tulokset", "asdf", "läksyt", "vitsi"],
    },
    "sv": {
        "home_support": ["hemvård åt mamma", "behöver hemvård", "måltidsservice åt pappa",
                         "trygghetstelefon åt mormor", "städhjälp hem", "butikshjälp åt äldre"],
        "assistive_devices": ["låna rollator", "behöver rullstol", "hjälpmedelsutlåning",
                              "duschstol åt mamma", "käpp", "rollatorn e trasig"],
        "greet": ["hej", "hejsan", "god dag", "tjena", "god morgon", "hallå"],
        "out_of_scope": ["vädret i morgon", "pizza", "fotbollsresultat", "qwerty", "läxor", "skämt"],
    },
}


def write_nlu_yaml(path: Path, intents: dict[str, list[str]]) -> Path:
    """Write a Rasa 3 NLU YAML file with `intents` ({name: [texts]})."""
    lines = ['version: "3.1"', "nlu:"]
    for intent, texts in intents.items():
        lines += [f"- intent: {intent}", "  examples: |"] + [f"    - {t}" for t in texts]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def tiny_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("tiny_nlu_data")
    for lang, intents in TINY.items():
        write_nlu_yaml(directory / f"{lang}.yml", intents)
    return directory


@pytest.fixture(scope="session")
def training_examples() -> list[Example]:
    return load_training(DATA_DIR)


@pytest.fixture(scope="session")
def heldout_examples() -> list[Example]:
    return load_heldout(HELDOUT_DIR)


@pytest.fixture(scope="session")
def trained_model(training_examples: list[Example]) -> EmbeddedModel:
    """The embedded model trained (and calibrated) once on all of nlu/data."""
    return train_examples(training_examples)
