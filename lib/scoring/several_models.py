"""One file scored by several models in one go (champion and challenger): one run per model.

The reviews are read, checked and hashed once; every run carries the same dataset hash,
which is what makes their comparison paired (lib/quality/comparison.py). Each model is
scored and logged by ``lib.scoring.evaluation.evaluate_reviews``, unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from lib.errors import UserFacingError
from lib.scoring import evaluation
from lib.stores.tracking import LoadedModel, TrackingStore

# (position of the model in the list, texts scored, texts in all, seconds so far)
SeveralModelsProgress = Callable[[int, int, int, float], None]


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

    When a model fails, the runs of the models before it stay saved and the error says so.
    """
    dataset_hash = dataset_hash or evaluation.evaluation_dataset_hash(reviews)
    run_ids: list[str] = []
    for position, entry in enumerate(models):

        def progress(done: int, total: int, seconds: float, position: int = position) -> None:
            if on_progress is not None:
                on_progress(position, done, total, seconds)

        try:
            run_id = evaluation.evaluate_reviews(
                store,
                entry.model,
                reviews,
                experiment_id=experiment_id,
                run_name=entry.run_name,
                dataset_name=dataset_name,
                model_description=entry.description,
                params=params,
                tags=tags,
                on_progress=progress,
                dataset_hash=dataset_hash,
            )
        except UserFacingError as error:
            if not run_ids:
                raise
            saved = "The run of the model before it is" if len(run_ids) == 1 else f"The runs of the {len(run_ids)} models before it are"
            raise UserFacingError(f"{error.message} {saved} saved.", error.hint) from error
        run_ids.append(run_id)
    return run_ids
