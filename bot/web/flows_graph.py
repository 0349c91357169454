"""The graph of a flow of the admin's draft (/flows/graph/<file>): Graphviz's SVG inline, each step a link to its
line in the editor, unreachable steps and missing targets marked in words; the same as a list for screen readers."""
from __future__ import annotations

import logging
import re

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.flowspec import drafts, graph
from bot.i18n import N_
from bot.web import admin
from bot.web.auth import Who
from bot.web.flows_page import _draft

logger = logging.getLogger(__name__)

MARKS = {"unreachable": N_("unreachable"), "missing": N_("missing step"), "start": N_("start")}
PROLOGUE = re.compile(r"^.*?(?=<svg)", re.S)  # the XML declaration and doctype before the <svg> element


def _page(request: Request, signed: Who, name: str) -> Response:
    services = request.app.state.services
    _ = lambda message: services.i18n.gettext(signed.language, message)  # noqa: E731
    with services.sessions.begin() as session:
        files = dict(_draft(session, request, signed).files)
    if name not in files:
        return admin.refused(request, signed)
    built, file_of = graph.build(files)
    flow = next((flow for flow, file in file_of.items() if file == name), None)
    reachable, dangling = built.reachable(), built.dangling()
    steps = [step for step in built.steps.values() if step.flow == flow]
    picture = None
    if flow is not None and graph.has_dot():
        try:
            picture = PROLOGUE.sub("", graph.svg(built, file_of, flow, labels={k: _(v) for k, v in MARKS.items()}))
        except Exception as error:  # noqa: BLE001 - the list below still shows the flow
            logger.warning("flow graph not drawn (%s)", type(error).__name__)
    return request.app.state.render(
        request, "flow_graph.html", lang=signed.language, signed=signed, file=name, flow=flow, steps=steps,
        svg=picture, dot_missing=not graph.has_dot(), reachable=reachable, dangling=dangling, starts=built.starts,
        file_of=file_of, lines={key: step.line for key, step in built.steps.items()})


async def page(request: Request) -> Response:
    signed = await run_in_threadpool(admin.require, request)
    try:
        name = drafts.check_name(request.path_params["name"])
    except drafts.DraftError:
        return admin.refused(request, signed)
    return await run_in_threadpool(_page, request, signed, name)


routes: list[BaseRoute] = [Route("/flows/graph/{name:str}", page)]
