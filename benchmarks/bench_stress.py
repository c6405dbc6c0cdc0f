"""Benchmark: a stress test of 1,000 reviews × every text change, against scoring the changed texts once.

Run from the project root::

    .venv/bin/python -m benchmarks.bench_stress

Two of the demo's models (word TF-IDF, the fastest to score; words + character n-grams, the
slowest) are trained on 6,000 reviews of the demo's training split. For each, in this process
with the model in memory:

* ours: ``run_stress_test`` on the test split (about 4,500 reviews): the seeded stratified
  sample of 1,000, every change of every review it applies to, scoring the originals and the
  changed texts in batches, and the failure rates with their intervals;
* floor: the model's ``predict_proba`` once on the same changed texts (one call, no batches):
  the least any stress test of these texts has to do.

Target: ours at most 3× the floor. Both run once untimed first, then alternate ``REPEATS``
times so a busy machine slows both alike; seconds are the best of the repeats.
"""

from __future__ import annotations

import time

import pandas as pd

from lib.quality.stress import DEFAULT_SAMPLE_SIZE, DEFAULT_SEED, changed_pairs, stress_sample
from lib.scoring.stress_test import run_stress_test
from lib.stores import contract
from lib.stores.demo import MODEL_SPECS, load_demo_data
from lib.stores.tracking import LoadedModel

TRAINING_REVIEWS = 6_000
REPEATS = 5
RATIO_TARGET = 3.0


def seconds(action) -> float:
    """Wall-clock seconds of one call."""
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    """Train, measure, print figures and PASS/FAIL per model."""
    data = load_demo_data().rename(columns={"label": contract.TRUE_LABEL})
    train = data[data["split"] == "train"].sample(TRAINING_REVIEWS, random_state=0)
    test = data[data["split"] == "test"]
    verdicts = []
    for spec in (MODEL_SPECS[0], MODEL_SPECS[-1]):
        model = spec.build().fit(train[[contract.TEXT]], train[contract.TRUE_LABEL])
        predictions = test.assign(**{contract.PREDICTED_LABEL: model.predict(test[[contract.TEXT]])})
        loaded = LoadedModel(model, "benchmark")
        changed = pd.DataFrame({contract.TEXT: changed_pairs(stress_sample(predictions, DEFAULT_SAMPLE_SIZE, DEFAULT_SEED))["changed"]})

        def ours(model: LoadedModel = loaded, predictions: pd.DataFrame = predictions) -> None:
            run_stress_test(model, predictions)

        def floor(model=model, changed: pd.DataFrame = changed) -> None:
            model.predict_proba(changed)

        ours(), floor()  # untimed: first-use costs are paid once by a long-running server
        timings = {"ours": [], "floor": []}
        for _ in range(REPEATS):
            timings["ours"].append(seconds(ours))
            timings["floor"].append(seconds(floor))
        best = {name: min(values) for name, values in timings.items()}
        ratio = best["ours"] / best["floor"]
        passed = ratio <= RATIO_TARGET
        verdicts.append(passed)
        print(f"{spec.run_name}")
        print(f"  changed texts: {len(changed):,} from {DEFAULT_SAMPLE_SIZE:,} reviews")
        print(f"  ours  (stress test, all changes): {best['ours']:.2f} s (best of {REPEATS})")
        print(f"  floor (predict_proba once):       {best['floor']:.2f} s (best of {REPEATS})")
        print(f"  ratio {ratio:.2f} (target ≤ {RATIO_TARGET:.0f}): {'PASS' if passed else 'FAIL'}")
    print("PASS" if all(verdicts) else "FAIL")


if __name__ == "__main__":
    main()
