"""Plain-language sentences from metrics: every word a client reads is written here.

Sentences are plain text with Markdown's **bold**: the pages draw them with Streamlit's
Markdown, the client report turns them into escaped HTML. A value from data (category,
run or experiment name, annotator, note) is therefore escaped by whoever knows where the
sentence goes: pages pass ``escape_markdown(name)``; sentences that only ever go to
Markdown (the sidebar, alerts) escape their values here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from lib.access.redaction import redacted
from lib.quality.agreement import AgreementSummary
from lib.quality.metrics import Estimate, QualityReport
from lib.stores.run_health import INTERRUPTED
from lib.stores.tracking import RunSummary
from lib.wording.markdown import escape_markdown

METRIC_NAMES = {
    "accuracy": "Labelled correctly",
    "macro_f1": "Balanced score (macro F1)",
    "weighted_f1": "Score weighted by class size (weighted F1)",
}
METRIC_EXPLANATIONS = {
    "accuracy": "Out of every 100 reviews, how many get the right sentiment.",
    "macro_f1": "One score from 0 to 100% that treats negative, neutral and positive as equally important, "
    "so a model cannot look good by ignoring a rare class.",
    "weighted_f1": "Like the balanced score, but common classes count more.",
    "recall": "Of the reviews that truly have this sentiment, how many the model finds.",
    "precision": "When the model says this sentiment, how often it is right.",
    "f1": "Finding them and being right about them, in one number (harmonic mean of precision and recall).",
    "interval": "The range the true figure very likely lies in (95% interval): the fewer reviews, the wider it is.",
}
# Logged metric names of runs made by other code, in words.
LOGGED_METRIC_NAMES = {
    "accuracy_score": "Labelled correctly",
    "f1_score": "Score weighted by class size (weighted F1)",
    "macro_f1_score": "Balanced score (macro F1)",
    "precision_score": "Right when it commits (weighted precision)",
    "recall_score": "Finds each sentiment (weighted recall)",
    "example_count": "Reviews evaluated",
    "log_loss": "Confidence penalty (log loss, lower is better)",
    "roc_auc": "Ranking quality (ROC AUC, 50% = guessing)",
    "score": "Model's own score",
}


def percent(value: float, digits: int = 0) -> str:
    """0.784 -> '78%'; NaN -> 'n/a'."""
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value * 100:.{digits}f}%"


def count(n: int | float) -> str:
    """4712 -> '4,712'."""
    return f"{int(n):,}"


def reviews(n: int | float) -> str:
    """4712 -> '4,712 reviews'; 1 -> '1 review'."""
    return f"{count(n)} review{'' if int(n) == 1 else 's'}"


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


def headline(report: QualityReport) -> list[str]:
    """One or two sentences saying how good the model is and where it is weakest."""
    accuracy = report.estimate("accuracy")
    if report.n == 0:
        return ["This run has no reviews with both a true and a predicted sentiment, so its quality cannot be measured."]
    sentences = [f"The model labels {percent(accuracy.value)} of reviews correctly ({interval(accuracy)}, based on {reviews(accuracy.n)})."]
    recalls = {label: report.estimate(f"recall:{label}") for label in report.labels}
    measured = {label: est for label, est in recalls.items() if est.is_defined}
    if len(measured) >= 2:
        weakest = min(measured, key=lambda label: measured[label].value)
        est = measured[weakest]
        sentences.append(
            f"It is weakest on {weakest} reviews: it finds only {percent(est.value)} of them "
            f"({interval(est)}, based on {reviews(est.n)} that are truly {weakest})."
        )
    return sentences


def confusion_sentences(report: QualityReport) -> list[str]:
    """Per true sentiment, where its mistakes go: 'Of 812 truly negative reviews, 97 were called neutral…'."""
    cm = report.overall_confusion()
    sentences = []
    for i, label in enumerate(report.labels):
        total = int(cm[i].sum())
        if total == 0:
            sentences.append(f"There are no truly {label} reviews in this run.")
            continue
        wrong = [(int(cm[i, j]), other) for j, other in enumerate(report.labels) if j != i and cm[i, j] > 0]
        if not wrong:
            sentences.append(f"All {count(total)} truly {label} reviews were labelled {label}.")
            continue
        wrong.sort(reverse=True)
        parts = [f"{count(n)} were called {other}" for n, other in wrong]
        sentences.append(
            f"Of {count(total)} truly {label} reviews, {' and '.join(parts)} ({percent(int(cm[i, i]) / total)} labelled right)."
        )
    return sentences


def points_change(current: Estimate, before: Estimate | None) -> str | None:
    """'+2.1 pts': change of a proportion in percentage points, or None when not measurable."""
    if before is None or not (current.is_defined and before.is_defined):
        return None
    return f"{(current.value - before.value) * 100:+.1f} pts"


def change_against(current: Estimate, baseline: Estimate | None) -> str | None:
    """'+2.1 pts vs baseline', or None."""
    change = points_change(current, baseline)
    return None if change is None else f"{change} vs baseline"


def missing_parts(has_predictions: bool, metrics: Mapping[str, float], artifacts: list[str]) -> list[str]:
    """What a run lacks for the full page, said plainly, with what to do about it."""
    notes = []
    if not has_predictions:
        notes.append(
            "This run has no file of individual predictions (predictions.parquet), so the uncertainty ranges, "
            "the per-sentiment figures and the mistake chart cannot be worked out. "
            "The figures below are the ones it logged; re-evaluating its model with Sentiment Review adds the rest."
        )
    if not metrics:
        notes.append("It logged no metrics either.")
    elif not any(name.startswith("class.") for name in metrics) and not has_predictions:
        notes.append("It logged no per-sentiment metrics (for example how many neutral reviews it finds).")
    if not artifacts and not has_predictions:
        notes.append("It has no stored files (artifacts) at all.")
    return notes


def status_message(status: str, failure_reason: str = "") -> str | None:
    """A sentence for runs that are not finished, or None for a FINISHED run."""
    if status == "FINISHED":
        return None
    if status in {"RUNNING", "SCHEDULED"}:
        return "This run is still in progress. Its figures appear when it finishes: press Refresh in a moment."
    if status == "FAILED" and failure_reason == INTERRUPTED:
        return (
            "This run was interrupted: the program writing it stopped before it finished, so it has no figures. "
            "Evaluate the file again to get them."
        )
    if status == "FAILED":
        reason = f" The reason recorded: {escape_markdown(redacted(failure_reason))}" if failure_reason else ""
        return f"This run failed before it finished, so its figures may be incomplete and are not shown.{reason}"
    return f"This run ended with status {status}; its figures are not shown."


def logged_metric_rows(metrics: Mapping[str, float]) -> list[dict[str, str]]:
    """Logged headline metrics of a run, named in words, for a run without predictions."""
    rows = []
    for name, value in sorted(metrics.items()):
        if name.startswith(("class.", "category.")):
            continue
        shown = count(value) if name == "example_count" else (percent(value, 1) if 0 <= value <= 1 else f"{value:.3g}")
        rows.append({"Measure": LOGGED_METRIC_NAMES.get(name, name), "Value": shown, "Logged as": name})
    return rows


def share_table_cell(n: int, total: int) -> str:
    """'97 (12%)' for a confusion cell."""
    share = n / total if total else np.nan
    return f"{count(n)} ({percent(share)})"


def run_choice_label(run: RunSummary) -> str:
    """How a run is listed in the picker: baseline star, readable name, date, model."""
    parts = [("★ " if run.is_baseline else "") + run.name]
    if run.start_time is not None:
        parts.append(run.start_time.strftime("%d %b %Y, %H:%M"))
    if run.status != "FINISHED":
        parts.append(run.status.lower())
    return " · ".join(parts)


def metric_label(metric: str) -> str:
    """A metric key ('recall:neutral', 'macro_f1', …) in words."""
    if metric in METRIC_NAMES:
        return METRIC_NAMES[metric]
    kind, _, label = metric.partition(":")
    return {
        "recall": f"Finds {label} reviews (recall)",
        "precision": f"Right when it says {label} (precision)",
        "f1": f"{label.capitalize()} score (F1)",
        "support": f"Truly {label} reviews",
    }.get(kind, metric)


def metric_in_sentence(metric: str) -> str:
    """The metric's words for use inside a sentence ('balanced score (macro F1)')."""
    label = metric_label(metric)
    return label[0].lower() + label[1:]


