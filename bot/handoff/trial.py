"""The actions of a try-it conversation in the console (an admin trying a draft of the flows): the real engine runs
against these, which read the real directory (units, coordinators, routing) and store nothing: the need, the consent
and the handoff live only in the try-it state, nothing reaches staff, and what would have happened is said as such."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.dialogue.models import Document
from bot.dialogue.ports import HandoffInfo, Labeler, OutOfArea, Proposal, UnitContact
from bot.handoff.area import where_to_turn
from bot.handoff.routing import choose, serves, units_for
from bot.handoff.service import proposal, unit_contact
from bot.i18n import N_, I18n

SIMULATED = N_("(Try-it: nothing was stored or sent; a real conversation would have done this.)")
NO_UNIT = N_("the lähitori")


class TrialActions:
    """Actions for one try-it turn. `memory` is the try-it state's own dict (kept between turns by the page)."""

    def __init__(self, session: Session, *, memory: dict[str, Any], i18n: I18n, now: datetime) -> None:
        self.session, self.memory, self.i18n, self.now = session, memory, i18n, now

    def _(self, lang: str, message: str) -> str:
        return self.i18n.gettext(lang, message)

    def record_need(self, *, slots: dict[str, Any], lang: str) -> int:
        needs = self.memory.setdefault("needs", [])
        needs.append({k: v for k, v in slots.items() if isinstance(v, (str, int, float, bool)) or v is None})
        return len(needs)

    def _need(self, need_id: int) -> dict[str, Any]:
        needs = self.memory.get("needs") or []
        return needs[need_id - 1] if 0 < need_id <= len(needs) else {}

    def unit_contact(self, *, municipality: str | None, lang: str) -> UnitContact:
        units = (units_for(self.session, municipality=municipality, lang=lang)
                 or units_for(self.session, municipality=None, lang=lang))
        if not units:
            return UnitContact(0, self._(lang, NO_UNIT), "–", "–", "–")
        return unit_contact(units[0], lang)

    def where_to_turn(self, *, area: str | None, lang: str) -> str:
        if serves(self.session, municipality=area):
            return ""
        return where_to_turn(area, lang) or where_to_turn(None, lang)

    def propose(self, *, need_id: int, lang: str) -> Proposal:
        need = self._need(need_id)
        assignment = choose(self.session, topic=need.get("topic") or "lahitori_info",
                            municipality=need.get("municipality"), lang=lang, now=self.now)
        if assignment is None:
            raise OutOfArea("no unit serves the municipality")
        return proposal(assignment, lang)

    def record_consent(self, *, need_id: int, proposal: dict[str, Any], text: str, decision: str, lang: str) -> int:
        consents = self.memory.setdefault("consents", [])
        consents.append({"need": need_id, "decision": decision, "proposal": proposal})
        return len(consents)

    def create_handoff(self, *, need_id: int, consent_id: int, lang: str) -> HandoffInfo:
        consent = (self.memory.get("consents") or [{}])[consent_id - 1]
        proposal = consent.get("proposal") or {}
        self.memory["handoffs"] = self.memory.get("handoffs", 0) + 1
        unit = self.unit_contact(municipality=self._need(need_id).get("municipality"), lang=lang)
        from bot.db.models import Coordinator

        person = self.session.get(Coordinator, proposal.get("coordinator_id") or 0)
        return HandoffInfo(handoff_id=0, unit=unit, coordinator=person.full_name if person else None,
                           title=person.title(lang) if person else None, when=self._(lang, SIMULATED),
                           created=True)

    def record_feedback(self, *, score: int, comment: str | None, topic: str | None,
                        handoff_id: int | None = None) -> None:
        self.memory["feedback"] = score

    def may_rate(self, handoff_id: int) -> bool:
        return False

    def stored_summary(self, *, lang: str, label: Labeler | None = None) -> list[str]:
        return [self._(lang, SIMULATED)]

    def export_data(self, *, lang: str, label: Labeler | None = None) -> Document:
        return Document(filename="try-it.json", media_type="application/json", data=b"{}")

    def case_view(self, *, lang: str) -> list[str]:
        return [self._(lang, SIMULATED)]

    def case_holder(self, *, lang: str) -> str | None:
        return None

    def add_to_case(self, *, text: str) -> bool:
        return False

    def active_consents(self) -> int:
        return 0

    def withdraw_consents(self) -> int:
        return 0

    def delete_everything(self) -> list[int]:
        self.memory.clear()
        return []

    def set_language(self, *, lang: str) -> None:
        self.memory["lang"] = lang
