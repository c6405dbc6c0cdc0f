"""lib/scoring/parallel.py: pools that never fork the server, bounded, one native thread per worker."""

from __future__ import annotations

import multiprocessing
import os

from lib.scoring.parallel import SAFE_START_METHOD, WORKER_NICENESS, process_pool, worker_count


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


def _loaded(name: str) -> bool:
    import sys

    return name in sys.modules


def test_a_worker_of_the_server_does_not_load_streamlit_or_the_pages() -> None:
    """Workers re-import app.py; it imports Streamlit and the pages only when run as the app (slow starts, warnings before)."""
    import subprocess
    import sys

    from lib.config import PROJECT_ROOT

    probe = f"""
import sys, types
sys.path.insert(0, {str(PROJECT_ROOT)!r})
from lib.scoring.parallel import process_pool, use_safe_start_method
from tests.test_parallel import _loaded

main = types.ModuleType("__main__")  # as Streamlit does: app.py is the server's __main__
main.__file__ = {str(PROJECT_ROOT / "app.py")!r}
sys.modules["__main__"] = main
use_safe_start_method()
with process_pool(1) as pool:
    print(pool.submit(_loaded, "streamlit").result(), pool.submit(_loaded, "ui.navigation").result())
"""
    done = subprocess.run([sys.executable, "-c", probe], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]


def test_workers_of_the_started_fork_server_have_the_scoring_libraries_loaded() -> None:
    """``start_worker_server`` preloads scikit-learn once, so a worker does not import it again for each scoring."""
    import subprocess
    import sys

    from lib.config import PROJECT_ROOT

    probe = f"""
import sys
sys.path.insert(0, {str(PROJECT_ROOT)!r})
from lib.scoring.parallel import process_pool, start_worker_server
from tests.test_parallel import _loaded

if __name__ == "__main__":
    start_worker_server()
    with process_pool(1) as pool:
        print(pool.submit(_loaded, "sklearn.feature_extraction.text").result())
"""
    done = subprocess.run([sys.executable, "-c", probe], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True"]


def _niceness() -> int:
    return os.nice(0)


def test_workers_yield_the_cores_to_the_server() -> None:
    """Batch work runs at a lower priority than the threads serving pages."""
    with process_pool(1) as pool:
        assert pool.submit(_niceness).result() == min(19, os.nice(0) + WORKER_NICENESS)