def interval_range(estimate: Estimate) -> str:
    """'77–80%' (no leading words), or 'n/a'."""
    if not (math.isfinite(estimate.low) and math.isfinite(estimate.high)):
        return "n/a"
    return f"{percent(estimate.low)}–{percent(estimate.high)}"


def metric_explanation(metric: str) -> str:
    """One line explaining a metric key in plain words."""
    return METRIC_EXPLANATIONS.get(metric) or METRIC_EXPLANATIONS.get(metric.partition(":")[0], "")


def category_callout(name: str, estimate: Estimate, overall: Estimate, metric: str, min_reviews: int) -> str:
    """How one category compares with all reviews, judged by its interval, in one sentence."""
    figures = f"{metric_in_sentence(metric)} {percent(estimate.value)} against {percent(overall.value)} overall"
    if not estimate.is_defined:
        return f"{name}: this figure cannot be measured here ({reviews(estimate.n)})."
    if estimate.n < min_reviews:
        direction = "worse" if estimate.value < overall.value else "better"
        return f"{name} looks {direction} ({figures}), but with {reviews(estimate.n)} we cannot tell."
    if estimate.high < overall.value:
        return f"{name} is clearly worse than average: {figures}, from {reviews(estimate.n)}."
    if estimate.low > overall.value:
        return f"{name} is clearly better than average: {figures}, from {reviews(estimate.n)}."
    return f"{name} is in line with the average: {figures}, from {reviews(estimate.n)}."


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


