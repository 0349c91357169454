"""The project's copy of the intent contract is byte-identical to the shared one."""
from __future__ import annotations

from pathlib import Path

import pytest

from nlu.types import ALL_INTENTS, CONTRACT_PATH, CONVERSATION_INTENTS, SERVICE_TOPICS

SHARED = Path(__file__).resolve().parents[3] / "shared" / "intents.yml"


def test_contract_copy_is_identical_to_shared() -> None:
    if not SHARED.exists():
        pytest.skip(f"no shared contract at {SHARED} (the repository is used without its ../shared)")
    assert CONTRACT_PATH.read_bytes() == SHARED.read_bytes()


def test_contract_has_the_intents_the_bot_relies_on() -> None:
    assert len(SERVICE_TOPICS) == 15
    assert {"crisis", "out_of_scope", "greet", "affirm", "deny"} <= set(CONVERSATION_INTENTS)
    assert len(ALL_INTENTS) == len(SERVICE_TOPICS) + len(CONVERSATION_INTENTS)
