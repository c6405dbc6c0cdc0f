"""Plain-language sentences of the Evaluate page: what was read, left out, scored and logged.

Anything taken from the user's file (its name, column names, values) is passed through
``escape_markdown`` before it goes into a sentence, because the page draws sentences as
Markdown: a review may hold links, images or formatting that must show as plain text.
"""

from __future__ import annotations

import math
from datetime import datetime

import pandas as pd

from lib.quality.metrics import Estimate
from lib.quality.two_class import TwoClassSummary
from lib.scoring.uploads import ONE_COLUMN, DropReport, UploadedTable
from lib.stores.tracking import ModelChoice, RunSummary
from lib.wording.counts import agreeing, all_counted, counted, reviews, sentence_start
from lib.wording.markdown import escape_markdown
from lib.wording.numbers import count, interval, percent

DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars (|)"}
ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (with a byte-order mark)",
    "utf-16": "UTF-16",
    "utf_16_le": "UTF-16",
    "utf_16_be": "UTF-16",
    "cp1252": "Windows-1252 (Western European)",
    "latin_1": "Latin-1",
    "ascii": "plain ASCII",
}


def quoted(text: str) -> str:
    """A value from the user's file, in quotes and escaped for Markdown."""
    return f"“{escape_markdown(text)}”"


def upload_summary(table: UploadedTable) -> str:
    """'12 rows and 3 columns, read as UTF-8 with values separated by commas.'; says when the file has no header row."""
    rows, columns = table.frame.shape
    size = f"{counted(rows, 'row')} and {counted(columns, 'column')}"
    no_header = " The file has no row of column names, so its columns are called Column 1, Column 2, …" if table.first_row_is_review else ""
    if table.sheet is not None:
        return f"{size} from the sheet {quoted(table.sheet)}.{no_header}"
    encoding = ENCODING_NAMES.get(table.encoding or "", (table.encoding or "").upper())
    if table.delimiter == ONE_COLUMN:
        return f"{size}, read as {encoding}, one review per line.{no_header}"
    return f"{size}, read as {encoding} with values separated by {DELIMITER_NAMES.get(table.delimiter or '', table.delimiter)}.{no_header}"


FIRST_ROW_IS_REVIEW = "The first row is a review, not column names"
FIRST_ROW_IS_REVIEW_HELP = (
    "Tick it when the file starts straight with the first review. The app ticks it for you when the first row "
    "reads like a review or a sentiment; untick it if the first row does name the columns."
)
STAR_RATINGS_NOTE = (
    "Star ratings count as follows: 1 or 2 stars negative, 3 stars neutral, 4 or 5 stars positive. "
    "Change any row below if your team reads them differently."
)


def empty_label_column(column: str) -> str:
    """The chosen true-sentiment column holds nothing: it is used as no column."""
    return f"The column {quoted(column)} is empty, so it gives no true sentiment: you will get the model's verdicts without accuracy."


def drop_sentences(report: DropReport) -> list[str]:
    """What was left out of the file and why, and how many reviews remain to be scored."""
    sentences = []
    if report.empty_text:
        sentences.append(
            f"{counted(report.empty_text, 'row')} without review text (empty or only spaces) {agreeing(report.empty_text, 'is')} left out."
        )
    if report.blank_label:
        sentences.append(f"{counted(report.blank_label, 'row')} without a true sentiment {agreeing(report.blank_label, 'is')} left out.")
    if report.unmapped_label:
        values = ", ".join(f"{quoted(value)} ({count(n)})" for value, n in report.unmapped_values[:8])
        more = " and others" if len(report.unmapped_values) > 8 else ""
        sentences.append(
            f"{counted(report.unmapped_label, 'row')} with a sentiment value not matched to any sentiment {agreeing(report.unmapped_label, 'is')} "
            f"left out: {values}{more}."
        )
    if report.duplicates:
        n = report.duplicates
        fate = "left out" if report.duplicates_dropped else "kept (the same review can really come twice)"
        sentences.append(
            f"{counted(n, 'row', 'repeats')} an earlier review word for word; {'it' if n == 1 else 'they'} {agreeing(n, 'is')} {fate}."
        )
    left_out = report.rows_in_file - report.kept
    if not left_out:
        sentences.append(f"{sentence_start(all_counted(report.kept, 'review'))} will be scored.")
    else:
        sentences.append(f"{counted(report.kept, 'review')} of the {counted(report.rows_in_file, 'row')} will be scored.")
    return sentences


def duration(seconds: float) -> str:
    """'about 40 seconds', 'about 3 minutes', 'a second or two'."""
    if not math.isfinite(seconds) or seconds < 2:
        return "a second or two"
    if seconds < 90:
        return f"about {round(seconds / 5) * 5 or round(seconds)} seconds"
    return f"about {round(seconds / 60)} minutes"


def scoring_progress(done: int, total: int, elapsed_s: float) -> str:
    """'Scored 40,000 of 200,000 distinct texts · about 10 seconds left' (estimated from the pace so far).

    ``done == 0`` announces the start, with ``total`` the number of reviews; afterwards
    ``total`` counts distinct texts, since a text repeated in the file is scored once.
    """
    if done <= 0:
        return f"Scoring {reviews(total)}; each distinct text is scored once…"
    remaining = elapsed_s / done * (total - done)
    left = "finishing" if done >= total else f"{duration(remaining)} left"
    return f"Scored {count(done)} of {count(total)} distinct texts · {left}"


