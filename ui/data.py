"""Cached access to lib for the pages; cache keys are immutable ids (tracking URI, run id)."""

from __future__ import annotations

from contextlib import suppress

import pandas as pd
import streamlit as st

from lib.config import Settings, load_settings
from lib.errors import UserFacingError
from lib.quality import run_quality
from lib.quality.ceiling import HumanCeiling, human_ceiling
from lib.quality.comparison import (
    Comparison,
    aligned_predictions,
    hashes_comparable,
    measured_on_same_reviews,
    paired_comparison,
    review_changes,
    run_confusions,
    unpaired_comparison,
)
from lib.quality.explain import Explanation, explain
from lib.quality.label_issues import likely_label_errors
from lib.quality.metrics import QualityReport
from lib.quality.review_queue import mistakes_table, review_keys
from lib.quality.run_quality import labelled_report
from lib.quality.weak_spots import ReviewTraits, WeakSpotSearch, find_weak_spots, review_traits
from lib.scoring import evaluation
from lib.stores import contract
from lib.stores.annotations import AnnotationStore, LegacyRun
from lib.stores.compact import compact_predictions
from lib.stores.run_health import heal_interrupted
from lib.stores.tracking import ExperimentSummary, LoadedModel, ModelChoice, RunSummary, TrackingStore

LIST_TTL_S = 20


def settings() -> Settings:
    """The app's settings (cheap to read: environment and one small TOML file)."""
    return load_settings()


@st.cache_resource
def tracking_store(tracking_uri: str) -> TrackingStore:
    """One MLflow client per tracking URI."""
    return TrackingStore(tracking_uri)


def store() -> TrackingStore:
    """The tracking store the app is configured for."""
    return tracking_store(settings().tracking_uri)


@st.cache_data(ttl=LIST_TTL_S, show_spinner=False)
def experiments(tracking_uri: str) -> list[ExperimentSummary]:
    """Experiments, refreshed every few seconds so new ones appear without a restart."""
    return tracking_store(tracking_uri).experiments()


@st.cache_data(ttl=LIST_TTL_S, show_spinner=False)
def runs(tracking_uri: str, experiment_id: str) -> list[RunSummary]:
    """Runs of one experiment, refreshed every few seconds; runs whose writer died are marked interrupted."""
    store = tracking_store(tracking_uri)
    return heal_interrupted(store, store.runs(experiment_id))


# Big frames of finished runs are cache_resource: one shared object per process, never copied
# per session or per call (cache_data unpickles a fresh copy, ~0.4 s and 110 MB for 1M reviews).
# Nothing may modify them in place; lib functions copy before they change a frame.
@st.cache_resource(max_entries=8, show_spinner="Reading the run's predictions…")
def _finished_predictions(tracking_uri: str, run_id: str) -> pd.DataFrame | None:
    frame = tracking_store(tracking_uri).predictions(run_id)
    return None if frame is None else compact_predictions(frame)


@st.cache_data(max_entries=32, show_spinner="Checking that both runs scored the same reviews…")
def _finished_dataset_hash(tracking_uri: str, run_id: str) -> str:
    frame = _finished_predictions(tracking_uri, run_id)
    return "" if frame is None else evaluation.evaluation_dataset_hash(frame)


def same_reviews(run: RunSummary, baseline: RunSummary) -> bool:
    """True when both runs scored the same reviews: by their recorded hashes, else recomputed from their predictions.

    Runs logged before the hash's scheme changed (``contract.TAG_DATASET_HASH_SCHEME``) are
    compared by hashing their predictions again, so an upgrade keeps old baselines comparable.
    """
    if hashes_comparable(run, baseline) or not (run.dataset_hash and baseline.dataset_hash):
        return measured_on_same_reviews(run, baseline)
    if not (run.is_finished and baseline.is_finished):
        return False
    uri = settings().tracking_uri
    recomputed = _finished_dataset_hash(uri, run.run_id)
    return bool(recomputed) and recomputed == _finished_dataset_hash(uri, baseline.run_id)


@st.cache_data(max_entries=16, show_spinner=False)
def _finished_artifacts(tracking_uri: str, run_id: str) -> list[str]:
    return tracking_store(tracking_uri).artifact_names(run_id)


def predictions(run: RunSummary) -> pd.DataFrame | None:
    """The run's predictions; cached for good once the run is FINISHED (it cannot change)."""
    uri = settings().tracking_uri
    if run.is_finished:
        return _finished_predictions(uri, run.run_id)
    return tracking_store(uri).predictions(run.run_id)


def artifact_names(run: RunSummary) -> list[str]:
    """Top-level artifact names of a run; cached once the run is FINISHED."""
    uri = settings().tracking_uri
    if run.is_finished:
        return _finished_artifacts(uri, run.run_id)
    return tracking_store(uri).artifact_names(run.run_id)


@st.cache_data(max_entries=32, show_spinner="Working out the figures…")
def _finished_report(tracking_uri: str, run_id: str) -> QualityReport | None:
    return labelled_report(_finished_predictions(tracking_uri, run_id))


