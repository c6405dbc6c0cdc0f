"""Benchmark: a 200,000-review file evaluated with two models in one go, against one model.

Run from the project root::

    .venv/bin/python -m benchmarks.bench_two_models

It builds, in a temporary folder, an embedded MLflow store with two demo models (the
baseline: word TF-IDF + logistic regression; iteration 1: words and word pairs, balanced
classes) and a CSV of 200,000 reviews sampled with replacement from the demo data. Timed,
in one process with the models already loaded and after an untimed warm-up on 2,000
reviews: what the Evaluate page does after the upload (read, guess, map, hash, look for
existing runs, score, log) with each model alone, and with both in one go
(``lib.scoring.several_models.evaluate_with_models``). One and two alternate, so a busy
machine slows both alike; seconds are the best of ``REPEATS``.

Target: two models take at most 1.6× the time of one (the mean of the two models alone).
A second line measures the same with every text made unique, where nothing of the
scoring is shared: printed for information.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from benchmarks.bench_evaluate import REVIEWS, uploaded_reviews, write_feedback_files
from lib.config import load_settings
from lib.scoring import evaluation
from lib.scoring.several_models import ModelToEvaluate, evaluate_with_models
from lib.stores import contract
from lib.stores.demo import MODEL_SPECS, load_demo_data
from lib.stores.tracking import LoadedModel, TrackingStore

REPEATS = 3
TARGET_RATIO = 1.6


def prepare(workdir: Path) -> tuple[TrackingStore, str, list[LoadedModel], dict[str, Path]]:
    """The store, its experiment, the two models loaded as the app loads them, and the CSV files."""
    settings = load_settings({"SENTIMENT_REVIEW_DATA_DIR": str(workdir)}, secrets_file=workdir / "none.toml")
    store = TrackingStore(settings.tracking_uri)
    experiment_id = store.ensure_experiment("Benchmark", artifact_location=settings.artifact_root.as_uri())
    data = load_demo_data()
    train = data[data["split"] == "train"]
    models = []
    for spec in MODEL_SPECS[:2]:
        run_id = store.start_run(experiment_id, spec.run_name, {})
        model_uri, _ = store.log_sklearn_model(
            run_id, spec.build().fit(train[[contract.TEXT]], train["label"]), train[[contract.TEXT]].head(3)
        )
        store.finish_run(run_id)
        models.append(store.load_scoring_model(model_uri))
    files = write_feedback_files(data, workdir)
    return store, experiment_id, models, {"repeated": files["csv"], "distinct": files["distinct_csv"], "warm_up": files["warm_up_csv"]}


def evaluate_file(store: TrackingStore, experiment_id: str, models: list[LoadedModel], path: Path) -> float:
    """Seconds for the Evaluate page's work on one file with ``models``, from bytes to finished runs."""
    started = time.perf_counter()
    reviews, _columns, dataset_hash = uploaded_reviews(path)
    for model in models:
        evaluation.existing_evaluation(store, dataset_hash, model.uri)
    run_ids = evaluate_with_models(
        store,
        [ModelToEvaluate(model, f"Benchmark {path.name} · {i}") for i, model in enumerate(models)],
        reviews,
        experiment_id=experiment_id,
        dataset_name=path.name,
        dataset_hash=dataset_hash,
        on_progress=lambda position, done, total, seconds: None,
    )
    seconds = time.perf_counter() - started
    assert len(run_ids) == len(models) and all(store.run(run_id).is_finished for run_id in run_ids)
    return seconds


def measure(store: TrackingStore, experiment_id: str, models: list[LoadedModel], path: Path) -> dict[str, float]:
    """Best of ``REPEATS`` for each model alone and both together, alternating."""
    cases = {"first model alone": models[:1], "second model alone": models[1:], "both models": models}
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(REPEATS):
        for name, chosen in cases.items():
            times[name].append(evaluate_file(store, experiment_id, chosen, path))
    return {name: min(values) for name, values in times.items()}


def main() -> None:
    """Prepare, measure, print the figures and the verdict."""
    with tempfile.TemporaryDirectory(prefix="bench_two_models_") as tmp:
        started = time.perf_counter()
        store, experiment_id, models, paths = prepare(Path(tmp))
        print(f"Prepared {REVIEWS:,} reviews and two models in {time.perf_counter() - started:.1f} s.")
        evaluate_file(store, experiment_id, models, paths["warm_up"])
        verdicts = []
        for data in ("repeated", "distinct"):
            figures = measure(store, experiment_id, models, paths[data])
            one = (figures["first model alone"] + figures["second model alone"]) / 2
            ratio = figures["both models"] / one
            print(f"\n{REVIEWS:,} reviews, texts {data}:")
            for name, seconds in figures.items():
                print(f"  {name:<20}{seconds:>8.2f} s")
            print(f"  one model (mean)    {one:>8.2f} s")
            print(f"  both / one: {ratio:.2f}× (target ≤ {TARGET_RATIO}×)")
            verdicts.append((data, ratio))
    data, ratio = verdicts[0]
    print(f"\n{'PASS' if ratio <= TARGET_RATIO else 'FAIL'}: two models on the {data}-text file take {ratio:.2f}× one model.")
    print(f"(every text unique, for information: {verdicts[1][1]:.2f}×)")


if __name__ == "__main__":
    main()
