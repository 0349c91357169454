"""Statistics without people: how many of a kind happened on a day, counted when it happens.

A count is a row of `stat_count` keyed by (day, metric, topic, language, municipality, channel, unit, bucket) and
nothing else: no citizen, no case, no time of day, no words. Municipality is a flow option's value (porvoo, other),
channel the channel's name (telegram), unit a unit's code, bucket a crisis help kind or a waiting-time band. Erasure
and retention never touch it, so the figures stay when the people's data goes. The metrics:

- `need`: a need was recorded (topic, language, municipality, channel);
- `guidance_only`: a matter ended with the service card alone: the conversation came to its closing feedback question
  after a topic's card, with no need recorded ("help at the first encounter"; topic, language, channel);
- `consent_declined`: the citizen said no to passing the need on (topic, language, municipality, channel, unit);
- `handoff`: a need was handed to a coordinator or a unit (topic, language, municipality, channel, unit);
- `claimed`, `contacted`: a coordinator claimed a case, marked it contacted (topic, language, unit; bucket: the
  working hours since the handoff as a band of BANDS, so medians and p90 are estimated from bands, no case kept);
- `contact_promise`: at contact, whether the promised time held (bucket `on_time` | `late` | `none`);
- `crisis_help`: the crisis guard gave its help (language, channel; bucket: the help kind, medical | suicidal |
  poisoning | violence; no topic: nothing says what the person wrote about);
- `feedback_1` ... `feedback_5`: a rating (topic of the case or conversation, language, channel, unit of a case).
- `follow_up_yes` / `follow_up_partly` / `follow_up_no`: the answer to a unit's follow-up question after a case closed
  (topic, language, unit; bot/handoff/follow_up.py).

`day` is the local date where the county is (the settings' TIMEZONE, Europe/Helsinki), from the caller's clock.
The report (suppression of small cells, medians from bands) is bot/handoff/stats_report.py.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.db.models import Handoff, StatCount
from bot.handoff.hours import working_time_between

logger = logging.getLogger(__name__)

DEFAULT_TZ = "Europe/Helsinki"  # the county's zone, Settings.timezone's default, for callers without settings
FEEDBACK = tuple(f"feedback_{score}" for score in range(1, 6))
WAITS = ("claimed", "contacted")
METRICS = frozenset({"need", "guidance_only", "consent_declined", "handoff", *WAITS, "contact_promise",
                     "crisis_help", *FEEDBACK, "follow_up_yes", "follow_up_partly", "follow_up_no"})
# Waiting-time bands in working hours (the unit's opening hours, Finnish holidays closed): (bucket, upper bound).
BANDS: tuple[tuple[str, float], ...] = (("<1h", 1), ("1-4h", 4), ("4-8h", 8), ("8-24h", 24), ("24-72h", 72),
                                        (">72h", float("inf")))
PROMISE = ("on_time", "late", "none")
KEY = ("day", "metric", "topic", "language", "municipality", "channel", "unit", "bucket")
WIDTH = {"topic": 40, "language": 2, "municipality": 64, "channel": 16, "unit": 32, "bucket": 24}


def local_day(moment: datetime, tz: str = DEFAULT_TZ) -> date:
    """The date `moment` falls on in the county's time zone (a Helsinki night at 01.30 is that day, not UTC's)."""
    return moment.astimezone(ZoneInfo(tz)).date()


def local_bounds(since: date, until: date, tz: str = DEFAULT_TZ) -> tuple[datetime, datetime]:
    """The UTC moments the local days since..until (both included) begin and end: midnight to midnight."""
    zone = ZoneInfo(tz)
    start = datetime.combine(since, time(), tzinfo=zone)
    end = datetime.combine(until + timedelta(days=1), time(), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def count(session: Session, *, metric: str, day: date, topic: str | None = "", language: str | None = "",
          municipality: str | None = "", channel: str | None = "", unit: str | None = "",
          bucket: str | None = "") -> None:
    """Add one to the day's count (INSERT ... ON CONFLICT DO UPDATE: safe under concurrent turns on both
    databases), in the caller's transaction."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}")
    given = {"topic": topic, "language": language, "municipality": municipality, "channel": channel, "unit": unit,
             "bucket": bucket}
    values = {name: (value or "")[:WIDTH[name]] for name, value in given.items()}
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(StatCount).values(day=day, metric=metric, count=1, **values)
    statement = statement.on_conflict_do_update(
        index_elements=[getattr(StatCount, name) for name in KEY],
        set_={"count": StatCount.count + statement.excluded.count})
    session.execute(statement)


