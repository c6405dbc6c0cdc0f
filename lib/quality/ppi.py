"""Prediction-powered inference (PPI++) for a mean: a few checked reviews plus a model-based guess on all.

The quantity is a mean θ of an outcome ``Y`` (here: 1 when the model is right on a review,
0 when it is wrong). ``Y`` is known on ``n`` reviews a person checked; a prediction ``f`` of
``Y`` (here: the probability that the model is right) is known on those ``n`` and on the
``N`` reviews nobody checked. The power-tuned estimate of Angelopoulos, Duchi & Zrnic,
*PPI++: Efficient Prediction-Powered Inference* (2023, arXiv:2311.01453), is

    θ̂_λ = λ · mean(f on the N unchecked) + mean(Y − λ·f on the n checked)

which is unbiased for every λ however wrong ``f`` is: the second term measures and removes
the bias of ``f`` on the checked reviews. Its 95% interval is θ̂_λ ± 1.96 · √(λ²·Var(f_N)/N +
Var(Y − λ·f_n)/n). λ is chosen to make that variance smallest, clipped to [0, 1]:

    λ̂ = Cov(Y, f_n) / ((1 + n/N) · Var(f_n ∪ f_N))

λ = 0 is the checked sample alone (classical interval), λ = 1 the original PPI of
Angelopoulos et al., *Science* 382 (2023). The formulas follow ``ppi_py``'s
``ppi_mean_pointestimate``, ``ppi_mean_ci`` and ``_calc_lam_glm`` (same variance
conventions), so results agree with ``ppi-python`` to rounding (tests prove it). For a share
measured on a few dozen checked reviews, :mod:`lib.quality.checks` turns the standard error
into a Wilson interval (the normal interval's coverage falls short there). The
estimate and its interval are then cut to [0, 1], where a share lies; that never lowers the
interval's coverage.

The two sets must be drawn from the same reviews at random: the checked reviews a random
sample, the unchecked ones the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri  # the normal quantile, without importing scipy.stats (slow to import)

from lib.quality.metrics import DEFAULT_CONFIDENCE


@dataclass(frozen=True)
class PredictionPoweredMean:
    """A PPI++ estimate of a mean with its interval, and what it rests on."""

    value: float
    standard_error: float
    low: float
    high: float
    n_checked: int
    n_unchecked: int
    power: float  # λ: 0 = the checked reviews alone, 1 = full weight on the predictions


def _checked_arrays(y_checked: np.ndarray, f_checked: np.ndarray, f_unchecked: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y = np.asarray(y_checked, dtype=float).ravel()
    f = np.asarray(f_checked, dtype=float).ravel()
    f_all = np.asarray(f_unchecked, dtype=float).ravel()
    if len(y) != len(f):
        raise ValueError(f"y_checked has {len(y)} values but f_checked has {len(f)}")
    if len(y) < 2 or len(f_all) < 2:
        raise ValueError(f"PPI needs at least 2 checked and 2 unchecked values, got {len(y)} and {len(f_all)}")
    if not (np.isfinite(y).all() and np.isfinite(f).all() and np.isfinite(f_all).all()):
        raise ValueError("PPI inputs must be finite numbers (drop missing values first)")
    return y, f, f_all


def optimal_power(y_checked: np.ndarray, f_checked: np.ndarray, f_unchecked: np.ndarray) -> float:
    """λ̂ that minimises the variance of the PPI++ mean, clipped to [0, 1] (0 when f does not vary)."""
    y, f, f_all = _checked_arrays(y_checked, f_checked, f_unchecked)
    n, big_n = len(y), len(f_all)
    covariance = np.mean((y - y.mean()) * (f - f.mean()))  # 1/n, as ppi_py's _calc_lam_glm
    spread = np.var(np.concatenate([f, f_all]), ddof=1)
    if spread <= 0:
        return 0.0
    return float(np.clip(covariance / ((1 + n / big_n) * spread), 0.0, 1.0))


def ppi_mean(
    y_checked: np.ndarray,
    f_checked: np.ndarray,
    f_unchecked: np.ndarray,
    *,
    confidence: float = DEFAULT_CONFIDENCE,
    power: float | None = None,
) -> PredictionPoweredMean:
    """PPI++ estimate of the mean of Y with its interval; ``power`` fixes λ (None: the variance-minimising λ̂).

    >>> result = ppi_mean([1, 0, 1, 1], [0.9, 0.4, 0.8, 0.7], [0.9, 0.6, 0.8, 0.3, 0.7])
    >>> round(result.value, 3), 0 <= result.low <= result.value <= result.high <= 1
    (0.712, True)
    """
    y, f, f_all = _checked_arrays(y_checked, f_checked, f_unchecked)
    lam = optimal_power(y, f, f_all) if power is None else float(power)
    value = lam * f_all.mean() + (y - lam * f).mean()
    # Population variances (ddof=0), as ppi_py's ppi_mean_ci.
    standard_error = np.sqrt(lam**2 * np.var(f_all) / len(f_all) + np.var(y - lam * f) / len(y))
    half = ndtri(0.5 + confidence / 2) * standard_error
    return PredictionPoweredMean(
        value=float(np.clip(value, 0.0, 1.0)),
        standard_error=float(standard_error),
        low=float(np.clip(value - half, 0.0, 1.0)),
        high=float(np.clip(value + half, 0.0, 1.0)),
        n_checked=len(y),
        n_unchecked=len(f_all),
        power=lam,
    )
