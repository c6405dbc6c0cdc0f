"""Running a stress test with a loaded model, and storing and reading its result with the run in MLflow."""

from __future__ import annotations

import json

import pandas as pd

from lib.access.redaction import redacted
from lib.errors import UserFacingError
from lib.quality.stress import (
    DEFAULT_SAMPLE_SIZE,
    DEFAULT_SEED,
    StressResult,
    changed_pairs,
    robustness_metrics,
    stress_result,
    stress_sample,
)
from lib.scoring.evaluation import ScoringProgress, score_in_batches
from lib.stores import contract
from lib.stores.tracking import LoadedModel, TrackingStore


def run_stress_test(
    model: LoadedModel,
    predictions: pd.DataFrame,
    *,
    sample_size: int = DEFAULT_SAMPLE_SIZE,
    seed: int = DEFAULT_SEED,
    on_progress: ScoringProgress | None = None,
) -> StressResult:
    """Change a seeded, stratified sample of the run's reviews in every way and score originals and changes in one pass."""
    sample = stress_sample(predictions, sample_size, seed)
    pairs = changed_pairs(sample, seed)
    texts = pd.concat([sample[contract.TEXT], pairs["changed"]], ignore_index=True)
    try:
        answers = score_in_batches(model, texts, on_progress=on_progress).predicted
    except UserFacingError:
        raise
    except Exception as error:
        raise UserFacingError(
            f"The model stopped with an error while reading the changed reviews ({redacted(f'{type(error).__name__}: {error}')[:300]}).",
            "Nothing was saved. Try again, or ask whoever trained this model.",
        ) from error
    before = dict(zip(sample[contract.TEXT], answers[: len(sample)], strict=True))
    scored = pairs.assign(before=pairs["original"].map(before), after=answers[len(sample) :])
    return stress_result(scored, len(sample))


def log_stress_result(store: TrackingStore, run_id: str, result: StressResult, *, seed: int, model_uri: str) -> None:
    """Store the result with the run: ``robustness.*`` metrics, the pairs artifact and a tag describing the test."""
    described = {"reviews": result.reviews, "seed": seed, "model_uri": model_uri}
    store.log_values(run_id, robustness_metrics(result.table), tags={contract.TAG_ROBUSTNESS: json.dumps(described)})
    store.log_dataframe_artifact(run_id, result.pairs, contract.ROBUSTNESS_ARTIFACT)


def stored_stress_result(store: TrackingStore, run_id: str, tags: dict[str, str]) -> StressResult | None:
    """The stress test stored with a run (from its pairs artifact), or None when it has none."""
    pairs = store.dataframe_artifact(run_id, contract.ROBUSTNESS_ARTIFACT)
    if pairs is None:
        return None
    described = json.loads(tags.get(contract.TAG_ROBUSTNESS) or "{}")
    return stress_result(pairs.drop(columns="failed"), int(described.get("reviews", pairs["review_id"].nunique())))
