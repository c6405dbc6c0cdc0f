"""Writers to kill: processes that evaluate a small file into a store again and again.

``python -m tests.interrupted_writer TRACKING_URI EXPERIMENT_ID CSV`` imports MLflow and the
app once, prints "ready", then starts one writer per line read on stdin and prints its
process id. A writer logs one evaluation run after another (at most ``MAX_RUNS``) until
``tests/test_run_health.py`` kills it with SIGKILL at a random moment.

Writers are forked from this process (test code, not the app server) so that each starts
in milliseconds: a fresh interpreter needs about 4 s to import MLflow, and the test kills
20 of them.
"""

from __future__ import annotations

import gc
import os
import signal
import sys

import numpy as np
import pandas as pd

from lib.scoring.evaluation import evaluate_reviews
from lib.stores.tracking import LoadedModel, TrackingStore

MAX_RUNS = 50


class WordModel:
    """A model that loads instantly: 'bad' words mean negative, 'good' words positive."""

    classes_ = np.array(["negative", "neutral", "positive"])

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Probabilities of negative, neutral, positive per text."""
        text = frame.iloc[:, 0].str.lower()
        bad = text.str.contains("bad|awful|terrible").to_numpy(float)
        good = text.str.contains("good|great|love").to_numpy(float)
        scores = np.column_stack([1 + 3 * bad, np.ones(len(text)), 1 + 3 * good])
        return scores / scores.sum(axis=1, keepdims=True)


def write_runs(tracking_uri: str, experiment_id: str, reviews: pd.DataFrame) -> None:
    """Log evaluation runs of the reviews until killed (or ``MAX_RUNS`` are done)."""
    store = TrackingStore(tracking_uri)
    model = LoadedModel(WordModel(), "test:word-model")
    for i in range(MAX_RUNS):
        evaluate_reviews(store, model, reviews, experiment_id=experiment_id, run_name=f"Kill test {i}", dataset_name="kill.csv")


def main(tracking_uri: str, experiment_id: str, csv: str) -> None:
    """Start a writer for every line on stdin, printing its process id."""
    import mlflow.store.tracking.sqlalchemy_store  # noqa: F401  the slow import, done once before forking
    from sqlalchemy.orm import configure_mappers

    configure_mappers()  # MLflow's ORM classes, set up once here rather than (~1 s) in every writer
    gc.freeze()  # the garbage collector of a forked writer then skips (and so never copies) what it inherits

    reviews = pd.read_csv(csv, dtype="string")
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # killed writers are reaped at once, never left as zombies
    print("ready", flush=True)
    for _line in sys.stdin:
        pid = os.fork()
        if pid == 0:
            write_runs(tracking_uri, experiment_id, reviews)
            os._exit(0)
        print(pid, flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
