"""Publish-to-live time across instances: two bot processes follow the published flow versions
(bot/flowspec/live.py, a look every 2 s); this script publishes a changed set of flows, as the console or
`lahitori flows publish` does, and times until each instance runs it.

    python benchmarks/publish_bench.py [--db URL] [--rounds 10]

Each instance is a real process (`python -m benchmarks.publish_bench --instance`) that builds the bot's services,
follows the published versions and prints the version it runs whenever it changes, with the wall clock; the parent
reads those lines. Without --db a temporary SQLite file is used.
"""
from __future__ import annotations

import argparse
import os
import queue
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import PROJECT_ROOT  # noqa: E402
from bot.crypto import new_key  # noqa: E402

OLD = "Kuinka kiireellinen asia on?"


def instance(db: str) -> None:
    """A bot instance that follows the published flows and prints 'VERSION <label> <unix time>' on each change."""
    from bot.config import load_settings
    from bot.flowspec.startup import follow_published
    from bot.services import build
    from nlu.types import Prediction

    class Nothing:
        def predict(self, text: str) -> Prediction:
            return Prediction.nothing(backend="bench")

    services = build(load_settings(DATABASE_URL=db), classifier=Nothing())
    follow_published(services)
    seen = None
    while True:
        label = services.flows.current().version
        if label != seen:
            seen = label
            print(f"VERSION {label} {time.time():.4f}", flush=True)
        time.sleep(0.01)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--instance", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("DATA_KEY", new_key())
    db = args.db or f"sqlite:///{tempfile.mkdtemp(prefix='lahitori-publish-')}/bench.db"
    if args.instance:
        instance(db)
        return 0

    from bot.db.session import make_engine, make_sessionmaker, upgrade
    from bot.flowspec import versions

    upgrade(db)
    engine = make_engine(db)
    sessions = make_sessionmaker(engine)
    files = versions.read_files(PROJECT_ROOT / "flows")
    with sessions.begin() as session:
        versions.publish(session, files, by="system", note="publish_bench: start")
    env = {**os.environ, "DATABASE_URL": db}
    procs = [subprocess.Popen([sys.executable, "-m", "benchmarks.publish_bench", "--instance", "--db", db],
                              cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    lines: list[queue.Queue[tuple[str, float]]] = [queue.Queue() for _ in procs]

    def read(index: int) -> None:
        for line in procs[index].stdout or []:
            if line.startswith("VERSION "):
                _tag, label, at = line.split()
                lines[index].put((label, float(at)))

    for index in range(len(procs)):
        threading.Thread(target=read, args=(index,), daemon=True).start()

    def wait_for(index: int, label: str, timeout: float = 60) -> float:
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                seen, at = lines[index].get(timeout=1)
            except queue.Empty:
                continue
            if seen == label:
                return at
        raise SystemExit(f"publish_bench: instance {index + 1} did not take {label} within {timeout:.0f} s")

    try:
        for index in range(len(procs)):
            wait_for(index, "v1")
        delays: list[list[float]] = [[] for _ in procs]
        for round_ in range(args.rounds):
            time.sleep(random.uniform(0, 2.5))  # an admin publishes at any moment, not just after the instances looked
            changed = {**files, "intake.yaml": files["intake.yaml"].replace(OLD, f"{OLD[:-1]} ({round_ + 2})?")}
            with sessions.begin() as session:
                published_at = time.time()
                number = versions.publish(session, changed, by="admin:bench", note=f"round {round_}").id
            for index in range(len(procs)):
                delays[index].append(wait_for(index, f"v{number}") - published_at)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=10)
        engine.dispose()
    both = [max(pair) for pair in zip(*delays, strict=True)]
    where = "SQLite (temporary file)" if not args.db else engine.url.render_as_string(hide_password=True)
    print(f"publish -> live on 2 instances, {args.rounds} publishes, {where}")
    for index, values in enumerate(delays, 1):
        print(f"  instance {index}: median {statistics.median(values):.2f} s, max {max(values):.2f} s")
    print(f"  both instances: median {statistics.median(both):.2f} s, max {max(both):.2f} s")
    print(f"command: python benchmarks/publish_bench.py {' '.join(sys.argv[1:])}".rstrip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
