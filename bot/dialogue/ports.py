"""What the engine asks of the outside world: storage and routing, as a Protocol and plain results."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from bot.dialogue.models import Document

# The flows' label of a slot's value in the conversation's language ("close_one" -> "Läheistäni"), or None.
Labeler = Callable[[str, Any], "str | None"]


@dataclass(frozen=True, slots=True)
class UnitContact:
    unit_id: int
    name: str
    phone: str
    hours: str
    address: str


@dataclass(frozen=True, slots=True)
class Proposal:
    """Who would receive the need if the citizen consents (a person, or only a unit)."""

    unit: UnitContact
    coordinator_id: int | None = None
    coordinator: str | None = None  # full name: "Sari Laine"
    title: str | None = None
    pair_id: int | None = None
    pair: str | None = None
    pair_language: str | None = None  # set when the pair cannot serve in the citizen's language: the one they use

    def as_slot(self) -> dict[str, Any]:
        return {"coordinator_id": self.coordinator_id, "pair_id": self.pair_id, "unit_id": self.unit.unit_id}


@dataclass(frozen=True, slots=True)
class HandoffInfo:
    handoff_id: int
    unit: UnitContact
    coordinator: str | None
    title: str | None
    when: str  # a day and a part of the day: "huomenna aamupäivällä", "viimeistään tiistaina 8.12."
    created: bool  # False when the need already had a handoff
    how: str = ""  # a sentence on how the contact comes (a call, this chat, a visit agreed first); may be ""
    contact_time_note: str = ""  # a sentence acknowledging the citizen's wish about the time; "" without one


class OutOfArea(LookupError):
    """Actions.propose: no unit serves the citizen's municipality, so nobody is proposed; say where_to_turn."""


class Actions(Protocol):
    """Storage-backed actions for one citizen within one turn's transaction (bot/handoff/service.py)."""

    def record_need(self, *, slots: dict[str, Any], lang: str) -> int: ...

    def unit_contact(self, *, municipality: str | None, lang: str) -> UnitContact: ...

    def where_to_turn(self, *, area: str | None, lang: str) -> str:
        """Where a citizen no unit serves turns instead (their own area's service counselling, or the general
        advice); '' when a unit serves `area`, a municipality code such as "helsinki"."""
        ...

    def propose(self, *, need_id: int, lang: str) -> Proposal:
        """Who would receive the need; raises OutOfArea when no unit serves the need's municipality."""
        ...

    def record_consent(self, *, need_id: int, proposal: dict[str, Any], text: str, decision: str, lang: str) -> int: ...

    def create_handoff(self, *, need_id: int, consent_id: int, lang: str) -> HandoffInfo: ...

    def record_feedback(self, *, score: int, comment: str | None, topic: str | None,
                        handoff_id: int | None = None) -> None: ...

    def may_rate(self, handoff_id: int) -> bool: ...

    def stored_summary(self, *, lang: str, label: Labeler | None = None) -> list[str]:
        """Every kind of data held about the citizen, as lines for the chat (bot/handoff/mydata.py)."""
        ...

    def export_data(self, *, lang: str, label: Labeler | None = None) -> Document:
        """All of it and the whole transcript as one JSON file for the citizen; the export is audited."""
        ...

    def case_view(self, *, lang: str) -> list[str]: ...

    def case_holder(self, *, lang: str) -> str | None: ...

    def add_to_case(self, *, text: str) -> bool: ...

    def active_consents(self) -> int: ...

    def withdraw_consents(self) -> int: ...

    def delete_everything(self) -> list[int]:
        """Erase the citizen (bot/handoff/erasure.py); the numbers of the cases kept as bare records."""
        ...

    def set_language(self, *, lang: str) -> None: ...
