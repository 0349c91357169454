"""The directory in the console (admins): units and coordinators with their absences, link codes and the units'
staff groups. The rules and the audit are bot/handoff/directory.py's (and staff_link, staff_group); this module
parses the forms, calls and renders."""
from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.db.models import Absence, Coordinator, StaffAccount, Unit
from bot.handoff import directory, routing, staff_group, staff_link
from bot.i18n import N_, WEEKDAYS
from bot.web import accounts, admin
from bot.web.auth import Who, form
from nlu.types import SERVICE_TOPICS

FIELDS = {"name_fi": N_("Name in Finnish"), "name_sv": N_("Name in Swedish"), "address": N_("Address"),
          "phone": N_("Phone"), "first_name": N_("First name"), "last_name": N_("Last name"),
          "title_fi": N_("Title in Finnish"), "title_sv": N_("Title in Swedish"), **{d: d for d in WEEKDAYS}}
DONE = {"unit": N_("The unit is saved."), "coordinator": N_("The coordinator is saved."),
        "absence": N_("The absence is saved."), "group": N_("The staff group is updated.")}


def _actor(session: Session, signed: Who) -> str:
    return accounts.actor(session.get_one(StaffAccount, signed.account_id))


def _error(request: Request, signed: Who, error: directory.DirectoryError) -> str:
    _ = lambda message: request.app.state.services.i18n.gettext(signed.language, message)  # noqa: E731
    values = {k: _(FIELDS[v]) if k == "field" and v in FIELDS else v for k, v in error.values.items()}
    return _(error.message).format(**values)


def _render(request: Request, signed: Who, name: str, *, status: int = 200, **context: Any) -> Response:
    done = request.query_params.get("done")
    notice = request.app.state.gettext(signed.language, DONE[done]) if done in DONE else None
    return request.app.state.render(request, name, lang=signed.language, signed=signed, status=status,
                                    notice=notice, weekdays=WEEKDAYS, topics=SERVICE_TOPICS,
                                    absent=routing.is_absent, **context)


def _overview(request: Request, signed: Who) -> Response:
    services = request.app.state.services
    with services.sessions() as session:
        units = list(session.scalars(select(Unit).order_by(Unit.code)))
        people = list(session.scalars(select(Coordinator).options(selectinload(Coordinator.absences))
                                      .order_by(Coordinator.unit_id, Coordinator.last_name)))
        groups = {g.unit.id: g for g in staff_group.unit_groups(session)} if units else {}
        staff_accounts = accounts.listing(session)
        return _render(request, signed, "directory.html", units=units, people=people, groups=groups,
                       accounts=staff_accounts)


def _unit_page(request: Request, signed: Who, code: str | None, *, values: dict[str, Any] | None = None,
               error: str | None = None) -> Response:
    with request.app.state.services.sessions() as session:
        unit = session.scalar(select(Unit).where(Unit.code == code)) if code else None
        if code and unit is None:
            return admin.refused(request, signed)
        return _render(request, signed, "unit_form.html", unit=unit, values=values, error=error,
                       status=422 if error else 200)


def _coordinator_page(request: Request, signed: Who, number: int | None, *, values: dict[str, Any] | None = None,
                      error: str | None = None, code: str | None = None) -> Response:
    services = request.app.state.services
    with services.sessions() as session:
        person = session.get(Coordinator, number) if number else None
        if number and person is None:
            return admin.refused(request, signed)
        units = list(session.scalars(select(Unit).order_by(Unit.code)))
        colleagues = list(session.scalars(select(Coordinator).where(Coordinator.id != (number or 0))
                                          .order_by(Coordinator.last_name)))
        absences = sorted(person.absences, key=lambda a: a.starts_at) if person else []
        return _render(request, signed, "coordinator_form.html", person=person, units=units, colleagues=colleagues,
                       absences=absences, values=values, error=error, code=code,
                       status=422 if error else 200)


async def _posted(request: Request, signed: Who) -> dict[str, Any]:
    data: dict[str, Any] = await form(request, signed)
    multi = await request.form()
    data["languages"] = multi.getlist("languages")
    data["topics"] = multi.getlist("topics")
    return data


async def overview(request: Request) -> Response:
    signed = await run_in_threadpool(admin.require, request)
    return await run_in_threadpool(_overview, request, signed)


async def unit_page(request: Request) -> Response:
    signed = await run_in_threadpool(admin.require, request)
    code = request.path_params.get("code")
    if request.method == "GET":
        return await run_in_threadpool(_unit_page, request, signed, code)
    data = await _posted(request, signed)

    def save() -> Response:
        services = request.app.state.services
        try:
            with services.sessions.begin() as session:
                unit = session.scalar(select(Unit).where(Unit.code == code)) if code else None
                if code and unit is None:
                    return admin.refused(request, signed)
                directory.save_unit(session, unit, data, actor=_actor(session, signed), now=services.clock())
        except directory.DirectoryError as error:
            return _unit_page(request, signed, code, values=data, error=_error(request, signed, error))
        return RedirectResponse("/directory?done=unit", status_code=303)

    return await run_in_threadpool(save)


