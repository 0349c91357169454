"""The staff console's ASGI app (Starlette, Jinja2 with autoescape, htmx and one small script served locally):
`create_app(services)`; `lahitori web` serves it with uvicorn."""
from __future__ import annotations

import ipaddress
import logging
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_timedelta
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.config import PROJECT_ROOT
from bot.i18n import I18n
from bot.services import Services
from bot.web import admin, auth, cases, directory, flows_graph, flows_page, flows_try, stats_page, texts, viewlog

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
HTMX = PROJECT_ROOT / "node_modules" / "htmx.org" / "dist" / "htmx.min.js"  # npm (package.json), served from here
HEADERS = [
    (b"content-security-policy", b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                                 b"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


class SecurityHeaders:
    """Adds the security headers to every response; pages that show client data are never cached."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"cache-control" or static]
                headers += HEADERS + ([] if static else [(b"cache-control", b"no-store")])
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def create_app(services: Services, *, secure_cookie: bool | None = None) -> Starlette:
    settings = services.settings
    if secure_cookie is None:
        secure_cookie = settings.web_secure_cookie
    if secure_cookie is None:
        secure_cookie = not is_loopback(settings.web_host)
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    tz = ZoneInfo(settings.timezone)

    def gettext(lang: str, message: str) -> str:
        return services.i18n.gettext(lang, message)

    def render(request: Request, name: str, *, lang: str, status: int = 200, **context: Any) -> Response:
        now = services.clock()

        def when(moment: datetime | None) -> str:
            if moment is None:
                return "–"
            local = moment.astimezone(tz)
            return f"{I18n.date_text(local, lang)} {I18n.clock(local, lang)}"

        def waited(moment: datetime) -> str:
            return format_timedelta(now - moment, granularity="minute", threshold=1.5, locale=I18n.locale(lang))

        def answer(slot: str, value: str | None) -> str:
            """What the citizen chose, in the words of the flows' option ("Lähiviikkoina")."""
            label = services.flows.current().option_labels.get((slot, value)) if value else None
            return label.get(lang) if label is not None else (value or "–")

        html = env.get_template(name).render(
            _=lambda message: gettext(lang, message), lang=lang, when=when, waited=waited, now=now, texts=texts,
            topic=lambda code: services.topic_title(code, lang), answer=answer, path=request.url.path,
            query=request.url.query, **context)
        return HTMLResponse(html, status_code=status)

    async def htmx(_request: Request) -> Response:
        if not HTMX.exists():
            logger.error("htmx is missing at %s: run npm ci (make setup)", HTMX)
            return PlainTextResponse("htmx is not installed", status_code=500)
        return FileResponse(HTMX, media_type="text/javascript", headers={"Cache-Control": "public, max-age=3600"})

    async def not_signed_in(request: Request, _exc: Exception) -> Response:
        if request.url.path.startswith("/cases/events"):
            return Response(status_code=401)
        return RedirectResponse("/login", status_code=303)

    async def not_admin(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, admin.NotAdmin)
        return await run_in_threadpool(admin.refused, request, exc.signed)

    async def csrf_refused(_request: Request, _exc: Exception) -> Response:
        return PlainTextResponse("the form is missing its security token: reload the page", status_code=403)

    routes = [
        Route("/", cases.home),
        Route("/login", auth.login, methods=["GET", "POST"]),
        Route("/logout", auth.logout, methods=["POST"]),
        Route("/language", auth.language, methods=["POST"]),
        Route("/cases", cases.cases),
        Route("/cases/table", cases.cases),
        Route("/cases/events", cases.events),
        Route("/cases/{number:int}", cases.case),
        Route("/cases/{number:int}/transcript", cases.transcript),  # a view of its own, logged
        Route("/cases/{number:int}/export", cases.export),  # a JSON download, logged
        Route("/cases/{number:int}/{action:str}", cases.act, methods=["POST"]),
        *viewlog.routes,  # /views: who viewed which case (admins)
        *stats_page.routes,  # /stats: the lähitori's statistics (admins)
        *flows_page.routes,  # /flows: the editor, versions and rollback (admins)
        *flows_graph.routes,  # /flows/graph/<file>
        *flows_try.routes,  # /flows/try: the draft in a throwaway chat
        *directory.routes,  # /directory: units, coordinators, absences, staff groups (admins)
        Route("/static/htmx.min.js", htmx),
        Route("/favicon.ico", lambda _request: Response(status_code=204)),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={auth.NotSignedIn: not_signed_in,
                                                       auth.CsrfRefused: csrf_refused, admin.NotAdmin: not_admin})
    app.add_middleware(SecurityHeaders)
    app.state.services, app.state.render, app.state.gettext = services, render, gettext
    app.state.secure_cookie = secure_cookie
    return app
