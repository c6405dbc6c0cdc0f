"""Plain-language sentences about quality estimated without labels and about how different new feedback looks.

Sentences are Markdown with **bold**; names from data are escaped by the caller (pages pass
``escape_markdown(name)``), as in ``lib/wording/narrative.py``.
"""

from __future__ import annotations

from lib.quality.drift import QUITE_DIFFERENT, SAMPLE_SIZE, SIMILAR, SOMEWHAT_DIFFERENT, DriftReport
from lib.quality.estimates import Backtest, QualityEstimate
from lib.wording.narrative import count, interval, percent, reviews

ESTIMATE_EXPLANATION = (
    "Nobody has labelled these reviews, so their true sentiment is unknown. The model says how sure it is of each answer; "
    "on reviews of the same model that people did label, we learnt how often answers given with that much certainty are "
    "right, and add that up over these reviews."
)
ASSUMPTION = (
    "This works only as long as these reviews resemble the labelled ones: the further they differ, the less the estimate can be trusted."
)
SEPARABILITY_EXPLANATION = (
    "Separability: a quick computer test is shown one review from this feedback and one from the labelled reviews "
    "and guesses which is which; this is how often it guesses right. 50% means it cannot tell them apart."
)
NO_REFERENCE = (
    "Nobody has labelled these reviews and there is no labelled run of the same model to learn from, "
    "so the model's quality on them cannot be estimated."
)
NO_REFERENCE_HINT = "Evaluate the same model on a labelled file first (the demo models have one: the test split); then come back here."
NO_PROBABILITIES = (
    "Nobody has labelled these reviews, and the model gave no confidence with its answers, so its quality on them cannot be estimated."
)


def estimate_headline(quality: QualityEstimate) -> str:
    """'The model is probably right about **74%** of these 12,000 reviews (95% interval 70%–78%).'"""
    accuracy = quality.estimate("accuracy")
    return (
        f"The model is probably right about **{percent(accuracy.value)}** of these {reviews(quality.n)} "
        f"({interval(accuracy)}). This is an estimate: nobody has labelled them."
    )


def weakest_sentence(quality: QualityEstimate) -> str | None:
    """Which sentiment it probably finds least well, or None when no recall can be estimated."""
    recalls = {label: quality.estimate(f"recall:{label}") for label in quality.labels}
    measured = {label: figure for label, figure in recalls.items() if figure.is_defined}
    if len(measured) < 2:
        return None
    weakest = min(measured, key=lambda label: measured[label].value)
    figure = measured[weakest]
    return f"It probably finds only {percent(figure.value)} of the {weakest} reviews among them ({interval(figure)})."


def assumption_sentence(reference_name: str, n_reference: int) -> str:
    """What the estimate rests on and assumes; ``reference_name`` escaped by the caller."""
    return (
        f"Estimated from the model's own confidence, calibrated on {reviews(n_reference)} of the same model that people labelled "
        f"(run “{reference_name}”). {ASSUMPTION}"
    )


def backtest_sentence(backtest: Backtest, n_reference: int) -> str:
    """'On data like the test set, this estimate was within ±3 points of the truth …'."""
    within = backtest.accuracy_within * 100
    shown = f"{within:.1f}" if within < 1 else f"{within:.0f}"
    return (
        f"On data like the labelled reviews, this estimate was within **±{shown} points** of the true share labelled correctly "
        f"(checked {len(backtest.accuracy_errors)} times: learnt on half of the {reviews(n_reference)}, tried on the other "
        f"{reviews(backtest.half_size)})."
    )


def _words_clause(report: DriftReport) -> str:
    whose = "new to the model" if report.vocabulary_source == "model" else "not found in the labelled reviews"
    return f"{percent(report.unseen_new)} of its words are {whose}, against {percent(report.unseen_usual)} usually"


def drift_sentence(report: DriftReport) -> str:
    """One sentence: does this feedback look like what the model was checked on, and the most telling figure."""
    words = _words_clause(report)
    separability = (
        f"a quick test tells its reviews from the labelled ones {percent(report.separability)} of the time (50% = no difference)"
        if report.separability is not None
        else ""
    )
    detail = "; ".join(part for part in (words, separability) if part)
    if report.level == QUITE_DIFFERENT:
        return f"**This feedback looks quite different** from the reviews the model was checked on: {detail}. Trust the estimate less."
    if report.level == SOMEWHAT_DIFFERENT:
        return (
            f"**This feedback looks somewhat different** from the reviews the model was checked on: {detail}. Read the estimate with care."
        )
    return f"This feedback looks like the reviews the model was checked on: {detail}."


def drift_details(report: DriftReport) -> list[str]:
    """Further figures behind the drift sentence: length, category mix, predicted mix, sample sizes."""
    details = [
        f"Typical length: {report.median_words_new:.0f} words here, {report.median_words_reference:.0f} in the labelled reviews (medians).",
        f"The mix of sentiments the model gives differs by {percent(report.predicted_mix_distance)} "
        "(share of reviews that would have to change sentiment to make the mixes equal).",
    ]
    if report.category_distance is not None:
        details.append(f"The mix of categories differs by {percent(report.category_distance)} (0% = same mix, 100% = nothing in common).")
    details.append(
        f"Compared: {reviews(report.n_new)} here with {count(report.n_reference)} labelled "
        f"{'review' if report.n_reference == 1 else 'reviews'} (words and texts on samples of at most {count(SAMPLE_SIZE)} each)."
    )
    return details


def level_is_worrying(report: DriftReport) -> bool:
    """True when the feedback looks different enough to warn."""
    return report.level != SIMILAR
