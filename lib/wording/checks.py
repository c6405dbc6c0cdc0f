"""Plain-language sentences about checking the model on a sample of reviews people label."""

from __future__ import annotations

from lib.quality.checks import MIN_CHECKED_REVIEWS, CheckedAccuracy
from lib.quality.metrics import Estimate
from lib.wording.counts import counted, reviews
from lib.wording.markdown import escape_markdown
from lib.wording.numbers import count, interval, percent

CHECK_EXPLANATION = (
    "Your team reads a small random sample of the reviews and says what each one really is. The share the model "
    "got right among them is a fair measure of the whole file. Combined with how sure the model was on every "
    "review, it gets more precise, and it stays honest even where the model's confidence is misleading "
    "(prediction-powered inference: the checked reviews measure and remove any bias of the model's confidence)."
)
CHECK_TAG = "check sample"  # recorded with every label given in a check sample
CHECK_INVITATION = (
    "Nobody has checked these figures yet. If your team reads about 50 of these reviews and says what each one "
    "really is, the app turns that into a figure with an honest 95% interval."
)
SAMPLE_EXPLANATION = (
    "The sample is drawn at random, with each sentiment the model gave and each level of its confidence represented "
    "in proportion, so it is a fair picture of all the reviews. Go through it in the order shown."
)

ALREADY_LABELLED = (
    "This run's reviews already have true labels, so its figures are measured, not estimated: there is nothing to check here."
)


def where_to_check(runs_without_labels: int, may_upload: bool) -> str:
    """Where a check can be made instead, for a person looking at a run that has true labels."""
    if runs_without_labels:
        return (
            f"A check is for feedback without labels. In this experiment, {counted(runs_without_labels, 'run')} "
            f"of such feedback {'is' if runs_without_labels == 1 else 'are'} waiting; open one to check its figures:"
        )
    if may_upload:
        return (
            "A check is for feedback without labels. Evaluate a file without a sentiment column "
            "on the “Evaluate a file” page, then come back here to check its figures."
        )
    return "A check is for feedback without labels, and this experiment has none yet."


def check_progress(checked: int, sample_size: int) -> str:
    """'12 of the 50 reviews in the sample are checked; 8 more are needed for a first figure.'"""
    done = f"{count(checked)} of the {reviews(sample_size)} in the sample {'is' if checked == 1 else 'are'} checked"
    if checked >= MIN_CHECKED_REVIEWS:
        return f"{done}."
    more = MIN_CHECKED_REVIEWS - checked
    return f"{done}; {count(more)} more {'is' if more == 1 else 'are'} needed for a first figure."


def checked_headline(figure: Estimate, n_reviews: int, combined: bool) -> str:
    """'From the 50 reviews your team checked plus the model's confidence on all 12,000: 74% right (95% interval 70%–78%).'"""
    basis = f"From the {reviews(figure.n)} your team checked"
    if combined:
        basis += f" plus the model's confidence on all {count(n_reviews)}"
    return f"{basis}: {percent(figure.value)} right ({interval(figure)})."


def sample_only_sentence(result: CheckedAccuracy) -> str:
    """'The checked reviews alone: 37 of 50 right, 74% (95% interval 60%–84%).'"""
    alone = result.sample_only
    return (
        f"The checked reviews alone: {count(result.n_right)} of {count(result.n_checked)} right, "
        f"{percent(alone.value)} ({interval(alone)})."
    )


def why_no_combined(result: CheckedAccuracy, has_confidence: bool) -> str | None:
    """Why only the sample's own figure is shown, or None when the combined one is there."""
    if result.combined is not None:
        return None
    if not has_confidence:
        return "This run stored no probabilities, so the model's confidence cannot sharpen the figure."
    if result.n_right == result.n_checked:
        return "The model was right on every checked review, so the sample cannot yet tell how far to trust its confidence."
    return "The model was wrong on every checked review, so the sample cannot yet tell how far to trust its confidence."


def confidence_source(reference_name: str) -> str:
    """Where the model's confidence used in the combined figure comes from (``reference_name`` empty: not calibrated)."""
    if reference_name:
        return f"The model's confidence was calibrated on “{escape_markdown(reference_name)}”, a labelled run of the same model."
    return (
        "The model's confidence is used as it is: this project has no labelled run of the same model to calibrate it on. "
        "The combined figure stays honest; it is only less precise than it could be."
    )
