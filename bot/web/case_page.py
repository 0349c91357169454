"""The case page (/cases/N), its transcript (/cases/N/transcript), its export (/cases/N/export) and its actions
(POST /cases/N/<action>). Every rule is a domain function of bot/handoff/ (staff.py, notes.py); this module parses,
calls and renders. Every opening is audited as `case_viewed` with the view it was (case, transcript or export: the
citizen sees it in /mydata), a refused opening as `staff_permission_denied`, and both answer 404 alike, so a case
number outside one's reach reveals nothing."""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.db.models import Coordinator, Handoff, StaffAccount
from bot.handoff import notes, staff
from bot.handoff.audit import record
from bot.handoff.staff_texts import refusal
from bot.i18n import I18n
from bot.web import accounts, inbox
from bot.web.auth import Who, form, who
from bot.web.texts import (
    CONTACT,
    DONE,
    ERRORS,
    EVENTS,
    NO_COORDINATOR,
    NO_OUTCOME,
    NOTICES,
    OUTCOMES,
    SENDER,
    STATUS,
)

logger = logging.getLogger(__name__)

BUTTONS = ("claim", "contacted", "pair")  # the actions that are one button; close, reassign and note have forms
FORMS = {"claim", "contacted", "close", "pair", "reassign", "note", "reply"}


def _open(session: Session, signed: Who, number: int, now: datetime, what: str) -> Handoff | None:
    """The case if the account may see it, this opening audited as the view `what`; None (a refusal audited)
    otherwise. An erased case's bare record is not a page: the view log (/views) answers for it."""
    account = session.get_one(StaffAccount, signed.account_id)
    handoff = session.get(Handoff, number)
    if handoff is None or handoff.erased_at is not None or not inbox.may_see(session, account, handoff):
        record(session, actor=accounts.actor(account), action="staff_permission_denied", at=now,
               handoff_id=handoff.id if handoff else None, details={"attempted": "read", "via": "console"})
        return None
    if account.coordinator_id is not None and account.role == "staff":
        try:
            return staff.view(session, handoff_id=number, coordinator_id=account.coordinator_id, now=now, what=what,
                              via="console")
        except staff.StaffError:  # audited by the domain
            return None
    record(session, actor=accounts.actor(account), action="case_viewed", at=now, handoff_id=handoff.id,
           citizen_id=handoff.citizen_id, details={"coordinator_id": account.coordinator_id, "via": "console",
                                                   "view": what})
    return handoff


def _not_found(request: Request, signed: Who, number: int) -> Response:
    return request.app.state.render(request, "not_found.html", lang=signed.language, signed=signed, number=number,
                                    status=404)


def _history(session: Session, handoff: Handoff) -> list[dict[str, Any]]:
    return [{**item, "at_dt": datetime.fromisoformat(item["at"])} for item in notes.history(session, handoff=handoff)]


def _page(request: Request, signed: Who, number: int, *, notice: str | None = None,
          error: str | None = None) -> Response:
    services = request.app.state.services
    now = services.clock()
    with services.sessions.begin() as session:
        handoff = _open(session, signed, number, now, "case")
        if handoff is None:
            return _not_found(request, signed, number)
        consent, me = handoff.consent, signed.coordinator_id
        named = [session.get(Coordinator, i) for i in (consent.coordinator_id, consent.pair_id) if i]
        actions = staff.actions_on(handoff) if me is not None else ()
        candidates = staff.reassign_candidates(session, handoff=handoff, now=now) if "reassign" in actions else []
        return request.app.state.render(
            request, "case.html", lang=signed.language, signed=signed, case=handoff, need=handoff.need,
            consent=consent, consent_names=[p.full_name for p in named if p is not None],
            history=_history(session, handoff), notes=notes.notes(session, handoff_id=handoff.id),
            buttons=[a for a in BUTTONS if a in actions], actions=actions, candidates=candidates,
            outcomes=OUTCOMES, can_reply=me is not None and handoff.coordinator_id == me
            and handoff.status in ("claimed", "contacted"), notice=notice, error=error, status=409 if error else 200)


async def case(request: Request) -> Response:
    signed = await run_in_threadpool(who, request)
    number = request.path_params["number"]
    done = request.query_params.get("done")
    notice = request.app.state.gettext(signed.language, DONE[done]).format(case=number) if done in DONE else None
    return await run_in_threadpool(_page, request, signed, number, notice=notice)


def _transcript(request: Request, signed: Who, number: int) -> Response:
    services = request.app.state.services
    with services.sessions.begin() as session:
        handoff = _open(session, signed, number, services.clock(), "transcript")
        if handoff is None:
            return _not_found(request, signed, number)
        return request.app.state.render(request, "transcript.html", lang=signed.language, signed=signed,
                                        case=handoff, lines=notes.transcript(session, handoff_id=handoff.id))


async def transcript(request: Request) -> Response:
    """The case's messages on a page of their own: opening it is a view of its own (`transcript`)."""
    signed = await run_in_threadpool(who, request)
    return await run_in_threadpool(_transcript, request, signed, request.path_params["number"])