def band(waited: timedelta) -> str:
    """The band of BANDS a working-time wait falls in: '<1h', '1-4h', ... '>72h'."""
    hours = waited.total_seconds() / 3600
    return next(name for name, upper in BANDS if hours < upper)


def case_keys(handoff: Handoff) -> dict[str, str]:
    """What a case's counts are keyed by: its topic, language and unit code (never the case itself)."""
    need = handoff.need
    return {"topic": need.topic if need else "", "language": need.language if need else "",
            "unit": handoff.unit.code if handoff.unit else ""}


def waited(handoff: Handoff, now: datetime, tz: str = DEFAULT_TZ) -> str:
    """The band of the working hours from the handoff to `now` in its unit's opening hours."""
    zone = ZoneInfo(tz)
    hours = handoff.unit.opening_hours if handoff.unit else {}
    return band(working_time_between(hours or {}, handoff.created_at.astimezone(zone), now.astimezone(zone)))


def promise_kept(handoff: Handoff, now: datetime) -> str:
    """'on_time' when contact came by the promised time, 'late' after it, 'none' when nothing was promised."""
    if handoff.expected_contact_at is None:
        return "none"
    return "on_time" if now <= handoff.expected_contact_at else "late"


def guidance_only(before: Any, after: Any, feedback: tuple[str, str] | None) -> bool:
    """Did this turn end a matter with the card alone? `before` and `after` are the turn's states (flow, step,
    slots): the conversation came to the closing feedback step now, its slots name a topic (a card was shown),
    and no need was recorded (`_need_id`), handed off (`_case_topic`) or a closed case rated (`_fb_handoff`)."""
    if feedback is None or (after.flow, after.step) != feedback or (before.flow, before.step) == feedback:
        return False
    slots: Mapping[str, Any] = after.slots or {}
    return bool(slots.get("topic")) and not any(slots.get(key) for key in ("_need_id", "_case_topic", "_fb_handoff"))


def rows(session: Session, *, since: date | None = None, until: date | None = None) -> list[tuple[Any, ...]]:
    """Every count row in the range (both ends included) as KEY + (count,) tuples: what the report reads."""
    query = select(*(getattr(StatCount, name) for name in KEY), StatCount.count)
    if since is not None:
        query = query.where(StatCount.day >= since)
    if until is not None:
        query = query.where(StatCount.day <= until)
    return [tuple(row) for row in session.execute(query)]


def sums(session: Session, *, since: date, until: date, by: tuple[str, ...],
         metrics: Iterable[str]) -> list[tuple[Any, ...]]:
    """The counts of `metrics` in the range summed by the KEY columns `by`: (*by values, total) rows, summed by the
    database (a year of counts is tens of thousands of rows; a table needs a few hundred sums)."""
    columns = [getattr(StatCount, name) for name in by]
    query = (select(*columns, func.sum(StatCount.count))
             .where(StatCount.day >= since, StatCount.day <= until, StatCount.metric.in_(list(metrics)))
             .group_by(*columns))
    return [(*row[:-1], int(row[-1])) for row in session.execute(query)]


def figures(session: Session, *, since: date | None = None, until: date | None = None) -> dict[tuple, int]:
    """(day, metric, topic, language) -> count summed over the other keys, for tests and quick looks."""
    totals: dict[tuple, int] = defaultdict(int)
    for row in rows(session, since=since, until=until):
        totals[row[:4]] += row[-1]
    return dict(totals)
