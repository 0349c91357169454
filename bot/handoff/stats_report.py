"""The lähitori's figures for a date range, from `stat_count` alone (bot/handoff/stats.py): tables of labels and
numbers for /stats, `lahitori stats` and their CSV. No figure points to a person: a count from 1 to 4 is shown as
"<5", a share only when its counts are 0 or 5 and more, a median or a mean only over 5 and more, and a count from
which a hidden one could be worked out is left out too (bot/handoff/stats_protect.py).

The waiting times are estimated from bands of working hours (stats.BANDS), by interpolating inside the band where
the median or the 90th percentile falls; in the open last band the answer is "over 72 h". A table is a function
over the counts in TABLES: a later measure (follow-up answers, an NPS-style question) is one more metric and one
more function here.

The database sums the range's counts in two queries (by day and metric for the period table, and by every other key
for the rest, a few thousand rows for a year); each table adds up its figures from those in Python, and a CSV or a
chart asks only for its own table.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import Feedback, Handoff, StatCount, Unit
from bot.handoff import stats
from bot.handoff.stats_protect import SMALL, SUPPRESSED, Row, Value, protect  # noqa: F401 - SUPPRESSED for readers
from bot.i18n import N_

logger = logging.getLogger(__name__)

GROUPS = ("day", "week", "month")
TOTAL = "*"  # the label of a table's total row
SUPPRESSION_NOTE = N_("Counts from 1 to 4 are shown as <5 and the shares, medians and means that would rest on them "
                      "are left out, so that no figure points to a single person.")
SECONDARY_NOTE = N_("A figure from which a hidden count could be worked out is left out as well (–).")
BANDS_NOTE = N_("Waiting times are in the unit's working hours from the handoff. Medians and 90th percentiles are "
                "estimated from waiting-time bands, since no case times are kept for statistics.")
MATTERS_NOTE = N_("A matter is a need recorded for handing on, or a conversation that ended with the service card "
                  "alone (help at the first encounter).")


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    title: str  # msgid
    kind: str = "count"  # count | share | hours | mean
    parts: tuple[str, ...] = ()  # a count: the columns it adds up, for secondary suppression
    bounds: tuple[str, ...] = ()  # a count: the columns whose sum it is at least
    rests_on: tuple[str, ...] = ()  # a share or a mean: the counts it is left out with


@dataclass(slots=True)
class Table:
    key: str  # in URLs: /stats.csv?table=topics
    title: str  # msgid
    label: str  # msgid of the first column
    kind: str  # how the row labels read: period | topic | language | municipality | channel | unit | band | help
    columns: tuple[Column, ...]
    rows: list[Row] = field(default_factory=list)
    notes: tuple[str, ...] = (SUPPRESSION_NOTE, SECONDARY_NOTE)
    chart: tuple[str, ...] = ()  # the column keys the chart draws

    def column(self, key: str) -> list[Value]:
        index = [c.key for c in self.columns].index(key)
        return [values[index] for _label, values in self.rows]


@dataclass(frozen=True, slots=True)
class Comment:
    """A feedback comment for admins: its words with the date, topic, unit and score, and nothing about who."""

    day: date
    topic: str
    unit: str
    score: int
    text: str


@dataclass(slots=True)
class Report:
    since: date
    until: date
    group: str
    tables: list[Table]
    comments: list[Comment]
    units: dict[str, tuple[str, str]]  # code -> (name_fi, name_sv)

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


# Suppression and estimates -------------------------------------------------------------------------------------

def share(part: int, whole: int) -> Value:
    """part / whole, only when neither rests on fewer than 5 people (a part of 0 is fine)."""
    if whole < SMALL or 0 < part < SMALL:
        return None
    return part / whole


def percentile(bands: dict[str, int], q: float) -> Value:
    """The q-quantile (0.5: the median) of a wait from band counts, interpolated inside its band; inf in the open
    band; None under 5."""
    total = sum(bands.values())
    if total < SMALL:
        return None
    rank, below, low = q * total, 0, 0.0
    for name, high in stats.BANDS:
        inside = bands.get(name, 0)
        if inside and below + inside >= rank:
            return float("inf") if high == float("inf") else low + (rank - below) / inside * (high - low)
        below, low = below + inside, high
    return float("inf")


def mean_score(scores: dict[int, int]) -> Value:
    total = sum(scores.values())
    return sum(score * n for score, n in scores.items()) / total if total >= SMALL else None


# Periods -------------------------------------------------------------------------------------------------------

def period(day: date, group: str) -> str:
    """'2026-11-24', '2026-W48' (ISO week) or '2026-11'."""
    if group == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if group == "month":
        return f"{day:%Y-%m}"
    return day.isoformat()


def periods(since: date, until: date, group: str) -> list[str]:
    labels: list[str] = []
    day = since
    while day <= until:
        label = period(day, group)
        if not labels or labels[-1] != label:
            labels.append(label)
        day += timedelta(days=1)
    return labels


# Tables --------------------------------------------------------------------------------------------------------

Counts = dict[str, dict[str, int]]  # metric -> row label -> count
MATTER_COLUMNS = (
    Column("matters", N_("Matters"), parts=("guidance_only", "need")), Column("guidance_only", N_("Card only")),
    # a need is handed on, or its consent declined, or neither yet: the needs bound the two
    Column("need", N_("Needs recorded"), bounds=("handoff", "consent_declined")), Column("handoff", N_("Handed on")),
    Column("consent_declined", N_("Consent declined")),
    Column("guidance_share", N_("Card only, share"), "share", rests_on=("guidance_only", "matters")),
    Column("handoff_share", N_("Handed on, share"), "share", rests_on=("handoff", "matters")),
    Column("declined_share", N_("Declined, share"), "share", rests_on=("consent_declined", "matters")),
)
NOTES = (MATTERS_NOTE, SUPPRESSION_NOTE, SECONDARY_NOTE)


def _matters(labels: Iterable[str], counts: Counts) -> list[Row]:
    rows: list[Row] = []
    for label in labels:
        guidance, need = counts["guidance_only"].get(label, 0), counts["need"].get(label, 0)
        handoff, declined = counts["handoff"].get(label, 0), counts["consent_declined"].get(label, 0)
        matters = guidance + need
        rows.append((label, (matters, guidance, need, handoff, declined,
                             share(guidance, matters), share(handoff, matters), share(declined, matters))))
    return rows


Fetch = Callable[[tuple[str, ...], Iterable[str]], list[tuple[Any, ...]]]  # (by, metrics) -> sums (stats.sums)


def _by(fetch: Fetch, dimension: str, metrics: Iterable[str], *, key: Callable[[Any], str] | None = None) -> Counts:
    """metric -> label -> count, the label being the `dimension`'s value (or `key` of it), with a TOTAL."""
    counts: Counts = defaultdict(lambda: defaultdict(int))
    for metric, value, n in fetch(("metric", dimension), metrics):
        label = key(value) if key is not None else value
        counts[metric][label] += n
        counts[metric][TOTAL] += n
    return counts


