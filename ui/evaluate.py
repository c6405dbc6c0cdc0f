"""Streamlit glue of the Evaluate page: cached reading and loading, the pickers, scoring, the result."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from lib.errors import UserFacingError
from lib.outputs import charts, downloads
from lib.quality.metrics import SENTIMENT_LABELS
from lib.quality.two_class import two_class_summary
from lib.scoring import evaluation, several_models, uploads
from lib.scoring.several_models import ModelToEvaluate
from lib.scoring.uploads import ColumnGuess, DropReport, UploadedTable
from lib.stores import contract
from lib.stores.tracking import LoadedModel, ModelChoice, RunSummary
from lib.wording import app_narrative, overview_narrative
from lib.wording import upload_narrative as words
from ui import auth, data, estimates, sidebar

JUST_LOGGED_KEY = "evaluate_just_logged"
_CACHE_TTL_S = 3600
# Uploaded tables are kept across reruns (not re-read on every click) but bounded: a file
# may be 200 MB, and these caches are shared by every session of the server.
_FILES_KEPT = 2
# The "new experiment" choice; a string, since widget values are deep-copied (no identity sentinel).
NEW_EXPERIMENT = "New experiment…"


@dataclass(frozen=True)
class Prepared:
    """Reviews ready to score, what was left out of the file, and their content hash."""

    reviews: pd.DataFrame
    report: DropReport
    dataset_hash: str


# ---- the file -------------------------------------------------------------------------


@st.cache_resource(max_entries=4, ttl=_CACHE_TTL_S, show_spinner=False)
def _workbook(file_id: str, _upload: UploadedFile) -> uploads.Workbook | None:
    return uploads.workbook(_upload.getvalue())


@st.cache_resource(max_entries=_FILES_KEPT, ttl=_CACHE_TTL_S, show_spinner="Reading the file…")
def _table(file_id: str, sheet: str | None, max_rows: int, first_row_is_review: bool | None, _upload: UploadedFile) -> UploadedTable:
    return uploads.read_upload(_upload.name, _upload.getvalue(), sheet, max_rows=max_rows, first_row_is_review=first_row_is_review)


def uploaded_table(upload: UploadedFile) -> UploadedTable:
    """The uploaded file as a table; for a workbook with several sheets the user picks the sheet.

    Whether the first row is a review (the file has no header row) is the app's guess,
    shown as a checkbox the user can change.
    """
    uploads.check_upload(upload.name, upload.size)
    book = _workbook(upload.file_id, upload)
    sheet = None
    if book is not None and len(book.sheets) > 1:
        sheet = st.selectbox(
            "Sheet",
            book.sheets,
            index=book.sheets.index(book.default),
            key=f"sheet_{upload.file_id}",
            help="The workbook has several sheets.",
        )
    max_rows = data.settings().max_upload_rows
    try:
        guessed: UploadedTable | None = _table(upload.file_id, sheet, max_rows, None, upload)
    except UserFacingError:
        guessed = None  # read again below as the user says, which shows the error when it remains
    first_row_is_review = st.checkbox(
        words.FIRST_ROW_IS_REVIEW,
        value=guessed is not None and guessed.first_row_is_review,
        key=f"first_row_is_review_{upload.file_id}_{sheet or ''}",
        help=words.FIRST_ROW_IS_REVIEW_HELP,
    )
    if guessed is not None and guessed.first_row_is_review == first_row_is_review:
        return guessed
    return _table(upload.file_id, sheet, max_rows, first_row_is_review, upload)


def file_key(upload: UploadedFile, table: UploadedTable) -> str:
    """Widget-key suffix for one file (sheet and header choice): a new upload starts from fresh guesses."""
    return f"{upload.file_id}_{table.sheet or ''}_{'headerless' if table.first_row_is_review else 'header'}"


@st.cache_resource(max_entries=4, ttl=_CACHE_TTL_S, show_spinner=False)
def _guess(key: str, _table: UploadedTable) -> ColumnGuess:
    return uploads.guess_columns(_table.frame)


def column_pickers(table: UploadedTable, key: str) -> ColumnGuess:
    """The user's choice of text, true-sentiment and category columns, starting from the app's guesses."""
    guess = _guess(key, table)
    columns = list(table.frame.columns)
    optional = [None, *columns]

    def shown(column: str | None) -> str:
        return "— none —" if column is None else column

    left, middle, right = st.columns(3)
    text = left.selectbox(
        "Review text",
        columns,
        index=columns.index(guess.text) if guess.text else None,
        placeholder="Pick the column with the reviews",
        key=f"text_column_{key}",
        help="The column holding the written reviews the model will read.",
    )
    label = middle.selectbox(
        "True sentiment (if known)",
        optional,
        index=optional.index(guess.label),
        format_func=shown,
        key=f"label_column_{key}",
        help="A column saying what each review truly is: words, -1/0/1, 0/1 or 1–5 stars. Without it you get the model's verdicts only.",
    )
    category = right.selectbox(
        "Category (if any)",
        optional,
        index=optional.index(guess.category),
        format_func=shown,
        key=f"category_column_{key}",
        help="A column grouping the reviews (source, product, channel) to see the results per group.",
    )
    return ColumnGuess(text, label, category)


def label_mapping(table: UploadedTable, column: str, key: str) -> dict[str, str | None]:
    """The user's sentiment for each value of the label column, starting from the app's proposal."""
    counts = uploads.label_value_counts(table.frame, column)
    if counts.empty:
        st.info(words.empty_label_column(column), icon=":material/info:")
        return {}
    proposal = uploads.propose_label_mapping(counts.index)
    if uploads.uses_star_ratings(proposal):
        st.caption(words.STAR_RATINGS_NOTE)
    editor = pd.DataFrame(
        {"Value in the file": counts.index.astype(str), "Reviews": counts.to_numpy(), "Counts as": [proposal[v] for v in counts.index]}
    )
    edited = st.data_editor(
        editor,
        column_config={
            "Value in the file": st.column_config.TextColumn(disabled=True),
            "Reviews": st.column_config.NumberColumn(disabled=True, format="localized"),
            "Counts as": st.column_config.SelectboxColumn(
                options=list(SENTIMENT_LABELS), required=False, help="Leave empty to leave these reviews out."
            ),
        },
        hide_index=True,
        num_rows="fixed",
        key=f"label_mapping_{key}_{column}",
    )
    return {
        value: (label if label in SENTIMENT_LABELS else None)
        for value, label in zip(edited["Value in the file"], edited["Counts as"], strict=True)
    }


@st.cache_resource(max_entries=_FILES_KEPT, ttl=_CACHE_TTL_S, show_spinner="Checking the reviews…")
def _prepared(key: str, columns: tuple, mapping: tuple, drop_duplicates: bool, _table: UploadedTable) -> Prepared:
    reviews, report = uploads.apply_mapping(_table.frame, ColumnGuess(*columns), dict(mapping), drop_duplicates=drop_duplicates)
    return Prepared(reviews, report, evaluation.evaluation_dataset_hash(reviews))


def prepared(table: UploadedTable, key: str, columns: ColumnGuess, mapping: dict[str, str | None], drop_duplicates: bool) -> Prepared:
    """The reviews to score (cached per file, columns, mapping and duplicate choice)."""
    return _prepared(key, (columns.text, columns.label, columns.category), tuple(sorted(mapping.items())), drop_duplicates, table)


# ---- the model and where the result goes ----------------------------------------------


@st.cache_data(ttl=data.LIST_TTL_S, show_spinner=False)
def _model_choices(tracking_uri: str) -> list[ModelChoice]:
    return data.tracking_store(tracking_uri).model_choices()


def model_picker() -> list[ModelChoice]:
    """The models the user ticks (from the registry and runs, or typed as URIs); the first is the one to beat.

    Two entries naming the same exact version (an alias and its version) count once.
    """
    choices = auth.visible_models(_model_choices(data.settings().tracking_uri))
    champion = [c for c in choices if c.alias == "champion"][:1] or choices[:1]
    picked = st.multiselect(
        "Models",
        choices,
        default=champion,
        format_func=lambda c: c if isinstance(c, str) else words.model_short_name(c),
        accept_new_options=True,
        placeholder="Pick a model, or type its URI",
        key="evaluate_models",
        help=words.MODELS_HELP,
    )
    models: dict[str, ModelChoice] = {}
    for entry in picked:
        if isinstance(entry, str):
            if auth.allowed("admin"):
                st.warning(words.ADMIN_TYPED_MODEL_WARNING, icon=":material/warning:")
            entry = auth.typed_model(entry)
        models.setdefault(entry.version_uri, entry)
    if models:
        st.caption(words.ticked_models_caption(list(models.values())))
    return list(models.values())


def experiment_picker(model: ModelChoice) -> str | None:
    """Name of the experiment to save the result in: the model's own by default, or a new one."""
    experiments = auth.visible_experiments(data.experiments(data.settings().tracking_uri), "upload")
    # Only admins create experiments: a new one would be invisible to a client's annotator.
    options = [*(e.name for e in experiments), *([NEW_EXPERIMENT] if auth.allowed("admin") else [])]
    if not options:
        st.info(app_narrative.NOTHING_SHARED)
        return None
    own = next((e.name for e in experiments if e.experiment_id == model.experiment_id), options[0])
    choice = st.selectbox(
        "Save the result in the experiment",
        options,
        index=options.index(own),
        key=f"evaluate_experiment_{model.version_uri}",
        help="By default the experiment the model was logged in.",
    )
    if choice != NEW_EXPERIMENT:
        return choice
    name = st.text_input(
        "Name of the new experiment", placeholder="For example: Customer feedback, November", key="evaluate_new_experiment"
    )
    return name.strip() or None


