"""The engine's data: conversation state, one turn of input, and replies."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_TEXT = 4000  # characters of one citizen message the engine keeps


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    payload: str


@dataclass(frozen=True, slots=True)
class Document:
    """A file for the citizen (their data export): made by the turn, sent by the channel, never stored or logged
    (the transcript keeps the reply's text only)."""

    filename: str
    media_type: str
    data: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class Reply:
    """One message to the citizen; buttons belong to the menu the state names. With a document, the text goes with
    the file (as its caption where the channel has one)."""

    text: str
    buttons: tuple[Button, ...] = ()
    document: Document | None = None


@dataclass(slots=True)
class State:
    """Where one citizen's conversation is: plain data, saved by the runner after every turn."""

    flow: str
    step: str
    lang: str
    slots: dict[str, Any] = field(default_factory=dict)
    menu_id: int = 0
    mode: str = "bot"  # bot | relay (a coordinator holds the case)

    def copy(self) -> State:
        return State(self.flow, self.step, self.lang, dict(self.slots), self.menu_id, self.mode)


@dataclass(frozen=True, slots=True)
class Turn:
    """One input: free text (maybe a /command) or a button payload."""

    text: str | None = None
    payload: str | None = None
    lang: str | None = None  # the language the text is confidently written in, if detected
    truncated: bool = False  # the text was cut to MAX_TEXT characters

    @property
    def is_command(self) -> bool:
        return bool(self.text and self.text.lstrip().startswith("/"))


@dataclass(slots=True)
class Outcome:
    state: State
    replies: list[Reply]
    events: list[str] = field(default_factory=list)  # names of what happened, for audit and tests