MATTER_METRICS = ("guidance_only", "need", "handoff", "consent_declined")
MUNICIPALITY_COLUMNS = tuple(c for c in MATTER_COLUMNS if c.key in ("need", "handoff", "consent_declined"))


def _sorted(counts: Counts, metric: str) -> list[str]:
    """The labels that occur, most of `metric` first."""
    labels = {label for by_label in counts.values() for label in by_label} - {TOTAL}
    return sorted(labels, key=lambda label: (-counts[metric].get(label, 0), label))


def contacts(fetch: Fetch, since: date, until: date, group: str) -> Table:
    counts = _by(fetch, "day", MATTER_METRICS, key=lambda day: period(day, group))
    return Table("contacts", N_("Matters by period"), N_("Period"), "period", MATTER_COLUMNS,
                 _matters([*periods(since, until, group), TOTAL], counts), NOTES,
                 chart=("guidance_only", "handoff", "consent_declined"))


def matters_by(fetch: Fetch, dimension: str, *, key: str, title: str, label: str,
               columns: tuple[Column, ...] = MATTER_COLUMNS,
               chart: tuple[str, ...] = ("guidance_only", "need")) -> Table:
    counts = _by(fetch, dimension, MATTER_METRICS)
    keep = [MATTER_COLUMNS.index(column) for column in columns]
    table_rows = [(name, tuple(values[i] for i in keep))
                  for name, values in _matters([*_sorted(counts, "need"), TOTAL], counts)]
    return Table(key, title, label, dimension, columns, table_rows, NOTES, chart)


def waiting_bands(fetch: Fetch) -> Table:
    counts = _by(fetch, "bucket", stats.WAITS)
    return Table("waiting_bands", N_("Waiting times by band"), N_("Working hours from the handoff"), "band",
                 (Column("claimed", N_("Claimed")), Column("contacted", N_("Contacted"))),
                 [(name, (counts["claimed"].get(name, 0), counts["contacted"].get(name, 0)))
                  for name in [*(name for name, _high in stats.BANDS), TOTAL]],  # the total is in `waiting` too
                 (BANDS_NOTE, SUPPRESSION_NOTE, SECONDARY_NOTE), chart=("claimed", "contacted"))


