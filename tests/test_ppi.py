"""lib/quality/ppi.py: PPI++ mean against ppi-python, against the published formulas, and by simulation."""

from __future__ import annotations

import numpy as np
import pytest
from ppi_py import ppi_mean_ci, ppi_mean_pointestimate
from scipy.stats import norm

from lib.quality.ppi import optimal_power, ppi_mean

Z95 = norm.ppf(0.975)


def synthetic(seed: int, n: int, big_n: int, bias: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Y = 1 with probability p per review; f = p (+ bias, kept in [0, 1]) as the model's guess."""
    rng = np.random.default_rng(seed)
    p = rng.beta(5, 2, size=n + big_n)
    y = (rng.random(n + big_n) < p).astype(float)
    f = np.clip(p + bias, 0, 1)
    return y[:n], f[:n], f[n:]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(("n", "big_n"), [(50, 12_000), (20, 300), (200, 2_000)])
def test_matches_ppi_python_with_tuned_power(seed: int, n: int, big_n: int) -> None:
    y, f, f_unchecked = synthetic(seed, n, big_n, bias=0.05 * (seed % 3))
    ours = ppi_mean(y, f, f_unchecked)
    low, high = ppi_mean_ci(y, f, f_unchecked, alpha=0.05)
    point = ppi_mean_pointestimate(y, f, f_unchecked)
    assert ours.value == pytest.approx(float(np.squeeze(point)), abs=1e-12)
    # ppi_py does not cut the interval to [0, 1]; ours does.
    assert ours.low == pytest.approx(max(float(np.squeeze(low)), 0.0), abs=1e-12)
    assert ours.high == pytest.approx(min(float(np.squeeze(high)), 1.0), abs=1e-12)
    assert (ours.n_checked, ours.n_unchecked) == (n, big_n)


@pytest.mark.parametrize("power", [0.0, 0.3, 1.0])
def test_matches_ppi_python_with_fixed_power(power: float) -> None:
    y, f, f_unchecked = synthetic(11, 60, 5_000, bias=-0.1)
    ours = ppi_mean(y, f, f_unchecked, power=power, confidence=0.9)
    low, high = ppi_mean_ci(y, f, f_unchecked, alpha=0.1, lam=power)
    assert ours.power == power
    assert (ours.low, ours.high) == pytest.approx((float(np.squeeze(low)), float(np.squeeze(high))), abs=1e-12)


def test_power_zero_is_the_classical_interval_of_the_checked_reviews() -> None:
    y, f, f_unchecked = synthetic(3, 80, 1_000)
    result = ppi_mean(y, f, f_unchecked, power=0.0)
    half = Z95 * y.std() / np.sqrt(len(y))
    assert result.value == pytest.approx(y.mean())
    assert (result.low, result.high) == pytest.approx((y.mean() - half, y.mean() + half))


def test_power_one_is_the_original_ppi_formula() -> None:
    y, f, f_unchecked = synthetic(4, 80, 1_000, bias=0.1)
    result = ppi_mean(y, f, f_unchecked, power=1.0)
    rectifier = y - f
    value = f_unchecked.mean() + rectifier.mean()
    half = Z95 * np.sqrt(f_unchecked.var() / len(f_unchecked) + rectifier.var() / len(y))
    assert result.value == pytest.approx(value)
    assert (result.low, result.high) == pytest.approx((value - half, value + half))


def test_tuned_power_is_the_published_closed_form_and_minimises_the_width() -> None:
    y, f, f_unchecked = synthetic(5, 100, 400)
    noise = np.random.default_rng(5).normal(0, 0.2, size=500)  # a noisy guess gets a power below 1
    f, f_unchecked = f + noise[:100], f_unchecked + noise[100:]
    n, big_n = len(y), len(f_unchecked)
    expected = np.cov(y, f, ddof=0)[0, 1] / ((1 + n / big_n) * np.concatenate([f, f_unchecked]).var(ddof=1))
    assert 0 < expected < 1  # the case where clipping plays no part
    assert optimal_power(y, f, f_unchecked) == pytest.approx(expected)
    tuned = ppi_mean(y, f, f_unchecked)
    widths = [ppi_mean(y, f, f_unchecked, power=lam) for lam in np.linspace(0, 1, 101)]
    assert tuned.high - tuned.low <= min(w.high - w.low for w in widths) + 1e-3


def test_power_is_clipped_and_zero_when_the_guess_is_useless() -> None:
    y, f, f_unchecked = synthetic(6, 50, 500)
    assert optimal_power(y, 1 - f, 1 - f_unchecked) == 0.0  # a guess pointing the wrong way gets no weight
    assert optimal_power(y, np.full(50, 0.7), np.full(500, 0.7)) == 0.0  # constant: nothing to learn from
    assert ppi_mean(y, np.full(50, 0.7), np.full(500, 0.7)).value == pytest.approx(y.mean())


def test_interval_is_cut_to_shares() -> None:
    y = np.array([1.0] * 19 + [0.0])
    result = ppi_mean(y, np.full(20, 0.99), np.full(100, 0.99) - np.linspace(0, 0.01, 100), power=1.0)
    assert result.high == 1.0
    assert 0.0 <= result.low <= result.value <= 1.0


@pytest.mark.parametrize("bias", [0.0, 0.15, -0.2])
def test_coverage_holds_even_when_the_guess_is_biased(bias: float) -> None:
    rng = np.random.default_rng(2023)
    big = 20_000
    p = rng.beta(4, 2, size=big)
    y_all = (rng.random(big) < p).astype(float)
    f_all = np.clip(p + bias, 0, 1)
    truth = y_all.mean()
    covered, ppi_widths, classical_widths = 0, [], []
    trials = 1_000
    for _ in range(trials):
        checked = np.zeros(big, dtype=bool)
        checked[rng.choice(big, size=50, replace=False)] = True
        result = ppi_mean(y_all[checked], f_all[checked], f_all[~checked])
        classical = ppi_mean(y_all[checked], f_all[checked], f_all[~checked], power=0.0)
        covered += result.low <= truth <= result.high
        ppi_widths.append(result.high - result.low)
        classical_widths.append(classical.high - classical.low)
    assert covered / trials >= 0.93
    assert np.mean(ppi_widths) < np.mean(classical_widths)


def test_bad_input_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="f_checked has 3"):
        ppi_mean([1, 0], [0.5, 0.5, 0.5], [0.5, 0.5])
    with pytest.raises(ValueError, match="at least 2"):
        ppi_mean([1], [0.5], [0.5, 0.5])
    with pytest.raises(ValueError, match="finite"):
        ppi_mean([1, 0], [0.5, np.nan], [0.5, 0.5])
