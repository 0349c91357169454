"""Read Rasa 3 NLU YAML training and held-out files into (text, intent, lang) examples."""
from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import NamedTuple

import yaml

from nlu.types import ALL_INTENTS

logger = logging.getLogger(__name__)

__all__ = [
    "DataError", "Example", "LANGS", "data_files", "lang_of", "load_dir", "load_file",
    "load_heldout", "load_training",
]

LANGS: tuple[str, ...] = ("fi", "sv")
# Rasa entity annotations: "[Espoo](city)" or "[Espoo]{"entity": "city"}" → "Espoo".
_ENTITY_RE = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
_SKIPPED_KEYS = ("synonym", "regex", "lookup")


class DataError(ValueError):
    """A training or held-out file is malformed; the message starts with `file:line:`."""

    def __init__(self, *, path: Path | str, line: int, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        super().__init__(f"{self.path}:{line}: {message}")


class Example(NamedTuple):
    """One labelled example; `lang` comes from the file name (fi.yml, sv.yml)."""

    text: str
    intent: str
    lang: str


def lang_of(path: Path) -> str:
    """Return the language named by a data file: fi.yml, sv.yml, fi_extra.yml, sv-2.yaml."""
    head = re.split(r"[_\-.]", path.stem, maxsplit=1)[0].lower()
    if head not in LANGS:
        raise DataError(path=path, line=1, message=f"cannot tell the language from the file name; "
                        f"name it {' or '.join(lang + '.yml' for lang in LANGS)} (or fi_*.yml, sv_*.yml)")
    return head


def data_files(directory: Path) -> list[Path]:
    """The NLU YAML files of a directory, sorted."""
    directory = Path(directory)
    return sorted(p for p in directory.iterdir() if p.suffix in (".yml", ".yaml") and p.is_file())


def load_training(data_dir: Path) -> list[Example]:
    """All training examples of `data_dir` (nlu/data)."""
    return load_dir(data_dir)


def load_heldout(directory: Path) -> list[Example]:
    """All held-out examples of `directory` (nlu/heldout); never train on these."""
    return load_dir(directory)


def load_dir(directory: Path) -> list[Example]:
    """All examples of every fi/sv YAML file in `directory`."""
    directory = Path(directory)
    if not directory.is_dir():
        raise DataError(path=directory, line=0, message="no such directory")
    files = data_files(directory)
    if not files:
        raise DataError(path=directory, line=0, message="no .yml files in this directory")
    examples: list[Example] = []
    for path in files:
        examples.extend(load_file(path))
    return examples


def load_file(path: Path, *, lang: str | None = None) -> list[Example]:
    """Examples of one Rasa NLU YAML file; raises DataError with file and line on any problem."""
    path = Path(path)
    lang = lang or lang_of(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(path=path, line=1, message=f"not UTF-8 text ({exc.reason})") from exc
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise DataError(path=path, line=line, message=f"invalid YAML: {exc.problem or exc}") from exc
    if not isinstance(root, yaml.MappingNode):
        raise DataError(path=path, line=1, message="expected a mapping with `version` and `nlu` keys")
    entries = _value(root, "nlu")
    if entries is None:
        raise DataError(path=path, line=1, message="missing top-level `nlu:` list")
    if not isinstance(entries, yaml.SequenceNode):
        raise DataError(path=path, line=_line(entries), message="`nlu:` must be a list of entries")
    examples: list[Example] = []
    for entry in entries.value:
        examples.extend(_entry_examples(entry, path=path, lang=lang))
    logger.debug("read %d examples from %s", len(examples), path)
    return examples


def _entry_examples(entry: yaml.Node, *, path: Path, lang: str) -> list[Example]:
    if not isinstance(entry, yaml.MappingNode):
        raise DataError(path=path, line=_line(entry), message="each `nlu:` entry must be a mapping "
                        "like `- intent: name` with `examples: |`")
    keys = {k.value for k, _ in entry.value if isinstance(k, yaml.ScalarNode)}
    if "intent" not in keys:
        if keys & set(_SKIPPED_KEYS):
            return []  # synonyms, regexes and lookup tables are Rasa's business
        raise DataError(path=path, line=_line(entry), message="entry has no `intent:` key")
    intent_node = _value(entry, "intent")
    if not isinstance(intent_node, yaml.ScalarNode) or not intent_node.value.strip():
        raise DataError(path=path, line=_line(intent_node or entry), message="`intent:` must be a name")
    intent = intent_node.value.strip()
    if intent not in ALL_INTENTS:
        raise DataError(path=path, line=_line(intent_node),
                        message=f"unknown intent {intent!r}; use a name from nlu/intents.yml")
    examples_node = _value(entry, "examples")
    if examples_node is None:
        raise DataError(path=path, line=_line(entry), message=f"intent {intent!r} has no `examples:`")
    return [Example(text, intent, lang) for text in _example_texts(examples_node, path=path)]


def _example_texts(node: yaml.Node, *, path: Path) -> list[str]:
    texts: list[str] = []
    if isinstance(node, yaml.ScalarNode):
        # A literal block starts on the line after its "|" indicator.
        first = node.start_mark.line + (2 if node.style in ("|", ">") else 1)
        for offset, raw in enumerate(node.value.splitlines()):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if not line.startswith("- "):
                raise DataError(path=path, line=first + offset,
                                message=f"example line must start with '- ': {line[:40]!r}")
            texts.append(_clean(line[2:], path=path, line=first + offset))
    elif isinstance(node, yaml.SequenceNode):  # Rasa's "- text: ..." form with metadata
        for item in node.value:
            text_node = _value(item, "text") if isinstance(item, yaml.MappingNode) else item
            if not isinstance(text_node, yaml.ScalarNode):
                raise DataError(path=path, line=_line(item), message="example needs a `text:` string")
            texts.append(_clean(text_node.value, path=path, line=_line(text_node)))
    else:
        raise DataError(path=path, line=_line(node), message="`examples:` must be a `|` block of '- ' lines")
    return texts


def _clean(raw: str, *, path: Path, line: int) -> str:
    text = _ENTITY_RE.sub(r"\1", raw).strip()
    if not text:
        raise DataError(path=path, line=line, message="empty example")
    return text


def _value(mapping: yaml.MappingNode, key: str) -> yaml.Node | None:
    for key_node, value_node in mapping.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return value_node
    return None


def _line(node: yaml.Node | None) -> int:
    return node.start_mark.line + 1 if node is not None else 1
