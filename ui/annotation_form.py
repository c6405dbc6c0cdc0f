"""The annotation form: one person's verdict on one review, written to the annotation store.

Used by the Mistakes page (every verdict) and by any page that asks people for a review's
true sentiment only (``verdicts=("label_wrong",)``). The corrected label is offered only
with the verdict "The given label is wrong", so a verdict and a label that contradict each
other cannot be submitted. Plain widgets, not ``st.form``: the label picker must appear as
soon as that verdict is picked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from lib.errors import UserFacingError
from lib.quality.metrics import SENTIMENT_LABELS
from lib.quality.review_queue import REVIEW_KEY
from lib.stores import contract
from lib.stores.annotations import (
    ANNOTATION_VERDICTS,
    VERDICTS,
    Annotation,
    AnnotationStore,
    StaleEditError,
    annotator_label,
    describe_change,
)
from lib.stores.tracking import RunSummary
from lib.wording.markdown import escape_markdown
from ui.components import show_user_error

LABEL_WRONG = "label_wrong"


@dataclass(frozen=True)
class ReviewToAnnotate:
    """Where a verdict is stored: the experiment, the review and the run it was seen in."""

    experiment_id: str
    review_key: str
    review_id: str
    dataset: str
    run_id: str
    model_uri: str
    given_label: str | None  # the review's label today (None: unlabelled); never offered as its correction

    @classmethod
    def seen_in(cls, run: RunSummary, review: pd.Series, dataset: str) -> ReviewToAnnotate:
        """A review (a row of the run's predictions) as seen in ``run``; its given label if it has one."""
        label = review.get(contract.TRUE_LABEL)
        return cls(
            experiment_id=run.experiment_id,
            review_key=str(review[REVIEW_KEY]),
            review_id=str(review[contract.REVIEW_ID]),
            dataset=dataset,
            run_id=run.run_id,
            model_uri=run.model_uri,
            given_label=None if label is None or pd.isna(label) else str(label),
        )


@dataclass(frozen=True)
class Annotator:
    """Who annotates: the stable identity annotations are attributed to, and the name shown beside it."""

    identity: str
    display_name: str | None = None


def annotation_form(
    store: AnnotationStore,
    review: ReviewToAnnotate,
    annotator: Annotator,
    *,
    verdicts: Sequence[str] = VERDICTS,
    label_required: bool = False,
    submit_label: str = "Save and go to the next review",
    key: str = "annotate",
    tags: Sequence[str] = (),
) -> Annotation | None:
    """Draw the form for ``review``; the saved annotation on the run where it was saved, else None.

    ``verdicts`` are the ones offered (one verdict: no choice is shown). With
    ``label_required`` the verdict "The given label is wrong" needs a corrected label.
    A change someone else saved since the form opened is shown and nothing is overwritten.
    ``tags`` are recorded with every verdict besides the ones typed (e.g. marking a check sample).
    What this person saved last with this form stays written above it (a toast is gone in seconds).
    """
    unknown = [v for v in verdicts if v not in VERDICTS]
    if not verdicts or unknown:
        raise ValueError(f"verdicts must be a non-empty selection of {VERDICTS}, got {tuple(verdicts)}")
    prefix = f"{key}_{review.review_key}"
    last_saved_key = f"{key}_{review.experiment_id}_last_saved"
    opened_key = f"{prefix}_opened_version"
    if opened_key not in st.session_state:
        st.session_state[opened_key] = store.review_version(review.experiment_id, review.review_key)

    with st.container(border=True):
        if last_saved := st.session_state.get(last_saved_key):
            st.caption(f"✓ {escape_markdown(last_saved)}")
        st.markdown(f"**Your verdict**, as {escape_markdown(annotator_label(annotator.identity, annotator.display_name))}")
        if len(verdicts) == 1:
            verdict = verdicts[0]
        else:
            verdict = st.radio(
                "Verdict",
                list(verdicts),
                format_func=ANNOTATION_VERDICTS.get,
                horizontal=True,
                label_visibility="collapsed",
                key=f"{prefix}_verdict",
            )
        corrected = None
        left, right = st.columns([1, 2])
        if verdict == LABEL_WRONG:
            choices = [label for label in SENTIMENT_LABELS if label != review.given_label]
            corrected = left.selectbox(
                "Corrected label" if label_required else "Corrected label (optional)",
                choices,
                index=None,
                placeholder="Choose the right sentiment" if label_required else "— keep —",
                key=f"{prefix}_corrected",
            )
        typed_tags = right.text_input("Tags (comma-separated, optional)", key=f"{prefix}_tags")
        note = st.text_area("Note (optional)", height=80, key=f"{prefix}_note")
        saved = st.button(submit_label, type="primary", key=f"{prefix}_save")
    if not saved:
        return None
    if label_required and verdict == LABEL_WRONG and corrected is None:
        st.error("Choose the right sentiment before saving.")
        return None
    try:
        annotation = store.record(
            experiment_id=review.experiment_id,
            review_key=review.review_key,
            dataset=review.dataset,
            review_id=review.review_id,
            run_id=review.run_id,
            model_uri=review.model_uri,
            annotator=annotator.identity,
            annotator_name=annotator.display_name,
            verdict=verdict,
            corrected_label=corrected,
            note=note,
            tags=[*tags, *(t.strip() for t in typed_tags.split(",") if t.strip())],
            expected_version=st.session_state[opened_key],
        )
    except StaleEditError as stale:
        st.session_state[opened_key] = stale.latest.review_version
        show_user_error(stale)
        return None
    except UserFacingError as error:
        show_user_error(error)
        return None
    for widget in ("opened_version", "verdict", "corrected", "tags", "note"):
        st.session_state.pop(f"{prefix}_{widget}", None)
    st.session_state[last_saved_key] = f"Last saved: review {annotation.review_id}, {describe_change(annotation)}."
    return annotation


def annotation_history(store: AnnotationStore, experiment_id: str, review_key: str, *, last: int = 5) -> None:
    """Caption the review's most recent annotations (who, when, verdict, corrected label, note)."""
    try:
        history = store.history(experiment_id, review_key)
    except UserFacingError as error:
        st.caption(f"Earlier annotations cannot be shown: {escape_markdown(error.message)}")
        return
    for past in history[-last:]:
        label = f" → {escape_markdown(past.corrected_label)}" if past.corrected_label else ""
        st.caption(
            f"{escape_markdown(annotator_label(past.annotator, past.annotator_name))}, {past.created_at:%d %b %H:%M}: "
            f"{escape_markdown(ANNOTATION_VERDICTS.get(past.verdict, past.verdict))}{label}"
            + (f" — {escape_markdown(past.note[:200])}" if past.note else "")
        )
