"""The flows in the console (admins): the draft's files in an editor checked as you type, every text side by side in
Finnish and Swedish, publishing, the versions with their diffs and rollback. The rules are bot/flowspec's; this
module parses, calls and renders. Every save, publish and rollback is audited."""
from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.db.models import FlowDraft, StaffAccount
from bot.flowspec import drafts, versions
from bot.flowspec.registry import FlowsInvalid
from bot.handoff.audit import record
from bot.i18n import N_
from bot.web import accounts, admin
from bot.web.auth import Who, form

logger = logging.getLogger(__name__)

DONE = {
    "saved": N_("The draft of {file} is saved."),
    "published": N_("Published as flow version {version}. The bot takes it into use within a few seconds; "
                    "conversations already on their way finish on the version they began with."),
    "discarded": N_("The draft is discarded."),
    "rolled_back": N_("Version {source} is published again as version {version}."),
}
REFUSED = {
    "problems": N_("Not published: the draft has {count} problem(s). Fix them first."),
    "unchanged": N_("Nothing to publish: the draft is the same as the newest version."),
    "note": N_("Write a short note on what changed (at most 500 characters)."),
}


def _draft(session: Session, request: Request, signed: Who) -> FlowDraft:
    services = request.app.state.services
    return drafts.current(session, account_id=signed.account_id, flows_dir=services.settings.flows_dir,
                          now=services.clock())


def _actor(session: Session, signed: Who) -> str:
    return accounts.actor(session.get_one(StaffAccount, signed.account_id))


def _overview(request: Request, signed: Who) -> Response:
    services = request.app.state.services
    _ = lambda message: services.i18n.gettext(signed.language, message)  # noqa: E731
    with services.sessions.begin() as session:
        draft = _draft(session, request, signed)
        base = drafts.base_files(session, draft, services.settings.flows_dir)
        found = drafts.problems(dict(draft.files))
        history = versions.history(session)[:30]
        newest = history[0].id if history else None
        done, refused = request.query_params.get("done"), request.query_params.get("refused")
        notice = _(DONE[done]).format(file=request.query_params.get("file", ""),
                                      version=request.query_params.get("version", ""),
                                      source=request.query_params.get("source", "")) if done in DONE else None
        error = _(REFUSED[refused]).format(count=len(found)) if refused in REFUSED else None
        return request.app.state.render(
            request, "flows.html", lang=signed.language, signed=signed, files=sorted(draft.files),
            changed=drafts.changed(draft, base), problems=found, draft=draft, history=history, newest=newest,
            when_published=lambda v: versions.when(v, services.settings.timezone), notice=notice, error=error,
            status=409 if error else 200)


async def overview(request: Request) -> Response:
    signed = await run_in_threadpool(admin.require, request)
    return await run_in_threadpool(_overview, request, signed)


def _editor(request: Request, signed: Who, name: str, body: str | None = None, status: int = 200) -> Response:
    services = request.app.state.services
    with services.sessions.begin() as session:
        draft = _draft(session, request, signed)
        files = dict(draft.files)
        if name not in files and body is None:
            return admin.refused(request, signed)
        text = body if body is not None else files[name]
        found = drafts.problems(drafts.with_file(files, name, text))
        return request.app.state.render(
            request, "flow_edit.html", lang=signed.language, signed=signed, file=name, body=text,
            problems=[p for p in found if p.file == name], others=[p for p in found if p.file != name],
            status=status)


async def edit(request: Request) -> Response:
    signed = await run_in_threadpool(admin.require, request)
    try:
        name = drafts.check_name(request.path_params["name"])
    except drafts.DraftError:
        return admin.refused(request, signed)
    if request.method == "GET":
        return await run_in_threadpool(_editor, request, signed, name)
    data = await form(request, signed)
    return await run_in_threadpool(_save, request, signed, name, data.get("body", ""))


def _save(request: Request, signed: Who, name: str, body: str) -> Response:
    services = request.app.state.services
    try:
        with services.sessions.begin() as session:
            draft = _draft(session, request, signed)
            drafts.save(session, draft, name=name, body=body, now=services.clock())
            record(session, actor=_actor(session, signed), action="flows_draft_saved", at=services.clock(),
                   details={"file": name})
    except drafts.DraftError:
        return _editor(request, signed, name, body=body[: drafts.MAX_FILE], status=413)
    return RedirectResponse(f"/flows?done=saved&file={name}", status_code=303)


