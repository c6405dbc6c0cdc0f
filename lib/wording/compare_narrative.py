"""The comparison of two runs in words: verdicts, changes, reviews fixed and broken."""

from __future__ import annotations

import math

from lib.quality.comparison import Comparison
from lib.wording.counts import counted
from lib.wording.metric_names import metric_label
from lib.wording.numbers import count, percent

VERDICT_WORDS = {
    "better": "Better, and the difference is real",
    "worse": "Worse, and the difference is real",
    # With several measures compared at once, a change this size can still be chance.
    "maybe better": "Maybe better: a hint, not proof",
    "maybe worse": "Maybe worse: a hint, not proof",
    "within noise": "Within noise: the change could be chance",
    "cannot tell": "Cannot tell: not measurable on these reviews",
}

# Under a metric card's change: is it real? Short, so it fits a card on a laptop screen.
CARD_VERDICT_WORDS = {
    "better": "vs baseline: a real change",
    "worse": "vs baseline: a real change",
    "maybe better": "vs baseline: maybe real",
    "maybe worse": "vs baseline: maybe real",
    "within noise": "vs baseline: could be chance",
}


def card_change_words(verdict: str | None) -> str:
    """The words under a card's change against the baseline, with how sure the change is when known."""
    return CARD_VERDICT_WORDS.get(verdict or "", "vs baseline")


def change_sentence(metric: str, baseline: float, new: float, low: float, high: float) -> str:
    """'Labelled correctly: 66% → 68% (+1.6 pts, 95% interval +0.4 to +2.9 pts).'"""
    if not (math.isfinite(baseline) and math.isfinite(new)):
        return f"{metric_label(metric)}: cannot be compared on these reviews."
    return (
        f"{metric_label(metric)}: {percent(baseline)} → {percent(new)} "
        f"({(new - baseline) * 100:+.1f} pts, 95% interval {low * 100:+.1f} to {high * 100:+.1f} pts)."
    )


def baseline_on_other_reviews(baseline_name: str) -> str:
    """Why no change against the baseline is shown: it was measured on other reviews."""
    return (
        f"No change against the baseline “{baseline_name}” is shown: it was measured on different reviews, so the "
        "difference would mean nothing. To compare on these reviews, evaluate the baseline's model on the same file "
        "(Evaluate a file), or pick another baseline in the sidebar."
    )


def per_category_changes_caption(categories: int) -> str:
    """How to read the per-category change chart, and why light bars are only hints."""
    return (
        "Bars right of the line: the new version does better there. Whiskers: 95% interval of the change. "
        f"With {counted(categories, 'category')} compared at once, a few changes are expected "
        "by chance alone, so a change counts as real (dark colour) only if it stays clear after allowing for that "
        "(Benjamini–Hochberg, 5% false discoveries); light colours are hints worth a closer look, not proof."
    )


def fixed_broken_sentence(fixed: int, broken: int, p_value: float | None) -> str:
    """Reviews fixed and newly broken, with what McNemar's test says about it."""
    sentence = f"The new version fixes {counted(fixed, 'review')} the baseline got wrong and breaks {count(broken)} it got right."
    if p_value is None:
        return sentence
    if p_value < 0.05:
        judged = (
            "so many more fixes than breaks are unlikely to be chance"
            if fixed > broken
            else "so many more breaks than fixes are unlikely to be chance"
        )
    else:
        judged = "the difference between fixes and breaks could be chance"
    return f"{sentence} McNemar's test gives p = {p_value:.3f}: {judged}."


def measure_changes(comparison: Comparison) -> list[dict[str, str]]:
    """One row per compared measure over all reviews: the measure, its change with interval, the verdict, the reviews."""
    return [
        {
            "Measure": metric_label(str(metric)),
            "Change": change_sentence(str(metric), r.baseline, r.new, r.low, r.high).split(": ", 1)[1],
            "Verdict": VERDICT_WORDS[r.verdict],
            "Reviews": count(r.n),
        }
        for metric, r in comparison.overall.iterrows()
    ]


def accuracy_verdict(comparison: Comparison) -> str:
    """'Labelled correctly: 66% → 68% (+1.6 pts, …). Better, and the difference is real.'"""
    accuracy = comparison.row("accuracy")
    return f"{change_sentence('accuracy', accuracy.baseline, accuracy.new, accuracy.low, accuracy.high)} {VERDICT_WORDS[accuracy.verdict]}."
