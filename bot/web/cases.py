"""The inbox (/cases, its live table and its event stream) and the case page (/cases/N) with its actions. Every rule
is a domain function of bot/handoff/; this module parses, calls and renders. Every opening of a case is audited as
`case_viewed` (the citizen sees it in /mydata), a refused opening as `staff_permission_denied`, and both answer 404
alike, so a case number outside one's reach reveals nothing."""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from bot.db.models import Coordinator, Handoff, MessageLog, StaffAccount
from bot.handoff import staff
from bot.handoff.audit import record
from bot.web import accounts, inbox
from bot.web.auth import Who, form, who
from bot.web.texts import CONTACT, DONE, ERRORS, NO_COORDINATOR, STATUS

logger = logging.getLogger(__name__)

POLL = 1.0  # seconds between looks at the inbox for a live browser
HEARTBEAT = 15.0
ACTIONS = {"claim": staff.claim, "contacted": staff.mark_contacted, "close": staff.close, "pair": staff.give_to_pair}


def _rows(request: Request, signed: Who) -> tuple[inbox.Filters, list[inbox.Row]]:
    filters = inbox.Filters.parse(dict(request.query_params))
    with request.app.state.services.sessions() as session:
        account = session.get_one(StaffAccount, signed.account_id)
        return filters, inbox.visible(session, account, filters)


async def cases(request: Request) -> Response:
    signed = await run_in_threadpool(who, request)
    filters, rows = await run_in_threadpool(_rows, request, signed)
    fragment = request.url.path.endswith("/table")
    return request.app.state.render(request, "_table.html" if fragment else "cases.html", lang=signed.language,
                                    signed=signed, rows=rows, filters=filters, sig=inbox.signature(rows))


async def events(request: Request) -> Response:
    """Server-sent events: `inbox` with the count whenever the visible inbox changes; ends with the session."""
    signed = await run_in_threadpool(who, request)
    services = request.app.state.services

    def look() -> tuple[int, str] | None:
        with services.sessions() as session:
            account = session.get(StaffAccount, signed.account_id)
            if account is None or account.disabled_at is not None:
                return None
            rows = inbox.visible(session, account, inbox.Filters.parse(dict(request.query_params)))
            return len(rows), inbox.signature(rows)

    async def stream() -> AsyncIterator[str]:
        last, quiet = None, 0.0
        yield "retry: 2000\n\n"
        while not await request.is_disconnected():
            seen = await run_in_threadpool(look)
            if seen is None:
                return
            if seen[1] != last:
                last, quiet = seen[1], 0.0
                yield f"event: inbox\ndata: {json.dumps({'count': seen[0], 'sig': seen[1]})}\n\n"
            elif quiet >= HEARTBEAT:
                quiet = 0.0
                yield ": still here\n\n"
            await asyncio.sleep(POLL)
            quiet += POLL

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def _open(session: Session, signed: Who, number: int, now: datetime) -> Handoff | None:
    """The case if the account may see it, its opening audited; None (the refusal audited) otherwise."""
    account = session.get_one(StaffAccount, signed.account_id)
    handoff = session.get(Handoff, number)
    if handoff is None or not inbox.may_see(session, account, handoff):
        record(session, actor=accounts.actor(account), action="staff_permission_denied", at=now,
               handoff_id=handoff.id if handoff else None, details={"attempted": "read", "via": "console"})
        return None
    if account.coordinator_id is not None and inbox.may_see(session, account, handoff) and account.role == "staff":
        return staff.view(session, handoff_id=number, coordinator_id=account.coordinator_id, now=now)
    record(session, actor=accounts.actor(account), action="case_viewed", at=now, handoff_id=handoff.id,
           citizen_id=handoff.citizen_id, details={"coordinator_id": account.coordinator_id, "via": "console"})
    return handoff


