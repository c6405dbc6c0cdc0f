"""Benchmark: the Mistakes page's first screen for a run with 1,000,000 reviews.

Run from the project root::

    .venv/bin/python -m benchmarks.bench_mistakes

* cold: build the mistakes table from the predictions (misclassified rows, confidence,
  review keys, sorted confidently wrong first): what happens once per run, then cached.
  Target: at most 3 s.
* warm: filter (a category, a true label, a confidence range, "not annotated yet" against
  1,000 annotated reviews) + first page of 25, on the cached table. Target: at most 0.5 s.
* label-error search (cleanlab, one process: the server never forks, see lib/scoring/parallel.py),
  once per run, then cached. Target: at most 3 s, so it can stay on the page's path.
* baseline, same run: a plain ``DataFrame.sort_values`` of all 1,000,000 predictions by
  confidence followed by ``head(25)``, the least any "most confident first" view costs.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from benchmarks.timing import best_time
from lib.quality.label_issues import likely_label_errors
from lib.quality.metrics import SENTIMENT_LABELS
from lib.quality.review_queue import CONFIDENCE, REVIEW_KEY, ReviewFilter, filter_reviews, mistakes_table, page_of
from lib.stores import contract

REVIEWS = 1_000_000
CATEGORIES = 50
PAGE_SIZE = 25
COLD_TARGET_S, WARM_TARGET_S, LABEL_SEARCH_TARGET_S = 3.0, 0.5, 3.0


def predictions(n: int, seed: int = 7) -> pd.DataFrame:
    """A predictions frame shaped like the contract's, with ~30% mistakes and short texts."""
    rng = np.random.default_rng(seed)
    labels = np.array(SENTIMENT_LABELS)
    truth = labels[rng.integers(0, 3, n)]
    predicted = np.where(rng.random(n) < 0.7, truth, labels[rng.integers(0, 3, n)])
    proba = rng.dirichlet([1, 1, 1], n)
    words = np.array(["great", "awful", "fine", "late", "refund", "love", "broken", "ok", "never", "again"])
    text = pd.Series(words[rng.integers(0, 10, n)]).str.cat(
        [pd.Series(words[rng.integers(0, 10, n)]), pd.Series(np.arange(n).astype(str))], sep=" "
    )
    frame = pd.DataFrame(
        {
            contract.REVIEW_ID: np.arange(n).astype(str),
            contract.TEXT: text,
            contract.TRUE_LABEL: pd.Series(truth, dtype="string"),
            contract.PREDICTED_LABEL: pd.Series(predicted, dtype="string"),
            contract.CATEGORY: pd.Series([f"category {i}" for i in rng.integers(0, CATEGORIES, n)], dtype="string"),
        }
    )
    for i, label in enumerate(SENTIMENT_LABELS):
        frame[contract.proba_column(label)] = proba[:, i]
    return frame


def main() -> None:
    """Print cold and warm timings, the baseline and PASS/FAIL lines."""
    frame = predictions(REVIEWS)
    started = time.perf_counter()
    table = mistakes_table(frame, "benchmark")
    cold = time.perf_counter() - started
    annotated = set(table[REVIEW_KEY].iloc[::300].head(1000))
    wanted = ReviewFilter(
        categories=("category 3", "category 7"), true_labels=("negative",), min_confidence=0.4, status="not annotated yet"
    )

    def first_screen() -> pd.DataFrame:
        return page_of(filter_reviews(table, wanted, annotated=annotated), 1, PAGE_SIZE)

    warm = best_time(first_screen)
    unfiltered = best_time(lambda: page_of(filter_reviews(table, ReviewFilter()), 1, PAGE_SIZE))
    baseline = best_time(
        lambda: (
            frame.assign(**{CONFIDENCE: frame[[contract.proba_column(x) for x in SENTIMENT_LABELS]].max(axis=1)})
            .sort_values(CONFIDENCE, ascending=False)
            .head(PAGE_SIZE)
        )
    )
    print(f"{REVIEWS:,} reviews, {len(table):,} mistakes, {CATEGORIES} categories")
    print(
        f"cold  (build the mistakes table, once per run): {cold:6.3f} s   target ≤ {COLD_TARGET_S} s   {'PASS' if cold <= COLD_TARGET_S else 'FAIL'}"
    )
    print(
        f"warm  (filter + first page of {PAGE_SIZE}):            {warm:6.3f} s   target ≤ {WARM_TARGET_S} s   {'PASS' if warm <= WARM_TARGET_S else 'FAIL'}"
    )
    started = time.perf_counter()
    flagged = likely_label_errors(frame)
    label_search = time.perf_counter() - started
    print(
        f"label-error search, one process:             {label_search:6.3f} s   target ≤ {LABEL_SEARCH_TARGET_S} s   "
        f"{'PASS' if label_search <= LABEL_SEARCH_TARGET_S else 'FAIL'}   ({len(flagged):,} flagged)"
    )
    print(f"warm, no filter:                               {unfiltered:6.3f} s")
    print(f"baseline (sort all by confidence + head):      {baseline:6.3f} s   warm / baseline = {warm / baseline:.2f}")


if __name__ == "__main__":
    main()
