"""Parallel work that is safe inside the Streamlit server: one process, many threads.

Forking a process that runs other threads copies every lock some other thread holds at
that instant; the child can then wait for it forever. That is how the Mistakes page hung
on about one fresh server in five (issue 15: cleanlab started a ``multiprocessing.Pool``,
which forks by default on Linux before Python 3.14).

The rule for the whole app: **nothing in the server forks.** Library calls that can start
process pools get an explicit ``n_jobs=1`` (or joblib's ``loky`` backend, which spawns), and
:func:`use_safe_start_method` makes ``forkserver`` the process-wide default, so a pool some
library starts with default settings no longer forks the server either.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

SAFE_START_METHOD = "forkserver"
WORKER_NICENESS = 10
_THREAD_COUNT_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


# Loaded once by the fork server, so a worker starts in milliseconds with what scoring needs
# (it took 1-3 s to import them in every new worker). "__main__" is multiprocessing's default.
WORKER_PRELOAD = (
    "__main__",
    "numpy",
    "pandas",
    "scipy.sparse",
    "sklearn.pipeline",
    "sklearn.compose",
    "sklearn.feature_extraction.text",
    "sklearn.linear_model",
    "lib.scoring.vectorised_words",  # what a loaded scikit-learn text model is unpickled into
)


def use_safe_start_method() -> None:
    """Make ``forkserver`` the default start method of ``multiprocessing`` in this process."""
    if multiprocessing.get_start_method(allow_none=True) != SAFE_START_METHOD:
        multiprocessing.set_start_method(SAFE_START_METHOD, force=True)


def start_worker_server() -> None:
    """The safe start method, and its fork server started now with the scoring libraries loaded.

    Call it once when the process starts (``scripts/serve.py`` does, before the server has
    other threads): the first parallel scoring then starts its workers at once.
    """
    use_safe_start_method()
    multiprocessing.set_forkserver_preload(list(WORKER_PRELOAD))
    multiprocessing.forkserver.ensure_running()


def worker_count(limit: int | None = None) -> int:
    """Worker processes worth starting: the CPU cores this process may use, at most ``limit``."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cores, limit if limit is not None else cores))


def process_pool(workers: int, initializer: Callable[..., object] | None = None, initargs: tuple = ()) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes started with the safe start method (never forked from the server).

    Each worker runs numerical libraries on one thread: the workers already fill the cores,
    and OpenBLAS threads waiting on a busy machine cost up to ten times the work itself
    (a demo model took 18 s of CPU with two BLAS threads, 1.4 s with one). Use the pool in a
    ``with`` block, so its workers end with the work.
    """
    context = multiprocessing.get_context(SAFE_START_METHOD)
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_worker, initargs=(initializer, initargs))


def _start_worker(initializer: Callable[..., object] | None, initargs: tuple) -> None:
    """In each new worker: a lower priority, one thread for BLAS and OpenMP, then the caller's initializer."""
    # Pages people are waiting for come first: batch work gets the cores when they are idle.
    os.nice(WORKER_NICENESS)
    for name in _THREAD_COUNT_VARIABLES:  # read by libraries loaded from now on
        os.environ[name] = "1"
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)  # libraries loaded already (a preloaded __main__ may have loaded NumPy)
    if initializer is not None:
        initializer(*initargs)
