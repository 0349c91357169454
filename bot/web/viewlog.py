"""The view log for administrators (the client-data act 703/2023): /views lists who opened which case, its transcript
or its export, and who was refused, per case, per person or per date range; /views.csv gives the same rows as a
file. Reading it is audited as `view_log_viewed` (who and what query, nothing of a client). A staff account gets the
404 of an unknown page, and its attempt is audited as `staff_permission_denied`."""
from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.db.models import Coordinator, StaffAccount
from bot.handoff import viewlog as log
from bot.handoff.audit import record
from bot.i18n import N_, I18n
from bot.web import accounts
from bot.web.auth import Who, who
from bot.web.texts import ACTIONS

logger = logging.getLogger(__name__)

WHAT = {"case": N_("the case"), "transcript": N_("the conversation history"), "export": N_("a copy of the case"),
        "view_log": N_("the view log"), "reply": N_("a reply to the citizen"), **ACTIONS}
VIA = {"console": N_("staff console"), "telegram": "Telegram"}
RESULT = {False: N_("opened"), True: N_("refused")}
ADMIN = N_("{name} (administrator)")
GONE = N_("no longer in the register")
COLUMNS = (N_("Opened at"), N_("Opened by"), N_("Viewer's unit"), N_("Case"), N_("What was opened"),
           N_("Opened via"), N_("Outcome of the opening"))
ERRORS = {"case": N_("The case number is a whole number, such as 42."),
          "person": N_("Choose the person from the list."),
          "date": N_("Write the date as 3.12.2026."),
          "range": N_("The start date is after the end date.")}
_PERSON = re.compile(r"^(coordinator|account):\d{1,9}$")
_DAY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


@dataclass(frozen=True, slots=True)
class Query:
    """What the administrator asked for: a case, a person (an audit actor), a date range (local days, inclusive)."""

    case: int | None = None
    person: str | None = None
    since: date | None = None
    until: date | None = None
    page: int = 1

    @property
    def empty(self) -> bool:
        return self.case is None and self.person is None and self.since is None and self.until is None

    def params(self, **change: Any) -> str:
        values = {"case": self.case, "person": self.person, "since": self.since, "until": self.until,
                  "page": self.page, **change}
        return urlencode({k: str(v) for k, v in values.items() if v is not None and not (k == "page" and v == 1)})

    def audit(self) -> dict[str, Any]:
        return {"case": self.case, "person": self.person, "since": self.since.isoformat() if self.since else None,
                "until": self.until.isoformat() if self.until else None, "page": self.page}


def _day(text: str) -> date:
    text = text.strip()
    match = _DAY.match(text)
    return date(int(match[3]), int(match[2]), int(match[1])) if match else date.fromisoformat(text)


def parse(params: dict[str, str], people: dict[str, str]) -> tuple[Query, str | None]:
    """The query of the form, or the key of ERRORS saying what is wrong with it."""
    raw = {key: (params.get(key) or "").strip() for key in ("case", "person", "since", "until", "page")}
    case = raw["case"].lstrip("#")
    if case and (not case.isdigit() or len(case) > 9):
        return Query(), "case"
    if raw["person"] and (not _PERSON.match(raw["person"]) or raw["person"] not in people):
        return Query(), "person"
    try:
        since, until = (_day(raw[key]) if raw[key] else None for key in ("since", "until"))
    except ValueError:
        return Query(), "date"
    if since and until and since > until:
        return Query(), "range"
    page = int(raw["page"]) if raw["page"].isdigit() and 0 < len(raw["page"]) < 7 else 1
    return Query(int(case) if case else None, raw["person"] or None, since, until, max(page, 1)), None


def people(session: Session, lang: str) -> dict[str, str]:
    """The persons to choose from, actor → label: every coordinator, and administrators' accounts without one."""
    choices = {f"coordinator:{c.id}": f"{c.full_name}, {c.unit.name(lang)}" for c in
               session.scalars(select(Coordinator).order_by(Coordinator.last_name, Coordinator.first_name))}
    for account in session.scalars(select(StaffAccount).where(StaffAccount.coordinator_id.is_(None))
                                   .order_by(StaffAccount.username)):
        choices[f"account:{account.id}"] = account.display_name or account.username
    return choices


def _search(session: Session, query: Query, *, lang: str, tz: ZoneInfo, everything: bool) -> log.Page:
    start = datetime.combine(query.since, time(), tz) if query.since else None
    end = datetime.combine(query.until + timedelta(days=1), time(), tz) if query.until else None
    page = None if everything else query.page
    if query.case is not None:
        return log.views_of_case(session, handoff_id=query.case, actor=query.person, lang=lang, since=start,
                                 until=end, page=page)
    if query.person is not None:
        return log.views_by(session, who=query.person, lang=lang, since=start, until=end, page=page)
    return log.views_between(session, since=start, until=end, lang=lang, page=page)


