"""The server time of the statistics (/stats, its CSV tables and charts) over a year of counts, in this process.

    python benchmarks/stats_bench.py --db URL [--days 365] [--seed 1] [--repeat 5] [--per-day 115]

The database is migrated first (as `lahitori db upgrade`), gets the demo units (bot/demo.py) and an admin console
account (`stats-bench`). When its stat_count is empty, it is filled with --days of counts up to today as the bot
counts them (bot/handoff/stats.py): about --per-day conversations a weekday (fewer at weekends and in July) in three
units, 15 topics, Finnish and Swedish, the flows' municipalities and the telegram and terminal channels; each ends
with the service card alone, a need (handed on, or the consent declined), or nothing; a case is claimed and
contacted in a waiting-time band with the promise kept or not; some give a rating, a few with a comment (feedback
rows, encrypted as the app writes them); a few get crisis help. The counts are summed in memory and written with
bulk inserts. A stat_count that has rows is measured as it is (so a later run measures the same year).

The real app (bot/web/app.py) runs in this process behind Starlette's TestClient, signed in through the login form;
server time is measured by an ASGI middleware around the app, from the request reaching it to its last body byte.
Measured, --repeat times each: the report function alone (bot/handoff/stats_report.report) over the year, GET /stats
(the default 30 days, and the year by day, week and month), the CSV of every table and every chart for the year by
day (the largest tables), after one chart of the default range (the process's first chart loads matplotlib). A
chart's first request is drawn, later ones of the same figures come from the app's cache of drawings: the table
shows the first request's time beside the median and the max.
"""
from __future__ import annotations

import argparse
import random
import shlex
import statistics
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select  # noqa: E402
from sqlalchemy.exc import ArgumentError, OperationalError  # noqa: E402

from benchmarks.proc import machine_speed, reference_ms  # noqa: E402
from benchmarks.server_time import ServerTime  # noqa: E402
from bot.config import ConfigError, load_settings  # noqa: E402
from bot.db.models import Feedback, StaffAccount, StatCount  # noqa: E402
from bot.db.session import upgrade  # noqa: E402
from bot.demo import ELDERLY, GENERAL, SOCIAL, seed  # noqa: E402
from bot.handoff import stats, stats_report  # noqa: E402
from bot.services import Services, build  # noqa: E402
from bot.web import accounts  # noqa: E402
from bot.web.app import create_app  # noqa: E402
from bot.web.cli import _NoClassifier  # noqa: E402

with warnings.catch_warnings():  # Starlette asks for httpx2 in its test client; httpx is what the project pins
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

ADMIN, PASSWORD = "stats-bench", "statistics bench only"
TOPICS = ELDERLY + SOCIAL + GENERAL
TOPIC_WEIGHTS = [14, 8, 7, 6, 5, 9, 7, 3, 6, 4, 5, 10, 6, 3, 4]
PLACES = {"porvoo": 30, "sipoo": 22, "loviisa": 16, "askola": 4, "lapinjarvi": 3, "myrskyla": 2, "pornainen": 4,
          "pukkila": 2, "other": 3, "": 2}
UNIT_OF = {"sipoo": "sipoo", "loviisa": "loviisa", "lapinjarvi": "loviisa"}  # the rest: porvoo
BAND_WEIGHTS = {"claimed": [30, 35, 15, 12, 6, 2], "contacted": [8, 22, 20, 25, 18, 7]}
HELP = ("medical", "suicidal", "poisoning", "violence")
COMMENTS = ("Sain heti oikean numeron, kiitos.", "Olisin halunnut puhua ihmisen kanssa.",
            "Det var lätt att hitta rätt.", "Vastaus tuli nopeasti.", "Svaret kom först efter en vecka.")