def evaluation_run_name(file_name: str, when: datetime, model: str = "") -> str:
    """The name of the run logged for an uploaded file: 'feedback.csv · 25 Nov 2026 16:05' (· the model, when several scored it)."""
    return f"{file_name} · {when:%d %b %Y %H:%M}" + (f" · {model}" if model else "")


PICK_A_MODEL = "Pick at least one model to score the file with."


def evaluate_button(n_reviews: int, n_models: int) -> str:
    """'Evaluate 12 reviews', or 'Evaluate 12 reviews with 2 models'."""
    return f"Evaluate {reviews(n_reviews)}" + (f" with {count(n_models)} models" if n_models > 1 else "")


def already_evaluated_note(done: int, to_do: int) -> str:
    """Some ticked models scored these reviews before: only the others are scored now."""
    done_part = "1 of the models has" if done == 1 else f"{count(done)} of the models have"
    to_do_part = "the other one is" if to_do == 1 else f"the other {count(to_do)} are"
    return f"{done_part} already evaluated these reviews, so only {to_do_part} scored now."


MODELS_HELP = (
    "A registered model version or alias, or the model of a run. Tick several (for example the champion and a challenger) "
    "to score the file with each and see right away which does better on it; the first one you tick is the one to beat. "
    "You can also type a model URI such as models:/name@alias or runs:/<run id>/model."
)


def model_short_name(choice: ModelChoice) -> str:
    """A model named briefly, without its description: 'sentiment-demo-classifier @champion', '… version 2', 'my run (runs:/…)'."""
    if choice.alias:
        return f"{choice.name} @{choice.alias}"
    if choice.version:
        return f"{choice.name} version {choice.version}"
    return f"{choice.name} ({choice.uri})" if choice.name != choice.uri else choice.uri


def model_progress(model: str, progress: str) -> str:
    """A progress line naming its model: 'sentiment-demo-classifier @champion: Scored 4,000 of 12,000 …'."""
    return f"{escape_markdown(model)}: {progress}"


def two_class_sentences(summary: TwoClassSummary) -> list[str]:
    """What a negative/positive-only file means for a model that can also answer neutral, with both accuracies."""
    neutral = summary.called_neutral
    if not neutral:
        return [
            f"The file's true sentiments are only negative or positive. The model can also answer neutral, "
            f"but called none of the {reviews(summary.reviews)} neutral, so its accuracy above is how well it tells negative from positive."
        ]
    return [
        f"The file's true sentiments are only negative or positive, but the model can also answer neutral: it called "
        f"{count(neutral)} of the {reviews(summary.reviews)} ({percent(neutral / summary.reviews)}) neutral, "
        f"and {'that answer counts' if neutral == 1 else 'those answers count'} as wrong.",
        f"Over {all_counted(summary.accuracy_all.n, 'review')} it is right {percent(summary.accuracy_all.value)} of the time "
        f"({interval(summary.accuracy_all)}).",
        _not_neutral_sentence(summary.accuracy_not_neutral),
    ]


def _not_neutral_sentence(accuracy: Estimate) -> str:
    if not accuracy.n:
        return "It called every review neutral, so how well it tells negative from positive cannot be measured."
    return (
        f"Over the {reviews(accuracy.n)} it did not call neutral, it picks the right side {percent(accuracy.value)} of the time "
        f"({interval(accuracy)})."
    )


def ticked_models_caption(choices: list[ModelChoice]) -> str:
    """What each ticked model is: 'sentiment-demo-classifier @champion: Single words, …'."""
    return " · ".join(f"{escape_markdown(model_short_name(c))}: {escape_markdown(c.description or 'no description')}" for c in choices)


def result_note(run: RunSummary, experiment_name: str, just_logged: bool) -> str:
    """Where the result is kept, or that the same file and model were evaluated before."""
    n = int(run.metrics.get("example_count", 0))
    where = f"the run {quoted(run.name)} in the experiment {quoted(experiment_name)}"
    if just_logged:
        return f"Done: {reviews(n)} scored and saved in MLflow as {where}."
    when = run.start_time.strftime("%d %b %Y, %H:%M") if run.start_time is not None else "an earlier date"
    return (
        f"The same reviews (text, true sentiment and category) were already evaluated with this model on {when} ({where}), "
        "so they are not scored again. That result is below."
    )


def distribution_sentence(distribution: pd.DataFrame) -> str:
    """'Of the 1,234 reviews, the model calls 40% negative, 18% neutral and 42% positive.'."""
    overall = distribution[distribution["overall"]]
    total = int(overall["reviews"].sum())
    parts = [f"{percent(share)} {label}" for label, share in zip(overall["sentiment"], overall["share"], strict=True)]
    listed = ", ".join(parts[:-1]) + f" and {parts[-1]}" if len(parts) > 1 else parts[0]
    return f"Of the {reviews(total)}, the model calls {listed}."


TYPED_MODEL_NOT_ALLOWED = "Only models of this app's store can be used here."
TYPED_MODEL_HINT = (
    "Type models:/name@alias, models:/name/3 or runs:/<run id>/model for a model of one of your projects "
    "(no other kinds of address, no “..”), or pick one from the list."
)
ADMIN_TYPED_MODEL_WARNING = (
    "Loading a model runs code stored with it. Only use a model whose origin you trust: anything typed here is loaded as it is."
)
