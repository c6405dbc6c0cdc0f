"""Plain words of the stress test: what each change is, one sentence per finding, the outside anchor.

Sentences are Markdown (like everything in ``lib/wording/``); they hold no data strings, only
figures and the fixed names of the changes.
"""

from __future__ import annotations

import math

import pandas as pd

from lib.quality.text_changes import DIRECTION, INVARIANCE, STAY_OR_STRONGER
from lib.wording.counts import reviews
from lib.wording.numbers import count, percent

# What each change does, as the subject of a sentence; True where the subject is plural.
CHANGE_SUBJECTS = {
    "typos": ("Typos (a swapped, dropped or doubled letter in about one word in twenty)", True),
    "lower_case": ("Writing the review all in lower case", False),
    "upper_case": ("Writing the review in CAPITALS", False),
    "punctuation_removed": ("Removing the punctuation", False),
    "punctuation_repeated": ("Repeating punctuation (“!!!”)", False),
    "emoji_added": ("Adding an emoji that agrees with the review", False),
    "irrelevant_sentence": ("Adding an irrelevant sentence (“I bought it on a Tuesday.”)", False),
    "name_swapped": ("Swapping a person's or product's name for another", False),
    "negation": ("Putting “not” before the word that carries the sentiment (“good” → “not good”)", False),
    "opposite_clause": ("Adding a strong opposite clause (“But all in all it was terrible.”)", False),
    "intensifier": ("Adding “very” or “really” before the word that carries the sentiment", False),
}
# Short names for charts and tables.
CHANGE_LABELS = {
    "typos": "Typos",
    "lower_case": "All lower case",
    "upper_case": "ALL CAPITALS",
    "punctuation_removed": "Punctuation removed",
    "punctuation_repeated": "Punctuation repeated (!!!)",
    "emoji_added": "Emoji that agrees",
    "irrelevant_sentence": "Irrelevant sentence added",
    "name_swapped": "Another name",
    "negation": "“not” before the sentiment word",
    "opposite_clause": "Strong opposite clause added",
    "intensifier": "“very” / “really” added",
}
KIND_LABELS = {
    INVARIANCE: "should not change the answer",
    DIRECTION: "should move the answer the expected way",
    STAY_OR_STRONGER: "should keep the answer or make it stronger",
}
# What counts as a failure, as a verb phrase (singular, plural).
_FAILURE_VERBS = {
    INVARIANCE: ("changes the model's answer", "change the model's answer"),
    DIRECTION: ("fails to move the model's answer the expected way", "fail to move the model's answer the expected way"),
    STAY_OR_STRONGER: ("weakens the model's answer", "weaken the model's answer"),
}
_NOT_APPLICABLE = {
    "name_swapped": "no review in the sample names a person or product from the app's list",
    "negation": "no review in the sample has a sentiment word from the app's list",
    "intensifier": "no review in the sample has a sentiment word from the app's list",
}
MIN_REVIEWS_TO_JUDGE = 30
# Giskard's published scan of public sentiment models (typo perturbation) for the anchor sentence.
GISKARD_TYPO_LOW, GISKARD_TYPO_HIGH = 0.13, 0.15

INTRO = (
    "The stress test changes real reviews of this run the way real people write — typos, capitals, "
    "emoji, an extra sentence — and asks the model again. Some changes should not change its answer; "
    "“not good” should move it towards negative; “very good” should not weaken it. Each figure is the "
    "share of reviews where the model did not behave as it should, with the range the true share very "
    "likely lies in (95% interval)."
)
RUN_HELP = "A random sample of the run's reviews, with the same mix of sentiments and categories as the whole run."
SEED_HELP = "The same number gives the same sample and the same changes, so a test can be repeated exactly."


def share(value: float) -> str:
    """A share in whole percent, with one decimal below 1% so a small non-zero share never reads "0%"."""
    return percent(value, 1) if 0 < value < 0.01 else percent(value)


