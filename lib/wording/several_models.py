"""Plain-language sentences for one file scored by several models: who does better on *this* feedback.

Model names come from the registry or from a URI a user typed: they are escaped for
Markdown before they go into a sentence.
"""

from __future__ import annotations

import math

import pandas as pd

from lib.quality.comparison import BETTER, MAYBE_BETTER, MAYBE_WORSE, NOISE, WORSE
from lib.quality.model_differences import PredictionDifferences
from lib.wording.counts import reviews
from lib.wording.markdown import escape_markdown
from lib.wording.numbers import count, percent


def _bold(name: str) -> str:
    return f"**{escape_markdown(name)}**"


def _points(value: float) -> str:
    return f"{value * 100:+.1f}"


def accuracy_verdict(first: str, second: str, accuracy: pd.Series) -> str:
    """Who is right more often on these reviews, with both accuracies, n and the interval of the difference.

    ``accuracy`` is the accuracy row of a paired comparison with ``first`` as the baseline
    (columns baseline, new, delta, low, high, n, verdict).
    """
    n = int(accuracy["n"])
    difference = (
        f"a difference of {_points(accuracy['delta'])} points for {_bold(second)} "
        f"(95% interval {_points(accuracy['low'])} to {_points(accuracy['high'])} points)"
    )
    both = f"{percent(accuracy['new'])} against {percent(accuracy['baseline'])} of the same {reviews(n)}"
    verdict = accuracy["verdict"]
    if verdict in (BETTER, WORSE):
        winner, loser = (second, first) if verdict == BETTER else (first, second)
        shares = (
            both if verdict == BETTER else f"{percent(accuracy['baseline'])} against {percent(accuracy['new'])} of the same {reviews(n)}"
        )
        return f"On this feedback, {_bold(winner)} is right more often than {_bold(loser)}: {shares}, {difference}."
    if verdict in (MAYBE_BETTER, MAYBE_WORSE):
        leader, other = (second, first) if verdict == MAYBE_BETTER else (first, second)
        return (
            f"On this feedback, {_bold(leader)} may be right more often than {_bold(other)} ({both}, {difference}), "
            "but with several measures compared at once this could still be chance."
        )
    if verdict == NOISE:
        return (
            f"On this feedback, {_bold(first)} and {_bold(second)} are right about equally often: "
            f"{percent(accuracy['baseline'])} and {percent(accuracy['new'])} of the same {reviews(n)}. "
            f"The difference ({_points(accuracy['delta'])} points, 95% interval {_points(accuracy['low'])} to "
            f"{_points(accuracy['high'])} points) could be chance."
        )
    return f"{_bold(first)} and {_bold(second)} cannot be compared on these reviews: none of them has a true sentiment."


def right_and_wrong_sentence(first: str, second: str, second_only: int, first_only: int, p_value: float | None) -> str:
    """Reviews one model gets right and the other wrong, both ways, with McNemar's test in words."""
    sentence = (
        f"{_bold(second)} gets {reviews(second_only)} right that {_bold(first)} gets wrong; "
        f"{_bold(first)} gets {reviews(first_only)} right that {_bold(second)} gets wrong."
    )
    if p_value is None or second_only == first_only:
        return sentence
    more = second if second_only > first_only else first
    judged = "unlikely to be chance" if p_value < 0.05 else "could be chance"
    return (
        f"{sentence} That {_bold(more)} wins more of these is {judged} "
        f"(McNemar's test, which looks only at these reviews: p = {p_value:.3f})."
    )


def differences_sentence(first: str, second: str, found: PredictionDifferences) -> str:
    """How often two models disagree on unlabelled reviews, and their commonest disagreement."""
    if found.differ == 0:
        which = "the only review" if found.reviews == 1 else f"all {reviews(found.reviews)}"
        return f"{_bold(first)} and {_bold(second)} give {which} the same sentiment."
    share = found.differ / found.reviews
    sentence = (
        f"{_bold(first)} and {_bold(second)} give a different sentiment to {count(found.differ)} of the "
        f"{reviews(found.reviews)} ({percent(share)})."
    )
    top = found.pairs.iloc[0]
    return (
        f"{sentence} Most often {_bold(first)} says {top['first_says']} where {_bold(second)} says {top['second_says']} "
        f"({reviews(int(top['reviews']))})."
    )


def change_cell(delta: float, low: float, high: float) -> str:
    """A change in a table cell: '+4.0 pts (+1.2 to +6.8)'; 'cannot be measured' when it cannot."""
    if not all(map(math.isfinite, (delta, low, high))):
        return "cannot be measured"
    return f"{_points(delta)} pts ({_points(low)} to {_points(high)})"


UNLABELLED_COMPARISON_NOTE = (
    "Without a true sentiment in the file, nobody can count which model is right more often: "
    "the figures below are estimates from each model's confidence, learnt on reviews people labelled."
)
NO_ESTIMATE_TO_COMPARE = (
    "An estimated comparison needs an estimate for both models, which needs a labelled run of each model to learn from. "
    "Open each run in Overview to see what is missing."
)


def estimated_comparison_sentence(
    first: str, second: str, first_estimate: tuple[float, float, float], second_estimate: tuple[float, float, float]
) -> str:
    """Both models' estimated share right on unlabelled reviews, and whether the estimates can tell them apart."""
    (a, a_low, a_high), (b, b_low, b_high) = first_estimate, second_estimate
    both = (
        f"**Estimated**: {_bold(first)} is probably right about {percent(a)} of the time (95% interval {percent(a_low)}–{percent(a_high)}), "
        f"{_bold(second)} about {percent(b)} ({percent(b_low)}–{percent(b_high)})."
    )
    if a_low > b_high or b_low > a_high:
        better = first if a > b else second
        return f"{both} The intervals do not overlap: {_bold(better)} probably does better on this feedback."
    return f"{both} The intervals overlap, so from the models' confidence alone this file cannot tell which does better."


FIRST_IS_THE_ONE_TO_BEAT = "The first model you ticked is the one to beat; every other model is compared with it on the same reviews."