def case_record(session: Session, handoff: Handoff, *, lang: str, say: Callable[[str], str],
                when: Callable[[datetime | None], str]) -> dict[str, Any]:
    """The case as the coordinator's record of it: the need, the consent, how it ended, the history, the notes and
    the transcript, in the coordinator's language (`say`) and Finland's times (`when`)."""
    need, consent = handoff.need, handoff.consent

    def line(item: notes.Line) -> dict[str, Any]:
        words = item.text if item.notice is None else say(NOTICES[item.notice]).format(person=item.person or "–")
        return {"at": when(item.at), "from": say(SENDER.get(item.sender, item.sender)), "text": words}

    return {
        "case": handoff.id, "unit": handoff.unit.name(lang),
        "status": say(STATUS.get(handoff.status, handoff.status)),
        "holder": handoff.coordinator.full_name if handoff.coordinator else None,
        "passed_on": when(handoff.created_at), "claimed": when(handoff.claimed_at),
        "contacted": when(handoff.contacted_at), "closed": when(handoff.closed_at),
        "outcome": say(OUTCOMES.get(handoff.outcome or "", NO_OUTCOME)) if handoff.status == "closed" else None,
        "outcome_note": handoff.outcome_note,
        "need": {"topic": need.topic, "description": need.description, "for_whom": need.for_whom,
                 "municipality": need.municipality, "urgency": need.urgency, "language": need.language,
                 "contact": need.contact_preference, "phone": need.phone, "contact_time": need.contact_time},
        "consent": {"text": consent.text, "sha256": consent.text_hash, "given": when(consent.decided_at),
                    "withdrawn": when(consent.withdrawn_at) if consent.withdrawn_at else None},
        "history": [{"at": when(item["at_dt"]), "event": say(EVENTS[item["action"]]).format(
            level=item["level"] or "–", by=item["by"] or "–", to=item["to"] or "–")}
            for item in _history(session, handoff) if item["action"] in EVENTS],
        "notes": [{"at": when(note.at), "by": note.author, "text": note.text}
                  for note in notes.notes(session, handoff_id=handoff.id)],
        "transcript": [line(item) for item in notes.transcript(session, handoff_id=handoff.id)],
    }


def _export(request: Request, signed: Who, number: int) -> Response:
    services = request.app.state.services
    lang = signed.language
    with services.sessions.begin() as session:
        handoff = _open(session, signed, number, services.clock(), "export")
        if handoff is None:
            return _not_found(request, signed, number)
        tz = ZoneInfo(services.settings.timezone)

        def when(moment: datetime | None) -> str:
            local = moment.astimezone(tz) if moment is not None else None
            return f"{I18n.date_text(local, lang)} {I18n.clock(local, lang)}" if local is not None else "–"

        data = case_record(session, handoff, lang=lang, when=when,
                           say=lambda message: request.app.state.gettext(lang, message))
    return Response(json.dumps(data, ensure_ascii=False, indent=2), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="case-{number}.json"'})


async def export(request: Request) -> Response:
    """The case as a JSON download for the coordinator's records: opening it is a view of its own (`export`)."""
    signed = await run_in_threadpool(who, request)
    return await run_in_threadpool(_export, request, signed, request.path_params["number"])


def _call(session: Session, action: str, *, number: int, me: int, data: dict[str, str], now: datetime) -> None:
    if action == "reply":
        staff.reply(session, handoff_id=number, coordinator_id=me, text=data.get("text", ""), now=now)
    elif action == "note":
        notes.add_note(session, handoff_id=number, coordinator_id=me, text=data.get("text", ""), now=now)
    elif action == "close":
        staff.close(session, handoff_id=number, coordinator_id=me, now=now, outcome=data.get("outcome", ""),
                    outcome_note=data.get("outcome_note"))
    elif action == "reassign":
        to = data.get("to", "")
        staff.reassign(session, handoff_id=number, coordinator_id=me, now=now,
                       to_coordinator_id=int(to) if to.isdigit() else 0)
    else:
        {"claim": staff.claim, "contacted": staff.mark_contacted, "pair": staff.give_to_pair}[action](
            session, handoff_id=number, coordinator_id=me, now=now)


def _act(request: Request, signed: Who, number: int, action: str, data: dict[str, str]) -> Response:
    services = request.app.state.services
    if signed.coordinator_id is None:
        return _page(request, signed, number, error=request.app.state.gettext(signed.language, NO_COORDINATOR))
    with services.sessions.begin() as session:  # a refusal is audited in this transaction and committed with it
        try:
            _call(session, action, number=number, me=signed.coordinator_id, data=data, now=services.clock())
        except (staff.CaseNotFound, staff.PermissionDenied):
            refused = "hidden"
        except staff.StaffError as error:
            refused = refusal(error, case=number, handoff=session.get(Handoff, number), texts=ERRORS, contact=CONTACT,
                              say=lambda message: request.app.state.gettext(signed.language, message))
        else:
            refused = ""
    if refused == "hidden":
        return _not_found(request, signed, number)
    if refused:
        return _page(request, signed, number, error=refused)
    return RedirectResponse(f"/cases/{number}?done={action}", status_code=303)


async def act(request: Request) -> Response:
    signed = await run_in_threadpool(who, request)
    data = await form(request, signed)
    action = request.path_params["action"]
    if action not in FORMS:
        return Response(status_code=404)
    return await run_in_threadpool(_act, request, signed, request.path_params["number"], action, data)
