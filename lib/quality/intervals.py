"""Every interval of the app, each taking the confidence level (95% unless told otherwise).

* :func:`wilson_interval` for proportions (accuracy, precision, recall),
* :func:`percentile_interval` for bootstrap replicates (F1 figures, changes between runs),
* :func:`normal_interval` for a mean with its standard error (the human ceiling).
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.special import ndtri  # the normal quantile, without importing scipy.stats (slow to import)

DEFAULT_CONFIDENCE = 0.95


def z_value(confidence: float = DEFAULT_CONFIDENCE) -> float:
    """The two-sided standard-normal quantile of a confidence level (1.96 for 95%)."""
    return float(ndtri(0.5 + confidence / 2))


def wilson_interval(successes: np.ndarray, n: np.ndarray, confidence: float = DEFAULT_CONFIDENCE) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for proportions; NaN where n is 0."""
    successes = np.asarray(successes, dtype=float)
    n = np.asarray(n, dtype=float)
    z = z_value(confidence)
    safe_n = np.where(n > 0, n, 1)
    p = successes / safe_n
    centre = (p + z**2 / (2 * safe_n)) / (1 + z**2 / safe_n)
    half = z * np.sqrt(p * (1 - p) / safe_n + z**2 / (4 * safe_n**2)) / (1 + z**2 / safe_n)
    # The interval always holds p; min/max only undo rounding (10 of 10 gave a top of 0.9999…).
    low = np.where(n > 0, np.clip(np.minimum(centre - half, p), 0, 1), np.nan)
    high = np.where(n > 0, np.clip(np.maximum(centre + half, p), 0, 1), np.nan)
    return low, high


def percentile_interval(samples: np.ndarray, confidence: float = DEFAULT_CONFIDENCE) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval of bootstrap replicates along the first axis; columns that are all NaN stay NaN."""
    tail = (1 - confidence) / 2 * 100
    # All-NaN columns (a class absent from a slice) are expected: they stay NaN.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanpercentile(samples, [tail, 100 - tail], axis=0)
    return low, high


def normal_interval(mean: np.ndarray, standard_error: np.ndarray, confidence: float = DEFAULT_CONFIDENCE) -> tuple[np.ndarray, np.ndarray]:
    """Mean ± z × standard error, clipped to 0–1 (the figures it is used for are shares)."""
    half = z_value(confidence) * np.asarray(standard_error, dtype=float)
    return np.clip(mean - half, 0, 1), np.clip(mean + half, 0, 1)