def _page(request: Request, signed: Who, number: int, *, notice: str | None = None,
          error: str | None = None) -> Response:
    services = request.app.state.services
    lang = signed.language
    with services.sessions.begin() as session:
        handoff = _open(session, signed, number, services.clock())
        if handoff is None:
            return request.app.state.render(request, "not_found.html", lang=lang, signed=signed, number=number,
                                            status=404)
        consent, need = handoff.consent, handoff.need
        named = [session.get(Coordinator, i) for i in (consent.coordinator_id, consent.pair_id) if i]
        transcript = list(session.scalars(select(MessageLog).where(MessageLog.handoff_id == handoff.id)
                                          .order_by(MessageLog.created_at, MessageLog.id)))
        me = signed.coordinator_id
        actions = [a for a in ("claim", "contacted", "close", "pair") if a in _allowed(handoff, me)]
        history = [{**item, "at_dt": datetime.fromisoformat(item["at"])}
                   for item in staff.history(session, handoff=handoff)]
        return request.app.state.render(
            request, "case.html", lang=lang, signed=signed, case=handoff, need=need, consent=consent,
            consent_names=[p.full_name for p in named if p is not None], history=history,
            transcript=transcript, actions=actions, can_reply=me is not None and handoff.coordinator_id == me
            and handoff.status in ("claimed", "contacted"), notice=notice, error=error, status=409 if error else 200)


def _allowed(handoff: Handoff, me: int | None) -> tuple[str, ...]:
    from bot.web.texts import BUTTONS_BY_STATUS

    if me is None:
        return ()
    allowed = BUTTONS_BY_STATUS.get(handoff.status, ())
    return tuple(a for a in allowed if a != "pair" or handoff.coordinator_id is not None)


async def case(request: Request) -> Response:
    signed = await run_in_threadpool(who, request)
    number = request.path_params["number"]
    done = request.query_params.get("done")
    notice = request.app.state.gettext(signed.language, DONE[done]).format(case=number) if done in DONE else None
    return await run_in_threadpool(_page, request, signed, number, notice=notice)


def _refusal(request: Request, session: Session, signed: Who, number: int, error: staff.StaffError) -> str:
    _ = request.app.state.gettext
    handoff = session.get(Handoff, number)
    values = {"case": number, "status": _(signed.language, STATUS.get(handoff.status, "")) if handoff else "",
              "holder": handoff.coordinator.first_name if handoff and handoff.coordinator else "–",
              "contact": _(signed.language, CONTACT.get(handoff.need.contact_preference or "phone", CONTACT["phone"]))
              if handoff and handoff.need else ""}
    message = next((text for kind, text in ERRORS.items() if isinstance(error, kind)), None)
    return _(signed.language, message).format(**values) if message else str(error)


def _act(request: Request, signed: Who, number: int, action: str, text: str | None) -> Response:
    services = request.app.state.services
    if signed.coordinator_id is None:
        return _page(request, signed, number, error=request.app.state.gettext(signed.language, NO_COORDINATOR))
    with services.sessions.begin() as session:  # a refusal is audited in this transaction and committed with it
        try:
            if action == "reply":
                staff.reply(session, handoff_id=number, coordinator_id=signed.coordinator_id, text=text or "",
                            now=services.clock())
            else:
                ACTIONS[action](session, handoff_id=number, coordinator_id=signed.coordinator_id, now=services.clock())
        except (staff.CaseNotFound, staff.PermissionDenied):
            refused = "hidden"
        except staff.StaffError as error:
            refused = _refusal(request, session, signed, number, error)
        else:
            refused = ""
    if refused == "hidden":
        return request.app.state.render(request, "not_found.html", lang=signed.language, signed=signed,
                                        number=number, status=404)
    if refused:
        return _page(request, signed, number, error=refused)
    return RedirectResponse(f"/cases/{number}?done={action}", status_code=303)


async def act(request: Request) -> Response:
    signed = await run_in_threadpool(who, request)
    data = await form(request, signed)
    action = request.path_params["action"]
    if action not in ACTIONS and action != "reply":
        return Response(status_code=404)
    return await run_in_threadpool(_act, request, signed, request.path_params["number"], action, data.get("text"))


async def home(request: Request) -> Response:
    return RedirectResponse("/cases", status_code=303)
