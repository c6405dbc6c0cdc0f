"""What a run is and what state it is in: its listing in the picker, unfinished runs, missing parts."""

from __future__ import annotations

import re
from collections.abc import Mapping

from lib.access.redaction import redacted
from lib.stores.run_health import INTERRUPTED
from lib.stores.tracking import RunSummary
from lib.wording.markdown import escape_markdown


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


RUN_TIME_FORMAT = "%d %b %Y, %H:%M"
# A date and time as runs are named and listed: '01 Dec 2026 07:41' or '01 Dec 2026, 07:41'.
DATE_TIME = re.compile(r"\b(\d{1,2} [A-Z][a-z]{2} \d{4}),? (\d{1,2}:\d{2})\b")


def _once(parts: list[str]) -> list[str]:
    """The parts with every date and time already said in an earlier part taken out (and parts left empty dropped)."""
    said: set[tuple[str, str]] = set()
    kept = []
    for part in parts:
        dates = {m.groups() for m in DATE_TIME.finditer(part)}
        part = DATE_TIME.sub(lambda m, earlier=frozenset(said): "" if m.groups() in earlier else m.group(0), part)
        part = re.sub(r"(\s*·\s*)+$|^(\s*·\s*)+", "", re.sub(r"(\s*·\s*){2,}", " · ", part)).strip(" ,")
        said |= dates
        if part:
            kept.append(part)
    return kept


def _when_and_state(run: RunSummary) -> list[str]:
    """When the run started, and its state unless it finished."""
    parts = [run.start_time.strftime(RUN_TIME_FORMAT)] if run.start_time is not None else []
    return parts + ([run.status.lower()] if run.status != "FINISHED" else [])


def run_choice_label(run: RunSummary) -> str:
    """How a run is listed in the picker: baseline star, readable name, date (once), state."""
    return ("★ " if run.is_baseline else "") + " · ".join(_once([run.name, *_when_and_state(run)]))


def run_caption(run: RunSummary) -> str:
    """The Overview's line under the title: run name, model, date and state, each date said once."""
    return " · ".join(_once([run.name, run.model_description, *_when_and_state(run)]))
