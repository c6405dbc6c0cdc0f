"""The Mistakes page's sentences: mistakes, annotations, rater spread, annotator agreement."""

from __future__ import annotations

import math

from lib.quality.agreement import AgreementSummary
from lib.wording.counts import all_counted, counted, reviews
from lib.wording.numbers import count, percent


def errors_headline(wrong: int, total: int) -> str:
    """How many reviews the model got wrong, and where to start."""
    if total == 0:
        return "This run has no reviews with a true label, so there are no mistakes to list."
    if wrong == 0:
        return f"The model got {all_counted(total, 'review')} right: there are no mistakes to review."
    return (
        f"The model got {count(wrong)} of {reviews(total)} wrong ({percent(wrong / total)}). "
        "They are listed most confident first: those are either clear model errors or labels worth checking."
    )


def rater_spread_sentence(n_raters: float, spread: float) -> str:
    """How much the human raters of one review disagreed, in words."""
    if not (math.isfinite(n_raters) and math.isfinite(spread)):
        return ""
    level = "agreed closely" if spread < 0.8 else "disagreed somewhat" if spread < 1.4 else "disagreed a lot"
    return f"{int(n_raters)} people rated this review on a −4…+4 scale; they {level} (spread {spread:.1f} points)."


def kappa_strength(kappa: float) -> str:
    """Landis & Koch's words for a chance-corrected agreement value."""
    if not math.isfinite(kappa):
        return "not measurable"
    for bound, words in ((0.0, "poor"), (0.2, "slight"), (0.4, "fair"), (0.6, "moderate"), (0.8, "substantial")):
        if kappa <= bound:
            return words
    return "almost perfect"


def agreement_sentence(summary: AgreementSummary) -> str:
    """How well annotators agree, in words, with the count it rests on."""
    name = summary.kappa_method or "chance-corrected agreement"
    counts = (
        f"{counted(summary.reviews_with_two_or_more, 'review', 'has')} verdicts from two or more of "
        f"{counted(summary.annotators, 'annotator')}."
    )
    if not math.isfinite(summary.kappa):
        return f"{counts} How often they agree beyond chance ({name}) cannot be measured yet: it needs more reviews with two verdicts."
    return (
        f"{counts} Pairs of annotators agree {percent(summary.pairwise_agreement)} of the time; corrected for chance agreement "
        f"({name}) that is {summary.kappa:.2f}, usually called {kappa_strength(summary.kappa)} agreement."
    )