async def coordinator_page(request: Request) -> Response:
    signed = await run_in_threadpool(admin.require, request)
    number = request.path_params.get("number")
    if request.method == "GET":
        return await run_in_threadpool(_coordinator_page, request, signed, number)
    data = await _posted(request, signed)

    def save() -> Response:
        services = request.app.state.services
        try:
            with services.sessions.begin() as session:
                person = session.get(Coordinator, number) if number else None
                if number and person is None:
                    return admin.refused(request, signed)
                directory.save_coordinator(session, person, data, actor=_actor(session, signed), now=services.clock())
        except directory.DirectoryError as error:
            return _coordinator_page(request, signed, number, values=data, error=_error(request, signed, error))
        return RedirectResponse("/directory?done=coordinator", status_code=303)

    return await run_in_threadpool(save)


def _moment(text: str, tz: ZoneInfo, *, end: bool = False) -> datetime | None:
    """A date (YYYY-MM-DD) from a date field as the start (or the end) of that local day."""
    if not text.strip():
        return None
    day = datetime.strptime(text.strip(), "%Y-%m-%d").date()
    return datetime.combine(day, time(23, 59) if end else time(0, 0), tzinfo=tz)


async def absence(request: Request) -> Response:
    signed = await run_in_threadpool(admin.require, request)
    number = request.path_params["number"]
    data = await form(request, signed)

    def save() -> Response:
        services = request.app.state.services
        tz = ZoneInfo(services.settings.timezone)
        try:
            with services.sessions.begin() as session:
                person = session.get(Coordinator, number)
                if person is None:
                    return admin.refused(request, signed)
                if data.get("end_absence", "").isdigit():
                    found = session.get(Absence, int(data["end_absence"]))
                    if found is None or found.coordinator_id != person.id:
                        return admin.refused(request, signed)
                    directory.end_absence(session, found, actor=_actor(session, signed), now=services.clock())
                else:
                    try:
                        starts, ends = _moment(data.get("starts", ""), tz), _moment(data.get("ends", ""), tz, end=True)
                    except ValueError:
                        raise directory.DirectoryError(N_("Write dates like 2026-12-24.")) from None
                    directory.add_absence(session, person, starts_at=starts or services.clock(), ends_at=ends,
                                          actor=_actor(session, signed), now=services.clock())
        except directory.DirectoryError as error:
            return _coordinator_page(request, signed, number, error=_error(request, signed, error))
        return RedirectResponse(f"/directory/coordinators/{number}?done=absence", status_code=303)

    return await run_in_threadpool(save)


async def link_code(request: Request) -> Response:
    signed = await run_in_threadpool(admin.require, request)
    number = request.path_params["number"]
    await form(request, signed)

    def make() -> Response:
        services = request.app.state.services
        with services.sessions.begin() as session:
            if session.get(Coordinator, number) is None:
                return admin.refused(request, signed)
            try:
                code = staff_link.create_link_code(session, coordinator_id=number, now=services.clock(),
                                                   created_by=_actor(session, signed))
            except staff_link.CoordinatorInactive:
                code = None
        if code is None:
            return _coordinator_page(request, signed, number, error=request.app.state.gettext(
                signed.language, N_("An inactive coordinator gets no link code: mark them active first.")))
        return _coordinator_page(request, signed, number, code=staff_link.shown(code))

    return await run_in_threadpool(make)


async def group(request: Request) -> Response:
    signed = await run_in_threadpool(admin.require, request)
    code = request.path_params["code"]
    data = await form(request, signed)

    def change() -> Response:
        services = request.app.state.services
        with services.sessions.begin() as session:
            unit = session.scalar(select(Unit).where(Unit.code == code))
            if unit is None:
                return admin.refused(request, signed)
            actor = _actor(session, signed)
            if data.get("decision") == "approve" and unit.staff_chat_pending:
                staff_group.approve_unit_group(session, unit_id=unit.id, now=services.clock(), actor=actor)
            elif data.get("decision") == "revoke":
                staff_group.revoke_unit_group(session, unit_id=unit.id, now=services.clock(), actor=actor)
        return RedirectResponse("/directory?done=group", status_code=303)

    return await run_in_threadpool(change)


routes: list[BaseRoute] = [
    Route("/directory", overview),
    Route("/directory/units/new", unit_page, methods=["GET", "POST"]),
    Route("/directory/units/{code:str}", unit_page, methods=["GET", "POST"]),
    Route("/directory/units/{code:str}/group", group, methods=["POST"]),
    Route("/directory/coordinators/new", coordinator_page, methods=["GET", "POST"]),
    Route("/directory/coordinators/{number:int}", coordinator_page, methods=["GET", "POST"]),
    Route("/directory/coordinators/{number:int}/absence", absence, methods=["POST"]),
    Route("/directory/coordinators/{number:int}/link-code", link_code, methods=["POST"]),
]
