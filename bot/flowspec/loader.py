"""Read flow YAML keeping the line of every key, so each problem can be told as file:line."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.flowspec.schema import Flow

Path_ = tuple[str | int, ...]


@dataclass
class Problem:
    """One thing wrong in a flow file, with where and how to fix it."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class SourceFile:
    """A parsed YAML document with the line (1-based) of every mapping key and list item."""

    path: Path
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)

    def line_of(self, loc: Path_) -> int:
        """The line of `loc` or of its nearest ancestor that exists."""
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return 1


@dataclass
class LoadedFlow:
    flow: Flow
    source: SourceFile

    def line(self, *loc: str | int) -> int:
        return self.source.line_of(loc)


def _build(node: yaml.Node, loc: Path_, lines: dict[Path_, int], problems: list[Problem], path: Path) -> Any:
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            child = (*loc, key)
            if key in out:
                problems.append(Problem(str(path), key_node.start_mark.line + 1,
                                        f"duplicate key {key!r}: the later one would silently win; "
                                        "rename or remove one"))
            lines[child] = key_node.start_mark.line + 1
            out[key] = _build(value_node, child, lines, problems, path)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            lines[(*loc, index)] = item.start_mark.line + 1
            items.append(_build(item, (*loc, index), lines, problems, path))
        return items
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


def read_source(path: Path) -> tuple[SourceFile | None, list[Problem]]:
    """Parse one YAML file; a syntax error becomes a Problem with its line."""
    problems: list[Problem] = []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return None, [Problem(str(path), 1,
                              f"cannot read the file ({error.__class__.__name__}); save it as UTF-8 text")]
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        what = getattr(error, "problem", None) or str(error).splitlines()[0]
        return None, [Problem(str(path), line, f"YAML syntax error: {what}; check indentation and quoting")]
    if node is None:
        return None, [Problem(str(path), 1, "the file is empty; a flow needs id, title, start and steps")]
    lines: dict[Path_, int] = {(): node.start_mark.line + 1}
    data = _build(node, (), lines, problems, path)
    return SourceFile(path=path, data=data, lines=lines), problems