def finding_sentence(change: str, kind: str, failed: int, n: int, low: float, high: float) -> str:
    """ "Typos change the model's answer on 14% of reviews (95% interval 12%–16%, from 1,000 reviews).\""""
    subject, plural = CHANGE_SUBJECTS[change]
    if n == 0:
        return f"{subject}: not tested, because {_NOT_APPLICABLE.get(change, 'it applied to no review in the sample')}."
    verb = _FAILURE_VERBS[kind][plural]
    sentence = f"{subject} {verb} on **{share(failed / n)}** of reviews (95% interval {share(low)}–{share(high)}, from {reviews(n)})."
    if n < MIN_REVIEWS_TO_JUDGE:
        sentence += f" Only {reviews(n)} could be changed this way, so this is a rough figure."
    return sentence


def findings(table: pd.DataFrame) -> list[str]:
    """One sentence per change, the ones that break the model most often first (untested ones last)."""
    ordered = table.assign(tested=table["n"] > 0).sort_values(["tested", "rate"], ascending=[False, False], kind="stable")
    return [finding_sentence(r.change, r.kind, int(r.failed), int(r.n), r.low, r.high) for r in ordered.itertuples()]


def typo_anchor(rate: float, low: float, high: float, n: int) -> str:
    """Where the model stands against Giskard's 13–15% flips under typos for public sentiment models."""
    reference = (
        f"For comparison, Giskard reports that typos change the answer of public sentiment models on "
        f"{percent(GISKARD_TYPO_LOW)}–{percent(GISKARD_TYPO_HIGH)} of reviews."
    )
    if n == 0 or not math.isfinite(rate):
        return reference
    if high < GISKARD_TYPO_LOW:
        where = "fewer: this model is more robust to typos than those"
    elif low > GISKARD_TYPO_HIGH:
        where = "more: this model is less robust to typos than those"
    else:
        where = "about the same, within the uncertainty"
    return f"{reference} This model: {share(rate)} ({share(low)}–{share(high)}), {where}."


CHART_CAPTION = (
    "Bars: the share of changed reviews where the model did not behave as it should; black whiskers: 95% intervals; "
    "yellow band: Giskard's 13–15% for public sentiment models under typos."
)


def all_changes_label(changes: int) -> str:
    """Label of the expander listing every change in words."""
    return f"All {changes} changes in words"


def progress_text(done: int, total: int) -> str:
    """Progress of the scoring step."""
    return f"Asking the model about {count(done)} of {count(total)} original and changed reviews…"


def tested_caption(reviews_tested: int, seed: int, model: str) -> str:
    """What the stored test was run on (``model`` already escaped by the caller)."""
    return f"Tested on a sample of {reviews(reviews_tested)} (seed {seed}) with the model {model}."


def example_heading(change: str, failed: int, n: int) -> str:
    """Heading over the examples of one change."""
    return f"{CHANGE_LABELS[change]}: {count(failed)} of {reviews(n)} did not behave as they should"


def answer_caption(before: str, after: str) -> str:
    """'The model said positive, then negative.' (labels escaped by the caller)."""
    return f"The model said **{before}**, then **{after}**."


def comparison_sentence(change: str, baseline: float, new: float, low: float, high: float, verdict: str) -> str:
    """One change's failure rate in two runs and which is more robust."""
    words = {
        "more robust": "the new version is more robust",
        "less robust": "the new version is less robust",
        "within noise": "no clear difference",
    }
    return (
        f"{CHANGE_LABELS[change]}: {percent(baseline)} → {percent(new)} of reviews "
        f"(change {(new - baseline) * 100:+.0f} points, 95% interval {(low * 100):+.0f} to {(high * 100):+.0f}): {words[verdict]}."
    )


ROBUSTNESS_DETAILS = "The share of reviews where each change threw the model, baseline → new version (lower is more robust)"
ONE_SIDED_STRESS_TEST = (
    "Only one of the two runs has been stress-tested; test the other on the Stress test page to compare how robust they are."
)


def robustness_summary(verdicts: list[str]) -> str:
    """'Robustness (stress test): the new version is more robust to 2 of 11 changes and less robust to 1.'"""
    more, less, total = verdicts.count("more robust"), verdicts.count("less robust"), len(verdicts)
    if not more and not less:
        return f"**Robustness (stress test):** no clear difference on any of the {total} changes tested in both runs."
    parts = [f"more robust to {more}" if more else "", f"less robust to {less}" if less else ""]
    return f"**Robustness (stress test):** the new version is {' and '.join(p for p in parts if p)} of the {total} changes tested in both runs."
