"""The sidebar shared by every page: pick an experiment, a run and its baseline."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from lib.errors import UserFacingError
from lib.stores import contract
from lib.stores.tracking import ExperimentSummary, RunSummary
from lib.wording import app_narrative, run_narrative
from lib.wording.markdown import escape_markdown
from ui import auth, data
from ui.components import show_user_error

SELECTION_KEY = "selection"
# Widget keys of the pickers; other parts set them to open a run (ui/evaluate.py).
EXPERIMENT_PICKER_KEY = "experiment_picker"


def run_picker_key(experiment_id: str) -> str:
    """The widget key of the run picker of one experiment."""
    return f"run_picker_{experiment_id}"


def show_run(run: RunSummary) -> None:
    """Button callback: select ``run`` (and its experiment) in the pickers, so the page shows it on the next rerun.

    A link's ``?run=`` only picks the run when a session starts; after that the pickers keep
    their own state, which can only be set in a callback, before the sidebar is drawn again.
    Only an experiment the person may see, and a run from its fresh list, is selected.
    """
    data.refresh_lists()
    uri = data.settings().tracking_uri
    experiment = next((e for e in data.experiments(uri) if e.experiment_id == run.experiment_id), None)
    listed = next((r for r in data.runs(uri, run.experiment_id) if r.run_id == run.run_id), None)
    if experiment is not None and listed is not None and auth.allowed("view", experiment):
        st.session_state[EXPERIMENT_PICKER_KEY] = experiment
        st.session_state[run_picker_key(run.experiment_id)] = listed


@dataclass(frozen=True)
class Selection:
    """What the user is looking at: an experiment, one of its runs, and the run to compare with."""

    experiment: ExperimentSummary
    run: RunSummary
    baseline: RunSummary | None
    runs: tuple[RunSummary, ...]


def _default_run(runs: list[RunSummary]) -> RunSummary:
    evaluated = [r for r in runs if r.is_finished and r.tags.get(contract.TAG_RUN_KIND) == contract.RUN_KIND_EVALUATION]
    return (evaluated or runs)[0]


def _pick(options: list, wanted_id: str | None, id_of, fallback):
    ids = [id_of(o) for o in options]
    return options[ids.index(wanted_id)] if wanted_id in ids else fallback


def render() -> Selection | None:
    """Draw the pickers and remember the selection for the pages (None when nothing to show)."""
    st.session_state[SELECTION_KEY] = None
    uri = data.settings().tracking_uri
    if st.sidebar.button("↻ Refresh", help="Look for new experiments and runs", width="stretch"):
        data.refresh_lists()
    try:
        experiments = data.experiments(uri)
    except UserFacingError as error:
        show_user_error(error)
        return None
    shared = auth.visible_experiments(experiments)
    if experiments and not shared:
        st.info(app_narrative.NOTHING_SHARED)
        return None
    experiments = shared
    if not experiments:
        st.info(
            "There are no experiments in the tracking store yet. Log a run with MLflow "
            "(or start the app with its embedded demo) and press Refresh."
        )
        return None
    params = st.query_params
    auth.warn_on_unknown_link(params.get("experiment"), [e.experiment_id for e in experiments])
    start_exp = _pick(experiments, params.get("experiment"), lambda e: e.experiment_id, experiments[0])
    experiment = st.sidebar.selectbox(
        "Experiment", experiments, index=experiments.index(start_exp), format_func=lambda e: e.name, key=EXPERIMENT_PICKER_KEY
    )
    try:
        runs = data.runs(uri, experiment.experiment_id)
    except UserFacingError as error:
        show_user_error(error)
        return None
    if not runs:
        st.info(f"The experiment “{escape_markdown(experiment.name)}” has no runs yet. Log one with MLflow and press Refresh.")
        return None
    if params.get("experiment") in (None, experiment.experiment_id):
        auth.warn_on_unknown_link(params.get("run"), [r.run_id for r in runs])
    start_run = _pick(runs, params.get("run"), lambda r: r.run_id, _default_run(runs))
    run = st.sidebar.selectbox(
        "Run (★ = baseline)",
        runs,
        index=runs.index(start_run),
        format_func=run_narrative.run_choice_label,
        key=run_picker_key(experiment.experiment_id),
        help="Each run is one model evaluated on one set of reviews.",
    )
    # The widget keeps the object picked earlier; a run whose metrics or tags changed since
    # (an estimate or a check logged to it) must be the fresh one from the list.
    run = next((r for r in runs if r.run_id == run.run_id), run)
    tagged = [r for r in runs if r.is_baseline]
    if tagged:
        baseline = tagged[0]
        if baseline.run_id != run.run_id:
            st.sidebar.caption(f"Changes are shown against the baseline: {escape_markdown(baseline.name)}")
    else:
        others = [None, *[r for r in runs if r.run_id != run.run_id]]
        baseline = st.sidebar.selectbox(
            "Compare with",
            others,
            format_func=lambda r: "nothing" if r is None else run_narrative.run_choice_label(r),
            key=f"baseline_picker_{experiment.experiment_id}",
            help="No run of this experiment is tagged as its baseline; pick one to see changes against it.",
        )
    st.query_params.update({"experiment": experiment.experiment_id, "run": run.run_id})
    selection = Selection(experiment, run, baseline, tuple(runs))
    st.session_state[SELECTION_KEY] = selection
    return selection


def _recover_from_pages_folder_mode() -> None:
    """Rerun through app.py when Streamlit ran a page file on its own.

    With a folder called ``pages/`` beside app.py, Streamlit (1.67) starts in its old
    "pages folder" mode until the first ``st.navigation`` call of the process; a link
    straight to a page then runs the page file alone, without app.py's sidebar. The flag
    is process-wide and ``st.navigation`` clears it on every run, so this is a no-op
    except for that first request. (``client.showSidebarNavigation = false`` hides the
    file-name menu of that mode, but not this: Streamlit offers no public switch for it.)
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def selected() -> Selection | None:
    """The selection made in the sidebar on this rerun (every page starts by asking for it)."""
    _recover_from_pages_folder_mode()
    selection = st.session_state.get(SELECTION_KEY)
    # Asked again on every page, not only when the sidebar lists the experiments.
    return selection if selection is None or auth.allowed("view", selection.experiment) else None


def selected_or_stop() -> Selection:
    """The sidebar's selection; the page stops here when there is none (the sidebar says why)."""
    selection = selected()
    if selection is None:
        st.stop()
    return selection