# ---- scoring --------------------------------------------------------------------------


@st.cache_resource(max_entries=4, show_spinner="Loading the model…")
def _loaded_model(tracking_uri: str, model_uri: str) -> LoadedModel:
    """A model loaded once per process (keyed by its exact version, which never changes)."""
    return data.tracking_store(tracking_uri).load_scoring_model(model_uri)


def existing_runs(dataset_hash: str, models: list[ModelChoice]) -> list[RunSummary | None]:
    """Per model, its earlier evaluation of exactly these reviews that the user may see, else None."""
    store = data.store()
    found = [evaluation.existing_evaluation(store, dataset_hash, model.version_uri) for model in models]
    return [run if run is not None and auth.run_visible(run) else None for run in found]  # never another client's run


def evaluate(
    table: UploadedTable, ready: Prepared, columns: ColumnGuess, mapping: dict[str, str | None], models: list[ModelChoice], experiment: str
) -> list[str]:
    """Score the reviews with every model, a progress bar each, and log one run per model; returns their ids."""
    settings = data.settings()
    store = data.store()
    loaded = [_loaded_model(settings.tracking_uri, model.version_uri) for model in models]
    artifact_location = settings.artifact_root.as_uri() if settings.uses_embedded_store else None
    experiment_id = store.ensure_experiment(experiment, artifact_location=artifact_location)
    total = len(ready.reviews)
    names = [words.model_short_name(model) for model in models]
    bars = [st.progress(0.0, text=words.model_progress(name, words.scoring_progress(0, total, 0.0))) for name in names]

    def progress(position: int, done: int, n: int, seconds: float) -> None:
        bars[position].progress(done / n, text=words.model_progress(names[position], words.scoring_progress(done, n, seconds)))

    if contract.TRUE_LABEL not in ready.reviews:
        columns = ColumnGuess(columns.text, None, columns.category)  # an empty sentiment column is no sentiment column
    params, tags = evaluation.upload_run_details(table, ready.report, columns, mapping)
    when = datetime.now()
    several = len(models) > 1
    run_ids = several_models.evaluate_with_models(
        store,
        [
            ModelToEvaluate(model, words.evaluation_run_name(table.file_name, when, name if several else ""), choice.description)
            for model, choice, name in zip(loaded, models, names, strict=True)
        ],
        ready.reviews,
        experiment_id=experiment_id,
        dataset_name=table.file_name,
        params=params,
        tags=tags,
        on_progress=progress,
        dataset_hash=ready.dataset_hash,
    )
    for bar in bars:
        bar.empty()
    if not columns.label:  # no true labels: estimate each run's quality from its model's confidence and log it with the run
        for run_id, model in zip(run_ids, loaded, strict=True):
            estimates.estimate_after_upload(store.run(run_id), model.model)
    return run_ids


