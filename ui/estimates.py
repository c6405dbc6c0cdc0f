"""Streamlit glue for quality estimated without labels: reference choice, cached estimate, logging, the Overview section."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from lib.errors import UserFacingError
from lib.outputs import charts
from lib.quality.estimates import has_probabilities, has_true_labels
from lib.scoring import estimation, evaluation
from lib.scoring.estimation import RunEstimate
from lib.stores.tracking import RunSummary
from lib.wording import estimates as words
from lib.wording import narrative
from lib.wording.markdown import escape_markdown
from ui import auth, data, presentation
from ui.components import kpi_card, loaded_or_stop


@st.cache_data(ttl=data.LIST_TTL_S, show_spinner=False)
def _candidates(tracking_uri: str, run_id: str) -> list[RunSummary]:
    store = data.tracking_store(tracking_uri)
    return estimation.reference_candidates(store, store.run(run_id))


def reference_choices(run: RunSummary) -> list[RunSummary]:
    """Labelled runs of the same model the current user may see, newest first."""
    return [r for r in _candidates(data.settings().tracking_uri, run.run_id) if auth.run_visible(r)]


@st.cache_data(max_entries=16, show_spinner="Estimating the model's quality from its confidence…")
def _estimate(
    tracking_uri: str, run_id: str, reference_run_id: str, _predictions: pd.DataFrame, _reference: pd.DataFrame, _model: Any
) -> RunEstimate:
    """The estimate of a finished run against one reference (both immutable once FINISHED): computed once per process."""
    return estimation.estimate_run(_predictions, _reference, reference_run_id, _model)


def _vocabulary_model(run: RunSummary) -> Any | None:
    """The run's scikit-learn model when the user may load it (its vocabulary tells which words are new), else None."""
    if not run.model_uri or not auth.model_visible(run.model_uri):
        return None
    try:
        return data.sklearn_model(data.settings().tracking_uri, run.model_uri)
    except UserFacingError:
        return None


def run_estimate(run: RunSummary, reference: RunSummary, model: Any | None = None) -> RunEstimate | None:
    """The estimate of a finished unlabelled run calibrated on ``reference`` (None when either lacks what it needs)."""
    predictions, reference_predictions = data.predictions(run), data.predictions(reference)
    if not estimation.needs_estimate(predictions) or reference_predictions is None:
        return None
    model = model if model is not None else _vocabulary_model(run)
    return _estimate(data.settings().tracking_uri, run.run_id, reference.run_id, predictions, reference_predictions, model)


def log_when_new(run: RunSummary, result: RunEstimate) -> None:
    """Store the estimate in the run unless it holds this one already; only for users who may add runs to its experiment."""
    if estimation.logged_reference(run) == result.reference_run_id or not auth.allowed("upload", auth.experiment_of(run)):
        return
    estimation.log_estimate(data.store(), run.run_id, result)
    data.refresh_lists()


def estimate_after_upload(run: RunSummary, model: Any) -> None:
    """Right after an unlabelled file was scored: estimate with the newest labelled run of the model and log it."""
    choices = reference_choices(run)
    if not choices:
        return
    try:
        result = run_estimate(run, choices[0], model)
    except UserFacingError:
        return  # the reference turned out unusable; Overview says why when the run is opened
    if result is not None:
        log_when_new(run, result)


def _reference_picker(run: RunSummary, choices: list[RunSummary]) -> RunSummary:
    logged = estimation.logged_reference(run)
    default = next((i for i, r in enumerate(choices) if r.run_id == logged), 0)
    if len(choices) == 1 or presentation.presenting():
        return choices[default]
    return st.selectbox(
        "Learn from the labelled reviews of",
        choices,
        index=default,
        format_func=lambda r: f"{r.name} · {narrative.reviews(r.metrics.get('example_count', 0))}",
        key=f"estimate_reference_{run.run_id}",
        help="A run of the same model on reviews people labelled. The estimate learns from it how far the model's confidence can be trusted.",
    )


def show_if_unlabelled(run: RunSummary) -> bool:
    """On Overview: for a run without true labels, lead with its estimated quality; True when this section was drawn."""
    predictions = loaded_or_stop(lambda: data.predictions(run))
    if predictions is None or has_true_labels(predictions):
        return False
    if not has_probabilities(predictions):
        st.info(words.NO_PROBABILITIES, icon="ℹ️")
        _what_the_model_says(predictions)
        return True
    choices = loaded_or_stop(lambda: reference_choices(run))
    if not choices:
        st.info(f"{words.NO_REFERENCE} {words.NO_REFERENCE_HINT}", icon="ℹ️")
        _what_the_model_says(predictions)
        return True
    reference = _reference_picker(run, choices)
    result = loaded_or_stop(lambda: run_estimate(run, reference))
    if result is None:
        st.info(f"{words.NO_REFERENCE} {words.NO_REFERENCE_HINT}", icon="ℹ️")
        return True
    log_when_new(run, result)
    _show_estimate(result, reference)
    _what_the_model_says(predictions)
    return True


def _show_estimate(result: RunEstimate, reference: RunSummary) -> None:
    quality, report = result.quality, result.drift
    st.markdown(f"#### {words.estimate_headline(quality)}")
    weakest = words.weakest_sentence(quality)
    if weakest:
        st.markdown(weakest)
    cards = [("accuracy", "Labelled correctly (estimated)", narrative.METRIC_EXPLANATIONS["accuracy"])]
    cards.append(("macro_f1", "Balanced score (estimated)", narrative.METRIC_EXPLANATIONS["macro_f1"]))
    cards += [(f"recall:{label}", f"Finds {label} (estimated)", narrative.METRIC_EXPLANATIONS["recall"]) for label in quality.labels]
    for column, (metric, title, explanation) in zip(st.columns(len(cards)), cards, strict=True):
        with column:
            kpi_card(title, quality.estimate(metric), None, explanation)
    (st.warning if words.level_is_worrying(report) else st.success)(
        words.drift_sentence(report), icon=":material/warning:" if words.level_is_worrying(report) else ":material/check_circle:"
    )
    st.markdown(f"- {words.assumption_sentence(escape_markdown(reference.name), quality.n_reference)}")
    st.markdown(f"- {words.backtest_sentence(quality.backtest, quality.n_reference)}")
    with st.expander("How different does this feedback look?"):
        st.altair_chart(charts.drift_chart(report.shares), width="stretch")
        for detail in words.drift_details(report):
            st.markdown(f"- {detail}")
        st.caption(words.SEPARABILITY_EXPLANATION)
    with st.expander("How this estimate works"):
        st.markdown(words.ESTIMATE_EXPLANATION)
        st.markdown(words.ASSUMPTION)
        presentation.technical_caption(
            f"Confidence-based performance estimation (CBPE, as in NannyML) with per-class isotonic calibration; "
            f"recalibrated classes: {', '.join(quality.calibration.calibrated_classes) or 'none'}; reference run {reference.run_id}."
        )


def _what_the_model_says(predictions: pd.DataFrame) -> None:
    st.subheader("What the model says")
    distribution = evaluation.prediction_distribution(predictions)
    st.altair_chart(charts.distribution_chart(distribution), width="stretch")
