"""Errors: browse the model's mistakes, see why it decided, and record verdicts."""

import altair as alt
import pandas as pd
import streamlit as st

from lib.errors import UserFacingError
from lib.quality.explain import coverage_sentence, highlighted_html, top_words
from lib.quality.metrics import SENTIMENT_LABELS
from lib.quality.review_queue import CONFIDENCE, REVIEW_KEY, STATUSES, ReviewFilter, filter_reviews, next_review_id, page_count, page_of
from lib.stores import contract
from lib.stores.annotations import VERDICTS, StaleEditError, annotator_label
from lib.wording import narrative
from lib.wording.markdown import escape_markdown
from ui import auth, data, identity, presentation, sidebar
from ui.annotating import agreement_panel, exports_panel
from ui.components import loaded_or_stop, show_user_error, stop_unless_finished
from ui.weak_spots import only_weak_spot

PAGE_SIZE = 25
CURRENT_KEY = "errors_current_review"

selection = sidebar.selected()
if selection is None:
    st.stop()
auth.require("annotate", selection.experiment)  # viewers never get this page; a link cannot open it either
run = selection.run
st.title("Mistakes to review")
stop_unless_finished(run)
table = loaded_or_stop(lambda: data.errors(run))
report = loaded_or_stop(lambda: data.report(run))
if table is None or report is None:
    st.info("This run has no predictions file with true labels, so its mistakes cannot be listed.")
    st.stop()
st.markdown(f"##### {narrative.errors_headline(len(table), report.n)}")

# Annotations are read and written in the selected run's experiment only (which the user may see).
experiment_id = run.experiment_id
store, store_problem = None, None
try:
    store = data.annotation_store()
    current = store.current(experiment_id)
except UserFacingError as error:
    store_problem, current = error, pd.DataFrame(columns=["review_key", "annotator", "verdict", "corrected_label"])
if store_problem is None and not store.is_writable():
    store_problem = UserFacingError(
        "Annotations cannot be saved right now: the annotation database is read-only or unreachable.", "Ask an administrator to check it."
    )
if store_problem is not None:
    st.warning(
        f"{escape_markdown(store_problem.message)} The reviews can still be browsed; annotating is paused. {escape_markdown(store_problem.hint)}"
    )
me = identity.annotator()

queue_tab, label_tab, team_tab = st.tabs(["Misclassified reviews", "Likely label errors", "Annotators and export"])

