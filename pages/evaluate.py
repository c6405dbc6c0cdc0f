"""Evaluate a file: upload feedback, confirm what its columns and values mean, pick a model, score and log it."""

import streamlit as st

from lib.errors import UserFacingError
from lib.scoring import evaluation, uploads
from lib.wording import narrative
from lib.wording import upload_narrative as words
from ui import auth, data, navigation, sidebar
from ui import evaluate as ev
from ui.components import show_user_error

PREVIEW_ROWS = 8

sidebar.selected()  # not needed here, but asking also repairs a direct link to this page
navigation.require_page(__file__)  # viewers never get this page; a link cannot open it either

st.title("Evaluate a file of feedback")
st.caption("Upload reviews exported from any system, confirm what each column means, pick a model, and get its figures as a new run.")

upload = st.file_uploader(
    f"A .csv, .tsv, .txt or Excel .xlsx file, up to {uploads.MAX_UPLOAD_MB} MB",
    type=list(uploads.UPLOAD_TYPES),
    key="evaluate_file",
)
if upload is None:
    st.info(
        "One row per review, with a header row. The app needs a column with the review text; "
        "a column with the true sentiment (words, -1/0/1, 0/1 or 1–5 stars) gives you the model's accuracy, "
        "and a column such as source or product gives the figures per group. Nothing is saved until you press Evaluate.",
        icon=":material/info:",
    )
    st.stop()

try:
    table = ev.uploaded_table(upload)
except UserFacingError as error:
    show_user_error(error)
    st.stop()
key = ev.file_key(upload, table)
st.caption(words.upload_summary(table))
st.dataframe(table.frame.head(PREVIEW_ROWS), hide_index=True, width="stretch")

st.subheader("What is in each column?")
columns = ev.column_pickers(table, key)
duplicates_key = f"drop_duplicates_{key}"
try:
    mapping = {}
    if columns.label is not None:
        st.subheader("What does each sentiment value mean?")
        st.caption(
            "The app proposes a sentiment for each value it recognises; click a cell under “Counts as” to change it. Reviews whose value counts as None are left out."
        )
        mapping = ev.label_mapping(table, columns.label, key)
    ready = ev.prepared(table, key, columns, mapping, st.session_state.get(duplicates_key, False))
except UserFacingError as error:
    show_user_error(error)
    st.stop()
st.markdown("\n".join(f"- {sentence}" for sentence in words.drop_sentences(ready.report)))
if ready.report.duplicates:
    st.checkbox("Leave out repeated reviews", key=duplicates_key)

st.subheader("Which model, and where to save the result?")
model_column, experiment_column = st.columns(2)
try:
    with model_column:
        model = ev.model_picker()
    if model is None:
        st.stop()
    with experiment_column:
        experiment = ev.experiment_picker(model)
    existing = evaluation.existing_evaluation(data.store(), ready.dataset_hash, model.version_uri)
    existing = existing if existing is None or auth.run_visible(existing) else None  # never show another client's run
except UserFacingError as error:
    show_user_error(error)
    st.stop()

if existing is None:
    if st.button(
        f"Evaluate {narrative.reviews(len(ready.reviews))}", type="primary", disabled=not experiment, icon=":material/play_arrow:"
    ):
        try:
            run_id = ev.evaluate(table, ready, columns, mapping, model, experiment)
        except UserFacingError as error:
            show_user_error(error)
            st.stop()
        st.session_state[ev.JUST_LOGGED_KEY] = run_id
        data.refresh_lists()
        st.rerun()
    st.stop()

st.subheader("Result")
ev.show_result(existing, table.file_name)
