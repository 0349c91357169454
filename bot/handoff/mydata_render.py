"""The citizen's data (bot/handoff/mydata.py) said for them: lines for the /mydata answer and the JSON file of the
export, both from the one collected structure, in the citizen's language (Babel fi_FI / sv_FI)."""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.dialogue.models import Document
from bot.dialogue.ports import Labeler
from bot.dialogue.validators import format_phone
from bot.handoff.mydata import NEED_FIELDS, CaseData, MyData, Retention, ViewData
from bot.handoff.staff_texts import OUTCOMES
from bot.i18n import N_, I18n

FORMAT = "lahitori-my-data/1"
FILE_NAMES = {"fi": "lahitori-omat-tiedot-{day}.json", "sv": "lahitori-mina-uppgifter-{day}.json"}
LABELLED = ("for_whom", "municipality", "urgency", "contact_preference")  # stored as codes, shown by the flows' labels

NEED_STATUS = {"confirmed": N_("recorded, not passed on"), "handed_off": N_("passed on with your consent"),
               "withdrawn": N_("consent withdrawn"), "deleted": N_("deleted")}
CASE_STATUS = {"new": N_("waiting for a coordinator"), "claimed": N_("a coordinator is handling it"),
               "contacted": N_("the coordinator has contacted you"), "closed": N_("closed"),
               "cancelled": N_("cancelled")}
TIMES = {"passed_on": N_("passed on {when}"), "claimed": N_("taken on {when}"),
         "contacted": N_("contact recorded {when}"), "closed": N_("closed {when}"), "cancelled": N_("cancelled {when}")}
FIELDS = {"topic": N_("Topic"), "description": N_("Your situation"), "for_whom": N_("For whom"),
          "municipality": N_("Municipality"), "urgency": N_("Urgency"),
          "contact_preference": N_("How to contact you"), "phone": N_("Phone"),
          "contact_time": N_("Best time to reach you")}
EXPORT_BUTTON = N_("Send all as a file")
# The view log as the citizen reads it (bot/handoff/viewlog.py): who, and what they opened when not the case itself.
ADMIN = N_("the lähitori's administrator {name}")
GONE = N_("a coordinator no longer working here")
GONE_SUBJECT = N_("a coordinator who no longer works here,")  # as SEEN's subject, a comma where needed
OPENED = {"transcript": N_("opened your conversation history"), "export": N_("took a copy of your case")}
SEEN = {"case": N_("{who} viewed your case {when}"), "transcript": N_("{who} opened your conversation history {when}"),
        "export": N_("{who} took a copy of your case {when}")}
SEEN_AT_MOST = 10  # /mycase names the latest views; /mydata and the export list them all
BULLETS = ("• ", "   – ", "      · ")  # a kind of data, its fields, the entries of a list in a field


@dataclass(frozen=True)
class Say:
    """How values are said in the citizen's language: Babel fi_FI / sv_FI, the flows' topic titles and labels."""

    lang: str
    tz: str
    i18n: I18n
    topic_title: Callable[[str, str], str]
    label: Labeler | None = None

    def _(self, message: str) -> str:
        return self.i18n.gettext(self.lang, message)

    def when(self, moment: datetime) -> str:
        """'3.12.2026 klo 14.05' / '3.12.2026 kl. 14.05'."""
        local = moment.astimezone(ZoneInfo(self.tz))
        return f"{I18n.date_text(local.date(), self.lang)} {I18n.clock(local, self.lang)}"

    def value(self, slot: str, value: Any) -> str:
        if value in (None, ""):
            return "–"
        if slot == "topic":
            return self.topic_title(str(value), self.lang)
        if slot == "phone":
            return format_phone(str(value))
        return (self.label(slot, value) if self.label else None) or str(value)

    def short_when(self, moment: datetime, *, now: datetime) -> str:
        """'3.12. klo 14.05' / '3.12 kl. 14.05' this year; with the year otherwise."""
        zone = ZoneInfo(self.tz)
        local = moment.astimezone(zone)
        this_year = local.year == now.astimezone(zone).year
        day = I18n.date_text(local.date(), self.lang, year=not this_year)
        return f"{day.rstrip('.') if self.lang == 'sv' and this_year else day} {I18n.clock(local, self.lang)}"

    def iso(self, moment: datetime | None) -> str | None:
        return moment.astimezone(ZoneInfo(self.tz)).isoformat(timespec="seconds") if moment else None