with queue_tab:
    with st.expander("Filters", expanded=False):
        left, middle, right = st.columns(3)
        categories = sorted(table[contract.CATEGORY].astype("string").fillna("(none)").unique()) if contract.CATEGORY in table else []
        chosen_categories = left.multiselect("Category", categories, key="errors_categories")
        true_labels = middle.multiselect("Truly", SENTIMENT_LABELS, key="errors_true")
        predicted_labels = right.multiselect("Model said", SENTIMENT_LABELS, key="errors_predicted")
        left, middle, right = st.columns(3)
        low, high = left.slider(
            "Model confidence",
            0.0,
            1.0,
            (0.0, 1.0),
            step=0.05,
            key="errors_confidence",
            help="How sure the model was of its (wrong) answer.",
        )
        status = middle.selectbox("Annotation status", STATUSES, key="errors_status")
        search = right.text_input("Text contains", key="errors_search")
    annotated = set(current[REVIEW_KEY]) if len(current) else set()
    mine = set(current.loc[current["annotator"] == me, REVIEW_KEY]) if me and len(current) else set()
    disagreed = set()
    if len(current):
        spread = current.groupby(REVIEW_KEY).agg(
            verdicts=("verdict", "nunique"), labels=("corrected_label", "nunique"), people=("annotator", "nunique")
        )
        disagreed = set(spread[(spread["people"] > 1) & ((spread["verdicts"] > 1) | (spread["labels"] > 1))].index)
    wanted = ReviewFilter(tuple(chosen_categories), tuple(true_labels), tuple(predicted_labels), low, high, search, status)
    filtered = only_weak_spot(run, filter_reviews(table, wanted, annotated=annotated, mine=mine, disagreed=disagreed))

    pages = page_count(len(filtered), PAGE_SIZE)
    current_id = st.session_state.get(CURRENT_KEY)
    ids = filtered[contract.REVIEW_ID].astype(str)
    if current_id in set(ids):
        st.session_state["errors_page"] = int(ids.tolist().index(current_id) // PAGE_SIZE) + 1
    page_column, count_column = st.columns([1, 3])
    page_number = page_column.number_input("Page", 1, pages, key="errors_page")
    count_column.caption(
        f"{narrative.count(len(filtered))} of {narrative.count(len(table))} mistakes match the filters · page {page_number} of {pages}"
    )
    shown = page_of(filtered, int(page_number), PAGE_SIZE)
    view = pd.DataFrame(
        {
            "Review": shown[contract.TEXT].astype(str).str.slice(0, 160),
            "Truly": shown[contract.TRUE_LABEL],
            "Model said": shown[contract.PREDICTED_LABEL],
            "Confidence": shown[CONFIDENCE],
            "Annotated": shown[REVIEW_KEY].isin(annotated).map({True: "yes", False: ""}),
        }
    )
    if contract.CATEGORY in shown:
        view.insert(1, "Category", shown[contract.CATEGORY])
    event = st.dataframe(
        view,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key=f"errors_table_{run.run_id}_{page_number}",
        column_config={"Confidence": st.column_config.ProgressColumn("Confidence", min_value=0.0, max_value=1.0, format="percent")},
    )
    # Selections are positions in the displayed page: turn them into a review id at once.
    picked = event.selection.rows if event is not None else []
    if picked:
        st.session_state[CURRENT_KEY] = str(shown.iloc[picked[0]][contract.REVIEW_ID])
    current_id = st.session_state.get(CURRENT_KEY)
    if current_id not in set(ids):
        current_id = ids.iloc[0] if len(ids) else None
        st.session_state[CURRENT_KEY] = current_id
    if current_id is None:
        st.info("No mistakes match these filters.")
        st.stop()

    review = filtered[ids == current_id].iloc[0]
    st.divider()
    text_column, side_column = st.columns([3, 2])
    with text_column:
        st.markdown(
            f"**Truly {escape_markdown(review[contract.TRUE_LABEL])}; the model said {escape_markdown(review[contract.PREDICTED_LABEL])}.**"
        )
        model = None
        if run.model_uri and not auth.model_visible(run.model_uri):  # never load a model from a project the user cannot see
            st.caption(narrative.EXPLANATION_UNAVAILABLE)
        elif run.model_uri:
            try:
                model = data.sklearn_model(data.settings().tracking_uri, run.model_uri)
            except UserFacingError as error:
                presentation.technical_caption(f"No explanation: {escape_markdown(error.message)}")  # names the model URI
        if model is not None:
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
        else:
            st.text(str(review[contract.TEXT]))
        spread = narrative.rater_spread_sentence(float(review.get("n_raters", float("nan"))), float(review.get("rating_sd", float("nan"))))
        if spread:
            st.caption(spread)
    with side_column:
        proba_columns = [contract.proba_column(label) for label in SENTIMENT_LABELS if contract.proba_column(label) in review.index]
        if proba_columns:
            bars = pd.DataFrame(
                {"Sentiment": list(SENTIMENT_LABELS[: len(proba_columns)]), "Probability": [float(review[c]) for c in proba_columns]}
            )
            chart = (
                alt.Chart(bars)
                .mark_bar()
                .encode(
                    x=alt.X("Probability:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
                    y=alt.Y("Sentiment:N", sort=list(SENTIMENT_LABELS), title=None),
                    color=alt.condition(
                        alt.datum.Sentiment == str(review[contract.PREDICTED_LABEL]), alt.value("#ea580c"), alt.value("#93c5fd")
                    ),
                    tooltip=["Sentiment", alt.Tooltip("Probability:Q", format=".1%")],
                )
                .properties(height=alt.Step(30), title="How sure the model was")
            )
            st.altair_chart(chart, width="stretch")
        try:
            history = store.history(experiment_id, str(review[REVIEW_KEY])) if store is not None else []
        except UserFacingError as error:
            history = []
            st.caption(f"Earlier annotations cannot be shown: {escape_markdown(error.message)}")
        for past in history[-5:]:
            label = f" → {escape_markdown(past.corrected_label)}" if past.corrected_label else ""
            st.caption(
                f"{escape_markdown(annotator_label(past.annotator, past.annotator_name))}, {past.created_at:%d %b %H:%M}: "
                f"{escape_markdown(narrative.ANNOTATION_VERDICTS.get(past.verdict, past.verdict))}{label}"
                + (f" — {escape_markdown(past.note[:200])}" if past.note else "")
            )

    if store is not None and store_problem is None:
        name = identity.ask_for_name()
        if name:
            key = str(review[REVIEW_KEY])
            opened_key = f"errors_opened_version_{key}"
            if opened_key not in st.session_state:
                st.session_state[opened_key] = store.review_version(experiment_id, key)
            with st.form(f"annotate_{key}", clear_on_submit=False):
                shown_as = annotator_label(name, identity.annotator_display_name())
                st.markdown(f"**Your verdict**, as {escape_markdown(shown_as)}")
                verdict = st.radio(
                    "Verdict", VERDICTS, format_func=narrative.ANNOTATION_VERDICTS.get, horizontal=True, label_visibility="collapsed"
                )
                left, right = st.columns([1, 2])
                corrected = left.selectbox(
                    "Corrected label (optional)", [None, *SENTIMENT_LABELS], format_func=lambda v: "— keep —" if v is None else v
                )
                tags = right.text_input("Tags (comma-separated, optional)")
                note = st.text_area("Note (optional)", height=80)
                saved = st.form_submit_button("Save and go to the next review", type="primary")
            if saved and corrected == review[contract.TRUE_LABEL]:
                st.error(f"The corrected label is the review's given label ({corrected}). Choose “— keep —” or another sentiment.")
            elif saved:
                try:
                    store.record(
                        experiment_id=experiment_id,
                        review_key=key,
                        dataset=data.dataset_of(run),
                        review_id=str(review[contract.REVIEW_ID]),
                        run_id=run.run_id,
                        model_uri=run.model_uri,
                        annotator=name,
                        annotator_name=identity.annotator_display_name(),
                        verdict=verdict,
                        corrected_label=corrected,
                        note=note,
                        tags=[t.strip() for t in tags.split(",") if t.strip()],
                        expected_version=st.session_state[opened_key],
                    )
                except StaleEditError as stale:
                    latest = stale.latest
                    st.session_state[opened_key] = latest.review_version
                    st.error(
                        narrative.stale_edit_message(
                            annotator_label(latest.annotator, latest.annotator_name),
                            latest.verdict,
                            latest.corrected_label,
                            f"{latest.created_at:%H:%M:%S}",
                        )
                    )
                except UserFacingError as error:
                    show_user_error(error)
                else:
                    del st.session_state[opened_key]
                    st.session_state[CURRENT_KEY] = next_review_id(filtered, current_id)
                    st.toast("Saved.")
                    st.rerun()

with label_tab:
    issues_table = data.label_errors(data.settings().tracking_uri, run.run_id)
    if issues_table is None:
        st.info("Finding likely label errors needs the model's probabilities per sentiment, which this run did not store.")
    else:
        st.markdown(
            f"Confident learning flags **{narrative.count(len(issues_table))} reviews** whose given label is probably wrong: "
            "the model is confidently and consistently sure of another sentiment. Start annotating here: it pays off most."
        )
        columns = {
            contract.TEXT: "Review",
            contract.TRUE_LABEL: "Given label",
            contract.PREDICTED_LABEL: "Model said",
            "label_quality": "Chance the given label is right",
        }
        shown_issues = issues_table[list(columns)].rename(columns=columns).head(500)
        st.dataframe(
            shown_issues,
            hide_index=True,
            width="stretch",
            column_config={
                "Chance the given label is right": st.column_config.ProgressColumn(min_value=0.0, max_value=1.0, format="percent")
            },
        )

with team_tab:
    agreement_panel(current)
    if store is not None and store_problem is None:
        exports_panel(store, run)
