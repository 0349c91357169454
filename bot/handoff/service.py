"""Handoff creation and the storage-backed Actions the engine calls, inside one turn's transaction."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.db.models import Citizen, Consent, Coordinator, Feedback, Handoff, Need, Unit
from bot.dialogue.models import Document
from bot.dialogue.ports import HandoffInfo, Labeler, OutOfArea, Proposal, UnitContact
from bot.handoff import consent as consent_rules
from bot.handoff import mydata, mydata_render, relay, stats
from bot.handoff.area import where_to_turn
from bot.handoff.audit import record
from bot.handoff.erasure import erase_citizen
from bot.handoff.hours import Expectation, contact_how, contact_time_note, expected_contact, promise_text
from bot.handoff.outbox import drop_unsent, retract_staff_messages
from bot.handoff.routing import OPEN_STATUSES, Assignment, choose, is_absent, last_coordinator, serves, units_for
from bot.i18n import N_, I18n

logger = logging.getLogger(__name__)

NEED_FIELDS = ("description", "for_whom", "municipality", "urgency", "contact_preference", "phone", "contact_time")
STATUS_LABELS = {
    "new": N_("waiting for a coordinator"), "claimed": N_("a coordinator is handling it"),
    "contacted": N_("the coordinator has contacted you"), "closed": N_("closed"), "cancelled": N_("cancelled"),
}


def unit_contact(unit: Unit, lang: str) -> UnitContact:
    return UnitContact(unit_id=unit.id, name=unit.name(lang), phone=unit.phone,
                       hours=I18n.opening_hours(unit.opening_hours or {}, lang), address=unit.address)


def proposal(assignment: Assignment, lang: str) -> Proposal:
    """Whom the consent names for this assignment: the coordinator and their work pair (with the language the pair
    serves in when it is not the citizen's), or only the unit."""
    person = assignment.coordinator
    if person is None:
        return Proposal(unit=unit_contact(assignment.unit, lang))
    pair = person.pair
    other = next((code for code in pair.languages or [] if code in ("fi", "sv")), None) if pair else None
    return Proposal(unit=unit_contact(assignment.unit, lang), coordinator_id=person.id, coordinator=person.full_name,
                    title=person.title(lang), pair_id=pair.id if pair else None, pair=pair.full_name if pair else None,
                    pair_language=other if pair and lang not in (pair.languages or []) else None)


def case_holder(person: Coordinator | None, unit: Unit, lang: str) -> str:
    """'Sari, palveluohjaaja, Porvoon lähitori', or the unit alone when no person holds the case."""
    return f"{person.full_name}, {person.title(lang)}, {unit.name(lang)}" if person else unit.name(lang)


def create_handoff(session: Session, *, need: Need, consent: Consent | None, now: datetime) -> tuple[Handoff, bool]:
    """One handoff per need, to the person (or their pair, or the unit) the consent names."""
    existing = session.scalar(select(Handoff).where(Handoff.need_id == need.id))
    if existing is not None:
        return existing, False
    if not consent_rules.usable(consent, need_id=need.id):
        raise consent_rules.ConsentError("no consent in force for this need")
    coordinator_id = None
    for candidate_id in (consent.coordinator_id, consent.pair_id):
        candidate = session.get(Coordinator, candidate_id) if candidate_id else None
        if candidate is not None and not is_absent(candidate, now):
            coordinator_id = candidate.id
            break
    handoff = Handoff(need_id=need.id, consent_id=consent.id, citizen_id=need.citizen_id, unit_id=consent.unit_id,
                      coordinator_id=coordinator_id, status="new", created_at=now)
    try:
        with session.begin_nested():
            session.add(handoff)
    except IntegrityError:
        # a concurrent turn made the handoff of this need first
        return session.execute(select(Handoff).where(Handoff.need_id == need.id)).scalar_one(), False
    need.status = "handed_off"
    record(session, actor=f"citizen:{need.citizen_id}", action="handoff_created", citizen_id=need.citizen_id,
           handoff_id=handoff.id, details={"coordinator_id": coordinator_id, "unit_id": consent.unit_id,
                                           "consent_id": consent.id, "topic": need.topic}, at=now)
    return handoff, True


class StoreActions:
    """The engine's Actions for one citizen, bound to the turn's session."""

    def __init__(self, session: Session, *, citizen: Citizen, i18n: I18n, tz: str, now: datetime,
                 topic_title: Callable[[str, str], str], on_handoff: Callable[[Session, Handoff], None] | None = None,
                 settings: Settings | None = None) -> None:
        self.session, self.citizen, self.i18n, self.tz, self.now = session, citizen, i18n, tz, now
        self.settings = settings  # the retention periods /mydata tells (defaults without)
        self.topic_title = topic_title
        self.on_handoff = on_handoff
        self.inbound_logged = False  # the turn's words are already in the transcript, with their case
        self.update: tuple[str, int] | None = None  # the (source, update id) whose turn this is, if stored

    def record_need(self, *, slots: dict[str, Any], lang: str) -> int:
        need = Need(citizen_id=self.citizen.id, topic=slots.get("topic") or "lahitori_info",
                    topic_confidence=slots.get("topic_confidence"), language=lang, status="confirmed",
                    created_at=self.now, **{f: slots.get(f) for f in NEED_FIELDS})
        self.session.add(need)
        self.session.flush()
        record(self.session, actor=f"citizen:{self.citizen.id}", action="need_recorded", citizen_id=self.citizen.id,
               details={"need_id": need.id, "topic": need.topic}, at=self.now)
        stats.count(self.session, metric="need", day=stats.local_day(self.now, self.tz), topic=need.topic,
                    language=lang, municipality=need.municipality, channel=self.citizen.channel)
        return need.id

    def unit_contact(self, *, municipality: str | None, lang: str) -> UnitContact:
        """The unit serving the municipality; for anyone else the first unit, whose phone still answers them."""
        units = (units_for(self.session, municipality=municipality, lang=lang)
                 or units_for(self.session, municipality=None, lang=lang))
        if not units:
            return UnitContact(0, self.i18n.gettext(lang, N_("the lähitori")), "–", "–", "–")
        return unit_contact(units[0], lang)

    def where_to_turn(self, *, area: str | None, lang: str) -> str:
        """Where a citizen no unit serves turns: their own area's service counselling, or the general advice
        (bot/handoff/area.py; later perhaps the service directory). '' when a unit here serves the municipality."""
        if serves(self.session, municipality=area):
            return ""
        return where_to_turn(area, lang) or where_to_turn(None, lang)

    def propose(self, *, need_id: int, lang: str) -> Proposal:
        need = self._need(need_id)
        assignment = choose(self.session, topic=need.topic, municipality=need.municipality, lang=lang, now=self.now,
                            prefer=last_coordinator(self.session, citizen_id=self.citizen.id))
        if assignment is None:
            if not units_for(self.session, municipality=None, lang=lang):
                raise RuntimeError("no unit is configured: run `lahitori demo` or add units")
            raise OutOfArea(f"no unit serves the municipality of need {need_id}: show where_to_turn instead")
        return proposal(assignment, lang)

    def record_consent(self, *, need_id: int, proposal: dict[str, Any], text: str, decision: str, lang: str) -> int:
        consent = consent_rules.record_decision(
            self.session, citizen_id=self.citizen.id, need_id=need_id, text=text, decision=decision, lang=lang,
            unit_id=proposal["unit_id"], coordinator_id=proposal.get("coordinator_id"), pair_id=proposal.get("pair_id"),
            now=self.now)
        if decision == "declined":
            need, unit = self._need(need_id), self.session.get(Unit, proposal["unit_id"])
            stats.count(self.session, metric="consent_declined", day=stats.local_day(self.now, self.tz),
                        topic=need.topic, language=lang, municipality=need.municipality, channel=self.citizen.channel,
                        unit=unit.code if unit is not None else "")
        return consent.id

    def create_handoff(self, *, need_id: int, consent_id: int, lang: str) -> HandoffInfo:
        need, consent = self._need(need_id), self.session.get(Consent, consent_id)
        handoff, created = create_handoff(self.session, need=need, consent=consent, now=self.now)
        unit = self.session.get_one(Unit, handoff.unit_id)
        if created:
            expectation = expected_contact(hours=unit.opening_hours or {}, reply_hours=unit.reply_hours,
                                           urgency=need.urgency, contact=need.contact_preference,
                                           contact_time=need.contact_time, now=self.now, tz=self.tz, lang=lang,
                                           i18n=self.i18n)
            handoff.expected_contact_at = expectation.at
            stats.count(self.session, metric="handoff", day=stats.local_day(self.now, self.tz), topic=need.topic,
                        language=lang, municipality=need.municipality, channel=self.citizen.channel, unit=unit.code)
            if self.on_handoff is not None:
                self.on_handoff(self.session, handoff)
        else:
            expectation = self._promise(handoff, lang)  # the deadline given when the case was made
        person = self.session.get(Coordinator, handoff.coordinator_id) if handoff.coordinator_id else None
        return HandoffInfo(handoff_id=handoff.id, unit=unit_contact(unit, lang),
                           coordinator=person.full_name if person else None,
                           title=person.title(lang) if person else None, when=expectation.text, created=created,
                           how=expectation.how, contact_time_note=expectation.note)

    def _promise(self, handoff: Handoff, lang: str) -> Expectation:
        """The contact promise of an existing case, from its stored deadline, said from now."""
        need, unit = handoff.need, handoff.unit
        how = contact_how(need.contact_preference, lang, self.i18n)
        note = contact_time_note(need.contact_time, lang, self.i18n)
        if handoff.expected_contact_at is None:
            return Expectation(None, self.i18n.gettext(lang, N_("as soon as the lähitori is open again")), how, note)
        zone = ZoneInfo(self.tz)
        text = promise_text(hours=unit.opening_hours or {}, due=handoff.expected_contact_at.astimezone(zone),
                            now=self.now.astimezone(zone), lang=lang, i18n=self.i18n, day_only=bool(note))
        return Expectation(handoff.expected_contact_at, text, how, note)

    def record_feedback(self, *, score: int, comment: str | None, topic: str | None,
                        handoff_id: int | None = None) -> None:
        if handoff_id is not None and not self.may_rate(handoff_id):
            handoff_id = None  # a forged or repeated case rating still counts as feedback on the conversation
        self.session.add(Feedback(citizen_id=self.citizen.id, handoff_id=handoff_id, score=score, comment=comment,
                                  topic=topic, created_at=self.now))
        record(self.session, actor=f"citizen:{self.citizen.id}", action="feedback_given", citizen_id=self.citizen.id,
               handoff_id=handoff_id, details={"score": score, "comment": comment is not None}, at=self.now)
        if 1 <= score <= 5:  # the row goes with an erasure; the count stays (bot/handoff/erasure.py)
            rated = self.session.get(Handoff, handoff_id) if handoff_id is not None else None
            stats.count(self.session, metric=f"feedback_{score}", day=stats.local_day(self.now, self.tz),
                        topic=topic or "", language=self.citizen.language, channel=self.citizen.channel,
                        unit=rated.unit.code if rated is not None else "")

    def may_rate(self, handoff_id: int) -> bool:
        """A closed case of this citizen's that has no rating yet."""
        handoff = self.session.get(Handoff, handoff_id)
        return (handoff is not None and handoff.citizen_id == self.citizen.id and handoff.status == "closed"
                and self.session.scalar(select(Feedback.id).where(Feedback.handoff_id == handoff_id).limit(1)) is None)

    def open_case(self) -> Handoff | None:
        """The citizen's newest case that is still open (waiting, claimed or contacted)."""
        cases = self._open_cases()
        return cases[-1] if cases else None

    def case_holder(self, *, lang: str) -> str | None:
        """Who would read an addition to the open case: 'Sari, palveluohjaaja, Porvoon lähitori'; None without one."""
        handoff = self.open_case()
        return case_holder(handoff.coordinator, handoff.unit, lang) if handoff is not None else None

    def add_to_case(self, *, text: str) -> bool:
        """The citizen adds to the need of their open case; the coordinator is told. False when no case is open."""
        handoff = self.open_case()
        if handoff is None:
            return False
        relay.pass_on(self.session, handoff, kind="case_addition", action="case_addition", text=text, now=self.now)
        self.inbound_logged = True
        return True

    def stored_summary(self, *, lang: str, label: Labeler | None = None) -> list[str]:
        """Every kind of data held about the citizen, as lines for /mydata (bot/handoff/mydata.py)."""
        data = mydata.collect(self.session, citizen=self.citizen, now=self.now, tz=self.tz, lang=lang,
                              settings=self.settings)
        return mydata_render.lines(data, self._say(lang, label))

    def export_data(self, *, lang: str, label: Labeler | None = None) -> Document:
        """All of it with the whole transcript, as the citizen's JSON file; the audit notes only that it was made."""
        data = mydata.collect(self.session, citizen=self.citizen, now=self.now, tz=self.tz, lang=lang,
                              settings=self.settings, everything=True)
        record(self.session, actor=f"citizen:{self.citizen.id}", action="data_exported", citizen_id=self.citizen.id,
               details={"format": mydata_render.FORMAT}, at=self.now)
        return mydata_render.export(data, self._say(lang, label), now=self.now)

    def _say(self, lang: str, label: Labeler | None) -> mydata_render.Say:
        return mydata_render.Say(lang=lang, tz=self.tz, i18n=self.i18n, topic_title=self.topic_title, label=label)

    def case_view(self, *, lang: str) -> list[str]:
        """The newest handoff of this citizen as the citizen sees it; [] when there is none."""
        _ = lambda message: self.i18n.gettext(lang, message)  # noqa: E731
        handoff = self.session.scalar(select(Handoff).where(Handoff.citizen_id == self.citizen.id)
                                      .order_by(Handoff.id.desc()).limit(1))
        if handoff is None:
            return []
        need, consent, unit = handoff.need, handoff.consent, handoff.unit
        person = handoff.coordinator
        pair = self.session.get(Coordinator, consent.pair_id) if consent.pair_id else None
        who = case_holder(person, unit, lang)
        lines = [
            _("Topic: {topic}").format(topic=self.topic_title(need.topic, lang)),
            _("In your words: {description}").format(description=(need.description or "–")[:300]),
            _("You gave consent on {date} to pass this on to {who}.").format(
                date=self._date(consent.decided_at, lang), who=who),
            _("Who has your case: {who}").format(who=who),
        ]
        if pair is not None:
            lines.append(_("If {name} is away, the work pair {pair} takes over.").format(
                name=person.full_name if person else unit.name(lang), pair=pair.full_name))
        lines.append(_("Status: {status}").format(status=_(STATUS_LABELS[handoff.status])))
        if handoff.status == "new" and handoff.expected_contact_at is not None:
            promise = self._promise(handoff, lang).text
            lines.append(I18n.tidy(_("Next: you will be contacted {when}.").format(when=promise)))
        views = mydata.views_of(self.session, [handoff.id], lang=lang)[handoff.id]  # the view log, 703/2023
        return lines + mydata_render.seen_lines(views, self._say(lang, None), now=self.now)

    def _date(self, moment: datetime, lang: str) -> str:
        """'3.12.2026' in the local time zone, in either language."""
        return I18n.date_text(moment.astimezone(ZoneInfo(self.tz)).date(), lang)

    def active_consents(self) -> int:
        return self.session.query(Consent).filter(Consent.citizen_id == self.citizen.id, Consent.decision == "given",
                                                  Consent.withdrawn_at.is_(None)).count()

    def withdraw_consents(self) -> int:
        cases = self._open_cases()
        count = consent_rules.withdraw_all(self.session, citizen_id=self.citizen.id, now=self.now)
        self._tell_staff_cancelled(cases, reason="consent_withdrawn")
        return count

    def _open_cases(self) -> list[Handoff]:
        """The citizen's open cases, oldest first."""
        return list(self.session.scalars(select(Handoff).where(Handoff.citizen_id == self.citizen.id,
                                                               Handoff.status.in_(OPEN_STATUSES))
                                         .order_by(Handoff.id)))

    def _tell_staff_cancelled(self, cases: list[Handoff], *, reason: str) -> None:
        """Nothing more goes out about any of the citizen's cases, and what staff chats got of them is deleted
        (within Telegram's 48 hours); whoever had an open case is told it is gone and why; the citizen's
        conversation leaves relay mode."""
        every_case = list(self.session.scalars(select(Handoff.id).where(Handoff.citizen_id == self.citizen.id)))
        drop_unsent(self.session, every_case)
        retract_staff_messages(self.session, every_case, now=self.now)
        for handoff in cases:
            relay.to_staff(self.session, handoff, kind="case_withdrawn", dedupe_key=f"case_withdrawn:{handoff.id}",
                           now=self.now, reason=reason)
            relay.release(self.session, handoff, feedback=False)

    def delete_everything(self) -> list[int]:
        """Withdraw, tell staff and retract what their chats got, then erase (bot/handoff/erasure.py); the case
        numbers kept as bare records."""
        cases = self._open_cases()
        consent_rules.withdraw_all(self.session, citizen_id=self.citizen.id, now=self.now)
        self._tell_staff_cancelled(cases, reason="data_deleted")
        report = erase_citizen(self.session, self.citizen.id, now=self.now, keep_update=self.update)
        record(self.session, actor="citizen", action="data_deleted", at=self.now,
               details={"cases_kept": len(report.kept_cases), "cases_deleted": len(report.deleted_cases)})
        return report.kept_cases

    def set_language(self, *, lang: str) -> None:
        self.citizen.language = lang

    def _need(self, need_id: int) -> Need:
        need = self.session.get(Need, need_id)
        if need is None or need.citizen_id != self.citizen.id:
            raise LookupError(f"need {need_id} is not this citizen's")
        return need
