"""Check the figures: the team labels a small fair sample of an unlabelled run's reviews; the app combines it with the estimate."""

import streamlit as st

from lib.quality import estimates
from lib.quality.review_queue import REVIEW_KEY
from lib.stores import contract
from lib.wording import checks as wording
from ui import checks, data, identity, navigation, sidebar
from ui.annotation_form import Annotator, ReviewToAnnotate, annotation_form, annotation_history
from ui.components import loaded_or_stop, stop_unless_finished
from ui.mistakes.annotations import experiment_annotations

selection = sidebar.selected_or_stop()
navigation.require_page(__file__, selection.experiment)
run = selection.run
st.title("Check the figures on a few reviews")
stop_unless_finished(run)
frame = loaded_or_stop(lambda: data.predictions(run))
if frame is None or contract.PREDICTED_LABEL not in frame:
    st.info("This run has no predictions file, so there are no reviews to check.")
    st.stop()
if estimates.has_true_labels(frame):
    checks.where_to_check(selection.experiment)
    st.stop()
st.caption(wording.CHECK_EXPLANATION)

size = checks.planned_size(run)
if size is None:
    checks.propose_form(run, int(frame[contract.PREDICTED_LABEL].notna().sum()))
    st.stop()

annotations = experiment_annotations(run.experiment_id)
consensus = annotations.store.consensus_labels(run.experiment_id) if annotations.store is not None else None
sample = checks.sample_with_labels(run, frame, size, consensus if consensus is not None else {})
guess = checks.right_probability(run, frame)
result = checks.figures(frame, sample, guess)

checked = int(sample[checks.CHECKED_LABEL].notna().sum())
st.progress(checked / len(sample))
st.caption(wording.check_progress(checked, len(sample)))
if result is not None:
    st.markdown(f"#### {wording.checked_headline(result.best, result.n_reviews, result.combined is not None)}")
    st.markdown(wording.sample_only_sentence(result))
    if note := wording.why_no_combined(result, guess is not None):
        st.caption(note)
    elif guess is not None:
        st.caption(wording.confidence_source(guess.reference_name))
    if annotations.writable:
        checks.log_if_new(run, result)

to_check = sample[sample[checks.CHECKED_LABEL].isna()]
if to_check.empty:
    st.success("Every review of the sample is checked. Thank you!")
else:
    review = to_check.iloc[0]
    st.divider()
    st.markdown(f"**Review {checked + 1} of {len(sample)}:** what is its true sentiment?")
    st.text(str(review[contract.TEXT]))
    if annotations.store is not None:
        annotation_history(annotations.store, run.experiment_id, str(review[REVIEW_KEY]))
    name = identity.ask_for_name() if annotations.writable else None
    if name:
        to_annotate = ReviewToAnnotate.seen_in(run, review, data.dataset_of(run))
        saved = annotation_form(
            annotations.store,
            to_annotate,
            Annotator(name, identity.annotator_display_name()),
            verdicts=("label_wrong",),
            label_required=True,
            submit_label="Save and show the next review",
            key="check",
            tags=(wording.CHECK_TAG,),
        )
        if saved:
            st.toast("Saved.")
            st.rerun()

with st.expander(f"The sample ({len(sample)} reviews)"):
    done = sample[checks.CHECKED_LABEL].notna()
    # The model's answer only once the team has given theirs, so nobody is swayed by it.
    st.dataframe(
        {
            "Review": sample[contract.TEXT].astype(str).str.slice(0, 200),
            "Your team says": sample[checks.CHECKED_LABEL].where(done, ""),
            "The model said": sample[contract.PREDICTED_LABEL].where(done, ""),
        },
        hide_index=True,
        width="stretch",
    )
