"""Builds the demo MLflow experiment from the shipped VADER data, once, safely.

Run ``python -m lib.stores.demo`` to seed the store named by the settings (the embedded one by
default). Seeding takes a file lock, so two app sessions starting at the same moment seed
once; an experiment whose seeding was interrupted lacks the "complete" tag and is rebuilt.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from filelock import FileLock

from lib.config import DEMO_DATA_FILE, Settings, load_settings
from lib.quality.metrics import SENTIMENT_LABELS
from lib.scoring.evaluation import class_probabilities, log_evaluation_run, predictions_frame
from lib.scoring.parallel import process_pool, worker_count
from lib.stores import contract
from lib.stores.tracking import TrackingStore

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

DEMO_EXPERIMENT = "Sentiment demo (VADER reviews)"
DEMO_MODEL_NAME = "sentiment-demo-classifier"
DATASET_NAME = "VADER human-rated reviews, test split"
SEED_LOCK_TIMEOUT_S = 600
ProgressCallback = Callable[[float, str], None]


@dataclass(frozen=True)
class ModelSpec:
    """One model of the demo story: a baseline or an iteration on it."""

    run_name: str
    description: str
    words: dict
    chars: dict | None
    class_weight: str | None
    is_baseline: bool = False

    def build(self) -> Pipeline:
        """An unfitted pipeline over a dataframe with a ``text`` column."""
        # Imported here: the app imports this module on every start, and trains only on the first.
        from sklearn.compose import ColumnTransformer
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline

        features = [("words", TfidfVectorizer(**self.words), contract.TEXT)]
        if self.chars is not None:
            features.append(("chars", TfidfVectorizer(analyzer="char_wb", **self.chars), contract.TEXT))
        return Pipeline(
            [
                ("features", ColumnTransformer(features)),
                ("classifier", LogisticRegression(max_iter=2000, C=3.0, class_weight=self.class_weight)),
            ]
        )


MODEL_SPECS = (
    ModelSpec("Baseline: word TF-IDF + logistic regression", "Single words, TF-IDF weighted, logistic regression", {}, None, None, True),
    ModelSpec(
        "Iteration 1: word pairs + balanced classes",
        "Words and word pairs, classes re-weighted so neutral counts as much as the others",
        {"ngram_range": (1, 2), "min_df": 2, "sublinear_tf": True},
        None,
        "balanced",
    ),
    ModelSpec(
        "Iteration 2: words + character n-grams",
        "Words, word pairs and 2–5 letter fragments (robust to typos), balanced classes",
        {"ngram_range": (1, 2), "min_df": 2, "sublinear_tf": True},
        {"ngram_range": (2, 5), "min_df": 3, "sublinear_tf": True, "max_features": 150_000},
        "balanced",
    ),
)
SEED_ARTICLE_RUN = "Seed article: mlflow.models.evaluate of the baseline"


def load_demo_data() -> pd.DataFrame:
    """The prepared VADER table shipped in the repo."""
    return pd.read_parquet(DEMO_DATA_FILE)


def _review_columns(test: pd.DataFrame) -> pd.DataFrame:
    frame = test.rename(columns={"label": contract.TRUE_LABEL})
    keep = [contract.REVIEW_ID, contract.TEXT, contract.TRUE_LABEL, contract.CATEGORY, "mean_rating", "rating_sd", "n_raters", "ratings"]
    return frame[keep].reset_index(drop=True)


def is_seeded(store: TrackingStore) -> bool:
    """True when the demo experiment exists and its seeding completed."""
    exp = store.experiment_by_name(DEMO_EXPERIMENT)
    return exp is not None and exp.tags.get(contract.EXPERIMENT_TAG_SEED_COMPLETE) == "true"


def seed_demo(settings: Settings, store: TrackingStore, on_progress: ProgressCallback | None = None) -> bool:
    """Create the demo experiment unless it is complete already; returns True if it seeded now."""
    report = on_progress or (lambda share, message: None)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(str(settings.data_dir / "seed.lock"), timeout=SEED_LOCK_TIMEOUT_S):
        if is_seeded(store):
            return False
        _build_demo(settings, store, report)
        return True


def _build_demo(settings: Settings, store: TrackingStore, report: ProgressCallback) -> None:
    existing = store.experiment_by_name(DEMO_EXPERIMENT)
    if existing is not None:  # a seeding was interrupted: start its runs again
        store.delete_runs(existing.experiment_id)
    store.delete_registered_model(DEMO_MODEL_NAME)
    artifact_location = settings.artifact_root.as_uri() if settings.uses_embedded_store else None
    experiment_id = store.ensure_experiment(
        DEMO_EXPERIMENT,
        tags={"mlflow.note.content": "Demo: sentiment models on the VADER human-rated corpus (Hutto & Gilbert, ICWSM 2014)."},
        artifact_location=artifact_location,
    )
    report(0.02, "Reading the demo reviews")
    data = load_demo_data()
    train = data[data["split"] == "train"].reset_index(drop=True)
    test = data[data["split"] == "test"].reset_index(drop=True)
    reviews = _review_columns(test)
    steps = len(MODEL_SPECS) + 1
    versions: dict[str, str] = {}
    workers = worker_count(len(MODEL_SPECS))
    report(0.05, f"Training the {len(MODEL_SPECS)} demo models on {workers} {'core' if workers == 1 else 'cores'}")
    with process_pool(workers) as pool:
        # The last iteration is the largest model: it starts first; the others share the other core(s).
        order = [MODEL_SPECS[-1], *MODEL_SPECS[:-1]]
        trained = {
            spec.run_name: pool.submit(_fit_and_score, spec, train[[contract.TEXT, "label"]], reviews[[contract.TEXT]]) for spec in order
        }
        try:
            for i, spec in enumerate(MODEL_SPECS):  # logged in the story's order, each as soon as it is trained
                model, predicted, proba = trained[spec.run_name].result()
                report(0.05 + 0.9 * (i + 0.5) / steps, f"Evaluating and logging “{spec.run_name}”")
                predictions = predictions_frame(reviews, predicted, proba)
                versions[spec.run_name] = _log_trained_model(store, experiment_id, spec, model, train, predictions)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    report(0.05 + 0.9 * len(MODEL_SPECS) / steps, "Logging a run the way the seed article does (mlflow.models.evaluate)")
    _log_seed_article_run(store, experiment_id, versions[MODEL_SPECS[0].run_name], test)
    store.set_model_alias(DEMO_MODEL_NAME, "champion", versions[MODEL_SPECS[0].run_name])
    store.set_model_alias(DEMO_MODEL_NAME, "challenger", versions[MODEL_SPECS[-1].run_name])
    store.set_experiment_tag(experiment_id, contract.EXPERIMENT_TAG_SEED_COMPLETE, "true")
    report(1.0, "Demo ready")


def _fit_and_score(spec: ModelSpec, train: pd.DataFrame, texts: pd.DataFrame) -> tuple[Pipeline, np.ndarray, np.ndarray | None]:
    """In a worker process: fit one demo model, then predict the test reviews' labels and probabilities."""
    model = spec.build().fit(train[[contract.TEXT]], train["label"])
    return model, model.predict(texts), class_probabilities(model, texts, SENTIMENT_LABELS)


