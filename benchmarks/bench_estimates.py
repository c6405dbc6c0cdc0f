"""Benchmark: the quality estimate and drift check of 200,000 unlabelled reviews, against scoring them.

Run from the project root::

    .venv/bin/python -m benchmarks.bench_estimates

It trains the demo's baseline model (word TF-IDF + logistic regression) on the demo's
training split, scores the test split as the labelled reference, and builds 200,000
unlabelled reviews sampled with replacement from all demo texts. Then, alternately so a
busy machine slows both alike, it times

* scoring: ``score_in_batches`` over the 200,000 reviews, what the Evaluate page does
  (each distinct text is scored once), and
* estimate + drift: ``lib.scoring.estimation.estimate_run`` on those predictions (CBPE
  with its bootstrap interval, and the drift check with the model's vocabulary), given the
  reference's fit (calibration, its 200 bootstrap refits, back-test), which depends on the
  labelled reference alone and which the app learns once per reference run and keeps,

on two data sets: texts repeating as sampled (about 8 copies each, so scoring is cheap),
and every text made unique (a "(ref N)" suffix). Each step runs once untimed first
(first-use costs of a long-running server). Seconds are the best of ``REPEATS``.
Target: estimate + drift adds at most 50% to the time of scoring, on both data sets. The
reference's fit is timed apart and printed (paid by the first estimate against a reference).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from lib.quality.estimates import ReferenceFit
from lib.quality.metrics import SENTIMENT_LABELS
from lib.scoring import estimation
from lib.scoring.evaluation import class_probabilities, predictions_frame, score_in_batches
from lib.stores import contract
from lib.stores.demo import MODEL_SPECS, load_demo_data
from lib.stores.tracking import LoadedModel

REVIEWS = 200_000
REPEATS = 3
SEED = 11
RATIO_TARGET = 1.5


def prepare() -> tuple[LoadedModel, pd.DataFrame, dict[str, pd.DataFrame]]:
    """The model, the labelled reference predictions, and the unlabelled review sets."""
    data = load_demo_data()
    train, test = data[data["split"] == "train"], data[data["split"] == "test"].reset_index(drop=True)
    model = MODEL_SPECS[0].build().fit(train[[contract.TEXT]], train["label"])
    texts = test[[contract.TEXT]]
    reference = predictions_frame(
        test.rename(columns={"label": contract.TRUE_LABEL})[[contract.REVIEW_ID, contract.TEXT, contract.TRUE_LABEL, contract.CATEGORY]],
        model.predict(texts),
        class_probabilities(model, texts, SENTIMENT_LABELS),
    )
    sample = data.sample(REVIEWS, replace=True, random_state=SEED)[[contract.TEXT, contract.CATEGORY]].reset_index(drop=True)
    distinct = sample.assign(**{contract.TEXT: sample[contract.TEXT] + [f" (ref {i})" for i in range(REVIEWS)]})
    return LoadedModel(model, "bench"), reference, {"repeated texts": sample, "distinct texts": distinct}


def timed_scoring(model: LoadedModel, reviews: pd.DataFrame) -> tuple[float, pd.DataFrame]:
    """Seconds to score the reviews, and the predictions artifact they make."""
    started = time.perf_counter()
    scores = score_in_batches(model, reviews[contract.TEXT])
    seconds = time.perf_counter() - started
    return seconds, predictions_frame(reviews, scores.predicted, scores.proba)


def timed_estimate(
    model: LoadedModel, predictions: pd.DataFrame, reference: pd.DataFrame, fitted: ReferenceFit
) -> tuple[float, estimation.RunEstimate]:
    """Seconds for the estimate and drift check of the predictions."""
    started = time.perf_counter()
    result = estimation.estimate_run(predictions, reference, "reference", model.model, fitted=fitted)
    return time.perf_counter() - started, result


def main() -> None:
    """Prepare, time scoring and estimating alternately, print the figures and the verdict."""
    started = time.perf_counter()
    model, reference, datasets = prepare()
    print(
        f"Prepared the model, {len(reference):,} labelled reference reviews and {REVIEWS:,} unlabelled ones in {time.perf_counter() - started:.1f} s."
    )
    fits = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        fitted = estimation.fit_reference_run(reference)
        fits.append(time.perf_counter() - started)
    print(f"Learning from the reference (once per reference run, then kept): {min(fits):.2f} s (runs: {np.round(fits, 2).tolist()})")
    verdicts = []
    for name, reviews in datasets.items():
        _, predictions = timed_scoring(model, reviews.head(2_000))
        timed_estimate(model, predictions, reference, fitted)  # warm-up, untimed
        scoring, estimating = [], []
        for _ in range(REPEATS):
            seconds, predictions = timed_scoring(model, reviews)
            scoring.append(seconds)
            seconds, result = timed_estimate(model, predictions, reference, fitted)
            estimating.append(seconds)
        ratio = min(estimating) / min(scoring)
        accuracy = result.quality.estimate("accuracy")
        verdict = "PASS" if ratio <= RATIO_TARGET - 1 else "FAIL"
        verdicts.append(verdict)
        print(
            f"{name}: scoring {min(scoring):.2f} s, estimate + drift {min(estimating):.2f} s "
            f"(adds {ratio:.0%} to scoring; target at most {RATIO_TARGET - 1:.0%}) {verdict}; "
            f"with learning from the reference too: adds {(min(estimating) + min(fits)) / min(scoring):.0%}"
        )
        print(
            f"  estimated accuracy {accuracy.value:.1%} ({accuracy.low:.1%}–{accuracy.high:.1%}), "
            f"drift {result.drift.level}, separability {result.drift.separability:.2f}, "
            f"seconds per run: scoring {np.round(scoring, 2).tolist()}, estimate {np.round(estimating, 2).tolist()}"
        )
    print("PASS" if all(v == "PASS" for v in verdicts) else "FAIL")


if __name__ == "__main__":
    main()
