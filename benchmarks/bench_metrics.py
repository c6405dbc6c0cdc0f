"""Benchmark: per-category metrics with 95% intervals for 1,000,000 predictions × 50 categories.

Run from the project root::

    .venv/bin/python -m benchmarks.bench_metrics

Measured in the same run, on the same data (labels as pandas' default string dtype, as
they come out of a predictions file):

* ours: ``lib.quality.metrics.quality_report`` with groups and the default 1,000 bootstrap
  samples (every per-class precision/recall/F1, macro/weighted F1 and accuracy, overall
  and per category, each with a 95% interval). Target: at most 0.5 s.
* baseline: a plain loop of ``sklearn.metrics.classification_report`` over the same 50
  categories plus all reviews (point values only, no intervals).
* also: ``lib.quality.comparison.paired_comparison`` of two runs on the same 1,000,000 reviews.

Each figure is the best of 3 timed runs after one warm-up run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import classification_report

from benchmarks.timing import best_time
from lib.quality.comparison import paired_comparison
from lib.quality.metrics import DEFAULT_BOOTSTRAP_SAMPLES, SENTIMENT_LABELS, quality_report

REVIEWS = 1_000_000
CATEGORIES = 50
TARGET_S = 0.5
REPEATS = 3
SEED = 20240611


def synthetic_predictions(n: int = REVIEWS, categories: int = CATEGORIES, seed: int = SEED) -> pd.DataFrame:
    """Labelled reviews in categories of uneven size, with a baseline and a better new model."""
    rng = np.random.default_rng(seed)
    labels = np.array(SENTIMENT_LABELS)
    truth = rng.choice(3, size=n, p=[0.35, 0.2, 0.45])
    baseline = np.where(rng.random(n) < 0.70, truth, rng.integers(0, 3, n))
    new = np.where(rng.random(n) < 0.75, truth, baseline)
    weights = rng.dirichlet(np.full(categories, 2.0))
    names = np.array([f"Category {i:02d}" for i in range(categories)])
    return pd.DataFrame(
        {
            "true_label": pd.Series(labels[truth], dtype="str"),
            "baseline_said": pd.Series(labels[baseline], dtype="str"),
            "new_says": pd.Series(labels[new], dtype="str"),
            "category": pd.Series(names[rng.choice(categories, size=n, p=weights)], dtype="str"),
        }
    )


def sklearn_loop(frame: pd.DataFrame) -> dict[str, dict]:
    """The plain way: one classification_report for all reviews and one per category."""
    truth = frame["true_label"].to_numpy(dtype=object)
    said = frame["baseline_said"].to_numpy(dtype=object)
    category = frame["category"].to_numpy(dtype=object)
    labels = list(SENTIMENT_LABELS)
    reports = {"All reviews": classification_report(truth, said, labels=labels, output_dict=True, zero_division=np.nan)}
    for name in pd.unique(category):
        mask = category == name
        reports[name] = classification_report(truth[mask], said[mask], labels=labels, output_dict=True, zero_division=np.nan)
    return reports


def ours(frame: pd.DataFrame):
    """Every metric with a 95% interval, overall and per category."""
    return quality_report(frame["true_label"], frame["baseline_said"], groups=frame["category"], n_boot=DEFAULT_BOOTSTRAP_SAMPLES)


def paired(frame: pd.DataFrame):
    """Baseline against new model on the same reviews, overall and per category."""
    return paired_comparison(frame["true_label"], frame["baseline_said"], frame["new_says"], groups=frame["category"])


def main() -> None:
    frame = synthetic_predictions()
    categories = frame["category"].nunique()
    print(
        f"{len(frame):,} predictions × {categories} categories, bootstrap samples: {DEFAULT_BOOTSTRAP_SAMPLES}, best of {REPEATS} warm runs"
    )

    # Same numbers from both, so the comparison is fair.
    report, reports = ours(frame), sklearn_loop(frame)
    worst = max(
        abs(report.estimate(f"recall:{label}", name).value - reports[name][label]["recall"])
        for name in reports
        for label in SENTIMENT_LABELS
    )
    print(f"largest difference in per-category recall, ours vs scikit-learn: {worst:.1e}")

    ours_s = best_time(lambda: ours(frame), REPEATS)
    sklearn_s = best_time(lambda: sklearn_loop(frame), REPEATS)
    paired_s = best_time(lambda: paired(frame), REPEATS)
    print(f"ours  quality_report (all metrics + 95% intervals, overall + {categories} categories): {ours_s:.3f} s")
    print(f"base  classification_report loop (point values only, overall + {categories} categories): {sklearn_s:.3f} s")
    print(f"ratio baseline / ours: {sklearn_s / ours_s:.1f}× (ours is {'faster' if ours_s < sklearn_s else 'slower'})")
    print(
        f"also  paired_comparison of two runs (deltas + paired 95% intervals + McNemar, overall + {categories} categories): {paired_s:.3f} s"
    )
    verdict = "PASS" if ours_s <= TARGET_S else "FAIL"
    print(f"{verdict}: per-category metrics with 95% intervals took {ours_s:.3f} s against a target of {TARGET_S:.1f} s")


if __name__ == "__main__":
    main()
