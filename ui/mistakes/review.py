"""One mistake on the Mistakes page: its text, why the model decided, how sure it was, earlier verdicts."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.errors import UserFacingError
from lib.outputs.charts import review_probability_chart
from lib.quality.explain import coverage_sentence, highlighted_html, top_words
from lib.quality.metrics import SENTIMENT_LABELS
from lib.quality.review_queue import REVIEW_KEY
from lib.stores import contract
from lib.stores.annotations import AnnotationStore
from lib.stores.tracking import RunSummary
from lib.wording import app_narrative, mistakes_narrative
from lib.wording.markdown import escape_markdown
from ui import auth, data, presentation
from ui.annotation_form import annotation_history


def show_review(run: RunSummary, review: pd.Series, store: AnnotationStore | None) -> None:
    """The review with the words that drove the model, its probabilities and the latest annotations."""
    text_column, side_column = st.columns([3, 2])
    with text_column:
        st.markdown(
            f"**Truly {escape_markdown(review[contract.TRUE_LABEL])}; the model said {escape_markdown(review[contract.PREDICTED_LABEL])}.**"
        )
        _explained_text(run, review)
        spread = mistakes_narrative.rater_spread_sentence(
            float(review.get("n_raters", float("nan"))), float(review.get("rating_sd", float("nan")))
        )
        if spread:
            st.caption(spread)
    with side_column:
        probabilities = {
            label: float(review[contract.proba_column(label)]) for label in SENTIMENT_LABELS if contract.proba_column(label) in review.index
        }
        if probabilities:
            st.altair_chart(review_probability_chart(probabilities, str(review[contract.PREDICTED_LABEL])), width="stretch")
        if store is not None:
            annotation_history(store, run.experiment_id, str(review[REVIEW_KEY]))


def _explained_text(run: RunSummary, review: pd.Series) -> None:
    """The review's text, its words coloured by how they moved the model when the model can explain itself."""
    model = None
    if run.model_uri and not auth.model_visible(run.model_uri):  # never load a model from a project the user cannot see
        st.caption(app_narrative.EXPLANATION_UNAVAILABLE)
    elif run.model_uri:
        try:
            model = data.sklearn_model(data.settings().tracking_uri, run.model_uri)
        except UserFacingError as error:
            presentation.technical_caption(f"No explanation: {escape_markdown(error.message)}")  # names the model URI
    if model is None:
        st.text(str(review[contract.TEXT]))
        return
    why = data.explanation(run, str(review[REVIEW_KEY]), str(review[contract.TEXT]), str(review[contract.PREDICTED_LABEL]), model)
    # st.html, not st.markdown: markdown would decode the escaped text a second time.
    st.html(f'<div style="font-size: 1.15rem; line-height: 1.9">{highlighted_html(str(review[contract.TEXT]), why.words)}</div>')
    towards, against = top_words(why.words)
    st.caption(
        "Blue words pushed the model towards its answer, orange ones against it"
        + (f" · towards: {escape_markdown(', '.join(towards['word']))}" if len(towards) else "")
        + (f" · against: {escape_markdown(', '.join(against['word']))}" if len(against) else "")
    )
    if note := coverage_sentence(why):
        st.caption(note)
