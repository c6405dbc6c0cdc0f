"""The experiment's annotations for the Mistakes page, and whether new ones can be saved."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from lib.errors import UserFacingError
from lib.stores.annotations import AnnotationStore
from lib.wording.markdown import escape_markdown
from ui import data

CURRENT_COLUMNS = ["review_key", "annotator", "annotator_name", "verdict", "corrected_label", "created_at"]


@dataclass(frozen=True)
class ExperimentAnnotations:
    """The store (None when unreachable), each annotator's current verdicts, and whether saving works."""

    store: AnnotationStore | None
    current: pd.DataFrame
    writable: bool


def experiment_annotations(experiment_id: str) -> ExperimentAnnotations:
    """Read the experiment's annotations; when they cannot be saved, say so once and keep browsing possible."""
    store, problem = None, None
    try:
        store = data.annotation_store()
        current = store.current(experiment_id)
    except UserFacingError as error:
        problem, current = error, pd.DataFrame(columns=CURRENT_COLUMNS)
    if problem is None and not store.is_writable():
        problem = UserFacingError(
            "Annotations cannot be saved right now: the annotation database is read-only or unreachable.",
            "Ask an administrator to check it.",
        )
    if problem is not None:
        st.warning(
            f"{escape_markdown(problem.message)} The reviews can still be browsed; annotating is paused. {escape_markdown(problem.hint)}"
        )
    return ExperimentAnnotations(store, current, problem is None)
