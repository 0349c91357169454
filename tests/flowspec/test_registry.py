"""The live registry: a bad edit keeps the last valid flows, a good edit is picked up without a restart."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from bot.flowspec.registry import FlowRegistry, FlowsInvalid


def touch_later(path: Path) -> None:
    stamp = time.time() + 5
    os.utime(path, (stamp, stamp))


def test_bad_edit_keeps_last_valid_then_good_edit_reloads(flows_copy: Path):
    registry = FlowRegistry(flows_copy, interval=0)
    before = registry.current()
    main = flows_copy / "main.yaml"
    original = main.read_text()

    main.write_text(original.replace("      sv: Tack för att du skrev. Du kan komma tillbaka hit när du vill. Allt gott!\n", ""))
    touch_later(main)
    assert registry.current() is before
    assert any("Swedish text (sv) is missing" in str(p) for p in registry.last_problems)

    main.write_text(original.replace("Hyvää jatkoa!", "Mukavaa päivää!"))
    touch_later(main)
    after = registry.current()
    assert after is not before
    assert "Mukavaa päivää!" in after.flows["main"].steps["bye"].text.fi
    assert registry.last_problems == []


def test_start_with_invalid_flows_refuses(flows_copy: Path):
    (flows_copy / "intake.yaml").write_text("id: intake\n")
    with pytest.raises(FlowsInvalid) as error:
        FlowRegistry(flows_copy)
    assert "intake.yaml:1:" in str(error.value)
