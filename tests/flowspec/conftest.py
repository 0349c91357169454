"""Shared fixture of the flow tests: a copy of the shipped flows to edit."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.flowspec.flowfiles import FLOWS


@pytest.fixture
def flows_copy(tmp_path: Path) -> Path:
    """The shipped flows copied to a temporary directory, for tests that edit them."""
    return Path(shutil.copytree(FLOWS, tmp_path / "flows"))
