"""The staff console's server time on a seeded year (seed_year.py): inbox, case page, statistics, consent to inbox.

    python benchmarks/console_bench.py --db URL [--requests 200] [--staff sari] [--password PW] [--events 20]

The real app (bot/web/app.py, built as `lahitori web` builds it) runs in this process under uvicorn on a free
loopback port; the client is httpx over that port, signed in through the login form as a staff coordinator
(--staff, a seed_year.py account) and as `admin`. Server time is measured by an ASGI middleware outside the app's
own: from the request reaching the app to its last body byte leaving it, so neither the client nor the loopback
network is in it (the client's own figure is printed beside it). Pages: the inbox's first page (/cases), the inbox
filtered (/cases?status=new&topic=T, T the commonest topic among the account's new cases), random case pages and
their transcripts (/cases/N among the cases the account may open, closed ones included; every opening is audited, as
in use), and for the admin /stats over the last year by month, with its CSV tables and charts, when the app has
them. Consent to inbox: the staff account's live inbox (/cases/events, server-sent events) is open while a citizen's
consent and case are written through the domain (bot/handoff/consent.record_decision and service.create_handoff in
one transaction, as a turn does), timed from the start of that transaction to the `inbox` event with the new count;
the cases made are deleted afterwards.
"""
from __future__ import annotations

import argparse
import hashlib
import html
import json
import queue
import random
import re
import resource
import shlex
import socket
import statistics
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from sqlalchemy import delete, func, select  # noqa: E402
from sqlalchemy.exc import ArgumentError, OperationalError  # noqa: E402

from benchmarks.proc import machine_speed, reference_ms  # noqa: E402
from benchmarks.server_time import ServerTime  # noqa: E402
from bot.config import PROJECT_ROOT, ConfigError, load_settings  # noqa: E402
from bot.db.models import (  # noqa: E402
    AuditEvent,
    Citizen,
    Consent,
    Coordinator,
    Handoff,
    MessageLog,
    Need,
    StaffAccount,
)
from bot.db.session import NotMigrated  # noqa: E402
from bot.handoff import consent as consent_rules  # noqa: E402
from bot.handoff.routing import OPEN_STATUSES  # noqa: E402
from bot.handoff.service import create_handoff  # noqa: E402
from bot.services import Services, build  # noqa: E402
from bot.web import inbox  # noqa: E402
from bot.web.app import create_app  # noqa: E402
from bot.web.cli import _NoClassifier  # noqa: E402