def _look(request: Request, signed: Who, everything: bool) -> tuple[str, Any]:
    """("hidden", None) for a staff account; else ("error"|"ok", context) for the page or the file."""
    services = request.app.state.services
    lang, now = signed.language, services.clock()
    with services.sessions.begin() as session:  # the audit row commits with the answer, refused or not
        account = session.get_one(StaffAccount, signed.account_id)
        if account.role != "admin":
            record(session, actor=accounts.actor(account), action=log.REFUSED, at=now,
                   details={"attempted": "view_log", "via": "console"})
            logger.warning("account %d may not read the view log", account.id)
            return "hidden", None
        choices = people(session, lang)
        query, error = parse(dict(request.query_params), choices)
        if error is not None:
            return "error", {"asked": Query(), "error": ERRORS[error], "people": choices, "found": None}
        found = None if query.empty else _search(session, query, lang=lang, tz=ZoneInfo(services.settings.timezone),
                                                 everything=everything)
        record(session, actor=accounts.actor(account), action=log.LOG_VIEWED, at=now,
               details={**query.audit(), "format": "csv" if everything else "html", "via": "console"})
        return "ok", {"asked": query, "error": None, "people": choices, "found": found}


def _who(row: log.ViewRow, _: Any) -> str:
    person = row.viewer
    if person.kind == "coordinator":
        return person.name or ""
    if person.kind == "admin":
        return _(ADMIN).format(name=person.name)
    return _(GONE) if person.kind == "gone" else row.actor


def _cells(row: log.ViewRow, _: Any, stamp: str) -> list[str]:
    return [stamp, _who(row, _), row.viewer.unit or "–", str(row.case) if row.case is not None else "–",
            _(WHAT[row.view]) if row.view in WHAT else row.view,
            _(VIA[row.via]) if row.via in VIA else (row.via or "–"), _(RESULT[row.refused])]


async def views(request: Request) -> Response:
    signed = await run_in_threadpool(who, request)
    outcome, context = await run_in_threadpool(_look, request, signed, False)
    render, lang = request.app.state.render, signed.language
    if outcome == "hidden":
        return render(request, "page_not_found.html", lang=lang, signed=signed, status=404)
    _ = lambda message: request.app.state.gettext(lang, message)  # noqa: E731
    found: log.Page | None = context["found"]
    query: Query = context["asked"]
    tz = ZoneInfo(request.app.state.services.settings.timezone)
    rows = [_cells(row, _, _stamp(row.at, tz, lang)) for row in found.rows] if found else []
    return render(request, "views.html", lang=lang, signed=signed, rows=rows,
                  refused=[row.refused for row in (found.rows if found else ())], columns=COLUMNS,
                  caption=_caption(query, context, _, lang), form=dict(request.query_params),
                  status=400 if context["error"] else 200, **context)


async def views_csv(request: Request) -> Response:
    signed = await run_in_threadpool(who, request)
    outcome, context = await run_in_threadpool(_look, request, signed, True)
    lang = signed.language
    if outcome == "hidden":
        return request.app.state.render(request, "page_not_found.html", lang=lang, signed=signed, status=404)
    if context["error"]:
        return Response(request.app.state.gettext(lang, context["error"]), status_code=400, media_type="text/plain")
    _ = lambda message: request.app.state.gettext(lang, message)  # noqa: E731
    tz = ZoneInfo(request.app.state.services.settings.timezone)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")  # what Excel opens in Finland
    writer.writerow([_(column) for column in COLUMNS])
    found: log.Page | None = context["found"]
    for row in found.rows if found else ():
        writer.writerow([_safe(cell) for cell in _cells(row, _, row.at.astimezone(tz).strftime("%Y-%m-%d %H:%M"))])
    day = request.app.state.services.clock().astimezone(tz).date().isoformat()
    return Response(("\ufeff" + buffer.getvalue()).encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="lahitori-views-{day}.csv"'})


def _safe(cell: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return f"'{cell}" if cell[:1] in ("=", "+", "-", "@", "\t", "\r") and cell != "–" else cell


def _stamp(moment: datetime, tz: ZoneInfo, lang: str) -> str:
    local = moment.astimezone(tz)
    return f"{I18n.date_text(local.date(), lang)} {I18n.clock(local, lang)}"


def _caption(query: Query, context: dict[str, Any], _: Any, lang: str) -> str:
    if query.case is not None:
        base = _("Views of case #{case}").format(case=query.case)
    elif query.person is not None:
        base = _("Views by {name}").format(name=context["people"].get(query.person, query.person))
    else:
        base = _("All views")
    if query.since is None and query.until is None:
        return base
    days = [I18n.date_text(day, lang) if day else "" for day in (query.since, query.until)]
    return f"{base}, {days[0]}–{days[1]}"


routes: list[BaseRoute] = [Route("/views", views), Route("/views.csv", views_csv)]
