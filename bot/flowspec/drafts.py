"""An admin's draft of the flows (table flow_draft): begun from the newest published version, saved file by file,
checked with the rules of `lahitori flows validate` at every keystroke, and published as the next version only when
nothing is wrong. Also what the console shows beside the editor: every text in Finnish and Swedish, with what is
missing and what changed in one language only since the version the draft began from."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import FlowDraft, FlowVersion
from bot.flowspec import versions
from bot.flowspec.loader import Problem
from bot.flowspec.registry import FlowsInvalid

LANGS = ("fi", "sv")
MAX_FILE = 200_000  # characters of one flow file; far above any real one


class DraftError(ValueError):
    """An edit the draft cannot take (a bad file name, an oversized file)."""


def _published(session: Session, flows_dir: Path) -> tuple[int | None, dict[str, str]]:
    newest = versions.latest(session)
    if newest is not None:
        return newest.id, dict(newest.files)
    return None, versions.read_files(flows_dir)


def current(session: Session, *, account_id: int, flows_dir: Path, now: datetime) -> FlowDraft:
    """The account's draft, begun from the newest published version (or FLOWS_DIR before any) when it has none."""
    draft = session.scalar(select(FlowDraft).where(FlowDraft.account_id == account_id))
    if draft is None:
        base, files = _published(session, flows_dir)
        draft = FlowDraft(account_id=account_id, base_version=base, files=files, updated_at=now)
        session.add(draft)
        session.flush()
    return draft


def base_files(session: Session, draft: FlowDraft, flows_dir: Path) -> dict[str, str]:
    """The files the draft began from."""
    if draft.base_version is not None:
        version = session.get(FlowVersion, draft.base_version)
        if version is not None:
            return dict(version.files)
    return versions.read_files(flows_dir)


def check_name(name: str) -> str:
    if Path(name).name != name or not name.endswith((".yaml", ".yml")) or name.startswith("."):
        raise DraftError(f"not a flow file name: {name!r} (a name like intake.yaml)")
    return name


def with_file(files: dict[str, str], name: str, body: str) -> dict[str, str]:
    check_name(name)
    if len(body) > MAX_FILE:
        raise DraftError(f"{name} is {len(body)} characters; at most {MAX_FILE}")
    return {**files, name: body.replace("\r\n", "\n")}


def save(session: Session, draft: FlowDraft, *, name: str, body: str, now: datetime) -> None:
    draft.files = with_file(dict(draft.files), name, body)
    draft.updated_at = now


def problems(files: dict[str, str]) -> list[Problem]:
    """What `lahitori flows validate` says of these files, each problem at its file and line."""
    return versions.problems_of(files)


def changed(draft: FlowDraft, base: dict[str, str]) -> list[str]:
    """The files the draft changes, adds or removes, by name."""
    return sorted(name for name in set(draft.files) | set(base) if draft.files.get(name) != base.get(name))


def publish(session: Session, draft: FlowDraft, *, by: str, note: str) -> FlowVersion:
    """Publish the draft as the next version (FlowsInvalid while anything is wrong) and end it."""
    version = versions.publish(session, dict(draft.files), by=by, note=note)
    session.delete(draft)
    return version


def discard(session: Session, draft: FlowDraft) -> None:
    session.delete(draft)


# The texts side by side ---------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class TextRow:
    file: str
    line: int
    where: str  # "urgency.text", "municipality.options.2.label"
    fi: str
    sv: str
    missing: tuple[str, ...]  # languages without a text
    one_sided: str | None  # the only language changed since the base version, if one changed and the other not


def _texts(body: str) -> dict[str, tuple[int, dict[str, str]]]:
    """path -> (line, {lang: text}) of every {fi: ..., sv: ...} mapping of a YAML file (nothing if it is broken)."""
    try:
        root = yaml.compose(body)
    except yaml.YAMLError:
        return {}
    found: dict[str, tuple[int, dict[str, str]]] = {}

    def walk(node: Any, path: list[str]) -> None:
        if isinstance(node, yaml.MappingNode):
            keys = {key.value for key, _value in node.value if isinstance(key, yaml.ScalarNode)}
            if keys and keys <= set(LANGS) | {"en"} and keys & set(LANGS):
                texts = {key.value: value.value for key, value in node.value
                         if isinstance(key, yaml.ScalarNode) and isinstance(value, yaml.ScalarNode)}
                found[".".join(path)] = (node.start_mark.line + 1, texts)
                return
            for key, value in node.value:
                walk(value, [*path, str(getattr(key, "value", "?"))])
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, [*path, str(index + 1)])

    walk(root, [])
    return found


def side_by_side(files: dict[str, str], base: dict[str, str]) -> list[TextRow]:
    """Every text of the draft in both languages, with what is missing and what changed in one language only."""
    rows = []
    for name in sorted(files):
        before = _texts(base.get(name, ""))
        for where, (line, texts) in _texts(files[name]).items():
            missing = tuple(lang for lang in LANGS if not (texts.get(lang) or "").strip())
            old = before.get(where, (0, {}))[1]
            moved = [lang for lang in LANGS if old and texts.get(lang) != old.get(lang)]
            rows.append(TextRow(file=name, line=line, where=where.removeprefix("steps."), fi=texts.get("fi", ""),
                                sv=texts.get("sv", ""), missing=missing,
                                one_sided=moved[0] if len(moved) == 1 else None))
    return rows


__all__ = ["DraftError", "FlowsInvalid", "TextRow", "changed", "check_name", "current", "discard", "problems",
           "publish", "save", "side_by_side", "with_file"]