def waiting(fetch: Fetch) -> Table:
    """Median and p90 to claim and to contact, and the promise kept, by unit and in all."""
    bands: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for metric, unit, bucket, n in fetch(("metric", "unit", "bucket"), (*stats.WAITS, "contact_promise")):
        for label in (unit, TOTAL):
            bands[metric][label][bucket] += n
    labels = sorted({label for by_unit in bands.values() for label in by_unit} - {TOTAL}) + [TOTAL]
    table_rows: list[Row] = []
    for label in labels:
        claimed, contacted, promise = (bands[m][label] for m in (*stats.WAITS, "contact_promise"))
        promised = promise.get("on_time", 0) + promise.get("late", 0)
        table_rows.append((label, (
            sum(claimed.values()), percentile(claimed, 0.5), percentile(claimed, 0.9),
            sum(contacted.values()), percentile(contacted, 0.5), percentile(contacted, 0.9),
            share(promise.get("on_time", 0), promised))))
    return Table("waiting", N_("Time from handoff to claim and to contact"), N_("Unit"), "unit", (
        Column("claimed", N_("Claimed")), Column("claim_median", N_("To claim, median"), "hours"),
        Column("claim_p90", N_("To claim, 90 %"), "hours"), Column("contacted", N_("Contacted")),
        Column("contact_median", N_("To contact, median"), "hours"),
        Column("contact_p90", N_("To contact, 90 %"), "hours"),
        Column("on_time", N_("Contacted by the promised time, share"), "share")), table_rows,
        (BANDS_NOTE, SUPPRESSION_NOTE, SECONDARY_NOTE))


def crisis(fetch: Fetch) -> Table:
    counts = _by(fetch, "bucket", ("crisis_help",))["crisis_help"]
    kinds = ["medical", "suicidal", "poisoning", "violence"]
    kinds += sorted(set(counts) - set(kinds) - {TOTAL})  # "" for counts from before the help kind was kept
    return Table("crisis", N_("Crisis help given, by kind"), N_("Help given"), "help",
                 (Column("crisis_help", N_("Times")),),
                 [(kind, (counts.get(kind, 0),)) for kind in [*kinds, TOTAL]], chart=("crisis_help",))


def feedback_by(fetch: Fetch, dimension: str, title: str, label: str) -> Table:
    scores: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for metric, value, n in fetch(("metric", dimension), stats.FEEDBACK):
        for name in (value, TOTAL):
            scores[name][int(metric[-1])] += n
    labels = sorted(set(scores) - {TOTAL}, key=lambda name: (-sum(scores[name].values()), name)) + [TOTAL]
    score_keys = tuple(f"score_{n}" for n in range(1, 6))
    columns = (Column("ratings", N_("Ratings"), parts=score_keys), *(Column(key, key[-1]) for key in score_keys),
               Column("mean", N_("Mean (1-5)"), "mean", rests_on=("ratings", *score_keys)))
    return Table(f"feedback_{dimension}s", title, label, dimension, columns,
                 [(name, (sum(scores[name].values()), *(scores[name].get(n, 0) for n in range(1, 6)),
                          mean_score(scores[name]))) for name in labels])


def comments(session: Session, since: date, until: date, tz: str) -> list[Comment]:
    """The feedback comments given in the range, newest first (decrypted; no citizen, no case number)."""
    start, end = stats.local_bounds(since, until, tz)
    query = (select(Feedback.created_at, Feedback.topic, Feedback.score, Feedback.comment, Unit.code)
             .outerjoin(Handoff, Handoff.id == Feedback.handoff_id).outerjoin(Unit, Unit.id == Handoff.unit_id)
             .where(Feedback.comment.is_not(None), Feedback.created_at >= start, Feedback.created_at < end)
             .order_by(Feedback.created_at.desc(), Feedback.id.desc()))
    return [Comment(stats.local_day(at, tz), topic or "", unit or "", score, text)
            for at, topic, score, text, unit in session.execute(query) if text]