INBOX = PROJECT_ROOT / "bot" / "web" / "inbox.py"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def sign_in(base: str, username: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    answer = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    if answer.status_code != 303:
        raise SystemExit(f"cannot sign in as {username!r} (HTTP {answer.status_code}): seed the database with "
                         "benchmarks/seed_year.py, and give its --password")
    return client


class Timings:
    def __init__(self, timer: ServerTime) -> None:
        self.timer = timer
        self.rows: list[tuple[str, str, list[float], list[float]]] = []  # page, account, server ms, client ms

    def measure(self, client: httpx.Client, page: str, account: str, urls: list[str]) -> None:
        server, seen = [], []
        for url in urls:
            started = time.perf_counter()
            answer = client.get(url)
            seen.append(1000 * (time.perf_counter() - started))
            if answer.status_code != 200:
                raise SystemExit(f"GET {url} as {account} answered {answer.status_code}: the database is not a "
                                 "seeded year, or the app has changed")
            server.append(self.timer.last)
        self.rows.append((page, account, server, seen))

    def table(self) -> str:
        lines = ["| page | account | requests | server median ms | server p95 ms | client median ms |",
                 "|---|---|---:|---:|---:|---:|"]
        for page, account, server, seen in self.rows:
            lines.append(f"| {page} | {account} | {len(server)} | {statistics.median(server):.1f} | "
                         f"{percentile(server, 0.95):.1f} | {statistics.median(seen):.1f} |")
        return "\n".join(lines)


def openable(services: Services, username: str, count: int, rng: random.Random) -> tuple[list[int], str | None]:
    """Up to `count` case numbers (repeats allowed) the account may open, and its commonest topic of new cases."""
    with services.sessions() as session:
        account = session.scalars(select(StaffAccount).where(StaffAccount.username == username)).one()
        me = inbox.me(session, account)
        query = select(Handoff.id).where(Handoff.erased_at.is_(None))
        if me is not None:
            query = query.where(Handoff.unit_id == me.unit_id)
        numbers = list(session.scalars(query))
        rng.shuffle(numbers)
        chosen = [n for n in numbers[:count * 4] if inbox.may_see(session, account, session.get_one(Handoff, n))]
        topics = (select(Need.topic).join(Handoff, Handoff.need_id == Need.id).where(Handoff.status == "new")
                  .group_by(Need.topic).order_by(func.count().desc(), Need.topic).limit(1))
        if me is not None:
            topics = topics.where(Handoff.unit_id == me.unit_id)
        topic = session.scalar(topics)
    return [chosen[i % len(chosen)] for i in range(count)] if chosen else [], topic


def listen(client: httpx.Client, events: queue.Queue[tuple[float, int]], stop: threading.Event) -> None:
    """Read the live inbox: (arrival, count) for each `inbox` event, until stopped."""
    try:
        with client.stream("GET", "/cases/events", timeout=None) as stream:
            kind = None
            for line in stream.iter_lines():
                if stop.is_set():
                    return
                if line.startswith("event:"):
                    kind = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and kind == "inbox":
                    events.put((time.perf_counter(), json.loads(line[5:]).get("count", -1)))
    except httpx.HTTPError:
        return


def make_case(services: Services, *, coordinator: Coordinator, number: int) -> int:
    """A citizen's need, consent and case to this coordinator and their pair, in one transaction (as a turn)."""
    now = services.clock()
    with services.sessions.begin() as session:
        citizen = Citizen(channel="telegram", external_id=f"console-bench-{number}-{time.time_ns()}", language="fi",
                          created_at=now, last_seen_at=now)
        session.add(citizen)
        session.flush()
        need = Need(citizen_id=citizen.id, topic="home_support", description="Äiti tarvitsee apua kotona.",
                    for_whom="close_one", municipality="porvoo", urgency="soon", contact_preference="chat",
                    language="fi", created_at=now)
        session.add(need)
        session.flush()
        consent = consent_rules.record_decision(
            session, citizen_id=citizen.id, need_id=need.id, text="Annan luvan välittää tarpeeni (bench).",
            decision="given", lang="fi", unit_id=coordinator.unit_id, coordinator_id=coordinator.id,
            pair_id=coordinator.pair_id, now=now)
        create_handoff(session, need=need, consent=consent, now=now)
        return citizen.id


def consent_to_inbox(services: Services, client: httpx.Client, username: str, rounds: int,
                     rng: random.Random) -> list[float]:
    """Seconds from a consent's transaction starting to the staff member's live inbox counting the new case."""
    with services.sessions() as session:
        account = session.scalars(select(StaffAccount).where(StaffAccount.username == username)).one()
        coordinator = session.get_one(Coordinator, account.coordinator_id)
        session.expunge(coordinator)
    events: queue.Queue[tuple[float, int]] = queue.Queue()
    stop = threading.Event()
    reader = threading.Thread(target=listen, args=(client, events, stop), daemon=True)
    reader.start()
    _arrived, count = events.get(timeout=60)
    times, citizens = [], []
    try:
        for number in range(rounds):
            time.sleep(rng.uniform(0.2, 1.2))  # not in step with the stream's look at the inbox
            started = time.perf_counter()
            citizens.append(make_case(services, coordinator=coordinator, number=number))
            while True:
                arrived, seen = events.get(timeout=30)
                if seen == count + 1 or seen == -1:  # -1: the stream names no count
                    count = seen
                    times.append(arrived - started)
                    break
    finally:
        stop.set()
        remove(services, citizens)
    return times


def remove(services: Services, citizens: list[int]) -> None:
    """The benchmark's own cases go again: their rows and audit events."""
    if not citizens:
        return
    with services.sessions.begin() as session:
        cases = list(session.scalars(select(Handoff.id).where(Handoff.citizen_id.in_(citizens))))
        session.execute(delete(AuditEvent).where(AuditEvent.citizen_id.in_(citizens)))
        session.execute(delete(AuditEvent).where(AuditEvent.handoff_id.in_(cases)))
        session.execute(delete(MessageLog).where(MessageLog.citizen_id.in_(citizens)))
        session.execute(delete(Handoff).where(Handoff.id.in_(cases)))
        session.execute(delete(Consent).where(Consent.citizen_id.in_(citizens)))
        session.execute(delete(Need).where(Need.citizen_id.in_(citizens)))
        session.execute(delete(Citizen).where(Citizen.id.in_(citizens)))


def describe(services: Services) -> str:
    with services.sessions() as session:
        def rows(model: Any, *where: Any) -> int:
            return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

        opened = rows(Handoff, Handoff.status.in_(OPEN_STATUSES))
        return (f"{rows(Citizen):,} citizens, {rows(Handoff):,} cases ({opened:,} open), "
                f"{rows(MessageLog):,} transcript lines, {rows(AuditEvent):,} audit events")


def inbox_state() -> str:
    source = INBOX.read_text()
    paging = any(word in source for word in (".limit(", ".offset(", "PAGE", "page_size"))
    return f"bot/web/inbox.py md5 {hashlib.md5(source.encode()).hexdigest()}, paging {'yes' if paging else 'no'}"


def run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings(DATABASE_URL=args.db)
        services = build(settings, classifier=_NoClassifier())
    except (ConfigError, NotMigrated, ArgumentError, OperationalError) as error:
        print(f"cannot open {args.db}: {str(error).splitlines()[0]}", file=sys.stderr)
        return 2
    timer = ServerTime(create_app(services, secure_cookie=False))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(timer, host="127.0.0.1", port=port, log_level="warning", access_log=False,
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base, rng, n = f"http://127.0.0.1:{port}", random.Random(args.seed), args.requests
    speed = [reference_ms()]
    timings, notes = Timings(timer), []
    try:
        for username in (args.staff, "admin"):
            client = sign_in(base, username, args.password)
            numbers, topic = openable(services, username, n, rng)
            timings.measure(client, "/cases", username, ["/cases"] * n)
            filtered = f"/cases?status=new&topic={topic}" if topic else "/cases?status=new"
            timings.measure(client, "/cases?status=new&topic=T", username, [filtered] * n)
            if numbers:
                timings.measure(client, "/cases/N", username, [f"/cases/{number}" for number in numbers])
                if client.get(f"/cases/{numbers[0]}/transcript").status_code == 200:
                    timings.measure(client, "/cases/N/transcript", username,
                                    [f"/cases/{number}/transcript" for number in numbers])
            if username == "admin":
                notes = stats_pages(client, timings, username, max(5, n // 10))
            client.close()
        staff_client = sign_in(base, args.staff, args.password)
        waits = consent_to_inbox(services, staff_client, args.staff, args.events, rng)
        staff_client.close()
    finally:
        server.should_exit = True
        thread.join(10)
    speed.append(reference_ms())
    where = services.db.url.render_as_string(hide_password=True)
    print(f"console benchmark: {where}; {describe(services)}")
    print(f"command: {shlex.join(['python', *sys.argv])}")
    print(f"app: uvicorn in this process on 127.0.0.1:{port}, client httpx over loopback; server time by an ASGI "
          f"middleware around the app; {inbox_state()}")
    print()
    print(timings.table())
    print()
    for note in notes:
        print(note)
    print(f"consent -> case in {args.staff}'s open inbox (server-sent events, {len(waits)} cases): median "
          f"{1000 * statistics.median(waits):.0f} ms, max {1000 * max(waits):.0f} ms")
    print(f"peak memory of this process (app, server and client): "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MiB")
    print(machine_speed(*speed))
    services.close()
    return 0


def stats_pages(client: httpx.Client, timings: Timings, username: str, count: int) -> list[str]:
    """/stats over the last year by month, its CSV tables and charts (every link the page has, in turn), when the
    app has them; a note for what it has not."""
    today = datetime.now(ZoneInfo("Europe/Helsinki")).date()
    year = f"from={(today - timedelta(days=364)).isoformat()}&to={today.isoformat()}&group=month"
    page = client.get(f"/stats?{year}")
    if page.status_code == 404:
        return ["/stats: not in the app yet (404), not measured"]
    timings.measure(client, "/stats (a year, by month)", username, [f"/stats?{year}"] * count)
    notes = []
    for label, pattern in (("/stats.csv?table=K", r'href="(/stats\.csv\?[^"]+)"'),
                           ("/stats/chart/K.svg", r'src="(/stats/chart/[^"]+)"')):
        links = [html.unescape(link) for link in dict.fromkeys(re.findall(pattern, page.text))]
        if links:
            timings.measure(client, f"{label} ({len(links)} kinds)", username,
                            [links[i % len(links)] for i in range(count)])
        else:
            notes.append(f"{label}: the year's /stats page links none, not measured")
    return notes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="database URL of a year seeded by benchmarks/seed_year.py")
    parser.add_argument("--requests", type=int, default=200, help="requests a page and account (default 200)")
    parser.add_argument("--staff", default="sari", help="the staff account (default sari)")
    parser.add_argument("--password", default="year of data, bench only", help="the seeded accounts' password")
    parser.add_argument("--events", type=int, default=20, help="cases timed from consent to inbox (default 20)")
    parser.add_argument("--seed", type=int, default=1, help="which cases are opened")
    args = parser.parse_args()
    if args.requests < 1 or args.events < 1:
        parser.error("--requests and --events must be at least 1")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