def lines(data: MyData, say: Say) -> list[str]:
    """The chat's answer to /mydata: every kind of data, the citizen's words whole (a long answer is sent in
    several messages); the transcript itself only as its length (it is in the export)."""
    _, when = say._, say.when
    out: list[tuple[int, str]] = [
        (0, _("Language: {language}").format(language="suomi" if data.language == "fi" else "svenska")),
        (0, _("Identifier: {channel} {id} (no name or other profile details)").format(
            channel=data.channel.capitalize(), id=data.channel_id))]
    for need in data.needs:
        out.append((0, _("Need recorded {when}: {topic}").format(when=when(need.recorded_at),
                                                                 topic=say.value("topic", need.topic))))
        out += [(1, f"{_(FIELDS[f])}: {say.value(f, need.values[f])}") for f in NEED_FIELDS]
        out.append((1, _("Status: {status}").format(status=_(NEED_STATUS.get(need.status, need.status)))))
        for consent in (c for c in data.consents if c.need_id == need.id):
            out.append((1, _("Consent {when}: {state}. The text you answered: “{text}”").format(
                when=when(consent.decided_at), state=_("given") if consent.decision == "given" else _("declined"),
                text=consent.text)))
            if consent.withdrawn_at is not None:
                out.append((1, _("You withdrew this consent {when}.").format(when=when(consent.withdrawn_at))))
        out += [line for case in data.cases if case.need_id == need.id for line in case_lines(case, say)]
    out += [line for case in data.cases if case.need_id is None for line in case_lines(case, say)]
    for given in data.feedback:
        text = (_("Feedback {when}: {score}/5, your comment: “{comment}”") if given.comment
                else _("Feedback {when}: {score}/5"))
        out.append((0, text.format(when=when(given.at), score=given.score, comment=given.comment)))
    if data.crisis_help:
        days = ", ".join(I18n.date_text(at.astimezone(ZoneInfo(say.tz)).date(), say.lang) for at in data.crisis_help)
        text = (_("Crisis help given once: {dates}") if len(data.crisis_help) == 1
                else _("Crisis help given {count} times: {dates}"))
        out.append((0, text.format(count=len(data.crisis_help), dates=days)))
    remembered = [f"{_(FIELDS[k])}: {say.value(k, v)}" for k, v in data.answers.items() if k in FIELDS]
    if remembered:  # the classifier's confidence and other technical values are in the export
        out.append((0, _("What this conversation remembers now: {answers}").format(answers="; ".join(remembered))))
    out += [(0, _("Messages in this conversation: {count}").format(count=data.message_count)),
            (0, retention_line(data.retention, say)),
            (0, _("The whole conversation and all of this are in the file you get with “{button}”.").format(
                button=_(EXPORT_BUTTON)))]
    return [BULLETS[min(depth, 2)] + text for depth, text in out]


def case_lines(case: CaseData, say: Say) -> list[tuple[int, str]]:
    """A case: who has it and its state, its dates, and who has looked at it (the view log)."""
    _ = say._
    who = f"{case.holder.name}, {case.holder.title}, {case.unit}" if case.holder else case.unit
    out = [(0, _("Case #{number}: {who}, {status}").format(number=case.number, who=who,
                                                            status=_(CASE_STATUS.get(case.status, case.status))))]
    times = ", ".join(_(TIMES[k]).format(when=say.when(at)) for k, at in case.times.items() if k in TIMES and at)
    out += [(1, times[:1].upper() + times[1:])] if times else []
    if case.outcome in OUTCOMES:
        ended = _(OUTCOMES[case.outcome]) + (f": {case.outcome_note}" if case.outcome_note else "")
        out.append((1, _("How it ended: {outcome}").format(outcome=ended)))
    if case.notes:
        out.append((1, _("The coordinators' notes on your case:")))
        out += [(2, f"{note.by}, {say.when(note.at)}: {note.text}") for note in case.notes]
    if not case.views:
        return [*out, (1, _("Nobody has opened your case yet."))]
    out.append((1, _("These people have looked at your case:")))
    return out + [(2, _view_line(view, say)) for view in case.views]


def _view_line(view: ViewData, say: Say) -> str:
    """'Sari Laine, palveluohjaaja, Porvoon lähitori (demo), 3.12.2026 klo 14.05', and what was opened if not the
    case itself ('…: avasi keskusteluhistoriasi')."""
    _ = say._
    if view.by is not None:
        who = f"{view.by.name}, {view.by.title}, {view.by.unit}"
    else:
        who = _(ADMIN).format(name=view.admin) if view.admin else _(GONE)
    line = f"{who[:1].upper()}{who[1:]}, {say.when(view.at)}"
    return f"{line}: {_(OPENED[view.view])}" if view.view in OPENED else line