# ---- the result -----------------------------------------------------------------------


def _experiment_name(experiment_id: str) -> str:
    found = [e.name for e in data.experiments(data.settings().tracking_uri) if e.experiment_id == experiment_id]
    return found[0] if found else experiment_id


def show_result(run: RunSummary, file_name: str) -> None:
    """The run's headline (or the predicted sentiments without true labels), a download and a way to Overview."""
    just_logged = run.run_id in st.session_state.get(JUST_LOGGED_KEY, ())
    note = words.result_note(run, _experiment_name(run.experiment_id), just_logged)
    (st.success if just_logged else st.info)(note, icon=":material/check_circle:" if just_logged else ":material/history:")
    report = data.report(run)
    if report is not None and report.n:
        for sentence in overview_narrative.headline(report):
            st.markdown(f"#### {sentence}")
        predictions = data.predictions(run)
        two_class = (
            None if predictions is None else two_class_summary(predictions[contract.TRUE_LABEL], predictions[contract.PREDICTED_LABEL])
        )
        if two_class is not None:
            st.info(" ".join(words.two_class_sentences(two_class)), icon=":material/info:")
        chart_column, words_column = st.columns([3, 2])
        chart_column.altair_chart(charts.confusion_chart(report), width="stretch")
        with words_column:
            for sentence in overview_narrative.confusion_sentences(report):
                st.markdown(f"- {sentence}")
    else:
        predictions = data.predictions(run)
        if predictions is None:
            st.warning("The run has no predictions file, so its result cannot be shown.")
            return
        distribution = evaluation.prediction_distribution(predictions)
        st.markdown(f"#### {words.distribution_sentence(distribution)}")
        st.caption("Without a true sentiment in the file, this is what the model says, for all reviews and per category.")
        st.altair_chart(charts.distribution_chart(distribution), width="stretch")
    download_column, open_column = st.columns(2)
    download_column.download_button(
        "Download the predictions (CSV)",
        data=lambda: downloads.safe_csv(data.predictions(run)),
        file_name=f"{Path(file_name).stem} predictions.csv",
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
        help="One row per review with the model's verdict; safe to open in Excel.",
        key=f"download_{run.run_id}",
    )
    if open_column.button(
        "Open in Overview", type="primary", icon=":material/insights:", key=f"open_{run.run_id}", on_click=sidebar.show_run, args=(run,)
    ):
        st.switch_page("pages/overview.py", query_params={"experiment": run.experiment_id, "run": run.run_id})
