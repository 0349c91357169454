"""Statistics without people: how many of a kind happened on a day, counted when it happens.

A count is a row of `stat_count` keyed by (day, metric, topic, language) and nothing else: no citizen, no case, no
time of day. Erasure and retention never touch it, so the figures stay when the people's data goes. The metrics:

- `need`: a need was recorded (topic, language);
- `handoff`: a need was handed to a coordinator or a unit (topic, language);
- `contacted`: a coordinator marked a case contacted (topic, language);
- `crisis_help`: the crisis guard gave its help (language; no topic: nothing says what the person wrote about);
- `feedback_1` ... `feedback_5`: a rating (topic of the case or conversation, language).

`day` is the local date where the county is (the settings' TIMEZONE, Europe/Helsinki), from the caller's clock.
"""
from __future__ import annotations

import logging
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.db.models import StatCount

logger = logging.getLogger(__name__)

DEFAULT_TZ = "Europe/Helsinki"  # the county's zone, Settings.timezone's default, for callers without settings
FEEDBACK = tuple(f"feedback_{score}" for score in range(1, 6))
METRICS = frozenset({"need", "handoff", "contacted", "crisis_help", *FEEDBACK})


def local_day(moment: datetime, tz: str = DEFAULT_TZ) -> date:
    """The date `moment` falls on in the county's time zone (a Helsinki night at 01.30 is that day, not UTC's)."""
    return moment.astimezone(ZoneInfo(tz)).date()


def count(session: Session, *, metric: str, day: date, topic: str = "", language: str = "") -> None:
    """Add one to the day's count (INSERT ... ON CONFLICT DO UPDATE: safe under concurrent turns on both
    databases), in the caller's transaction."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}")
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(StatCount).values(day=day, metric=metric, topic=(topic or "")[:40],
                                         language=(language or "")[:2], municipality="", channel="", unit="",
                                         bucket="", count=1)
    statement = statement.on_conflict_do_update(
        index_elements=[StatCount.day, StatCount.metric, StatCount.topic, StatCount.language, StatCount.municipality,
                        StatCount.channel, StatCount.unit, StatCount.bucket],
        set_={"count": StatCount.count + statement.excluded.count})
    session.execute(statement)


def figures(session: Session, *, since: date | None = None, until: date | None = None) -> dict[tuple, int]:
    """(day, metric, topic, language) -> count, for reports and tests; both ends included."""
    query = select(StatCount.day, StatCount.metric, StatCount.topic, StatCount.language, StatCount.count)
    if since is not None:
        query = query.where(StatCount.day >= since)
    if until is not None:
        query = query.where(StatCount.day <= until)
    return {(day, metric, topic, language): total for day, metric, topic, language, total in session.execute(query)}