def ceiling_sentence(model: Estimate, human: Estimate, where: str = "these reviews") -> str:
    """Model accuracy next to single-rater agreement with the crowd."""
    return (
        f"On {where} the model is right {percent(model.value)} of the time; a single human rater agrees with the crowd "
        f"{percent(human.value)} of the time ({interval(human)}, based on {reviews(human.n)})."
    )


CEILING_EXPLANATION = (
    "Human ceiling: each person's rating is compared with the label given by the average of the *other* raters of the same "
    "review (leaving the person out, so they cannot agree with themselves). It shows how much even people disagree: a model "
    "close to it is about as good as a single careful person."
)

VERDICT_WORDS = {
    "better": "Better, and the difference is real",
    "worse": "Worse, and the difference is real",
    # With several measures compared at once, a change this size can still be chance.
    "maybe better": "Maybe better: a hint, not proof",
    "maybe worse": "Maybe worse: a hint, not proof",
    "within noise": "Within noise: the change could be chance",
    "cannot tell": "Cannot tell: not measurable on these reviews",
}


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
        f"With {count(categories)} {'category' if categories == 1 else 'categories'} compared at once, a few changes are expected "
        "by chance alone, so a change counts as real (dark colour) only if it stays clear after allowing for that "
        "(Benjamini–Hochberg, 5% false discoveries); light colours are hints worth a closer look, not proof."
    )


def fixed_broken_sentence(fixed: int, broken: int, p_value: float | None) -> str:
    """Reviews fixed and newly broken, with what McNemar's test says about it."""
    sentence = f"The new version fixes {count(fixed)} reviews the baseline got wrong and breaks {count(broken)} it got right."
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


ANNOTATION_VERDICTS = {
    "model_wrong": "The model is wrong",
    "label_wrong": "The given label is wrong",
    "ambiguous": "Genuinely ambiguous",
    "not_a_review": "Not a review",
}


def errors_headline(wrong: int, total: int) -> str:
    """How many reviews the model got wrong, and where to start."""
    if total == 0:
        return "This run has no reviews with a true label, so there are no mistakes to list."
    if wrong == 0:
        return f"The model got all {reviews(total)} right: there are no mistakes to review."
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


def stale_edit_message(annotator: str, verdict: str, corrected_label: str | None, when: str) -> str:
    """What someone else saved while this review was open."""
    label = f", corrected label {escape_markdown(corrected_label)}" if corrected_label else ""
    return (
        f"{escape_markdown(annotator)} changed this review at {when} ({ANNOTATION_VERDICTS.get(verdict, verdict)}{label}) after you opened it. "
        "Your change was not saved, so nothing was overwritten: check their annotation and save again if you still disagree."
    )


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
    kappa = f"{summary.kappa:.2f}" if math.isfinite(summary.kappa) else "n/a"
    return (
        f"{reviews(summary.reviews_with_two_or_more)} have verdicts from two or more of {summary.annotators} annotators. "
        f"Pairs of annotators agree {percent(summary.pairwise_agreement)} of the time; corrected for chance agreement "
        f"({name}) that is {kappa}, usually called {kappa_strength(summary.kappa)} agreement."
    )


# ---- sign-in, visibility and the client report ----------------------------------------

LINK_NOT_AVAILABLE = "This link points to something that does not exist or that you may not see."
NOTHING_SHARED = "No projects have been shared with you yet. Ask the person who invited you to give you access."
EXPLANATION_UNAVAILABLE = "Why the model decided cannot be shown for this run: its model comes from a project you do not have access to."
LOCAL_ADMIN_NOTE = "Local admin: no sign-in is set up, so anyone who can open this address sees every experiment."
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


def unexpected_error(error_id: str) -> str:
    """What a user sees when something unexpected broke the page (the details are in the server's log)."""
    return (
        "Something went wrong while drawing this page, and it has been recorded. Press Refresh or try again in a moment; "
        f"if it keeps happening, tell whoever runs Sentiment Review and quote the reference **{error_id}**."
    )


def signed_in_as(name: str, role: str) -> str:
    """The sidebar line naming who is signed in."""
    return f"Signed in as **{escape_markdown(name)}** ({role})"


def account_without_access(email: str) -> str:
    """An OIDC sign-in that no rule of the app lets in."""
    who = f"The account {escape_markdown(email)}" if email else "This account"
    return f"{who} has no access to Sentiment Review. Ask the person who invited you, or sign out and use another account."


def report_subtitle(experiment: str, run: str, model: str, generated: str) -> str:
    """The line under the report's title: which project, run and model, and when it was made."""
    parts = [f"Project: {experiment}", f"Run: {run}"] + ([f"Model: {model}"] if model else []) + [f"Prepared {generated}"]
    return " · ".join(parts)


def examples_intro(picked: int) -> str:
    """What the examples section of the report shows."""
    if picked == 0:
        return ""
    return (
        f"{'One review' if picked == 1 else f'{picked} reviews'} the model got wrong, picked to show the kind of mistakes it makes. "
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
