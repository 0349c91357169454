"""What a console account may see, and the inbox: the open cases the domain's permission rule
(bot/handoff/staff.permitted) lets the account see, narrowed by filters and split into pages in SQL, with each row's
waiting time in the unit's working hours and the note of a returning citizen. Reads only."""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, func, not_, or_, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from bot.db.models import Consent, Coordinator, Handoff, Need, StaffAccount, Unit
from bot.handoff import staff
from bot.handoff.hours import working_time_between
from bot.handoff.routing import OPEN_STATUSES
from nlu.types import SERVICE_TOPICS

logger = logging.getLogger(__name__)

STATUSES = OPEN_STATUSES  # new | claimed | contacted
LANGUAGES = ("fi", "sv")
PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class Filters:
    """The inbox's filters and page, from the query string; a value that is not one of the choices is ignored."""

    mine: bool = False
    unit: str | None = None  # a unit code: admins only (a staff member sees their own unit's cases)
    status: str | None = None  # one of STATUSES, None: every open one
    topic: str | None = None  # one of SERVICE_TOPICS
    language: str | None = None  # fi | sv
    page: int = 1

    @classmethod
    def parse(cls, query: Mapping[str, str], *, units: Collection[str] = ()) -> Filters:
        """`units`: the unit codes the account may choose from (none for a staff member)."""
        page = query.get("page", "")
        return cls(mine=query.get("mine") == "1", unit=_choice(query.get("unit"), units),
                   status=_choice(query.get("status"), STATUSES), topic=_choice(query.get("topic"), SERVICE_TOPICS),
                   language=_choice(query.get("language"), LANGUAGES),
                   page=int(page) if page.isascii() and page.isdigit() and 0 < int(page) < 10**6 else 1)

    def query(self, page: int | None = None) -> str:
        """The filters as a query string, with `page` (the current one unless given; 1 is left out)."""
        values: dict[str, Any] = {"mine": "1" if self.mine else None, "unit": self.unit, "status": self.status,
                                  "topic": self.topic, "language": self.language}
        page = self.page if page is None else page
        values["page"] = page if page > 1 else None
        return urlencode({k: v for k, v in values.items() if v is not None})


def _choice(value: str | None, choices: Collection[str]) -> str | None:
    return value if value in choices else None


@dataclass(frozen=True, slots=True)
class Returning:
    """The citizen had an earlier case: who held it, and whether this one went to them, their pair or someone else
    (bot/handoff/routing.py prefers the earlier person when present, else their work pair)."""

    earlier: str  # the earlier holder's full name
    now: str  # same | pair | other