def report(run: RunSummary) -> QualityReport | None:
    """Overall quality of a run computed from its predictions, or None without them."""
    if run.is_finished:
        return _finished_report(settings().tracking_uri, run.run_id)
    return labelled_report(predictions(run))


def refresh_lists() -> None:
    """Forget the cached experiment and run lists (finished runs' data stays cached)."""
    experiments.clear()
    runs.clear()


@st.cache_data(max_entries=32, show_spinner="Working out the figures per category…")
def _finished_category_report(tracking_uri: str, run_id: str, column: str) -> QualityReport | None:
    return labelled_report(_finished_predictions(tracking_uri, run_id), column)


def category_report(run: RunSummary, column: str) -> QualityReport | None:
    """Metrics overall and per value of ``column``, or None without predictions."""
    if run.is_finished:
        return _finished_category_report(settings().tracking_uri, run.run_id, column)
    return labelled_report(predictions(run), column)


@st.cache_data(max_entries=32, show_spinner=False)
def _finished_ceiling(tracking_uri: str, run_id: str, column: str | None) -> HumanCeiling | None:
    frame = _finished_predictions(tracking_uri, run_id)
    if frame is None or "ratings" not in frame:
        return None
    labelled = frame[frame[contract.TRUE_LABEL].notna()] if contract.TRUE_LABEL in frame else frame
    return human_ceiling(labelled["ratings"], labelled[column] if column else None)


def ceiling(run: RunSummary, column: str | None = None) -> HumanCeiling | None:
    """Single-rater agreement with the crowd when the run's reviews carry individual ratings."""
    return _finished_ceiling(settings().tracking_uri, run.run_id, column) if run.is_finished else None


@st.cache_data(max_entries=32, show_spinner="Comparing the runs…")
def comparison(tracking_uri: str, baseline_id: str, new_id: str, column: str | None) -> tuple[Comparison, pd.DataFrame | None]:
    """Changes from baseline to new run, and the fixed / newly broken reviews when paired."""
    base = _finished_predictions(tracking_uri, baseline_id)
    new = _finished_predictions(tracking_uri, new_id)
    aligned = aligned_predictions(base, new)
    if aligned is not None:
        groups = aligned[column] if column and column in aligned else None
        result = paired_comparison(aligned[contract.TRUE_LABEL], aligned["baseline_said"], aligned["new_says"], groups=groups)
        return result, review_changes(aligned)
    return unpaired_comparison(run_confusions(base, column), run_confusions(new, column)), None


@st.cache_resource(show_spinner=False)
def _annotation_store(url: str) -> AnnotationStore:
    return AnnotationStore(url)


def _legacy_run(tracking_uri: str, run_id: str) -> LegacyRun | None:
    """A run's experiment and texts by review id, for adopting its old annotations (None when it is gone)."""
    tracking = tracking_store(tracking_uri)
    try:
        run = tracking.run(run_id)
    except UserFacingError:
        return None
    frame = tracking.predictions(run_id)
    if frame is None or contract.REVIEW_ID not in frame or contract.TEXT not in frame:
        return None
    return LegacyRun(run.experiment_id, dict(zip(frame[contract.REVIEW_ID].astype(str), frame[contract.TEXT].astype(str), strict=True)))


@st.cache_resource(show_spinner="Attributing older annotations to their experiments…")
def _legacy_adopted(annotations_url: str, tracking_uri: str) -> int:
    """Adopt rows older than experiments, once per process (raising means: try again next time)."""
    return _annotation_store(annotations_url).adopt_legacy(lambda run_id: _legacy_run(tracking_uri, run_id))


def annotation_store() -> AnnotationStore:
    """The annotation store the app is configured for (raises UserFacingError when unreachable)."""
    current = settings()
    store = _annotation_store(current.annotations_db_url)
    with suppress(UserFacingError):  # old rows stay hidden until it works; nothing else waits for it
        _legacy_adopted(current.annotations_db_url, current.tracking_uri)
    return store


@st.cache_data(ttl=LIST_TTL_S, max_entries=256, show_spinner=False)
def model_choice(tracking_uri: str, uri: str) -> ModelChoice:
    """A model URI resolved to its own origin (raises UserFacingError when there is no such model)."""
    return tracking_store(tracking_uri).model_choice(uri)


@st.cache_resource(max_entries=4, show_spinner="Loading the model…")
def sklearn_model(tracking_uri: str, model_uri: str):
    """The native scikit-learn model of a URI (None for other kinds), loaded once per process."""
    return tracking_store(tracking_uri).load_sklearn_model(model_uri)


@st.cache_resource(max_entries=2, show_spinner="Loading the model…")
def scoring_model(tracking_uri: str, model_uri: str) -> LoadedModel:
    """A model loaded once per process for scoring (``predict_proba`` when it has one), with its input column."""
    return tracking_store(tracking_uri).load_scoring_model(model_uri)


def forget_artifact_listings() -> None:
    """Forget cached run lists and artifact listings, after something was added to a finished run (a stress test)."""
    refresh_lists()
    _finished_artifacts.clear()


