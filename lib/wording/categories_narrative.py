"""The Categories page's sentences: one category against all reviews, the gap between categories."""

from __future__ import annotations

import math

from lib.quality.metrics import Estimate
from lib.wording.counts import reviews
from lib.wording.metric_names import metric_in_sentence
from lib.wording.numbers import percent


def category_callout(name: str, estimate: Estimate, overall: Estimate, metric: str, min_reviews: int) -> str:
    """How one category compares with all reviews, judged by its interval, in one sentence."""
    figures = f"{metric_in_sentence(metric)} {percent(estimate.value)} against {percent(overall.value)} overall"
    if not estimate.is_defined:
        return f"{name}: this figure cannot be measured here ({reviews(estimate.n)})."
    if estimate.n < min_reviews:
        direction = "worse" if estimate.value < overall.value else "better"
        return f"{name} looks {direction} ({figures}), but with {reviews(estimate.n)} we cannot tell."
    if estimate.high < overall.value:
        return f"{name} is clearly worse than all reviews together: {figures}, from {reviews(estimate.n)}."
    if estimate.low > overall.value:
        return f"{name} is clearly better than all reviews together: {figures}, from {reviews(estimate.n)}."
    return f"{name} is in line with all reviews together: {figures}, from {reviews(estimate.n)}."


def below_overall_note(metric: str, below: int, judged: int) -> str | None:
    """Why most categories can score below all reviews together on the balanced score; None when not the case."""
    if metric != "macro_f1" or judged == 0 or below <= judged / 2:
        return None
    return (
        f"{below} of the {judged} categories score below all reviews together. That is not an error: the balanced "
        "score is not an average of the categories. It depends on how common each sentiment is, and a sentiment that "
        "is rare within a category scores lower there than among all reviews."
    )


def gap_sentence(difference: float, ratio: float, metric: str, judged: int) -> str:
    """The distance between the best and the worst category, said plainly."""
    if not math.isfinite(difference):
        return "There are not enough categories with enough reviews to compare them with each other."
    unevenness = "large" if difference >= 0.15 else "noticeable" if difference >= 0.05 else "small"
    return (
        f"**Gap between the best and the worst category: {difference * 100:.0f} points**, a {unevenness} gap "
        f"(the worst reaches {percent(ratio)} of the best; {metric_in_sentence(metric)}, "
        f"over the {judged} categories with enough reviews)."
    )
