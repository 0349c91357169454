"""Drive scripted turns through the runner and engine on a real database; prints turn time figures.

    python benchmarks/engine_bench.py [--turns 10000] [--db URL]

NLU is excluded (a constant keyword classifier), as is language detection; everything else is real:
the flows, the engine, routing, consent, handoff, encryption and one committed transaction per turn, with an
update id as the Telegram channel gives one. CPU time is counted for this process and, for a PostgreSQL server
on this machine, for its backend serving the turns (from /proc).
"""
from __future__ import annotations

import argparse
import contextlib
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event  # noqa: E402

from benchmarks.proc import cpu_seconds, machine_speed, reference_ms  # noqa: E402
from bot import conversation  # noqa: E402
from bot.config import PROJECT_ROOT, load_settings  # noqa: E402
from bot.conversation import TurnRunner  # noqa: E402
from bot.crypto import new_key  # noqa: E402
from bot.db.session import make_sessionmaker, upgrade  # noqa: E402
from bot.demo import seed  # noqa: E402
from bot.services import build  # noqa: E402
from nlu.types import Prediction  # noqa: E402

SCRIPT = [  # (kind, value): a whole Finnish conversation that reaches a handoff and gives feedback
    ("start", None), ("text", "tarviin taksikortin isälle"), ("button", 0), ("text", "Isä ei pääse enää bussilla."),
    ("button", 1), ("button", 0), ("button", 1), ("button", 1), ("button", 0), ("button", 0), ("button", 0),
    ("button", 1), ("button", 4), ("text", "Kiitos!"),
]


class ConstantClassifier:
    def predict(self, text: str) -> Prediction:
        return Prediction(intent="transport_service", confidence=0.9, backend="constant")


def backend_pids(engine) -> list[int]:  # noqa: ANN001
    """The PostgreSQL server processes of this engine's connections, noted as they connect (none on SQLite)."""
    pids: list[int] = []

    def note(dbapi_connection, _record) -> None:  # noqa: ANN001
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT pg_backend_pid()")
        pids.append(cursor.fetchone()[0])
        dbapi_connection.rollback()

    if engine.dialect.name == "postgresql":
        event.listen(engine, "connect", note)
        engine.dispose()
    return pids


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=10_000)
    parser.add_argument("--db", help="database URL (default: a new SQLite file)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="lahitori-bench-"))
    url = args.db or f"sqlite:///{workdir / 'bench.db'}"
    upgrade(url)
    settings = load_settings(DATABASE_URL=url, DATA_KEY=new_key(), FLOWS_DIR=str(PROJECT_ROOT / "flows"))
    services = build(settings, classifier=ConstantClassifier())
    conversation.detect_language = lambda text: None  # language detection is NLU: excluded here
    with make_sessionmaker(services.db).begin() as session:
        seed(session)
    backends = backend_pids(services.db)
    runner = TurnRunner(services)
    speed = reference_ms()
    timings: list[float] = []
    cpu, server_cpu = time.process_time(), None
    citizen, step, buttons = 0, 0, ()
    started = time.perf_counter()
    while len(timings) < args.turns:
        kind, value = SCRIPT[step]
        user = f"bench-{citizen}"
        t0 = time.perf_counter()
        given = {"start": True} if kind == "start" else {"text": value} if kind == "text" else \
            {"payload": buttons[value].payload}
        result = runner.handle(channel="bench", external_id=user, update_id=len(timings), **given)
        timings.append(time.perf_counter() - t0)
        shown = [r.buttons for r in result.replies if r.buttons]
        buttons = shown[-1] if shown else buttons
        step += 1
        if step == len(SCRIPT):
            citizen, step, buttons = citizen + 1, 0, ()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    speed = machine_speed(speed, reference_ms())
    if backends:
        with contextlib.suppress(OSError):  # a server on another machine: no figure
            server_cpu = cpu_seconds(backends)
    timings.sort()
    ms = [t * 1000 for t in timings]
    print(f"database: {url.split(':')[0]}")
    print(f"turns: {len(ms)} ({citizen} whole conversations reaching a handoff)")
    print(f"turn time median: {statistics.median(ms):.2f} ms")
    print(f"turn time p99: {ms[int(len(ms) * 0.99) - 1]:.2f} ms")
    print(f"turns/s (one thread): {len(ms) / elapsed:.0f}")
    server = f" + database server {1000 * server_cpu / len(ms):.2f} ms" if server_cpu is not None else ""
    print(f"CPU a turn: this process {1000 * cpu / len(ms):.2f} ms{server}")
    print(f"max RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(speed)
    services.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
