"""The check sample of a run: proposing it, the reviews people labelled in it, its figure, logging it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from lib.errors import UserFacingError
from lib.quality import estimates
from lib.quality.checks import (
    DEFAULT_CHECK_SIZE,
    MIN_CHECKED_REVIEWS,
    CheckedAccuracy,
    check_method,
    check_metrics,
    check_seed,
    checked_accuracy,
    logged_check,
    model_confidence,
    propose_check_sample,
    runs_without_labels,
)
from lib.quality.review_queue import REVIEW_KEY, review_keys
from lib.scoring import estimation
from lib.stores import contract
from lib.stores.tracking import ExperimentSummary, RunSummary
from lib.wording import checks as wording
from lib.wording import run_narrative
from lib.wording.counts import reviews
from lib.wording.markdown import escape_markdown
from ui import auth, data, sidebar

CHECKED_LABEL = "checked_label"
MAX_CHECK_SIZE = 500
CHECK_PAGE = "pages/check.py"
EVALUATE_PAGE = "pages/evaluate.py"
MAX_LISTED_RUNS = 10


@dataclass(frozen=True)
class RightProbability:
    """Per review, the probability that the model is right, and what it was calibrated on (empty: not calibrated)."""

    values: pd.Series
    reference_name: str


def planned_size(run: RunSummary) -> int | None:
    """How many reviews were proposed for checking in this run (None: no sample proposed yet)."""
    size = run.tags.get(contract.TAG_CHECK_SAMPLE_SIZE, "")
    return int(size) if size.isdigit() and int(size) > 0 else None


def propose_form(run: RunSummary, scored: int) -> None:
    """Ask how many reviews to check; on confirmation record the sample's size and seed in the run."""
    st.markdown(wording.SAMPLE_EXPLANATION)
    with st.form("check_propose"):
        size = st.number_input(
            "How many reviews to check",
            min_value=MIN_CHECKED_REVIEWS,
            max_value=max(MIN_CHECKED_REVIEWS, min(MAX_CHECK_SIZE, scored)),
            value=min(DEFAULT_CHECK_SIZE, max(MIN_CHECKED_REVIEWS, scored)),
            help=f"{DEFAULT_CHECK_SIZE} take a team about half an hour; figures appear from {MIN_CHECKED_REVIEWS} checked reviews on.",
        )
        if not st.form_submit_button("Propose the sample", type="primary"):
            return
    try:
        tags = {contract.TAG_CHECK_SAMPLE_SIZE: str(int(size)), contract.TAG_CHECK_SAMPLE_SEED: str(check_seed(run.run_id))}
        data.store().log_values(run.run_id, {}, tags=tags)
    except UserFacingError as error:
        st.error(f"{escape_markdown(error.message)} {escape_markdown(error.hint)}")
        return
    data.refresh_lists()
    st.rerun()


@st.cache_data(max_entries=8, show_spinner="Drawing the sample…")
def _sample(tracking_uri: str, run_id: str, experiment_id: str, size: int, _frame: pd.DataFrame) -> pd.DataFrame:
    sample = propose_check_sample(_frame, size, seed=check_seed(run_id))
    return sample.assign(**{REVIEW_KEY: review_keys(sample[contract.TEXT].astype(str), experiment_id)})


def sample_with_labels(run: RunSummary, frame: pd.DataFrame, size: int, consensus: pd.Series) -> pd.DataFrame:
    """The run's check sample in the order to check it, with the true sentiment the team gave (NaN: not yet)."""
    sample = _sample(data.settings().tracking_uri, run.run_id, run.experiment_id, size, frame)
    return sample.assign(**{CHECKED_LABEL: sample[REVIEW_KEY].map(consensus)})


@st.cache_data(ttl=300, max_entries=32, show_spinner=False)
def _reference_run_ids(tracking_uri: str, run_id: str) -> list[str]:
    """Labelled runs of the same model to calibrate on, best first: the one the estimate used, then the newest."""
    run = data.store().run(run_id)
    # Only runs of the same experiment: the user may see them, whatever else the model was run on.
    ids = [r.run_id for r in estimation.reference_candidates(data.store(), run) if r.experiment_id == run.experiment_id]
    logged = estimation.logged_reference(run)
    return sorted(ids, key=lambda r: r != logged)