def seen_lines(views: tuple[ViewData, ...] | list[ViewData], say: Say, *, now: datetime) -> list[str]:
    """The views of one case for /mycase, newest last: 'Sari Laine, Porvoon lähitori, katsoi asiaasi 3.12. klo
    14.05'; a view repeated within the same minute is said once, and only the latest SEEN_AT_MOST are named."""
    _ = say._
    if not views:
        return [_("Nobody has opened your case yet.")]
    out: list[str] = []
    for view in views:
        if view.by is not None:
            who = f"{view.by.name}, {view.by.unit},"
        else:
            who = _(ADMIN).format(name=view.admin) if view.admin else _(GONE_SUBJECT)
        text = _(SEEN.get(view.view, SEEN["case"])).format(who=who, when=say.short_when(view.at, now=now))
        text = text[:1].upper() + text[1:]
        if not out or out[-1] != text:
            out.append(text)
    if len(out) <= SEEN_AT_MOST:
        return out
    earlier = len(out) - SEEN_AT_MOST
    return [_("{count} earlier views are listed in /mydata.").format(count=earlier), *out[-SEEN_AT_MOST:]]


def retention_line(retention: Retention, say: Say) -> str:
    _ = say._
    if retention.until is None:
        return _("Kept while your case is open, and {days} days after it has been closed.").format(days=retention.days)
    day = I18n.date_text(retention.until, say.lang)
    if retention.basis == "closed_case":
        return _("Kept until {date}: {days} days after your case ended.").format(date=day, days=retention.days)
    return _("Kept until {date}: {days} days after your latest message.").format(date=day, days=retention.days)


def export(data: MyData, say: Say, *, now: datetime) -> Document:
    """The JSON file of everything (README, "My data and its export", names every field)."""
    iso, _ = say.iso, say._
    document = {
        "format": FORMAT, "made_at": iso(now), "language": say.lang,
        "you": {"channel": data.channel, "channel_id": data.channel_id, "language": data.language,
                "first_contact_at": iso(data.first_contact_at)},
        "needs": [{"id": need.id, "recorded_at": iso(need.recorded_at), "topic": need.topic,
                   "topic_title": say.value("topic", need.topic), "topic_confidence": need.topic_confidence,
                   **{k: v for f, value in need.values.items() for k, v in _field(say, f, value).items()},
                   "language": need.language, "status": need.status,
                   "status_text": _(NEED_STATUS.get(need.status, need.status))} for need in data.needs],
        "consents": [{"id": c.id, "need_id": c.need_id, "decision": c.decision, "decided_at": iso(c.decided_at),
                      "withdrawn_at": iso(c.withdrawn_at), "text": c.text, "text_sha256": c.text_sha256,
                      "language": c.language, "coordinator": c.coordinator, "pair": c.pair, "unit": c.unit}
                     for c in data.consents],
        "cases": [{"number": case.number, "need_id": case.need_id, "unit": case.unit,
                   "coordinator": case.holder.name if case.holder else None,
                   "coordinator_title": case.holder.title if case.holder else None, "status": case.status,
                   "status_text": _(CASE_STATUS.get(case.status, case.status)),
                   **{f"{k}_at": iso(at) for k, at in case.times.items()},
                   "outcome": case.outcome, "outcome_text": _(OUTCOMES[case.outcome]) if case.outcome in OUTCOMES
                   else None, "outcome_note": case.outcome_note,
                   "notes": [{"at": iso(note.at), "by": note.by, "text": note.text} for note in case.notes],
                   "viewed_by": [_view(view, iso) for view in case.views]} for case in data.cases],
        "feedback": [{"given_at": iso(f.at), "score": f.score, "comment": f.comment, "case_number": f.case_number,
                      "topic": f.topic} for f in data.feedback],
        "crisis_help": {"count": len(data.crisis_help), "given_at": [iso(at) for at in data.crisis_help]},
        "conversation": {"answers": data.answers},
        "retention": {"basis": data.retention.basis, "days": data.retention.days,
                      "kept_until": data.retention.until.isoformat() if data.retention.until else None,
                      "text": retention_line(data.retention, say)},
        "history": [{"at": iso(at), "action": action, "by": by} for at, action, by in data.history],
        "transcript": {"count": data.message_count, "messages": [
            {"at": iso(m.at), "direction": m.direction, "sender": m.sender, "coordinator": m.coordinator,
             "case_number": m.case_number, "text": m.text} for m in data.transcript]},
    }
    day = now.astimezone(ZoneInfo(say.tz)).date().isoformat()
    return Document(filename=FILE_NAMES.get(say.lang, FILE_NAMES["fi"]).format(day=day),
                    media_type="application/json",
                    data=json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8"))


def _field(say: Say, name: str, value: Any) -> dict[str, Any]:
    """A need's field as stored, and its label where the flows give one ("close_one" and "Läheistäni")."""
    if name in LABELLED:
        return {name: value, f"{name}_text": say.value(name, value) if value else None}
    return {name: value}


def _view(view: ViewData, iso: Callable[[datetime | None], str | None]) -> dict[str, Any]:
    person = view.by
    return {"at": iso(view.at), "coordinator": person.name if person else None,
            "title": person.title if person else None, "unit": person.unit if person else None,
            "administrator": view.admin, "view": view.view}
