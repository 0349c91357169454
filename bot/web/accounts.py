"""Staff console accounts: add, list, disable, reset a password; sign in with rate limits; browser sessions.

Every function takes the caller's session and `now` and never commits (a refused login still records its
failure: commit after catching LoginRefused). Passwords are hashed with argon2id (argon2-cffi's defaults); a
session's cookie holds a random token and the database only its SHA-256, so a copy of the table opens nothing.
The password check is one way in (`authenticate`); an OpenID Connect login would call `start_session` for the
account its verified claims name, and nothing after it changes (README, Staff console).
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.db.models import Coordinator, LoginFailure, StaffAccount, Unit, WebSession
from bot.handoff.audit import record

logger = logging.getLogger(__name__)

ROLES = ("staff", "admin")
ACCOUNT_FAILURES = 5  # wrong passwords in a row lock the account for LOCK_FOR
LOCK_FOR = timedelta(minutes=15)
ADDRESS_FAILURES = 20  # failed logins from one address within ADDRESS_WINDOW refuse it until the window passes
ADDRESS_WINDOW = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=10)  # a working day at most, however active
MIN_PASSWORD = 12

_hasher = PasswordHasher()
_DUMMY = _hasher.hash("not a password of anyone's")  # verified against for unknown names: the same time taken


class AccountError(Exception):
    """An account command was refused; the message is one line an administrator can act on."""


class LoginRefused(Exception):
    """A login was refused; `reason` is wrong | locked | throttled (the page says the same for wrong and unknown)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Signed:
    """A session just started: the cookie's token (never stored) and its row."""

    token: str
    session: WebSession


def actor(account: StaffAccount) -> str:
    """The audit actor of what an account does: the coordinator it is (so the citizen's /mydata names the person
    who looked), else the account itself."""
    return f"coordinator:{account.coordinator_id}" if account.coordinator_id else f"account:{account.id}"


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must be at least {MIN_PASSWORD} characters")


def find_coordinator(session: Session, name: str) -> Coordinator:
    """A coordinator by full name or first name (case-insensitive); exactly one must match."""
    wanted = name.strip().casefold()
    people = [c for c in session.scalars(select(Coordinator))
              if wanted in (c.full_name.casefold(), c.first_name.casefold())]
    if len(people) != 1:
        raise AccountError(f"no single coordinator is called {name!r}" if people == [] else
                           f"{len(people)} coordinators are called {name!r}: give the full name")
    return people[0]


def add(session: Session, *, username: str, password: str, role: str, coordinator: str | None, language: str | None,
        now: datetime, by: str = "admin") -> StaffAccount:
    if role not in ROLES:
        raise AccountError(f"the role must be one of {', '.join(ROLES)}")
    username = username.strip().lower()
    if not username or len(username) > 64 or not username.replace(".", "").replace("-", "").replace("_", "").isalnum():
        raise AccountError("a username is letters, digits, '.', '-' and '_', at most 64 characters")
    if session.scalar(select(StaffAccount).where(StaffAccount.username == username)) is not None:
        raise AccountError(f"the username {username!r} is taken")
    person = find_coordinator(session, coordinator) if coordinator else None
    if role == "staff" and person is None:
        raise AccountError("a staff account is a coordinator's: give --coordinator NAME")
    _check_password(password)
    account = StaffAccount(username=username, display_name=person.full_name if person else username,
                           password_hash=_hasher.hash(password), role=role,
                           coordinator_id=person.id if person else None, unit_id=person.unit_id if person else None,
                           language=language or (person.languages[0] if person and person.languages else "fi"),
                           failed_logins=0, created_at=now)
    session.add(account)
    session.flush()
    record(session, actor=by, action="account_added", at=now, details={"account_id": account.id, "role": role})
    return account


def named(session: Session, username: str) -> StaffAccount:
    account = session.scalar(select(StaffAccount).where(StaffAccount.username == username.strip().lower()))
    if account is None:
        raise AccountError(f"no account is called {username!r}")
    return account


def disable(session: Session, *, username: str, now: datetime, by: str = "admin") -> StaffAccount:
    account = named(session, username)
    account.disabled_at = account.disabled_at or now
    session.execute(delete(WebSession).where(WebSession.account_id == account.id))
    record(session, actor=by, action="account_disabled", at=now, details={"account_id": account.id})
    return account