async def check(request: Request) -> Response:
    """The editor's live check: the draft with this file as typed; problems as JSON (file, line, message)."""
    signed = await run_in_threadpool(admin.require, request)
    try:
        name = drafts.check_name(request.path_params["name"])
    except drafts.DraftError:
        return JSONResponse({"error": "not found"}, status_code=404)
    data = await form(request, signed)

    def run() -> list[dict[str, Any]]:
        with request.app.state.services.sessions.begin() as session:
            files = drafts.with_file(dict(_draft(session, request, signed).files), name, data.get("body", ""))
        return [{"file": p.file, "line": p.line, "message": p.message} for p in drafts.problems(files)]

    try:
        found = await run_in_threadpool(run)
    except drafts.DraftError as error:
        return JSONResponse({"problems": [{"file": name, "line": 1, "message": str(error)}]})
    return JSONResponse({"problems": found})


async def publish(request: Request) -> Response:
    signed = await run_in_threadpool(admin.require, request)
    data = await form(request, signed)
    return await run_in_threadpool(_publish, request, signed, (data.get("note") or "").strip(),
                                   data.get("action", "publish"))


def _publish(request: Request, signed: Who, note: str, action: str) -> Response:
    services = request.app.state.services
    with services.sessions.begin() as session:
        draft = _draft(session, request, signed)
        if action == "discard":
            drafts.discard(session, draft)
            record(session, actor=_actor(session, signed), action="flows_draft_discarded", at=services.clock())
            return RedirectResponse("/flows?done=discarded", status_code=303)
        if not note or len(note) > versions.NOTE_MAX:
            return RedirectResponse("/flows?refused=note", status_code=303)
        newest = versions.latest(session)
        if newest is not None and newest.content_hash == versions.content_hash(dict(draft.files)):
            return RedirectResponse("/flows?refused=unchanged", status_code=303)
        try:
            version = drafts.publish(session, draft, by=f"admin:{signed.username}", note=note)
        except FlowsInvalid:
            return RedirectResponse("/flows?refused=problems", status_code=303)
        record(session, actor=_actor(session, signed), action="flows_published", at=services.clock(),
               details={"version": version.id, "base": draft.base_version})
        number = version.id
    return RedirectResponse(f"/flows?done=published&version={number}", status_code=303)


def _version(request: Request, signed: Who, number: int) -> Response:
    services = request.app.state.services
    with services.sessions() as session:
        version, newest = versions.get(session, number), versions.latest(session)
        if version is None or newest is None:
            return admin.refused(request, signed)
        return request.app.state.render(
            request, "flow_version.html", lang=signed.language, signed=signed, version=version, newest=newest,
            diff=versions.diff(newest, version), when_published=versions.when(version, services.settings.timezone))


async def version(request: Request) -> Response:
    signed = await run_in_threadpool(admin.require, request)
    return await run_in_threadpool(_version, request, signed, request.path_params["number"])


async def rollback(request: Request) -> Response:
    signed = await run_in_threadpool(admin.require, request)
    data = await form(request, signed)
    number = request.path_params["number"]

    def run() -> Response:
        services = request.app.state.services
        with services.sessions.begin() as session:
            source = versions.get(session, number)
            if source is None:
                return admin.refused(request, signed)
            note = (data.get("note") or "").strip() or f"rollback to version {number}"
            published = versions.publish(session, dict(source.files), by=f"admin:{signed.username}",
                                         note=note[: versions.NOTE_MAX])
            record(session, actor=_actor(session, signed), action="flows_rolled_back", at=services.clock(),
                   details={"version": published.id, "source": number})
            target = published.id
        return RedirectResponse(f"/flows?done=rolled_back&version={target}&source={number}", status_code=303)

    try:
        return await run_in_threadpool(run)
    except FlowsInvalid:  # published under other rules than this release's
        return RedirectResponse("/flows?refused=problems", status_code=303)


def _texts(request: Request, signed: Who) -> Response:
    services = request.app.state.services
    with services.sessions.begin() as session:
        draft = _draft(session, request, signed)
        rows = drafts.side_by_side(dict(draft.files), drafts.base_files(session, draft, services.settings.flows_dir))
        only = request.query_params.get("only") == "flagged"
        shown = [row for row in rows if row.missing or row.one_sided] if only else rows
        return request.app.state.render(request, "flow_texts.html", lang=signed.language, signed=signed,
                                        rows=shown, total=len(rows), only=only, base=draft.base_version,
                                        flagged=sum(1 for row in rows if row.missing or row.one_sided))


async def texts(request: Request) -> Response:
    signed = await run_in_threadpool(admin.require, request)
    return await run_in_threadpool(_texts, request, signed)


routes: list[BaseRoute] = [
    Route("/flows", overview),
    Route("/flows/texts", texts),
    Route("/flows/edit/{name:str}", edit, methods=["GET", "POST"]),
    Route("/flows/check/{name:str}", check, methods=["POST"]),
    Route("/flows/publish", publish, methods=["POST"]),
    Route("/flows/versions/{number:int}", version),
    Route("/flows/versions/{number:int}/rollback", rollback, methods=["POST"]),
]
