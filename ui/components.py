"""Small reusable widgets: user-facing errors and KPI cards."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pandas as pd
import streamlit as st

from lib.errors import UserFacingError
from lib.quality.comparison import NOISE
from lib.quality.metrics import OVERALL, Estimate, QualityReport
from lib.stores import contract
from lib.stores.tracking import RunSummary
from lib.wording import compare_narrative, counts, metric_names, numbers, run_narrative
from lib.wording.markdown import escape_markdown
from ui import data, presentation


def show_user_error(error: UserFacingError) -> None:
    """Show a problem the user can act on, plainly, never as a traceback (values in it shown literally)."""
    parts = [escape_markdown(error.message)] + ([escape_markdown(error.hint)] if error.hint else [])
    st.error("\n\n".join(parts), icon="⚠️")


def kpi_card(title: str, estimate: Estimate, baseline: Estimate | None, explanation: str, change_verdict: str | None = None) -> None:
    """A metric card: value, change against the baseline (and whether it is real), interval and n underneath.

    ``change_verdict`` is the comparison's verdict on the change (lib/quality/comparison.py);
    a change that could be chance is drawn grey, not as a green or red arrow.
    """
    with st.container(border=True):
        st.metric(
            title,
            numbers.percent(estimate.value),
            delta=(change := numbers.points_change(estimate, baseline)),
            delta_color="off" if change_verdict == NOISE else "normal",
            # Its own muted line: the change itself never gets cut off.
            delta_description=compare_narrative.card_change_words(change_verdict) if change else None,
            help=f"{explanation} {metric_names.METRIC_EXPLANATIONS['interval']}",
        )
        st.caption(f"{numbers.interval(estimate)} · based on {counts.reviews(estimate.n)}")
        presentation.glossary(explanation)


def corrected_labels_comparison(
    original: QualityReport, corrected: QualityReport, changed: int, metrics: list[str], groups: list[str]
) -> None:
    """Both figures side by side, for all reviews and each of ``groups``: with the given labels and with the annotators' corrections."""
    rows = []
    for group in [None, *groups]:
        for metric in metrics:
            before, after = original.estimate(metric, group), corrected.estimate(metric, group)
            row = {"Category": OVERALL if group is None else group} if groups else {}
            row |= {
                "Measure": metric_names.metric_label(metric),
                "With the given labels": f"{numbers.percent(before.value)} ({numbers.interval_range(before)})",
                f"With {counts.counted(changed, 'corrected label')}": f"{numbers.percent(after.value)} ({numbers.interval_range(after)})",
                "Change": numbers.points_change(after, before) or "",
            }
            rows.append(row)
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def corrected_labels_switch(run: RunSummary, report: QualityReport, metrics: list[str], column: str | None = None) -> None:
    """A 'use corrected labels' switch showing every figure with the annotators' corrections too."""
    try:
        corrected = data.corrected_report(run, column)
    except UserFacingError as error:
        st.caption(f"Corrected labels are not available: {escape_markdown(error.message)}")
        return
    if corrected is None:
        return
    corrected_report, changed = corrected
    if not st.toggle(
        f"Use corrected labels ({counts.counted(changed, 'review')} corrected by annotators)",
        key=f"use_corrected_{run.run_id}_{column}",
        help="Recompute the figures as if the labels annotators agreed on were right; both figures are shown side by side.",
    ):
        return
    groups = [g for g in corrected_report.groups if g in report.groups] if column else []
    corrected_labels_comparison(report, corrected_report, changed, metrics, groups)


T = TypeVar("T")


def stop_unless_finished(run: RunSummary) -> None:
    """Explain why and stop the page when the run has not finished (running, failed, killed)."""
    note = run_narrative.status_message(run.status, run.tags.get(contract.TAG_FAILURE, ""))
    if note:
        st.warning(note, icon="⏳" if run.status == "RUNNING" else "⚠️")
        st.stop()


def loaded_or_stop(load: Callable[[], T]) -> T:
    """The result of ``load``; a problem the user can act on is shown plainly and stops the page."""
    try:
        return load()
    except UserFacingError as error:
        show_user_error(error)
        st.stop()
        raise  # st.stop() raises; this keeps type checkers and readers sure nothing follows