def reset_password(session: Session, *, username: str, password: str, now: datetime, by: str = "admin") -> StaffAccount:
    account = named(session, username)
    _check_password(password)
    account.password_hash = _hasher.hash(password)
    account.failed_logins, account.locked_until = 0, None
    session.execute(delete(WebSession).where(WebSession.account_id == account.id))  # signed out everywhere
    record(session, actor=by, action="account_password_reset", at=now, details={"account_id": account.id})
    return account


def address_key(address: str, secret: bytes) -> str:
    """The address as kept for the rate limit: a keyed hash, not the address."""
    return hmac.new(secret, address.encode(), hashlib.sha256).hexdigest()


def authenticate(session: Session, *, username: str, password: str, address: str, now: datetime) -> StaffAccount:
    """The account if the password is right and nothing refuses it; else LoginRefused after recording the failure."""
    recent = session.scalar(select(func.count()).select_from(LoginFailure).where(
        LoginFailure.address_hash == address, LoginFailure.at > now - ADDRESS_WINDOW)) or 0
    if recent >= ADDRESS_FAILURES:
        raise LoginRefused("throttled")
    account = session.scalar(select(StaffAccount).where(StaffAccount.username == username.strip().lower()))
    if account is not None and account.locked_until is not None and account.locked_until > now:
        session.add(LoginFailure(at=now, address_hash=address))
        raise LoginRefused("locked")
    ok: bool
    try:
        ok = _hasher.verify(account.password_hash if account and account.password_hash else _DUMMY, password)
    except (VerificationError, InvalidHashError):
        ok = False
    if account is None or not ok or account.disabled_at is not None or account.password_hash is None:
        session.add(LoginFailure(at=now, address_hash=address))
        if account is not None:
            account.failed_logins += 1
            if account.failed_logins >= ACCOUNT_FAILURES:
                account.locked_until, account.failed_logins = now + LOCK_FOR, 0
            record(session, actor=f"account:{account.id}", action="web_login_failed", at=now)
        session.flush()
        raise LoginRefused("wrong")
    account.failed_logins, account.locked_until = 0, None
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = _hasher.hash(password)
    return account


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, *, account: StaffAccount, now: datetime, previous: str | None = None) -> Signed:
    """A new session for the account; the browser's earlier one (`previous` token) ends (no session fixation)."""
    if previous:
        session.execute(delete(WebSession).where(WebSession.id == _digest(previous)))
    session.execute(delete(WebSession).where(WebSession.expires_at < now))
    token = secrets.token_urlsafe(32)
    row = WebSession(id=_digest(token), account_id=account.id, csrf_token=secrets.token_urlsafe(32), created_at=now,
                     last_seen_at=now, expires_at=now + SESSION_LIFETIME)
    session.add(row)
    record(session, actor=f"account:{account.id}", action="web_login", at=now)
    session.flush()
    return Signed(token, row)


def current(session: Session, *, token: str | None, now: datetime, idle: timedelta) -> tuple[WebSession,
                                                                                             StaffAccount] | None:
    """The session and account of a cookie's token, if it is live (not idle too long, not expired, account active);
    its last_seen_at moves to now. An ended session is deleted."""
    if not token:
        return None
    row = session.get(WebSession, _digest(token))
    if row is None:
        return None
    account = session.get(StaffAccount, row.account_id)
    if account is None or account.disabled_at is not None or row.expires_at <= now or row.last_seen_at + idle <= now:
        session.delete(row)
        return None
    row.last_seen_at = now
    return row, account


def end_session(session: Session, *, token: str | None, now: datetime) -> None:
    row = session.get(WebSession, _digest(token)) if token else None
    if row is not None:
        record(session, actor=f"account:{row.account_id}", action="web_logout", at=now)
        session.delete(row)


def is_demo(session: Session, account: StaffAccount) -> bool:
    """A demo account (`lahitori demo`): it is a demo coordinator's, or (an admin) it is linked to a demo unit."""
    person = session.get(Coordinator, account.coordinator_id) if account.coordinator_id else None
    unit = session.get(Unit, account.unit_id) if account.unit_id else None
    return bool(person is not None and person.is_demo or person is None and unit is not None and unit.is_demo)


def listing(session: Session) -> list[StaffAccount]:
    return list(session.scalars(select(StaffAccount).order_by(StaffAccount.username)))
