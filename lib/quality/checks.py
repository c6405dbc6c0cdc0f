"""Checking a model-based quality estimate with a small sample of reviews people label.

* :func:`propose_check_sample` draws the reviews to check: stratified by predicted label and
  confidence band, seeded. It sorts the reviews by predicted label, then confidence band,
  then at random, and takes every (N/size)-th from a random start (systematic sampling
  over sorted strata, "implicit stratification"). Every stratum gets its share of the
  sample up to less than one review, and every review has exactly the same chance
  ``size / N`` of being drawn, so the checked reviews are a fair sample of all: the
  sample's own accuracy and the PPI++ combination need no weights. The sample comes in
  a random order, so the first reviews a team gets through are a random part of it.
* :func:`checked_accuracy` turns the checked reviews into accuracy figures: the share the
  model got right among them (Wilson interval), and, when a per-review probability that
  the model is right is known on all reviews, that share combined with it by PPI++
  (:mod:`lib.quality.ppi`), whose interval stays valid however biased that probability is.
  With a few dozen checked reviews a normal interval of a share falls short of its 95%, so
  the combined share gets a Wilson interval at its *effective sample size* (the number of
  plainly sampled reviews that would give PPI++'s standard error), as Korn & Graubard
  (*Survey Methodology* 24, 1998) recommend for shares estimated from complex samples: the
  same as the sample's own interval when the model's confidence adds nothing, narrower as
  it adds more.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.quality.metrics import Estimate, wilson_interval
from lib.quality.ppi import PredictionPoweredMean, ppi_mean
from lib.stores import contract
from lib.stores.tracking import RunSummary

DEFAULT_CHECK_SIZE = 50
MIN_CHECKED_REVIEWS = 20  # fewer checked reviews give intervals too wide to say anything
# Confidence bands: the model's top probability below 60%, 60–80%, 80% and more.
CONFIDENCE_BAND_EDGES = (0.6, 0.8)
CONFIDENCE = "confidence"
CONFIDENCE_BAND = "confidence_band"
STRATUM = "stratum"
METHOD_COMBINED = "ppi++"  # logged as a tag: prediction-powered inference, Wilson interval at the effective size
METHOD_SAMPLE_ONLY = "sample-only"  # logged as a tag: the checked reviews alone, Wilson interval


def check_seed(run_id: str) -> int:
    """The seed of a run's check sample: the same run always proposes the same reviews."""
    return int.from_bytes(hashlib.sha256(f"check-sample\x1f{run_id}".encode()).digest()[:4], "big")


def model_confidence(predictions: pd.DataFrame) -> pd.Series:
    """The model's top class probability per review (NaN when the run stored no probabilities)."""
    proba_columns = [c for c in predictions.columns if c.startswith(contract.PROBA_PREFIX)]
    if not proba_columns:
        return pd.Series(np.nan, index=predictions.index, name=CONFIDENCE)
    return predictions[proba_columns].astype(float).max(axis=1).rename(CONFIDENCE)


def confidence_band(confidence: pd.Series) -> pd.Series:
    """ "below 60%", "60–80%" or "80% or more" per review ("unknown" without probabilities)."""
    names = np.array(["below 60%", "60–80%", "80% or more"], dtype=object)
    bands = np.where(confidence.isna(), "unknown", names[np.digitize(confidence.fillna(0), CONFIDENCE_BAND_EDGES)])
    return pd.Series(bands, index=confidence.index, name=CONFIDENCE_BAND, dtype=object)


def propose_check_sample(predictions: pd.DataFrame, size: int = DEFAULT_CHECK_SIZE, *, seed: int) -> pd.DataFrame:
    """``size`` scored reviews to check, stratified by predicted label and confidence band, in random order.

    Returns those rows of ``predictions`` (index kept) with columns ``confidence``,
    ``confidence_band`` and ``stratum`` added. Reviews without a predicted label are never
    drawn; when ``size`` is at least the number of scored reviews, all of them are returned.
    """
    if size < 1:
        raise ValueError(f"a check sample needs at least one review, got size={size}")
    scored = predictions[predictions[contract.PREDICTED_LABEL].notna()]
    confidence = model_confidence(scored)
    rng = np.random.default_rng(seed)
    total = len(scored)
    if size >= total:
        chosen = rng.permutation(total)
    else:
        band_order = np.digitize(confidence.fillna(-1).to_numpy(), CONFIDENCE_BAND_EDGES)
        label_order = pd.factorize(scored[contract.PREDICTED_LABEL], sort=True)[0]
        ordered = np.lexsort((rng.random(total), band_order, label_order))
        step = total / size
        positions = np.floor(rng.uniform(0, step) + step * np.arange(size)).astype(np.int64)
        chosen = ordered[positions][rng.permutation(size)]
    sample = scored.iloc[chosen].assign(**{CONFIDENCE: confidence.iloc[chosen]})
    sample[CONFIDENCE_BAND] = confidence_band(sample[CONFIDENCE])
    sample[STRATUM] = sample[contract.PREDICTED_LABEL].astype(str) + " · " + sample[CONFIDENCE_BAND]
    return sample


