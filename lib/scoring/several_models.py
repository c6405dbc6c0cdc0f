"""One file scored by several models in one go (champion and challenger): one run per model.

The reviews are read, checked and hashed once; every run carries the same dataset hash,
which is what makes their comparison paired (lib/quality/comparison.py). Each model is
scored and logged by ``lib.scoring.evaluation.evaluate_reviews``, unchanged.

Two models are evaluated at a time, each in a thread of this process (no fork): while one
model's run is written (Parquet and the MLflow store, which release the GIL) the other is
scored. Progress is reported from the calling thread only, so a caller may draw it with
widgets that belong to that thread.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

import pandas as pd

from lib.errors import UserFacingError
from lib.scoring import evaluation
from lib.stores.tracking import LoadedModel, TrackingStore

# (position of the model in the list, texts scored, texts in all, seconds so far)
SeveralModelsProgress = Callable[[int, int, int, float], None]
MODELS_AT_ONCE = 2
_PROGRESS_POLL_S = 0.2


@dataclass(frozen=True)
class ModelToEvaluate:
    """A loaded model, the name of its run and how it is described."""

    model: LoadedModel
    run_name: str
    description: str = ""


def evaluate_with_models(
    store: TrackingStore,
    models: Sequence[ModelToEvaluate],
    reviews: pd.DataFrame,
    *,
    experiment_id: str,
    dataset_name: str,
    params: Mapping[str, Any] | None = None,
    tags: Mapping[str, str] | None = None,
    dataset_hash: str | None = None,
    on_progress: SeveralModelsProgress | None = None,
) -> list[str]:
    """Score the reviews with every model and log one evaluation run each; returns the run ids in the models' order.

    When a model fails, the runs of the others stay saved and the error says so.
    """
    dataset_hash = dataset_hash or evaluation.evaluation_dataset_hash(reviews)
    updates: queue.SimpleQueue[tuple[int, int, int, float]] = queue.SimpleQueue()

    shared_store = _DatasetLoggedOnce(store)

    def evaluate_one(position: int, entry: ModelToEvaluate) -> str:
        return evaluation.evaluate_reviews(
            shared_store,  # type: ignore[arg-type]  # the store, with one dataset input logged at a time
            entry.model,
            reviews,
            experiment_id=experiment_id,
            run_name=entry.run_name,
            dataset_name=dataset_name,
            model_description=entry.description,
            params=params,
            tags=tags,
            on_progress=lambda done, total, seconds: updates.put((position, done, total, seconds)),
            dataset_hash=dataset_hash,
        )

    def report_progress() -> None:
        while not updates.empty():
            update = updates.get()
            if on_progress is not None:
                on_progress(*update)

    with ThreadPoolExecutor(max_workers=min(MODELS_AT_ONCE, len(models)), thread_name_prefix="evaluate-model") as pool:
        futures = [pool.submit(evaluate_one, position, entry) for position, entry in enumerate(models)]
        pending: set[Future[str]] = set(futures)
        while pending:
            _, pending = wait(pending, timeout=_PROGRESS_POLL_S, return_when=FIRST_COMPLETED)
            report_progress()
    report_progress()
    return _run_ids(futures)


class _DatasetLoggedOnce:
    """The tracking store, with ``log_dataset_input`` one call at a time.

    Every run of one file logs the same dataset; MLflow creates it on first use, and two
    runs doing so at the same moment both try to create it (a unique-key error).
    """

    def __init__(self, store: TrackingStore) -> None:
        self._store = store
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def log_dataset_input(self, *args: Any, **kwargs: Any) -> None:
        """``TrackingStore.log_dataset_input``, never at the same time as another run's."""
        with self._lock:
            self._store.log_dataset_input(*args, **kwargs)


def _run_ids(futures: list[Future[str]]) -> list[str]:
    """The run ids; the first failure raised, saying how many of the other models' runs were saved."""
    failures = [future.exception() for future in futures]
    first = next((error for error in failures if error is not None), None)
    if first is None:
        return [future.result() for future in futures]
    saved = sum(error is None for error in failures)
    if not isinstance(first, UserFacingError) or not saved:
        raise first
    runs = "The run of the other model is" if saved == 1 else f"The runs of the other {saved} models are"
    raise UserFacingError(f"{first.message} {runs} saved.", first.hint) from first
