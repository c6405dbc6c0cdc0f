"""Mistakes: browse the model's mistakes, see why it decided, and record verdicts."""

import streamlit as st

from lib.quality.review_queue import REVIEW_KEY, next_review_id
from lib.stores import contract
from lib.wording import mistakes_narrative
from ui import data, identity, navigation, sidebar
from ui.annotation_form import Annotator, ReviewToAnnotate, annotation_form
from ui.components import loaded_or_stop, stop_unless_finished
from ui.mistakes.annotations import experiment_annotations
from ui.mistakes.filters import chosen_filter, matching_mistakes
from ui.mistakes.label_errors import label_errors_panel
from ui.mistakes.review import show_review
from ui.mistakes.table import CURRENT_KEY, picked_review
from ui.mistakes.team import agreement_panel, exports_panel
from ui.weak_spots import only_weak_spot

selection = sidebar.selected_or_stop()
navigation.require_page(__file__, selection.experiment)  # viewers never get this page; a link cannot open it either
run = selection.run
st.title("Mistakes to review")
stop_unless_finished(run)
table = loaded_or_stop(lambda: data.mistakes(run))
report = loaded_or_stop(lambda: data.report(run))
if table is None or report is None:
    st.info("This run has no predictions file with true labels, so its mistakes cannot be listed.")
    st.stop()
st.markdown(f"##### {mistakes_narrative.errors_headline(len(table), report.n)}")

# Annotations are read and written in the selected run's experiment only (which the user may see).
annotations = experiment_annotations(run.experiment_id)
annotated = set(annotations.current[REVIEW_KEY]) if len(annotations.current) else set()
# Tabs rerun the page when chosen, so the label-error search (seconds on a big run) runs only while its tab is open.
queue_tab, label_tab, team_tab = st.tabs(
    ["Misclassified reviews", "Likely label errors", "Annotators and export"], key="mistakes_tab", on_change="rerun"
)

with queue_tab:
    matching = only_weak_spot(run, matching_mistakes(table, chosen_filter(table), annotations.current, identity.annotator()))
    review = picked_review(matching, len(table), run.run_id, annotated)
    if review is None:
        st.info("No mistakes match these filters.")
    else:
        st.divider()
        show_review(run, review, annotations.store)
        name = identity.ask_for_name() if annotations.writable else None
        if name:
            to_annotate = ReviewToAnnotate.seen_in(run, review, data.dataset_of(run))
            if annotation_form(annotations.store, to_annotate, Annotator(name, identity.annotator_display_name())):
                st.session_state[CURRENT_KEY] = next_review_id(matching, str(review[contract.REVIEW_ID]))
                st.toast("Saved.")
                st.rerun()

if label_tab.open:
    with label_tab:
        label_errors_panel(run)

with team_tab:
    agreement_panel(annotations.current)
    if annotations.writable:
        exports_panel(annotations.store, run)
