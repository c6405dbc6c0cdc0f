"""Benchmark: the weak-spot search on 1,000,000 reviews.

Run from the project root::

    .venv/bin/python -m benchmarks.bench_weak_spots

Data: each review is two random sentences of the demo corpus joined (so nearly every text
is distinct and about 40 words long, like a short product review), in the demo's 4
categories, with three class probabilities and a model right about 75% of the time.

Measured in the same run, on the same data:

* ours: ``lib.quality.weak_spots.find_weak_spots`` end to end: every trait read from the
  1,000,000 texts, every slice (each trait, and each trait within each category) with its
  Wilson intervals, p-value and Benjamini–Hochberg. Target: at most 5 s.
* baseline: the plain loop over the same slices with the traits already known: one
  ``sklearn.metrics.accuracy_score`` for the slice and one for its rest, per slice
  (integer-coded labels, the fast case for scikit-learn; no intervals, no tests).

Ours is the best of 2 timed runs after one warm-up run; the baseline runs once (it is slow).
The CPU seconds of ours are printed too: while other work shares the machine the wall-clock
figure grows far more than the CPU one, so rerun on a quiet machine before drawing
conclusions from a FAIL.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score

from lib.quality.metrics import SENTIMENT_LABELS
from lib.quality.weak_spots import (
    category_slug,
    find_weak_spots,
    labelled_correct,
    review_traits,
    search_weak_spots,
    split_slice_id,
)
from lib.stores import contract

REVIEWS = 1_000_000
TARGET_S = 5.0
REPEATS = 2
SEED = 20261202
DEMO_DATA = Path(__file__).resolve().parents[1] / "data" / "demo" / "vader_reviews.parquet"


def timed(run: Callable[[], object]) -> tuple[float, object]:
    """Seconds one call of ``run`` took, and what it returned."""
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def best_time(run: Callable[[], object], repeats: int = REPEATS) -> tuple[float, float]:
    """Wall-clock and CPU seconds (this process, all threads) of the fastest of ``repeats`` runs, after a warm-up run."""
    run()
    runs = []
    for _ in range(repeats):
        cpu = time.process_time()
        wall = timed(run)[0]
        runs.append((wall, time.process_time() - cpu))
    return min(runs)


def synthetic_predictions(n: int = REVIEWS, seed: int = SEED) -> pd.DataFrame:
    """Reviews of two demo sentences each, labelled, with probabilities and a 75%-right model."""
    demo = pd.read_parquet(DEMO_DATA, columns=["text", "label", "category"])
    rng = np.random.default_rng(seed)
    first, second = rng.integers(0, len(demo), n), rng.integers(0, len(demo), n)
    texts = demo["text"].to_numpy(dtype=object)
    labels = np.array(SENTIMENT_LABELS)
    truth = demo["label"].to_numpy(dtype=object)[first]
    said = np.where(rng.random(n) < 0.75, truth, labels[rng.integers(0, 3, n)])
    proba = rng.dirichlet(np.ones(3), size=n)
    return pd.DataFrame(
        {
            contract.REVIEW_ID: pd.Series(np.arange(n).astype(str), dtype="str"),
            contract.TEXT: pd.Series([f"{a} {b}" for a, b in zip(texts[first], texts[second], strict=True)], dtype="str"),
            contract.TRUE_LABEL: pd.Series(truth, dtype="str"),
            contract.PREDICTED_LABEL: pd.Series(said, dtype="str"),
            contract.CATEGORY: pd.Series(demo["category"].to_numpy(dtype=object)[first], dtype="str"),
            **{contract.proba_column(label): proba[:, i] for i, label in enumerate(SENTIMENT_LABELS)},
        }
    )


def sklearn_loop(frame: pd.DataFrame, slice_ids: list[str], traits) -> dict[str, tuple[float, float]]:
    """The plain way, traits known: accuracy of each slice and of its rest with scikit-learn."""
    codes = {label: i for i, label in enumerate(SENTIMENT_LABELS)}
    truth = frame[contract.TRUE_LABEL].map(codes).to_numpy()
    said = frame[contract.PREDICTED_LABEL].map(codes).to_numpy()
    category = frame[contract.CATEGORY].to_numpy(dtype=object)
    names = {category_slug(name): name for name in traits.category_names}
    figures = {}
    for identifier in slice_ids:
        trait, slug = split_slice_id(identifier)
        inside = traits.trait(trait)
        within = np.ones(len(frame), dtype=bool) if slug is None else category == names[slug]
        rest = within & ~inside
        inside = inside & within
        figures[identifier] = (accuracy_score(truth[inside], said[inside]), accuracy_score(truth[rest], said[rest]))
    return figures


def main() -> None:
    frame = synthetic_predictions()
    words = frame[contract.TEXT].str.split().str.len().mean()
    distinct = frame[contract.TEXT].nunique() / len(frame)
    print(f"{len(frame):,} reviews, {words:.0f} words on average, {distinct:.1%} distinct texts, 4 categories")

    traits_s, traits = timed(lambda: review_traits(frame))
    labelled, correct = labelled_correct(frame)
    search_s, search = timed(lambda: search_weak_spots(traits, correct, labelled))
    ours_s, ours_cpu_s = best_time(lambda: find_weak_spots(frame))
    base_s, figures = timed(lambda: sklearn_loop(frame, list(search.table["slice_id"]), traits))

    table = search.table.set_index("slice_id")
    worst = max(
        max(abs(table.loc[s, "accuracy"] - inside), abs(table.loc[s, "rest_accuracy"] - rest)) for s, (inside, rest) in figures.items()
    )
    print(
        f"{search.tried} slices tried, {len(search.weak_spots())} reported; largest difference in accuracy, ours vs scikit-learn: {worst:.1e}"
    )
    print(f"ours  find_weak_spots end to end (traits + intervals + tests + BH): {ours_s:.2f} s ({ours_cpu_s:.2f} s of CPU)")
    print(f"      of which reading the traits from the texts: {traits_s:.2f} s, the statistics over every slice: {search_s:.2f} s")
    print(f"base  accuracy_score per slice and per rest, traits already known, {search.tried} slices: {base_s:.2f} s")
    print(f"ratio baseline / ours end to end: {base_s / ours_s:.1f}× (ours is {'faster' if ours_s < base_s else 'slower'})")
    print(f"ratio baseline / our statistics, both with the traits known: {base_s / search_s:.1f}×")
    verdict = "PASS" if ours_s <= TARGET_S else "FAIL"
    print(f"{verdict}: weak-spot search on {len(frame):,} reviews took {ours_s:.2f} s against a target of {TARGET_S:.0f} s")


if __name__ == "__main__":
    main()
