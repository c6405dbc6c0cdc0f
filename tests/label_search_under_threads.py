"""Run the label-error search from several threads while other threads take and release locks.

Started as a separate process by tests/test_label_issues.py (and by hand to reproduce issue 15),
so a hang is caught by the caller's time limit instead of freezing the test run. Prints
"done <n>" when every search finished.

    python -m tests.label_search_under_threads --searches 200 --threads 4
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from lib.quality.label_issues import likely_label_errors
from lib.quality.metrics import SENTIMENT_LABELS
from lib.stores import contract


def _predictions(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    proba = rng.dirichlet(np.ones(len(SENTIMENT_LABELS)), size=n)
    given = rng.choice(SENTIMENT_LABELS, size=n)
    frame = pd.DataFrame({contract.TRUE_LABEL: given})
    for i, label in enumerate(SENTIMENT_LABELS):
        frame[contract.proba_column(label)] = proba[:, i]
    return frame


def _busy_with_locks(stop: threading.Event) -> None:
    """Take and release the locks a Streamlit server's other threads hold all the time."""
    logger = logging.getLogger("busy")
    shared = threading.Lock()
    matrix = np.random.default_rng(0).random((300, 300))
    while not stop.is_set():
        with shared:
            logger.info("busy")  # logging's module and handler locks
            sys.stderr.write(".")  # the stderr buffer's lock
            sys.stderr.flush()
            matrix @ matrix  # the BLAS thread pool's locks
            pd.DataFrame({"x": matrix[0]}).groupby(matrix[1] > 0.5).mean()


def main(argv: list[str] | None = None) -> int:
    """Run the searches; exit 0 after printing how many finished."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--busy-threads", type=int, default=3)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    frame = _predictions(4_000, seed=1)
    stop = threading.Event()
    busy = [threading.Thread(target=_busy_with_locks, args=(stop,), daemon=True) for _ in range(args.busy_threads)]
    for thread in busy:
        thread.start()
    with ThreadPoolExecutor(args.threads) as pool:
        flagged = list(pool.map(lambda _: len(likely_label_errors(frame)), range(args.searches)))
    stop.set()
    print(f"done {len(flagged)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