@dataclass(frozen=True, slots=True)
class Row:
    number: int
    topic: str
    language: str
    municipality: str | None
    status: str
    created_at: datetime
    expected_contact_at: datetime | None
    escalation_level: int
    holder: str | None
    mine: bool
    waited: timedelta = timedelta()  # waiting for a claim, in the unit's opening hours
    returning: Returning | None = None

    def promise(self, now: datetime) -> str:
        """on_time | late | escalated: against the contact time the citizen was promised."""
        if self.escalation_level > 0 and self.status == "new":
            return "escalated"
        if self.status == "new" and self.expected_contact_at is not None and self.expected_contact_at < now:
            return "late"
        return "on_time"

    @property
    def waited_parts(self) -> tuple[str, int, int]:
        """The wait as (texts.WAITED key, hours, minutes): '3 h 20 min', '3 h' or '20 min'."""
        hours, minutes = divmod(int(self.waited.total_seconds()) // 60, 60)
        return ("minutes" if not hours else "whole" if not minutes else "hours"), hours, minutes


@dataclass(frozen=True, slots=True)
class Inbox:
    """One page of the visible open cases, and where it lies in all of them."""

    rows: list[Row]
    total: int
    filters: Filters  # the page as shown (a page past the end is the last one)
    sig: str

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @property
    def first(self) -> int:
        return (self.filters.page - 1) * PAGE_SIZE + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def me(session: Session, account: StaffAccount) -> Coordinator | None:
    return session.get(Coordinator, account.coordinator_id) if account.coordinator_id else None


def may_see(session: Session, account: StaffAccount, handoff: Handoff) -> bool:
    """An admin sees every case; a staff member the ones the domain lets their coordinator act on (their unit's,
    narrowed to the named people when the consent names any)."""
    if handoff.erased_at is not None or handoff.need is None or handoff.consent is None:
        return False
    if account.role == "admin":
        return True
    coordinator = me(session, account)
    return coordinator is not None and staff.permitted(handoff=handoff, coordinator=coordinator)


def unit_choices(session: Session, account: StaffAccount) -> list[Unit]:
    """The units an account may filter by: every unit for an admin, none for a staff member."""
    return list(session.scalars(select(Unit).order_by(Unit.code))) if account.role == "admin" else []


def _permitted(coordinator: Coordinator) -> ColumnElement[bool]:
    """bot/handoff/staff.permitted as SQL: the people a consent names, else the holder and their pair in the unit,
    else the whole unit (the Consent is joined)."""
    me_id = coordinator.id
    named = or_(Consent.coordinator_id.is_not(None), Consent.pair_id.is_not(None))
    covered = select(Coordinator.id).where(Coordinator.pair_id == me_id).scalar_subquery()  # whose pair I am
    return or_(
        and_(named, or_(Consent.coordinator_id == me_id, Consent.pair_id == me_id, Handoff.coordinator_id == me_id)),
        and_(not_(named), Handoff.coordinator_id.is_(None), Handoff.unit_id == coordinator.unit_id),
        and_(not_(named), or_(Handoff.coordinator_id == me_id,
                              and_(Handoff.coordinator_id.in_(covered), Handoff.unit_id == coordinator.unit_id))),
    )


def _scope(session: Session, account: StaffAccount, filters: Filters) -> Select[tuple[Handoff]] | None:
    """The filtered open cases the account may see, as one query (None: nothing at all)."""
    coordinator = me(session, account)
    query = (select(Handoff).join(Handoff.need).join(Handoff.consent)
             .where(Handoff.status.in_([filters.status] if filters.status else STATUSES),
                    Handoff.erased_at.is_(None)))
    if account.role != "admin":
        if coordinator is None or not coordinator.active:
            return None
        query = query.where(Handoff.unit_id == coordinator.unit_id, _permitted(coordinator))
    elif filters.unit:
        query = query.where(Handoff.unit_id == select(Unit.id).where(Unit.code == filters.unit).scalar_subquery())
    if filters.mine:
        if coordinator is None:
            return None
        query = query.where(Handoff.coordinator_id == coordinator.id)
    if filters.topic:
        query = query.where(Need.topic == filters.topic)
    if filters.language:
        query = query.where(Need.language == filters.language)
    return query


def _count(session: Session, query: Select[tuple[Handoff]]) -> int:
    return session.scalar(query.with_only_columns(func.count(Handoff.id)).order_by(None)) or 0


def visible(session: Session, account: StaffAccount, filters: Filters, *, now: datetime, tz: str) -> Inbox:
    """One page of the open cases the account may see, oldest (waiting longest) first."""
    query = _scope(session, account, filters)
    total = _count(session, query) if query is not None else 0
    pages = max(1, -(-total // PAGE_SIZE))
    filters = replace(filters, page=min(filters.page, pages))
    if query is None or total == 0:
        return Inbox(rows=[], total=0, filters=filters, sig=signature([], 0, now))
    page = list(session.scalars(
        query.options(contains_eager(Handoff.need), contains_eager(Handoff.consent),
                      joinedload(Handoff.coordinator).joinedload(Coordinator.pair))
        .order_by(Handoff.created_at, Handoff.id).offset((filters.page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
    page = [handoff for handoff in page if may_see(session, account, handoff)]
    coordinator = me(session, account)
    hours = dict(session.execute(select(Unit.id, Unit.opening_hours)
                                 .where(Unit.id.in_({h.unit_id for h in page}))).tuples().all())
    returning = _returning(session, page)
    zone = ZoneInfo(tz)
    rows = [Row(number=h.id, topic=h.need.topic, language=h.need.language, municipality=h.need.municipality,
                status=h.status, created_at=h.created_at, expected_contact_at=h.expected_contact_at,
                escalation_level=h.escalation_level, holder=h.coordinator.full_name if h.coordinator else None,
                mine=coordinator is not None and h.coordinator_id == coordinator.id,
                waited=working_time_between(hours.get(h.unit_id) or {}, h.created_at.astimezone(zone),
                                            (h.claimed_at or now).astimezone(zone)),
                returning=returning.get(h.id))
            for h in page]
    return Inbox(rows=rows, total=total, filters=filters, sig=signature(rows, total, now))


def _returning(session: Session, page: list[Handoff]) -> dict[int, Returning]:
    """For the page's cases whose citizen had an earlier case with a holder: that person, and where this one went
    (routing.last_coordinator, counted from before each case)."""
    citizens = {h.citizen_id for h in page if h.citizen_id is not None}
    if not citizens:
        return {}
    held: dict[int, list[tuple[int, int]]] = {}  # citizen: (case number, holder), in order
    for citizen, number, holder in session.execute(
            select(Handoff.citizen_id, Handoff.id, Handoff.coordinator_id)
            .where(Handoff.citizen_id.in_(citizens), Handoff.coordinator_id.is_not(None)).order_by(Handoff.id)):
        held.setdefault(citizen, []).append((number, holder))
    people = {c.id: c for c in session.scalars(select(Coordinator).where(
        Coordinator.id.in_({holder for cases in held.values() for _n, holder in cases})))}
    found = {}
    for handoff in page:
        before = [holder for number, holder in held.get(handoff.citizen_id or 0, []) if number < handoff.id]
        person = people.get(before[-1]) if before else None
        if person is None:
            continue
        now_with = handoff.coordinator_id or handoff.consent.coordinator_id
        kind = ("same" if now_with == person.id else "pair" if now_with is not None and now_with == person.pair_id
                else "other")
        found[handoff.id] = Returning(earlier=person.full_name, now=kind)
    return found


def signature(rows: list[Row], total: int, now: datetime) -> str:
    """Changes when a case arrives, leaves, changes hands or state or turns late: what the live inbox watches."""
    text = f"{total};" + ";".join(f"{r.number}:{r.status}:{r.holder}:{r.escalation_level}:{r.promise(now)}"
                                  for r in rows)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
