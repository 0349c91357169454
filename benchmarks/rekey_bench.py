"""Time `lahitori rekey` (bot/db/rekey.py) over stored rows; prints rows a second and CPU a row.

    python benchmarks/rekey_bench.py [--rows 10000] [--batch-size 500] [--db URL --fresh]

Writes `--rows` transcript lines (message_log.text, 60-300 characters of Finnish, as citizens write) under key A,
then runs the rekey with DATA_KEY=B,A (every value re-encrypted), and again (every value already under B: the
cheap skip a rerun after a stop does). Without --db a new SQLite file (WAL, as the bot runs it); a PostgreSQL
URL needs --fresh, which drops and re-creates that database's public schema. CPU is this process's and, for a
PostgreSQL server on this machine, its backends' (from /proc).
"""
from __future__ import annotations

import argparse
import contextlib
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from benchmarks.engine_bench import backend_pids  # noqa: E402
from benchmarks.proc import cpu_seconds, machine_speed, reference_ms  # noqa: E402
from bot import crypto  # noqa: E402
from bot.db.models import Citizen, MessageLog  # noqa: E402
from bot.db.rekey import Rekey  # noqa: E402
from bot.db.session import make_engine, make_sessionmaker, upgrade, writer_lock  # noqa: E402

WORDS = ("äiti isä kotihoito ei pääse enää bussilla kauppaan tarvitsisi apua kotiin kuljetuspalvelu omaishoitaja "
         "jaksaminen yksinäisyys lääkäri hakemus kela asunto muisti kaatui eilen naapuri soittaa huomenna").split()


def fill(url: str, rows: int) -> None:
    crypto.install(crypto.Cipher([KEY_A.encode()]))
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    rng = random.Random(14)
    with sessions.begin() as session:
        citizens = [Citizen(channel="bench", external_id=str(i), language="fi") for i in range(max(1, rows // 20))]
        session.add_all(citizens)
        session.flush()
        for i in range(rows):
            words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 40)))
            session.add(MessageLog(citizen_id=citizens[i % len(citizens)].id, direction="in", sender="citizen",
                                   text=words))
    engine.dispose()


def timed(url: str, batch_size: int) -> tuple[int, int, float, float, float | None]:
    """(rows looked at, rows re-encrypted, seconds, CPU seconds here, CPU seconds of the server or None)."""
    engine = make_engine(url)
    backends = backend_pids(engine)
    job = Rekey(engine, crypto.Cipher([KEY_B.encode(), KEY_A.encode()]), batch_size=batch_size,
                lock=writer_lock(url))
    cpu, started = time.process_time(), time.perf_counter()
    reports = job.run()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    server = None
    if backends:
        with contextlib.suppress(OSError):  # a server on another machine: no figure
            server = cpu_seconds(backends)
    engine.dispose()
    return (sum(r.rows for r in reports), sum(r.rekeyed for r in reports), elapsed, cpu, server)


KEY_A, KEY_B = crypto.new_key(), crypto.new_key()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--db", help="database URL (default: a new SQLite file)")
    parser.add_argument("--fresh", action="store_true", help="PostgreSQL: drop and re-create the public schema first")
    args = parser.parse_args()
    url = args.db or f"sqlite:///{Path(tempfile.mkdtemp(prefix='lahitori-bench-')) / 'bench.db'}"
    if url.startswith("postgresql"):
        if not args.fresh:
            parser.error("a PostgreSQL database is emptied first: add --fresh if that is what you want")
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)
    fill(url, args.rows)
    speed = reference_ms()
    first = timed(url, args.batch_size)
    second = timed(url, args.batch_size)
    speed = machine_speed(speed, reference_ms())
    print(f"database: {url.split(':')[0]}, {args.rows} message_log rows, batches of {args.batch_size}")
    for name, (rows, rekeyed, seconds, cpu, server) in (("re-encrypting", first), ("rerun, all current", second)):
        server_part = f" + server {1e6 * server / rows:.0f} µs" if server is not None else ""
        print(f"{name}: {rekeyed} of {rows} rows re-encrypted in {seconds:.2f} s, {rows / seconds:,.0f} rows/s; "
              f"CPU a row: this process {1e6 * cpu / rows:.0f} µs{server_part}")
    print(speed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
