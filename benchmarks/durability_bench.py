"""Never lose a message, in figures: runs the real-process tests (tests/channels/test_durability_e2e.py,
test_outbox_e2e.py and test_instances_e2e.py) and prints what they measure: messages handled per run (every one
exactly once, in order, or the run fails), how long after each SIGKILL the bot answered again (restart included),
replies sent twice after a kill (the first of them marked as a possible repeat), how soon replies committed but
not sent at a kill went out after the restart, the outbox under kills (60 cards: every one delivered, copies sent
twice, each marked, and how soon sending went on), the crisis help's delay and another chat's latency during a
200-message flood, and two webhook instances' updates/s.

    python benchmarks/durability_bench.py [--pg URL]

With --pg (or LAHITORI_TEST_PG_URL) the PostgreSQL cases run too (scripts/pg-test-server start prints a URL).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ["tests/channels/test_durability_e2e.py", "tests/channels/test_outbox_e2e.py",
         "tests/channels/test_instances_e2e.py"]
FIGURES = ("messages,", "kept replies", "outbox,", "crisis help", "two instances:")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", help="PostgreSQL URL for the postgres cases (default: LAHITORI_TEST_PG_URL)")
    args = parser.parse_args()
    env = dict(os.environ)
    if args.pg:
        env["LAHITORI_TEST_PG_URL"] = args.pg
    run = subprocess.run([sys.executable, "-m", "pytest", *TESTS, "-q", "-s", "-p", "no:cacheprovider"], cwd=ROOT,
                         env=env, capture_output=True, text=True, check=False)
    for line in run.stdout.splitlines():
        if any(mark in line for mark in FIGURES):
            print(line.strip(" ."))
    print(run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-2000:])
    return run.returncode


if __name__ == "__main__":
    sys.exit(main())
