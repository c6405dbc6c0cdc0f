"""The label-error search: what it finds, and that it never forks the server (issue 15)."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lib.quality.label_issues import likely_label_errors
from lib.quality.metrics import SENTIMENT_LABELS
from lib.scoring.parallel import SAFE_START_METHOD, use_safe_start_method
from lib.stores import contract

PROJECT_ROOT = Path(__file__).resolve().parents[1]
HANG_LIMIT_S = 240

_forks: list[int] = []
_recording = threading.Event()


def _record_fork() -> None:
    if _recording.is_set():
        _forks.append(threading.get_ident())


# os.fork() (and so multiprocessing's "fork" start method) calls this in the parent;
# subprocess's fork+exec does not, and is safe anyway.
os.register_at_fork(before=_record_fork)


@pytest.fixture
def forks() -> list[int]:
    """Forks of this process made while the test runs."""
    _forks.clear()
    _recording.set()
    yield _forks
    _recording.clear()


def _predictions(n: int, seed: int, *, flipped: int = 0) -> pd.DataFrame:
    """Confident, mostly right predictions; the first ``flipped`` reviews get a wrong given label."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, len(SENTIMENT_LABELS), size=n)
    proba = np.full((n, len(SENTIMENT_LABELS)), 0.05)
    proba[np.arange(n), truth] = 0.9
    given = truth.copy()
    given[:flipped] = (truth[:flipped] + 1) % len(SENTIMENT_LABELS)
    frame = pd.DataFrame({contract.TRUE_LABEL: np.array(SENTIMENT_LABELS)[given], "review_id": np.arange(n)})
    for i, label in enumerate(SENTIMENT_LABELS):
        frame[contract.proba_column(label)] = proba[:, i]
    return frame


def test_finds_the_planted_label_errors() -> None:
    flagged = likely_label_errors(_predictions(600, seed=3, flipped=20))
    assert set(flagged["review_id"]) == set(range(20))
    assert flagged["label_quality"].is_monotonic_increasing


def test_without_probabilities_there_is_nothing_to_search() -> None:
    frame = _predictions(50, seed=1).drop(columns=[contract.proba_column("neutral")])
    assert likely_label_errors(frame) is None


def test_the_search_never_forks_even_with_many_cores(forks: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    # cleanlab picks one process per core when n_jobs is left out; pretend to have many.
    monkeypatch.setattr(multiprocessing, "cpu_count", lambda: 8)
    threads = [threading.Thread(target=likely_label_errors, args=(_predictions(3_000, seed=s),)) for s in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=HANG_LIMIT_S)
    assert not any(thread.is_alive() for thread in threads)
    assert forks == []


def test_searches_from_several_threads_each_get_their_own_answer() -> None:
    """cleanlab keeps a search's data in module globals: two sessions searching at once must not mix them."""
    frames = [_predictions(2_000 + 7 * s, seed=s, flipped=30 + s) for s in range(4)]
    alone = [likely_label_errors(frame)["review_id"].tolist() for frame in frames]
    answers: dict[tuple[int, int], list[int]] = {}
    failures: list[BaseException] = []

    def search(which: int) -> None:
        for repeat in range(6):
            try:
                answers[which, repeat] = likely_label_errors(frames[which])["review_id"].tolist()
            except Exception as error:
                failures.append(error)

    threads = [threading.Thread(target=search, args=(which,)) for which in range(len(frames))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=HANG_LIMIT_S)
    assert failures == []
    assert all(answer == alone[which] for (which, _), answer in answers.items())
    assert len(answers) == 6 * len(frames)


def test_a_library_pool_with_default_settings_does_not_fork_the_server(forks: list[int]) -> None:
    previous = multiprocessing.get_start_method(allow_none=True)
    try:
        use_safe_start_method()
        use_safe_start_method()  # every rerun of app.py calls it again
        assert multiprocessing.get_start_method() == SAFE_START_METHOD
        with multiprocessing.Pool(2) as pool:
            assert pool.map(abs, [-1, -2, 3]) == [1, 2, 3]
    finally:
        multiprocessing.set_start_method(previous, force=True)
    assert forks == []


def test_two_hundred_searches_from_threads_under_lock_traffic_finish() -> None:
    """The hazard of issue 15, reproduced in a child process so a hang meets a time limit."""
    command = [sys.executable, "-m", "tests.label_search_under_threads", "--searches", "200", "--threads", "4"]
    try:
        done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=HANG_LIMIT_S, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"200 label-error searches from 4 threads did not finish within {HANG_LIMIT_S} s: a hang")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "done 200"