@st.cache_data(max_entries=8, show_spinner="Calibrating the model's confidence…")
def _calibrated(tracking_uri: str, run_id: str, reference_id: str, _frame: pd.DataFrame) -> pd.Series | None:
    """Calibrated probability the model is right per review (NaN where unscored); None when the run cannot calibrate."""
    reference = data.predictions(data.store().run(reference_id))
    if reference is None or not estimates.has_probabilities(reference):
        return None
    try:
        calibration = estimates.fit_calibration(estimates.reference_from_predictions(reference))
    except UserFacingError:  # too few usable labelled reviews
        return None
    matrix = estimates.probability_matrix(_frame)
    predicted = estimates.predicted_codes(_frame)
    usable = (predicted >= 0) & np.isfinite(matrix).all(axis=1)
    values = pd.Series(np.nan, index=_frame.index)
    values[usable] = estimates.probability_correct(matrix[usable], predicted[usable], calibration)
    return values


def right_probability(run: RunSummary, frame: pd.DataFrame) -> RightProbability | None:
    """The calibrated probability the model is right per review; its own confidence without a labelled run to calibrate on."""
    if not estimates.has_probabilities(frame):
        return None
    uri = data.settings().tracking_uri
    try:
        for reference_id in _reference_run_ids(uri, run.run_id):
            values = _calibrated(uri, run.run_id, reference_id, frame)
            if values is not None:
                return RightProbability(values, data.store().run(reference_id).name)
    except UserFacingError as error:
        st.caption(f"The model's confidence is used as it is: {escape_markdown(error.message)}")
    return RightProbability(model_confidence(frame), "")


def figures(frame: pd.DataFrame, sample: pd.DataFrame, guess: RightProbability | None) -> CheckedAccuracy | None:
    """Accuracy from the checked reviews of the sample, and combined with the guess on all reviews."""
    labels = pd.Series(np.nan, index=frame.index, dtype=object)
    labels[sample.index] = sample[CHECKED_LABEL]
    return checked_accuracy(frame[contract.PREDICTED_LABEL], labels, guess.values if guess is not None else None)


def log_if_new(run: RunSummary, result: CheckedAccuracy) -> None:
    """Record the check's figure in the run when it differs from the one logged there (MLflow and every page show it)."""
    metrics = check_metrics(result)
    method = check_method(result)
    logged = {name: run.metrics.get(name) for name in metrics}
    if logged == metrics and run.tags.get(contract.TAG_CHECK_METHOD) == method:
        return
    try:
        data.store().log_values(run.run_id, metrics, tags={contract.TAG_CHECK_METHOD: method})
    except UserFacingError as error:
        st.caption(f"The figure could not be saved in the run: {escape_markdown(error.message)}")
        return
    data.refresh_lists()


def overview_section(run: RunSummary, may_annotate: bool) -> None:
    """On the Overview: the figure the team's check gave, or where to start one (small, below the lead)."""
    logged = logged_check(run.metrics, run.tags)
    if logged is None and not (may_annotate and contract.PREDICTIONS_ARTIFACT in data.artifact_names(run)):
        return
    st.subheader("Checked by your team")
    if logged is not None:
        figure, population, combined = logged
        st.markdown(wording.checked_headline(figure, population, combined), help=wording.CHECK_EXPLANATION)
    else:
        st.markdown(wording.CHECK_INVITATION)
    if may_annotate:
        st.page_link(CHECK_PAGE, label="Check the figures on a sample of reviews", icon=":material/fact_check:")


def where_to_check(experiment: ExperimentSummary) -> None:
    """For a run with true labels: say a check is for feedback without, and link to such runs of ``experiment``."""
    waiting = runs_without_labels(data.runs(data.settings().tracking_uri, experiment.experiment_id))
    may_upload = auth.allowed("upload", experiment)
    st.info(f"{wording.ALREADY_LABELLED} {wording.where_to_check(len(waiting), may_upload)}", icon="ℹ️")
    for run in waiting[:MAX_LISTED_RUNS]:
        st.button(
            f"{escape_markdown(run_narrative.run_choice_label(run))} · {reviews(run.metrics.get('example_count', 0))}",
            key=f"check_run_{run.run_id}",
            icon=":material/fact_check:",
            on_click=sidebar.show_run,  # this page, on that run
            args=(run,),
        )
    if not waiting and may_upload:
        st.page_link(EVALUATE_PAGE, label="Evaluate a file", icon=":material/upload_file:")