def _log_trained_model(
    store: TrackingStore, experiment_id: str, spec: ModelSpec, model: Pipeline, train: pd.DataFrame, predictions: pd.DataFrame
) -> str:
    """Log one trained model and its evaluation as a run; returns the registered model version."""
    tags = {contract.TAG_ROLE: contract.ROLE_BASELINE} if spec.is_baseline else {}
    params = {
        "words": repr(spec.words),
        "characters": repr(spec.chars),
        "class_weight": str(spec.class_weight),
        "train_reviews": len(train),
    }
    with store.writing_run(experiment_id, spec.run_name, {contract.TAG_RUN_KIND: contract.RUN_KIND_EVALUATION, **tags}) as run_id:
        _model_uri, version = store.log_sklearn_model(run_id, model, train[[contract.TEXT]].head(3), registered_name=DEMO_MODEL_NAME)
        log_evaluation_run(
            store,
            experiment_id=experiment_id,
            run_name=spec.run_name,
            run_id=run_id,
            predictions=predictions,
            dataset_name=DATASET_NAME,
            dataset_source=str(DEMO_DATA_FILE.name),
            model_uri=f"models:/{DEMO_MODEL_NAME}/{version}",
            model_description=spec.description,
            params=params,
            tags=tags,
        )
    return str(version)


def _log_seed_article_run(store: TrackingStore, experiment_id: str, baseline_version: str, test: pd.DataFrame) -> None:
    model_uri = f"models:/{DEMO_MODEL_NAME}/{baseline_version}"
    tags = {contract.TAG_MODEL_URI: model_uri, contract.TAG_MODEL_DESCRIPTION: MODEL_SPECS[0].description}
    with store.writing_run(experiment_id, SEED_ARTICLE_RUN, tags) as run_id:
        store.run_mlflow_evaluate(run_id, model_uri, test[[contract.TEXT, "label"]], targets="label")


def main() -> None:
    """Seed the configured store from the command line, printing progress."""
    settings = load_settings()
    store = TrackingStore(settings.tracking_uri)
    started = time.perf_counter()
    seeded = seed_demo(settings, store, lambda share, message: print(f"[{share:4.0%}] {message}", flush=True))
    state = "seeded" if seeded else "already seeded"
    print(f"{state}: {DEMO_EXPERIMENT} in {settings.tracking_uri} ({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