def day_counts(rng: random.Random, day: date, per_day: float) -> tuple[Counter[tuple[str, ...]], list[Feedback]]:
    """One day's counts keyed by stats.KEY minus the day, and its feedback comments."""
    scale = (1.0 if day.weekday() < 5 else 0.3) * (0.7 if day.month == 7 else 1.0)
    counts: Counter[tuple[str, ...]] = Counter()
    comments: list[Feedback] = []
    noon = datetime(day.year, day.month, day.day, 10, tzinfo=UTC)
    for _ in range(max(0, round(rng.gauss(per_day * scale, (per_day * scale) ** 0.5)))):
        lang = "sv" if rng.random() < 0.28 else "fi"
        channel = "terminal" if rng.random() < 0.15 else "telegram"
        if rng.random() < 0.007:
            counts[("crisis_help", "", lang, "", channel, "", rng.choice(HELP))] += 1
            continue
        topic = rng.choices(TOPICS, TOPIC_WEIGHTS)[0]
        end, unit = rng.random(), ""
        if end < 0.55:
            counts[("guidance_only", topic, lang, "", channel, "", "")] += 1
        elif end < 0.9:
            place = rng.choices(list(PLACES), list(PLACES.values()))[0]
            unit = UNIT_OF.get(place, "porvoo")
            counts[("need", topic, lang, place, channel, "", "")] += 1
            if rng.random() < 0.08:
                counts[("consent_declined", topic, lang, place, channel, unit, "")] += 1
                unit = ""
            else:
                counts[("handoff", topic, lang, place, channel, unit, "")] += 1
                for metric in stats.WAITS:
                    band = rng.choices([name for name, _high in stats.BANDS], BAND_WEIGHTS[metric])[0]
                    counts[(metric, topic, lang, "", "", unit, band)] += 1
                promise = rng.choices(stats.PROMISE, [80, 15, 5])[0]
                counts[("contact_promise", topic, lang, "", "", unit, promise)] += 1
        else:
            continue  # left before the card
        if rng.random() < 0.25:
            score = rng.choices(range(1, 6), [2, 3, 10, 30, 55])[0]
            counts[(f"feedback_{score}", topic, lang, "", channel, unit, "")] += 1
            if rng.random() < 0.1:
                comments.append(Feedback(topic=topic, score=score, comment=rng.choice(COMMENTS),
                                         created_at=noon + timedelta(minutes=rng.randrange(480))))
    return counts, comments


def fill(services: Services, *, days: int, today: date, seed_value: int, per_day: float) -> int:
    """Write `days` of counts up to today into an empty stat_count; the rows written (0 when it had rows)."""
    rng = random.Random(seed_value)
    with services.sessions.begin() as session:
        if session.scalar(select(func.count()).select_from(StatCount)):
            return 0
        written = 0
        for offset in range(days - 1, -1, -1):
            day = today - timedelta(days=offset)
            counts, comments = day_counts(rng, day, per_day)
            rows = [dict(zip(stats.KEY, (day, *key), strict=True), count=n) for key, n in counts.items()]
            if rows:
                session.execute(insert(StatCount), rows)
            session.add_all(comments)
            written += len(rows)
        return written


def prepare(services: Services) -> None:
    """The demo units (for the unit names) and the admin account, unless they exist."""
    with services.sessions.begin() as session:
        seed(session)
        if session.scalar(select(StaffAccount).where(StaffAccount.username == ADMIN)) is None:
            accounts.add(session, username=ADMIN, password=PASSWORD, role="admin", coordinator=None, language="fi",
                         now=services.clock())


class Timings:
    def __init__(self, repeat: int) -> None:
        self.repeat = repeat
        self.rows: list[tuple[str, list[float]]] = []

    def add(self, what: str, once: Callable[[], float]) -> None:
        times = [once() for _ in range(self.repeat)]
        self.rows.append((what, times))

    def table(self) -> str:
        lines = ["| what | runs | first ms | median ms | max ms |", "|---|---:|---:|---:|---:|"]
        for what, times in self.rows:
            lines.append(f"| {what} | {len(times)} | {times[0]:.0f} | {statistics.median(times):.0f} | "
                         f"{max(times):.0f} |")
        return "\n".join(lines)


