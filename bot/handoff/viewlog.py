"""The view log (the client-data act 703/2023): who opened which case, its transcript or its export, and who was
refused, read from the audit trail. An administrator lists it per case or per person (bot/web/viewlog.py); the
citizen's /mydata and /mycase name the same people (bot/handoff/mydata.py). Reads only."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from bot.db.models import AuditEvent, Coordinator, StaffAccount

logger = logging.getLogger(__name__)

VIEWED = "case_viewed"  # an opening (bot/handoff/staff.py view, bot/web/cases.py); details.view says of what
REFUSED = "staff_permission_denied"  # a refused opening or action; details.attempted says what was tried
LOG_VIEWED = "view_log_viewed"  # an administrator read this log (who and what query: no client data)
VIEWS = ("case", "transcript", "export")
PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who an audit actor is, as a person reads it: a coordinator (name, title, unit), an administrator's account
    without a coordinator (its display name), someone no longer in the register (`gone`), or another actor."""

    kind: str  # coordinator | admin | gone | other
    id: int | None = None  # the coordinator's or the account's id
    name: str | None = None
    title: str | None = None
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class ViewRow:
    at: datetime
    actor: str
    viewer: Viewer
    case: int | None  # None: a refused opening of a case that does not exist, or of this log
    view: str  # case | transcript | export, or what a refused attempt tried (read is shown as case)
    via: str | None  # console | telegram; None when the row did not record it
    refused: bool


@dataclass(frozen=True, slots=True)
class Page:
    rows: tuple[ViewRow, ...]
    number: int  # 1-based
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def viewer(session: Session, actor: str, lang: str = "fi") -> Viewer:
    """The person behind an audit actor (`coordinator:ID`, `account:ID`), in `lang` for the title and unit."""
    kind, _, number = actor.partition(":")
    if kind not in ("coordinator", "account") or not number.isdigit():
        return Viewer("other", name=actor)
    coordinator: Coordinator | None
    if kind == "account":
        account = session.get(StaffAccount, int(number))
        if account is None:
            return Viewer("gone")
        if account.coordinator is None:
            if account.role == "admin":
                return Viewer("admin", account.id, account.display_name or account.username)
            return Viewer("gone")
        coordinator = account.coordinator
    else:
        coordinator = session.get(Coordinator, int(number))
    if coordinator is None:
        return Viewer("gone")
    return Viewer("coordinator", coordinator.id, coordinator.full_name, coordinator.title(lang),
                  coordinator.unit.name(lang))


def view_of(event: AuditEvent) -> str:
    """What an audit row opened (case | transcript | export), or what a refused attempt tried."""
    details: dict[str, Any] = event.details or {}
    if event.action == REFUSED:
        attempted = str(details.get("view") or details.get("attempted") or "case")
        return "case" if attempted == "read" else attempted
    view = str(details.get("view") or "case")
    return view if view in VIEWS else "case"


def actors_of(account: StaffAccount) -> tuple[str, ...]:
    """Every actor an account's deeds are recorded under: its coordinator's (console and Telegram alike) and its own
    (an account without a coordinator, or before one was linked)."""
    own = f"account:{account.id}"
    return (f"coordinator:{account.coordinator_id}", own) if account.coordinator_id else (own,)


def views_of_case(session: Session, *, handoff_id: int, lang: str = "fi", actor: str | None = None,
                  since: datetime | None = None, until: datetime | None = None, page: int | None = 1,
                  size: int = PAGE_SIZE) -> Page:
    """Every opening of case `handoff_id` and every refusal about it (by `actor` only, if given), oldest first
    (`page` None: all rows)."""
    query = select(AuditEvent).where(AuditEvent.handoff_id == handoff_id)
    if actor is not None:
        query = query.where(AuditEvent.actor == actor)
    return _page(session, query, lang=lang, since=since, until=until, page=page, size=size)


def views_by(session: Session, *, who: str | StaffAccount, lang: str = "fi", since: datetime | None = None,
             until: datetime | None = None, page: int | None = 1, size: int = PAGE_SIZE) -> Page:
    """Every opening by one person (an actor string or an account) across cases, and their refusals, oldest first."""
    actors = actors_of(who) if isinstance(who, StaffAccount) else (who,)
    return _page(session, select(AuditEvent).where(AuditEvent.actor.in_(actors)), lang=lang, since=since,
                 until=until, page=page, size=size)


def views_between(session: Session, *, since: datetime | None, until: datetime | None, lang: str = "fi",
                  page: int | None = 1, size: int = PAGE_SIZE) -> Page:
    """Every opening and refusal of anyone within [since, until)."""
    return _page(session, select(AuditEvent), lang=lang, since=since, until=until, page=page, size=size)


def _page(session: Session, query: Select[tuple[AuditEvent]], *, lang: str, since: datetime | None,
          until: datetime | None, page: int | None, size: int) -> Page:
    query = query.where(AuditEvent.action.in_((VIEWED, REFUSED)))
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = query.order_by(AuditEvent.at, AuditEvent.id)
    number = 1 if page is None else max(1, page)
    if page is not None:
        ordered = ordered.offset((number - 1) * size).limit(size)
    people: dict[str, Viewer] = {}
    rows = []
    for event in session.scalars(ordered):
        if event.actor not in people:
            people[event.actor] = viewer(session, event.actor, lang)
        via = (event.details or {}).get("via")
        rows.append(ViewRow(at=event.at, actor=event.actor, viewer=people[event.actor], case=event.handoff_id,
                            view=view_of(event), via=str(via) if via else None, refused=event.action == REFUSED))
    return Page(tuple(rows), number, size if page is not None else max(total, 1), total)
