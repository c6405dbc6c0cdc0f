"""Timing for the benchmarks: the fastest of a few runs after a warm-up, so one slow run under load does not decide."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_time(run: Callable[[], object], repeats: int = 3) -> float:
    """Seconds of the fastest of ``repeats`` runs, after one untimed warm-up run."""
    run()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)
