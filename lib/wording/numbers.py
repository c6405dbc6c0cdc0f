"""How figures are written: percentages, thousands, intervals and changes in points."""

from __future__ import annotations

import math

from lib.quality.metrics import Estimate
from lib.wording.counts import reviews


def percent(value: float, digits: int = 0) -> str:
    """0.784 -> '78%'; NaN -> 'n/a'."""
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value * 100:.{digits}f}%"


def count(n: int | float) -> str:
    """4712 -> '4,712'."""
    return f"{int(n):,}"


def interval(estimate: Estimate) -> str:
    """'95% interval 77%–80%' (or a note that it cannot be measured)."""
    if not (math.isfinite(estimate.low) and math.isfinite(estimate.high)):
        return "no interval: too few reviews"
    return f"95% interval {percent(estimate.low)}–{percent(estimate.high)}"


def estimate_with_basis(estimate: Estimate) -> str:
    """'78% (95% interval 77%–80%, based on 4,712 reviews)'."""
    if not estimate.is_defined:
        return f"cannot be measured (based on {reviews(estimate.n)})"
    return f"{percent(estimate.value)} ({interval(estimate)}, based on {reviews(estimate.n)})"


def points_change(current: Estimate, before: Estimate | None) -> str | None:
    """'+2.1 pts': change of a proportion in percentage points, or None when not measurable."""
    if before is None or not (current.is_defined and before.is_defined):
        return None
    return f"{(current.value - before.value) * 100:+.1f} pts"


def change_against(current: Estimate, baseline: Estimate | None) -> str | None:
    """'+2.1 pts vs baseline', or None."""
    change = points_change(current, baseline)
    return None if change is None else f"{change} vs baseline"


def interval_range(estimate: Estimate) -> str:
    """'77–80%' (no leading words), or 'n/a'."""
    if not (math.isfinite(estimate.low) and math.isfinite(estimate.high)):
        return "n/a"
    return f"{percent(estimate.low)}–{percent(estimate.high)}"
