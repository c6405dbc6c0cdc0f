"""Plain-language sentences of the Evaluate page: what was read, left out, scored and logged.

Anything taken from the user's file (its name, column names, values) is passed through
``escape_markdown`` before it goes into a sentence, because the page draws sentences as
Markdown: a review may hold links, images or formatting that must show as plain text.
"""

from __future__ import annotations

import math
from datetime import datetime

import pandas as pd

from lib.scoring.uploads import DropReport, UploadedTable
from lib.stores.tracking import ModelChoice, RunSummary
from lib.wording.counts import agreeing, all_counted, counted, reviews, sentence_start
from lib.wording.markdown import escape_markdown
from lib.wording.numbers import count, percent

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
    """'12 rows and 3 columns, read as UTF-8 with values separated by commas.'."""
    rows, columns = table.frame.shape
    size = f"{counted(rows, 'row')} and {counted(columns, 'column')}"
    if table.sheet is not None:
        return f"{size} from the sheet {quoted(table.sheet)}."
    encoding = ENCODING_NAMES.get(table.encoding or "", (table.encoding or "").upper())
    return f"{size}, read as {encoding} with values separated by {DELIMITER_NAMES.get(table.delimiter or '', table.delimiter)}."


def drop_sentences(report: DropReport) -> list[str]:
    """What was left out of the file and why, and how many reviews remain to be scored."""
    sentences = []
    if report.empty_text:
        sentences.append(f"{counted(report.empty_text, 'row')} without review text {agreeing(report.empty_text, 'is')} left out.")
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


def evaluation_run_name(file_name: str, when: datetime) -> str:
    """The name of the run logged for an uploaded file: 'feedback.csv · 25 Nov 2026 16:05'."""
    return f"{file_name} · {when:%d %b %Y %H:%M}"


def model_choice_label(choice: ModelChoice) -> str:
    """How a model is listed: 'sentiment-demo-classifier @champion (version 1) · Single words, …'."""
    if choice.alias:
        name = f"{choice.name} @{choice.alias} (version {choice.version})"
    elif choice.version:
        name = f"{choice.name} version {choice.version}"
    else:
        name = f"{choice.name} ({choice.uri})" if choice.name != choice.uri else choice.uri
    return f"{name} · {choice.description}" if choice.description else name


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
