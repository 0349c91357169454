"""Helpers of the flow tests: edit a flow file, validate a directory, find the line of a text."""
from __future__ import annotations

from pathlib import Path

from bot.config import PROJECT_ROOT
from bot.flowspec.validate import validate_dir

FLOWS = PROJECT_ROOT / "flows"


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first `old` in the file (which must be there) with `new`."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems_of(directory: Path) -> list[str]:
    return [str(p) for p in validate_dir(directory)[1]]


def line_of(path: Path, needle: str, after: str = "") -> int:
    """The 1-based line of the first `needle`, or of the first one after the line that has `after`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i, line in enumerate(lines[start:], start + 1) if needle in line)
