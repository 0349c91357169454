"""The inbox (/cases, its live table and its event stream); the case page, its transcript, export and actions are
bot/web/case_page.py's (importable from here). Every rule is a domain function of bot/handoff/; this module parses,
calls and renders."""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from bot.db.models import StaffAccount
from bot.web import inbox
from bot.web.auth import who
from bot.web.case_page import act as act  # the case page and its actions (routes of app.py)
from bot.web.case_page import case as case
from bot.web.case_page import export as export
from bot.web.case_page import transcript as transcript

logger = logging.getLogger(__name__)

POLL = 1.0  # seconds between looks at the inbox for a live browser
HEARTBEAT = 15.0


def _rows(request: Request, session: Session, account: StaffAccount) -> tuple[inbox.Inbox, list[tuple[str, str]]]:
    """The inbox page the query string asks for, and the units the account may filter by (code, name)."""
    services = request.app.state.services
    units = [(u.code, u.name(account.language)) for u in inbox.unit_choices(session, account)]
    filters = inbox.Filters.parse(dict(request.query_params), units=[code for code, _name in units])
    return inbox.visible(session, account, filters, now=services.clock(), tz=services.settings.timezone), units


async def cases(request: Request) -> Response:
    signed = await run_in_threadpool(who, request)

    def look() -> tuple[inbox.Inbox, list[tuple[str, str]]]:
        with request.app.state.services.sessions() as session:
            return _rows(request, session, session.get_one(StaffAccount, signed.account_id))

    found, units = await run_in_threadpool(look)
    fragment = request.url.path.endswith("/table")
    return request.app.state.render(request, "_table.html" if fragment else "cases.html", lang=signed.language,
                                    signed=signed, inbox=found, rows=found.rows, filters=found.filters, units=units,
                                    topics=inbox.SERVICE_TOPICS, sig=found.sig)


async def events(request: Request) -> Response:
    """Server-sent events: `inbox` with the count (every page) whenever the visible inbox changes; ends with the
    session."""
    signed = await run_in_threadpool(who, request)
    services = request.app.state.services

    def look() -> tuple[int, str] | None:
        with services.sessions() as session:
            account = session.get(StaffAccount, signed.account_id)
            if account is None or account.disabled_at is not None:
                return None
            found, _units = _rows(request, session, account)
            return found.total, found.sig

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


async def home(request: Request) -> Response:
    return RedirectResponse("/cases", status_code=303)
