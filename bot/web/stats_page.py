"""The lähitori's statistics for administrators: /stats (a date range, every table of bot/handoff/stats_report.py
with an SVG chart and a CSV link, and the feedback comments), /stats.csv?table=... and /stats/chart/KEY.svg, each of
those two reading only its own table. A staff account gets the 404 of an unknown page, and its attempt is audited as
`staff_permission_denied`. The comments are what citizens wrote: an admin's page that shows them is audited as
`feedback_comments_viewed` with the date range (and nothing of what was read)."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.db.models import StaffAccount
from bot.handoff import stats, stats_report, stats_text
from bot.handoff.audit import record
from bot.i18n import N_, I18n
from bot.web import accounts
from bot.web.auth import Who, who

logger = logging.getLogger(__name__)

DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366
GROUPS = {"day": N_("by day"), "week": N_("by week"), "month": N_("by month")}
ERRORS = {"date": N_("Write the dates as 3.12.2026 (or 2026-12-03)."),
          "range": N_("The start date is after the end date."),
          "long": N_("Choose at most three years at a time.")}
_DAY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


@dataclass(frozen=True, slots=True)
class Asked:
    since: date
    until: date
    group: str

    def params(self, **extra: str) -> str:
        return urlencode({"from": self.since.isoformat(), "to": self.until.isoformat(), "group": self.group, **extra})


def _day(text: str) -> date:
    match = _DAY.match(text.strip())
    return date(int(match[3]), int(match[2]), int(match[1])) if match else date.fromisoformat(text.strip())


def parse(params: dict[str, str], today: date) -> tuple[Asked, str | None]:
    """The range asked for (default: the last 30 days up to today), or the default and an error key."""
    default = Asked(today - timedelta(days=DEFAULT_DAYS - 1), today, "day")
    group = params.get("group") or "day"
    group = group if group in GROUPS else "day"
    try:
        since = _day(params["from"]) if params.get("from") else default.since
        until = _day(params["to"]) if params.get("to") else default.until
    except ValueError:
        return default, "date"
    if until < since:
        return default, "range"
    if (until - since).days >= MAX_DAYS:
        return default, "long"
    return Asked(since, until, group), None


def _admin(session: Session, signed: Who, attempted: str, now: Any) -> StaffAccount | None:
    """The account if it is an administrator; a refusal is audited in the caller's transaction."""
    account = session.get_one(StaffAccount, signed.account_id)
    if account.role == "admin":
        return account
    record(session, actor=accounts.actor(account), action="staff_permission_denied", at=now,
           details={"attempted": attempted, "via": "console"})
    logger.warning("account %d may not read the statistics", account.id)
    return None


def _load(request: Request, signed: Who, *, attempted: str, comments: bool = False,
          tables: list[str] | None = None) -> tuple[str, Asked, stats_report.Report | None, str | None]:
    """("hidden"|"ok", what was asked, the report (every table, or `tables`) or None, an error key or None)."""
    services = request.app.state.services
    now, tz = services.clock(), services.settings.timezone
    asked, error = parse(dict(request.query_params), stats.local_day(now, tz))
    with services.sessions.begin() as session:  # a refusal's audit row commits with the 404
        account = _admin(session, signed, attempted, now)
        if account is None:
            return "hidden", asked, None, None
        report = stats_report.report(session, asked.since, asked.until, asked.group, tz=tz, with_comments=comments,
                                     tables=tables)
        if report.comments:
            record(session, actor=accounts.actor(account), action="feedback_comments_viewed", at=now,
                   details={"from": report.since.isoformat(), "to": report.until.isoformat()})
    return "ok", asked, report, error


def _say(request: Request, signed: Who, report: stats_report.Report) -> stats_text.Say:
    services = request.app.state.services
    return stats_text.Say(lang=signed.language, i18n=services.i18n, flows=services.flows, units=report.units)


def _hidden(request: Request, signed: Who) -> Response:
    return request.app.state.render(request, "page_not_found.html", lang=signed.language, signed=signed, status=404)


async def page(request: Request) -> Response:
    signed = await run_in_threadpool(who, request)
    outcome, asked, report, error = await run_in_threadpool(_load, request, signed, attempted="stats", comments=True)
    if outcome == "hidden" or report is None:
        return _hidden(request, signed)
    say = _say(request, signed, report)
    tables = [{"key": table.key, "title": say._(table.title), "header": stats_text.header(table, say),
               "lines": stats_text.lines(table, say), "notes": [say._(note) for note in table.notes],
               "chart": bool(table.chart), "query": asked.params(table=table.key)} for table in report.tables]
    lang = signed.language
    comments = [{"day": I18n.date_text(comment.day, lang), "score": comment.score, "text": comment.text,
                 "topic": say.label(report.table("topics"), comment.topic) if comment.topic else "–",
                 "unit": say.label(report.table("feedback_units"), comment.unit)} for comment in report.comments]
    return request.app.state.render(
        request, "stats.html", lang=signed.language, signed=signed, tables=tables, comments=comments,
        asked=asked, groups=GROUPS, error=ERRORS[error] if error else None, query_all=asked.params(),
        period=(I18n.date_text(asked.since, lang), I18n.date_text(asked.until, lang)),
        status=400 if error else 200)


async def csv_file(request: Request) -> Response:
    signed = await run_in_threadpool(who, request)
    key = request.query_params.get("table", "")
    outcome, asked, report, error = await run_in_threadpool(_load, request, signed, attempted="stats_csv",
                                                            tables=[key])
    if outcome == "hidden" or report is None:
        return _hidden(request, signed)
    _ = lambda message: request.app.state.gettext(signed.language, message)  # noqa: E731
    if error:
        return Response(_(ERRORS[error]), status_code=400, media_type="text/plain; charset=utf-8")
    if key not in {table.key for table in report.tables}:
        return Response(_(N_("There is no such table.")), status_code=404, media_type="text/plain; charset=utf-8")
    name = f"lahitori-{key}-{asked.since.isoformat()}-{asked.until.isoformat()}.csv"
    text = stats_text.to_csv(report.table(key), _say(request, signed, report))
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


async def chart(request: Request) -> Response:
    from bot.web.stats_chart import svg  # matplotlib is loaded when a chart is first asked for

    signed = await run_in_threadpool(who, request)
    key = request.path_params["key"]
    outcome, _asked, report, error = await run_in_threadpool(_load, request, signed, attempted="stats_chart",
                                                             tables=[key])
    if outcome == "hidden" or report is None:
        return _hidden(request, signed)
    if error or key not in {table.key for table in report.tables if table.chart}:
        return Response(status_code=404)
    drawing = await run_in_threadpool(svg, report.table(key), _say(request, signed, report))
    return Response(drawing, media_type="image/svg+xml")


routes: list[BaseRoute] = [
    Route("/stats", page),
    Route("/stats.csv", csv_file),
    Route("/stats/chart/{key:str}.svg", chart),
]
