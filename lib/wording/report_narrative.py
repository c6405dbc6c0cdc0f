"""The client report's own sentences: what it contains, its subtitle, its sections' introductions."""

from __future__ import annotations

from lib.wording.counts import reviews

REPORT_NEEDS_PREDICTIONS = (
    "A report cannot be made for this run: it has no file of individual predictions (predictions.parquet), "
    "so its figures, uncertainty and example reviews are unknown. Pick a run evaluated with Sentiment Review, "
    "or re-evaluate its model on the Evaluate page."
)
REPORT_CONTENTS = (
    "A single web page to send to a client: the headline in plain words, the key figures, where the mistakes go, "
    "the results per category, the comparison with the baseline and the example reviews you tick below. "
    "It opens in any browser without an internet connection and prints cleanly to PDF."
)


def report_subtitle(experiment: str, run: str, model: str, generated: str) -> str:
    """The line under the report's title: which project, run and model, and when it was made."""
    parts = [f"Project: {experiment}", f"Run: {run}"] + ([f"Model: {model}"] if model else []) + [f"Prepared {generated}"]
    return " · ".join(parts)


def examples_intro(picked: int) -> str:
    """What the examples section of the report shows."""
    if picked == 0:
        return ""
    return (
        f"{'One review' if picked == 1 else reviews(picked)} the model got wrong, picked to show the kind of mistakes it makes. "
        "Each shows what the review truly is, what the model said and how sure it was."
    )


def comparison_intro(baseline: str, paired: bool) -> str:
    """How the report's comparison section was worked out."""
    how = (
        "on the same reviews, so every difference is measured review by review"
        if paired
        else "on different reviews, so only the overall figures are compared, each with its own uncertainty"
    )
    return f"Compared with the baseline “{baseline}”, {how}."
