"""Run every benchmark, one after another, then repeat each one's PASS/FAIL lines: ``python -m benchmarks``.

Each benchmark runs in its own process (its own imports and memory), so one cannot slow the next.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BENCHMARKS = (
    "bench_metrics",
    "bench_mistakes",
    "bench_weak_spots",
    "bench_evaluate",
    "bench_two_models",
    "bench_estimates",
    "bench_stress",
    "bench_annotations",
    "bench_pages",
    "bench_fresh_starts",
    "bench_load",
)


def main() -> int:
    """Run them all; exit 1 when any failed or printed FAIL."""
    root = Path(__file__).resolve().parent.parent
    verdicts: list[str] = []
    failed = False
    for name in BENCHMARKS:
        print(f"\n=== {name}", flush=True)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", f"benchmarks.{name}"], cwd=root, capture_output=True, text=True)
        print(done.stdout + done.stderr[-4000:], flush=True)
        lines = [line.strip() for line in done.stdout.splitlines() if "PASS" in line or "FAIL" in line]
        failed |= done.returncode != 0 or any("FAIL" in line for line in lines)
        verdicts += [f"{name}: {line}" for line in lines] or [f"{name}: exit code {done.returncode}"]
        print(f"({time.perf_counter() - started:.0f} s)", flush=True)
    print("\n=== summary")
    print("\n".join(verdicts))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