@st.cache_data(max_entries=64, show_spinner="Working out why the model decided…")
def _explanation(tracking_uri: str, run_id: str, model_uri: str, review_key: str, text: str, predicted: str, _model) -> Explanation:
    return explain(_model, text, predicted)


def explanation(run: RunSummary, review_key: str, text: str, predicted: str, model) -> Explanation:
    """Why the run's ``model`` gave ``predicted`` for one review; worked out once per run, review and model."""
    return _explanation(settings().tracking_uri, run.run_id, run.model_uri or "", review_key, text, predicted, model)


@st.cache_resource(max_entries=8, show_spinner="Listing the mistakes…")
def _finished_mistakes_table(tracking_uri: str, run_id: str, experiment_id: str) -> pd.DataFrame | None:
    frame = _finished_predictions(tracking_uri, run_id)
    if frame is None or contract.TRUE_LABEL not in frame:
        return None
    return mistakes_table(frame, experiment_id)


def mistakes(run: RunSummary) -> pd.DataFrame | None:
    """Misclassified reviews of a finished run, confidently wrong first, keyed within the run's experiment."""
    if not run.is_finished:
        return None
    return _finished_mistakes_table(settings().tracking_uri, run.run_id, run.experiment_id)


def dataset_of(run: RunSummary) -> str:
    """The dataset name recorded beside annotations of this run's reviews (a label, never a key)."""
    return run.tags.get(contract.TAG_DATASET_NAME) or f"run {run.run_id}"


@st.cache_resource(max_entries=8, show_spinner="Looking for likely label errors (a few seconds on a big run)…")
def label_errors(tracking_uri: str, run_id: str, shown: int) -> tuple[int, pd.DataFrame] | None:
    """How many reviews' given label is probably wrong, and the ``shown`` likeliest (finished runs only).

    Only those rows are kept: on a run of a million reviews the search can flag half a million.
    """
    frame = _finished_predictions(tracking_uri, run_id)
    flagged = None if frame is None else likely_label_errors(frame)
    return None if flagged is None else (len(flagged), flagged.head(shown).copy())


@st.cache_resource(max_entries=8, show_spinner="Matching your team's corrections to the reviews…")
def _finished_review_keys(tracking_uri: str, run_id: str, experiment_id: str) -> pd.Series | None:
    frame = _finished_predictions(tracking_uri, run_id)
    return None if frame is None else review_keys(frame[contract.TEXT].astype(str), experiment_id)


def corrected_report(run: RunSummary, column: str | None = None) -> tuple[QualityReport, int] | None:
    """Metrics with the corrected labels of the run's experiment's annotators and how many reviews changed (None if none)."""
    if not run.is_finished:
        return None
    uri = settings().tracking_uri
    frame = _finished_predictions(uri, run.run_id)
    if frame is None or contract.TRUE_LABEL not in frame:
        return None
    consensus = annotation_store().consensus_labels(run.experiment_id)
    if consensus.empty:  # nothing corrected: skip keying every review (seconds on a million)
        return None
    return run_quality.corrected_report(frame, _finished_review_keys(uri, run.run_id, run.experiment_id), consensus, column)


@st.cache_resource(max_entries=4, show_spinner="Reading the reviews…")
def _finished_review_traits(tracking_uri: str, run_id: str) -> ReviewTraits | None:
    frame = _finished_predictions(tracking_uri, run_id)
    return None if frame is None or contract.TEXT not in frame else review_traits(frame)


@st.cache_data(max_entries=8, show_spinner="Looking for weak spots…")
def _finished_weak_spots(tracking_uri: str, run_id: str) -> WeakSpotSearch | None:
    frame = _finished_predictions(tracking_uri, run_id)
    if frame is None or contract.TEXT not in frame:
        return None
    return find_weak_spots(frame, _finished_review_traits(tracking_uri, run_id))


def weak_spots(run: RunSummary) -> WeakSpotSearch | None:
    """Every group of reviews tested for the run and which are weak spots (None without texts or true labels)."""
    if run.is_finished:
        return _finished_weak_spots(settings().tracking_uri, run.run_id)
    frame = predictions(run)
    return None if frame is None else find_weak_spots(frame)


@st.cache_data(max_entries=16, show_spinner="Finding the reviews of this group…")
def _finished_weak_spot_reviews(tracking_uri: str, run_id: str, slice_id: str) -> tuple[pd.Series, str | None] | None:
    frame = _finished_predictions(tracking_uri, run_id)
    traits = _finished_review_traits(tracking_uri, run_id)
    if frame is None or traits is None or contract.REVIEW_ID not in frame:
        return None
    try:
        return frame.loc[traits.mask(slice_id), contract.REVIEW_ID].astype(str), traits.category_of(slice_id)
    except KeyError:
        return None


def weak_spot_reviews(run: RunSummary, slice_id: str) -> tuple[pd.Series, str | None] | None:
    """Review ids in one group of a finished run and the group's category (None when the run has no such group)."""
    return _finished_weak_spot_reviews(settings().tracking_uri, run.run_id, slice_id) if run.is_finished else None
