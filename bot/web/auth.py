"""Signing in and out of the console, who is asking, and the CSRF check of every form.

The session cookie is HttpOnly, SameSite=Strict, Secure (unless the console listens on loopback for development;
WEB_SECURE_COOKIE decides) and holds only a random token; it is replaced at every login. The login form has its
own CSRF token in a short cookie (double submit), since no session exists yet.
"""
from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot import crypto
from bot.db.models import StaffAccount
from bot.web import accounts
from bot.web.texts import LOGIN_REFUSED

logger = logging.getLogger(__name__)

LOGIN_CSRF = "lahitori_login_csrf"


class NotSignedIn(Exception):
    """The request has no live session: the browser goes to /login."""


class CsrfRefused(Exception):
    """A form came without this session's CSRF token."""


@dataclass(frozen=True, slots=True)
class Who:
    """The signed-in account, detached from the database session that found it."""

    account_id: int
    username: str
    name: str
    role: str
    coordinator_id: int | None
    language: str
    csrf: str

    @classmethod
    def of(cls, account: StaffAccount, csrf: str) -> Who:
        return cls(account.id, account.username, account.display_name or account.username, account.role,
                   account.coordinator_id, account.language if account.language in ("fi", "sv") else "fi", csrf)


def cookie_name(request: Request) -> str:
    return "__Host-lahitori" if request.app.state.secure_cookie else "lahitori_session"


def who(request: Request) -> Who:
    """The signed-in account of the request (its session's last_seen_at moves), else NotSignedIn."""
    services = request.app.state.services
    idle = timedelta(minutes=services.settings.web_idle_minutes)
    with services.sessions.begin() as session:
        found = accounts.current(session, token=request.cookies.get(cookie_name(request)), now=services.clock(),
                                 idle=idle)
        if found is None:
            raise NotSignedIn()
        row, account = found
        return Who.of(account, row.csrf_token)


async def form(request: Request, signed: Who | None) -> dict[str, str]:
    """The posted form, after its CSRF token is checked against the session's (or the login cookie's)."""
    data = {key: value for key, value in (await request.form()).items() if isinstance(value, str)}
    expected = signed.csrf if signed is not None else request.cookies.get(LOGIN_CSRF, "")
    if not expected or not hmac.compare_digest(data.get("csrf_token", ""), expected):
        raise CsrfRefused()
    return data


def _address(request: Request) -> str:
    secret = crypto.active().derived_keys("console login address")[0]
    return accounts.address_key(request.client.host if request.client else "-", secret)


def login_page(request: Request, *, error: str | None = None, status: int = 200) -> Response:
    lang = request.query_params.get("lang") or request.app.state.services.settings.default_language
    token = request.cookies.get(LOGIN_CSRF) or secrets.token_urlsafe(32)
    response = request.app.state.render(request, "login.html", lang=lang if lang in ("fi", "sv") else "fi",
                                        signed=None, csrf=token, error=error, status=status)
    response.set_cookie(LOGIN_CSRF, token, max_age=3600, httponly=True, samesite="strict", path="/login",
                        secure=request.app.state.secure_cookie)
    return response


async def login(request: Request) -> Response:
    if request.method == "GET":
        return login_page(request)
    data = await form(request, None)
    return await run_in_threadpool(_login, request, data)  # argon2 takes its time: not on the event loop


def _login(request: Request, data: dict[str, str]) -> Response:
    services = request.app.state.services
    name = cookie_name(request)
    account: StaffAccount | None
    with services.sessions.begin() as session:
        try:
            account = accounts.authenticate(session, username=data.get("username", ""),
                                            password=data.get("password", ""), address=_address(request),
                                            now=services.clock())
        except accounts.LoginRefused as refused:
            error, status = LOGIN_REFUSED[refused.reason], 429 if refused.reason != "wrong" else 401
            account = None
        else:
            signed = accounts.start_session(session, account=account, now=services.clock(),
                                            previous=request.cookies.get(name))
    if account is None:
        return login_page(request, error=error, status=status)
    response = RedirectResponse("/cases", status_code=303)
    response.set_cookie(name, signed.token, httponly=True, samesite="strict", path="/",
                        secure=request.app.state.secure_cookie)
    response.delete_cookie(LOGIN_CSRF, path="/login")
    return response


async def logout(request: Request) -> Response:
    signed = await run_in_threadpool(who, request)
    await form(request, signed)
    services = request.app.state.services
    with services.sessions.begin() as session:
        accounts.end_session(session, token=request.cookies.get(cookie_name(request)), now=services.clock())
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(cookie_name(request), path="/")
    return response


async def language(request: Request) -> Response:
    """The account's console language (fi | sv)."""
    signed = await run_in_threadpool(who, request)
    data = await form(request, signed)
    services = request.app.state.services
    if data.get("language") in ("fi", "sv"):
        with services.sessions.begin() as session:
            account = session.get(StaffAccount, signed.account_id)
            if account is not None:
                account.language = data["language"]
    back = data.get("back", "/cases")
    return RedirectResponse(back if back.startswith("/cases") else "/cases", status_code=303)