def sign_in(client: TestClient) -> None:
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    answer = client.post("/login", data={"username": ADMIN, "password": PASSWORD, "csrf_token": token},
                         follow_redirects=False)
    if answer.status_code != 303:
        raise SystemExit(f"cannot sign in as {ADMIN!r} (HTTP {answer.status_code})")


def measure(services: Services, today: date, days: int, repeat: int) -> Timings:
    timer = ServerTime(create_app(services, secure_cookie=False))
    timings = Timings(repeat)
    since = today - timedelta(days=days - 1)
    year = {"from": since.isoformat(), "to": today.isoformat()}
    with services.sessions() as session:
        keys = [table.key for table in stats_report.report(session, since, today, with_comments=False).tables]

    def report_alone() -> float:
        started = time.perf_counter()
        with services.sessions() as session:
            stats_report.report(session, since, today, "day", tz=services.settings.timezone)
        return 1000 * (time.perf_counter() - started)

    with TestClient(timer, base_url="http://127.0.0.1") as client:
        sign_in(client)

        def get(url: str, params: dict[str, str] | None = None) -> Callable[[], float]:
            def once() -> float:
                answer = client.get(url, params=params)
                if answer.status_code != 200:
                    raise SystemExit(f"GET {url} {params} answered {answer.status_code}")
                return timer.last
            return once

        timings.add(f"report() alone, {days} days by day", report_alone)
        timings.add("GET /stats (default: 30 days by day)", get("/stats"))
        for group in ("day", "week", "month"):
            timings.add(f"GET /stats, {days} days by {group}", get("/stats", {**year, "group": group}))
        for key in keys:
            timings.add(f"GET /stats.csv?table={key}, {days} days by day",
                        get("/stats.csv", {**year, "group": "day", "table": key}))
        page = client.get("/stats", params={**year, "group": "day"}).text
        timings.add("GET /stats/chart/crisis.svg, 30 days: the first chart loads matplotlib",
                    get("/stats/chart/crisis.svg"))
        for key in keys:
            if f"/stats/chart/{key}.svg" in page:
                timings.add(f"GET /stats/chart/{key}.svg, {days} days by day",
                            get(f"/stats/chart/{key}.svg", {**year, "group": "day"}))
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="database URL (migrated here first)")
    parser.add_argument("--days", type=int, default=365, help="days of counts up to today (default 365)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5, help="requests of each kind (default 5)")
    parser.add_argument("--per-day", type=float, default=115, help="conversations on a weekday (default 115)")
    args = parser.parse_args()
    if args.days < 1 or args.repeat < 1 or args.per_day < 0:
        parser.error("--days and --repeat must be at least 1, --per-day not negative")
    try:
        settings = load_settings(DATABASE_URL=args.db)
        upgrade(args.db)
        services = build(settings, classifier=_NoClassifier())
    except (ConfigError, ArgumentError, OperationalError) as error:
        print(f"cannot prepare {args.db}: {str(error).splitlines()[0]}", file=sys.stderr)
        return 2
    speed: list[Any] = [reference_ms()]
    today = stats.local_day(services.clock(), settings.timezone)
    prepare(services)
    started = time.perf_counter()
    written = fill(services, days=args.days, today=today, seed_value=args.seed, per_day=args.per_day)
    filled = time.perf_counter() - started
    timings = measure(services, today, args.days, args.repeat)
    speed.append(reference_ms())
    with services.sessions() as session:
        rows = session.scalar(select(func.count()).select_from(StatCount))
        comments = session.scalar(select(func.count()).select_from(Feedback).where(Feedback.comment.is_not(None)))
    where = services.db.url.render_as_string(hide_password=True)
    print(f"statistics benchmark: {where}; stat_count {rows:,} rows, {comments:,} feedback comments; "
          + (f"filled {written:,} rows in {filled:.1f} s" if written else "stat_count had rows: measured as it is"))
    print(f"command: {shlex.join(['python', *sys.argv])}")
    print("app: Starlette TestClient in this process; server time by an ASGI middleware around the app")
    print()
    print(timings.table())
    print()
    print(machine_speed(*speed))
    services.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
