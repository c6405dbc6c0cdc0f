"""Asking a model for its answers batch by batch: in this process, or on every core.

The first batch is scored in this process and timed. When the rest would take more than
``PARALLEL_MIN_SECONDS`` here, there are at least ``PARALLEL_MIN_TEXTS`` texts and at least two
of the server's worker slots are free (``WorkerSlots``: one per core, shared by every
evaluation running), the other batches go to worker processes started safely
(``lib/scoring/parallel.py``: never forked from the server; its fork server has the scoring
libraries loaded, so workers start in milliseconds). Each worker receives the model once,
when it starts, and then only texts. At most
``BATCHES_IN_FLIGHT_PER_WORKER`` batches per worker are queued, so memory stays bounded
whatever the file's size, and answers come back in the order of the batches, so progress,
errors and cancelling behave as in one process. A model that cannot be pickled is scored in
this process, and the log says why.
"""

from __future__ import annotations

import logging
import pickle
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd

from lib.access.redaction import redacted
from lib.scoring.parallel import process_pool, worker_count

PARALLEL_MIN_TEXTS = 20_000
PARALLEL_MIN_SECONDS = 1.0
BATCHES_IN_FLIGHT_PER_WORKER = 2
logger = logging.getLogger(__name__)

_worker_model: Any = None  # in a worker process: the model it was started with


class WorkerSlots:
    """Worker processes the whole server may run for scoring at once: one per core, shared.

    Two evaluations at the same time (two models of one file, or two people) used to start a
    pool each, twice as many workers as cores. Each now takes what is free; one that gets
    fewer than two scores in its own thread, as small files do.
    """

    def __init__(self, total: int) -> None:
        self._free = total
        self._lock = threading.Lock()

    @contextmanager
    def taken(self, wanted: int) -> Iterator[int]:
        """Up to ``wanted`` slots while the block runs (how many: 0 or more), given back after."""
        with self._lock:
            taken = min(wanted, self._free)
            self._free -= taken
        try:
            yield taken
        finally:
            with self._lock:
                self._free += taken


WORKER_SLOTS = WorkerSlots(worker_count())


def ask_model(model: Any, input_column: str, texts: pd.Index, with_proba: bool) -> Any:
    """One batch's answer: ``predict_proba`` when ``with_proba``, else ``predict``, on a one-column frame."""
    batch = pd.DataFrame({input_column: texts})
    return model.predict_proba(batch) if with_proba else model.predict(batch)


def answers(model: Any, model_uri: str, input_column: str, texts: pd.Index, batch_size: int, with_proba: bool) -> Iterator[tuple[int, Any]]:
    """``(start, answer)`` for each batch of ``batch_size`` texts, in order; on all cores when it pays."""
    started = time.perf_counter()
    yield 0, ask_model(model, input_column, texts[:batch_size], with_proba)
    starts = range(batch_size, len(texts), batch_size)
    rest_s = (time.perf_counter() - started) * len(starts)
    wanted = worker_count() if len(texts) >= PARALLEL_MIN_TEXTS and rest_s >= PARALLEL_MIN_SECONDS else 0
    with WORKER_SLOTS.taken(wanted) as workers:
        pickled = _pickled(model, model_uri) if workers > 1 else None
        if pickled is None:
            for start in starts:
                yield start, ask_model(model, input_column, texts[start : start + batch_size], with_proba)
            return
        yield from _answers_of_workers(pickled, workers, input_column, texts, starts, batch_size, with_proba)


def _answers_of_workers(
    pickled: bytes, workers: int, input_column: str, texts: pd.Index, starts: range, batch_size: int, with_proba: bool
) -> Iterator[tuple[int, Any]]:
    """``answers`` for the batches at ``starts``, from ``workers`` processes given the pickled model."""
    with process_pool(workers, _receive_model, (pickled,)) as pool:
        pending: deque = deque()
        try:
            for start in starts:
                pending.append((start, pool.submit(_worker_answer, input_column, texts[start : start + batch_size], with_proba)))
                if len(pending) >= workers * BATCHES_IN_FLIGHT_PER_WORKER:
                    done, future = pending.popleft()
                    yield done, future.result()
            while pending:
                done, future = pending.popleft()
                yield done, future.result()
        finally:  # cancelled, failed or finished: queued batches are dropped, workers end
            pool.shutdown(wait=False, cancel_futures=True)


def _pickled(model: Any, model_uri: str) -> bytes | None:
    """The model as bytes for the workers, or None (with a log line) when it cannot be pickled."""
    try:
        return pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as error:  # any pickling failure: PicklingError, TypeError, AttributeError…
        logger.warning(
            "Scoring with %s in one process: the model cannot be sent to worker processes (%s).",
            redacted(model_uri),
            redacted(f"{type(error).__name__}: {error}")[:300],
        )
        return None


def _receive_model(pickled: bytes) -> None:
    """In a new worker: load the model once, for every batch it will score."""
    global _worker_model
    _worker_model = pickle.loads(pickled)


def _worker_answer(input_column: str, texts: pd.Index, with_proba: bool) -> Any:
    """In a worker: one batch's answer from the model it was started with."""
    return ask_model(_worker_model, input_column, texts, with_proba)
