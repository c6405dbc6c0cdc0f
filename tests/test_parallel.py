"""lib/scoring/parallel.py: pools that never fork the server, bounded, one native thread per worker."""

from __future__ import annotations

import multiprocessing
import os

from lib.scoring.parallel import SAFE_START_METHOD, process_pool, worker_count


def _worker_facts() -> tuple[str, dict[str, int], str]:
    import scipy.linalg  # noqa: F401  loads SciPy's own BLAS, after the worker started
    from threadpoolctl import threadpool_info

    return (
        multiprocessing.get_start_method(),
        {info["internal_api"]: info["num_threads"] for info in threadpool_info()},
        os.environ["OMP_NUM_THREADS"],
    )


def _remember(value: str) -> None:
    os.environ["TEST_INITIALIZER_RAN"] = value


def _initializer_value() -> str:
    return os.environ.get("TEST_INITIALIZER_RAN", "")


def test_workers_start_safely_with_one_native_thread_each() -> None:
    with process_pool(2) as pool:
        start_method, threads, omp = pool.submit(_worker_facts).result()
    assert start_method == SAFE_START_METHOD  # forkserver, never fork
    assert threads and set(threads.values()) == {1}, threads  # every BLAS/OpenMP library loaded in the worker
    assert omp == "1"


def test_the_callers_initializer_runs_in_each_worker() -> None:
    with process_pool(1, _remember, ("yes",)) as pool:
        assert pool.submit(_initializer_value).result() == "yes"


def test_worker_count_is_bounded_by_cores_and_limit() -> None:
    cores = len(os.sched_getaffinity(0))
    assert worker_count() == cores
    assert worker_count(1) == 1
    assert worker_count(10_000) == cores
    assert worker_count(0) == 1
