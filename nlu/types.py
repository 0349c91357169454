"""The prediction type and the classifier protocol every NLU backend implements."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import yaml


@dataclass(frozen=True, slots=True)
class Prediction:
    """What a backend says about one message; `intent` is always a contract name."""

    intent: str
    confidence: float
    ranking: tuple[tuple[str, float], ...] = ()
    lang: str | None = None
    backend: str = "none"
    extra: dict = field(default_factory=dict, compare=False)

    @classmethod
    def nothing(cls, *, lang: str | None = None, backend: str = "none") -> Prediction:
        """No usable prediction (empty text, backend down): treated as out of scope."""
        return cls(intent="out_of_scope", confidence=0.0, lang=lang, backend=backend)


class Classifier(Protocol):
    """A synchronous intent classifier; must never raise on odd input."""

    def predict(self, text: str) -> Prediction: ...


# A copy of ../shared/intents.yml; tests/nlu/test_contract.py keeps the two identical.
CONTRACT_PATH = Path(__file__).resolve().parent / "intents.yml"


def load_contract(path: Path | None = None) -> dict[str, list[str]]:
    """Return {'service_topics': [...], 'conversation': [...]} from the shared contract."""
    path = path or CONTRACT_PATH
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {
        "service_topics": list(data["service_topics"]),
        "conversation": list(data["conversation"]),
    }


CONTRACT = load_contract()
SERVICE_TOPICS: tuple[str, ...] = tuple(CONTRACT["service_topics"])
CONVERSATION_INTENTS: tuple[str, ...] = tuple(CONTRACT["conversation"])
ALL_INTENTS: frozenset[str] = frozenset(SERVICE_TOPICS + CONVERSATION_INTENTS)
