"""Evaluate a file: upload feedback, confirm what its columns and values mean, pick a model, score and log it."""

import streamlit as st

from lib.errors import UserFacingError
from lib.scoring import uploads
from lib.wording import upload_narrative as words
from lib.wording.markdown import escape_markdown
from ui import data, navigation, sidebar
from ui import evaluate as ev
from ui.components import show_user_error
from ui.model_comparison import show_comparison

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
        "One row per review, with or without a header row; a file with just one column of reviews will do. "
        "The app needs a column with the review text; "
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

st.subheader("Which models, and where to save the result?")
model_column, experiment_column = st.columns(2)
try:
    with model_column:
        models = ev.model_picker()
    if not models:
        st.info(words.PICK_A_MODEL)
        st.stop()
    with experiment_column:
        experiment = ev.experiment_picker(models[0])
    existing = ev.existing_runs(ready.dataset_hash, models)
except UserFacingError as error:
    show_user_error(error)
    st.stop()

missing = [model for model, run in zip(models, existing, strict=True) if run is None]
if missing:
    if len(missing) < len(models):
        st.caption(words.already_evaluated_note(len(models) - len(missing), len(missing)))
    if st.button(
        words.evaluate_button(len(ready.reviews), len(missing)), type="primary", disabled=not experiment, icon=":material/play_arrow:"
    ):
        try:
            run_ids = ev.evaluate(table, ready, columns, mapping, missing, experiment)
        except UserFacingError as error:
            show_user_error(error)
            st.stop()
        st.session_state[ev.JUST_LOGGED_KEY] = run_ids
        data.refresh_lists()
        st.rerun()
    st.stop()

st.subheader("Result")
if len(existing) == 1:
    ev.show_result(existing[0], table.file_name)
    st.stop()
names = [words.model_short_name(model) for model in models]
show_comparison(existing, names)
for tab, run in zip(st.tabs([escape_markdown(name) for name in names]), existing, strict=True):
    with tab:
        ev.show_result(run, table.file_name)
