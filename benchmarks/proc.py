"""CPU time of processes on this machine, from Linux /proc: shared by the benchmark scripts."""
from __future__ import annotations

import os
import statistics
import time
from pathlib import Path


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time of these processes so far; OSError when one is not on this machine."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def reference_ms(rounds: int = 5) -> float:
    """CPU milliseconds of a fixed piece of interpreter work (median of `rounds`): this machine's speed right now.

    The same code's figures move with it (a shared host's load changes from minute to minute), so the scripts
    print it before and after they measure; a run is only comparable with runs of a similar reference."""
    times = []
    for _ in range(rounds):
        start = time.process_time()
        sum(len(str(number).encode()) for number in range(200_000))
        times.append(1000 * (time.process_time() - start))
    return statistics.median(times)


def machine_speed(before: float, after: float) -> str:
    return f"machine speed: reference work {before:.1f} ms CPU before the run, {after:.1f} ms after (lower is faster)"