@dataclass(frozen=True)
class CheckedAccuracy:
    """Accuracy from the checked reviews alone and combined with the model-based guess on all reviews."""

    n_checked: int  # checked reviews with a true sentiment
    n_right: int  # of those, how many the model got right
    n_reviews: int  # all scored reviews of the run
    sample_only: Estimate  # share right among the checked reviews, Wilson interval
    combined: Estimate | None  # PPI++ share, Wilson interval at its effective size; None without a guess or when it cannot help
    ppi: PredictionPoweredMean | None  # the PPI++ result behind ``combined`` (power, standard error)

    @property
    def best(self) -> Estimate:
        """The figure to lead with: the combined one when there is one, else the sample's own."""
        return self.combined if self.combined is not None else self.sample_only


def share_interval(result: PredictionPoweredMean) -> Estimate:
    """A PPI++ share with the Wilson interval at its effective sample size p(1 − p) / SE²."""
    share = result.value
    effective = share * (1 - share) / result.standard_error**2 if 0 < share < 1 and result.standard_error > 0 else result.n_checked
    low, high = wilson_interval(np.array(share * effective), np.array(effective))
    return Estimate(share, float(low), float(high), result.n_checked)


def checked_accuracy(
    predicted: pd.Series,
    checked_labels: pd.Series,
    right_probability: pd.Series | None = None,
) -> CheckedAccuracy | None:
    """Accuracy figures from the checked reviews; None below ``MIN_CHECKED_REVIEWS`` checked reviews.

    All three series are aligned on the run's reviews. ``checked_labels`` holds the true
    sentiment people gave to reviews *of the check sample* (missing elsewhere: reviews
    labelled outside the sample are not a fair sample). ``right_probability`` is, per
    review, the probability that the model is right (for instance the calibrated
    confidence); without it, or when every checked review was right (or every one wrong, so
    the sample carries no measure of how right and wrong differ), only the sample's own
    figure is given.
    """
    scored = predicted.notna().to_numpy()
    checked = scored & checked_labels.notna().to_numpy()
    n_checked = int(checked.sum())
    if n_checked < MIN_CHECKED_REVIEWS:
        return None
    right = predicted[checked].astype(str).to_numpy() == checked_labels[checked].astype(str).to_numpy()
    n_right = int(right.sum())
    low, high = wilson_interval(np.array(n_right), np.array(n_checked))
    sample_only = Estimate(n_right / n_checked, float(low), float(high), n_checked)
    ppi = None
    varied = 0 < n_right < n_checked
    if right_probability is not None and varied:
        guess = right_probability.to_numpy(dtype=float)
        unchecked = scored & ~checked
        if np.isfinite(guess[scored]).all() and unchecked.sum() >= 2:
            ppi = ppi_mean(right.astype(float), guess[checked], guess[unchecked])
    combined = share_interval(ppi) if ppi is not None else None
    return CheckedAccuracy(n_checked, n_right, int(scored.sum()), sample_only, combined, ppi)


def check_metrics(result: CheckedAccuracy) -> dict[str, float]:
    """The metrics logged for a check (names in ``lib/stores/contract.py``): the figure to lead with and its basis."""
    best = result.best
    return {
        contract.CHECKED_ACCURACY: best.value,
        f"{contract.CHECKED_ACCURACY}_lower": best.low,
        f"{contract.CHECKED_ACCURACY}_upper": best.high,
        contract.CHECK_SAMPLE_SIZE: float(result.n_checked),
        contract.CHECK_POPULATION_SIZE: float(result.n_reviews),
    }


def check_method(result: CheckedAccuracy) -> str:
    """How the logged figure was computed: ``METHOD_COMBINED`` or ``METHOD_SAMPLE_ONLY``."""
    return METHOD_COMBINED if result.combined is not None else METHOD_SAMPLE_ONLY


def logged_check(metrics: Mapping[str, float], tags: Mapping[str, str]) -> tuple[Estimate, int, bool] | None:
    """A check logged to a run: (figure, scored reviews it speaks for, combined with the model's confidence), or None."""
    names = (contract.CHECKED_ACCURACY, f"{contract.CHECKED_ACCURACY}_lower", f"{contract.CHECKED_ACCURACY}_upper")
    if not all(name in metrics for name in (*names, contract.CHECK_SAMPLE_SIZE, contract.CHECK_POPULATION_SIZE)):
        return None
    figure = Estimate(*(float(metrics[name]) for name in names), int(metrics[contract.CHECK_SAMPLE_SIZE]))
    return figure, int(metrics[contract.CHECK_POPULATION_SIZE]), tags.get(contract.TAG_CHECK_METHOD) == METHOD_COMBINED


def runs_without_labels(runs: Iterable[RunSummary]) -> list[RunSummary]:
    """The finished evaluation runs among ``runs`` whose reviews had no true labels (they log no accuracy), in order."""
    return [
        run
        for run in runs
        if run.is_finished and run.tags.get(contract.TAG_RUN_KIND) == contract.RUN_KIND_EVALUATION and "accuracy_score" not in run.metrics
    ]