class Sums:
    """The range's counts summed by the database in at most two queries, and a table's sums (a Fetch) added up from
    them: by metric and day for the period table, by metric and the `columns` the other tables read (a few thousand
    rows for a year)."""

    def __init__(self, session: Session, since: date, until: date, *, by_day: bool, metrics: set[str],
                 columns: set[str]) -> None:
        self.days = stats.sums(session, since=since, until=until, by=("metric", "day"),
                               metrics=MATTER_METRICS) if by_day else []
        self.names = ("metric", *(name for name in stats.KEY[2:] if name in columns))
        self.keys: list[tuple[Any, ...]] = []
        if metrics:
            keys = [getattr(StatCount, name) for name in self.names]
            query = select(*keys, func.sum(StatCount.count)).where(StatCount.day >= since, StatCount.day <= until)
            if not metrics >= stats.METRICS:  # the filter only slows the database down when every metric is read
                query = query.where(StatCount.metric.in_(sorted(metrics)))
            self.keys = [(*row[:-1], int(row[-1])) for row in session.execute(query.group_by(*keys))]

    def __call__(self, by: tuple[str, ...], metrics: Iterable[str]) -> list[tuple[Any, ...]]:
        source, names = (self.days, ("metric", "day")) if "day" in by else (self.keys, self.names)
        wanted, at = set(metrics), [names.index(name) for name in by]
        totals: dict[tuple[Any, ...], int] = defaultdict(int)
        for row in source:
            if row[0] in wanted:
                totals[tuple(row[i] for i in at)] += row[-1]
        return [(*key, n) for key, n in totals.items()]


Build = Callable[[Fetch, date, date, str], Table]
# key -> (the metrics and the KEY columns it reads, how it is made), in the page's order
TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...], Build]] = {
    "contacts": (MATTER_METRICS, ("day",), contacts),
    "topics": (MATTER_METRICS, ("topic",), lambda fetch, *_: matters_by(
        fetch, "topic", key="topics", title=N_("Matters by topic"), label=N_("Topic"))),
    "languages": (MATTER_METRICS, ("language",), lambda fetch, *_: matters_by(
        fetch, "language", key="languages", title=N_("Matters by language"), label=N_("Language"))),
    # the municipality is asked only when a need is recorded: there are no card-only matters to show by it
    "municipalities": (MATTER_METRICS, ("municipality",), lambda fetch, *_: matters_by(
        fetch, "municipality", key="municipalities", title=N_("Needs by municipality"), label=N_("Municipality"),
        columns=MUNICIPALITY_COLUMNS, chart=("need", "handoff"))),
    "channels": (MATTER_METRICS, ("channel",), lambda fetch, *_: matters_by(
        fetch, "channel", key="channels", title=N_("Matters by channel"), label=N_("Channel"))),
    "waiting": ((*stats.WAITS, "contact_promise"), ("unit", "bucket"), lambda fetch, *_: waiting(fetch)),
    "waiting_bands": (stats.WAITS, ("bucket",), lambda fetch, *_: waiting_bands(fetch)),
    "crisis": (("crisis_help",), ("bucket",), lambda fetch, *_: crisis(fetch)),
    "feedback_topics": (stats.FEEDBACK, ("topic",), lambda fetch, *_: feedback_by(
        fetch, "topic", N_("Feedback by topic"), N_("Topic"))),
    "feedback_units": (stats.FEEDBACK, ("unit",), lambda fetch, *_: feedback_by(
        fetch, "unit", N_("Feedback by unit"), N_("Unit"))),
}


def report(session: Session, since: date, until: date, group: str = "day", *, tz: str = stats.DEFAULT_TZ,
           with_comments: bool = True, tables: Iterable[str] | None = None) -> Report:
    """The tables (every one, or those keyed in `tables`, in TABLES' order) for the days since..until (both
    included), grouped by day, ISO week or month, each protected (stats_protect.protect)."""
    if group not in GROUPS:
        raise ValueError(f"group must be one of {', '.join(GROUPS)}")
    if until < since:
        raise ValueError("the range ends before it starts")
    keys = list(TABLES) if tables is None else [key for key in TABLES if key in set(tables)]
    others = [TABLES[key] for key in keys if key != "contacts"]
    fetch = Sums(session, since, until, by_day="contacts" in keys, metrics={m for spec in others for m in spec[0]},
                 columns={column for spec in others for column in spec[1]})
    built = [TABLES[key][2](fetch, since, until, group) for key in keys]
    for table in built:
        table.rows = protect(table.columns, table.rows, TOTAL)
    units = {code: (fi, sv) for code, fi, sv in session.execute(select(Unit.code, Unit.name_fi, Unit.name_sv))}
    return Report(since, until, group, built, comments(session, since, until, tz) if with_comments else [], units)
