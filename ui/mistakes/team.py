"""The Mistakes page's "Annotators and export" tab: who annotated what, agreement, downloads."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.outputs.exports import annotations_csv, annotations_parquet
from lib.quality.agreement import annotator_agreement
from lib.stores.annotations import AnnotationStore, annotator_label
from lib.stores.tracking import RunSummary
from lib.wording import mistakes_narrative


def agreement_panel(current: pd.DataFrame) -> None:
    """Who annotated what, where they disagree, and their agreement once reviews have 2+ verdicts."""
    if current.empty:
        st.info("Nobody has annotated reviews of this experiment yet.")
        return
    current = current.assign(
        annotator=[annotator_label(a, n) for a, n in zip(current["annotator"], current["annotator_name"], strict=True)]
    )
    per_person = current.groupby("annotator").agg(reviews=("review_key", "nunique"), last=("created_at", "max")).reset_index()
    st.markdown("**Who annotated what**")
    st.dataframe(
        per_person.rename(columns={"annotator": "Annotator", "reviews": "Reviews annotated", "last": "Last annotation"}), hide_index=True
    )
    summary = annotator_agreement(current)
    if summary.reviews_with_two_or_more == 0:
        st.caption("Agreement appears once a review has verdicts from two or more people.")
        return
    st.markdown(mistakes_narrative.agreement_sentence(summary))
    if len(summary.disagreements):
        st.markdown("**Where annotators disagree**")
        st.dataframe(summary.disagreements, hide_index=True, width="stretch")


def exports_panel(store: AnnotationStore, run: RunSummary) -> None:
    """Download every annotation of the run's experiment (formula-safe CSV, or Parquet)."""
    history = store.history_frame(run.experiment_id)
    if history.empty:
        return
    left, right = st.columns(2)
    stem = f"annotations-{run.run_id[:8]}"
    left.download_button("Download annotations (CSV, safe for Excel)", annotations_csv(history), f"{stem}.csv", "text/csv")
    right.download_button("Download annotations (Parquet)", annotations_parquet(history), f"{stem}.parquet", "application/octet-stream")
