"""Page tests of Evaluate: upload, confirm columns and sentiments, evaluate, see the result (AppTest).

Each test runs the app on its own copy of the seeded demo store (tests/private_store.py),
since evaluating logs runs and creates experiments.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.config import Settings
from lib.stores import contract
from lib.stores.demo import DEMO_EXPERIMENT
from lib.stores.tracking import LoadedModel, TrackingStore
from lib.wording import upload_narrative as words
from tests.helpers import by_label, numbers, open_page, page_text, unescaped
from tests.private_store import private_copy
from tests.test_scoring import BrokenModel

DATA = Path(__file__).resolve().parent / "data"
NEW_EXPERIMENT = "New experiment…"


@pytest.fixture
def store(demo_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TrackingStore:
    """The app pointed at a private copy of the demo store; returns that store."""
    private = private_copy(demo_settings, tmp_path / "store")
    monkeypatch.setenv("SENTIMENT_REVIEW_DATA_DIR", str(private.data_dir))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return TrackingStore(private.tracking_uri)


def open_evaluate() -> AppTest:
    return open_page("pages/evaluate.py")


def upload(at: AppTest, name: str, data: bytes | None = None) -> AppTest:
    at.file_uploader(key="evaluate_file").upload(name, (DATA / name).read_bytes() if data is None else data, "text/csv")
    return at.run()


def button_labels(at: AppTest) -> list[str]:
    return [b.label for b in at.main.button]


def all_runs(store: TrackingStore) -> list:
    return [run for experiment in store.experiments() for run in store.runs(experiment.experiment_id)]


def evaluate_into_new_experiment(at: AppTest, name: str = "Uploaded feedback") -> AppTest:
    by_label(at.selectbox, "Save the result in the experiment").set_value(NEW_EXPERIMENT).run()
    by_label(at.text_input, "Name of the new experiment").input(name).run()
    evaluate = next(b for b in at.main.button if b.label.startswith("Evaluate"))
    return evaluate.click().run()


def test_without_a_file_the_page_says_what_to_upload(store: TrackingStore) -> None:
    at = open_evaluate()
    assert not at.exception
    assert at.file_uploader(key="evaluate_file").allowed_type == [".csv", ".tsv", ".txt", ".xlsx"]
    assert "up to 200 MB" in at.file_uploader(key="evaluate_file").label
    assert "One row per review" in page_text(at) and "Nothing is saved" in page_text(at)


def test_upload_shows_preview_guesses_and_proposed_mapping_before_anything_is_scored(store: TrackingStore) -> None:
    runs_before = len(all_runs(store))
    at = upload(open_evaluate(), "utf8_bom_semicolon.csv")
    assert not at.exception
    text = page_text(at)
    assert numbers(r"(\d+) rows and (\d+) columns, read as UTF-8", text) == (12, 3)
    assert "byte-order mark" in text and "semicolons" in text
    assert list(at.dataframe[0].value.columns) == ["feedback", "label", "source"] and len(at.dataframe[0].value) == 8
    assert by_label(at.selectbox, "Review text").value == "feedback"
    assert by_label(at.selectbox, "True sentiment (if known)").value == "label"
    assert by_label(at.selectbox, "Category (if any)").value == "source"
    proposal = at.data_editor[0].value
    assert dict(zip(proposal["Value in the file"], proposal["Counts as"], strict=True)) == {
        "pos": "positive",
        "neg": "negative",
        "neu": "neutral",
    }
    assert list(proposal["Reviews"]) == [4, 4, 4]
    assert "All 12 reviews will be scored." in text
    [model] = at.multiselect(key="evaluate_models").value
    assert model.alias == "champion" and model.version_uri == "models:/sentiment-demo-classifier/1"
    assert by_label(at.selectbox, "Save the result in the experiment").value == DEMO_EXPERIMENT
    assert "Evaluate 12 reviews" in button_labels(at)
    assert len(all_runs(store)) == runs_before


def test_guesses_can_be_corrected(store: TrackingStore) -> None:
    at = upload(open_evaluate(), "star_ratings.csv")
    assert len(at.data_editor) == 1
    by_label(at.selectbox, "True sentiment (if known)").select_index(0).run()  # "— none —"
    assert len(at.data_editor) == 0
    by_label(at.selectbox, "Category (if any)").set_value("date").run()
    assert not at.exception and "Evaluate 12 reviews" in button_labels(at)
    by_label(at.selectbox, "Review text").set_value("rating").run()
    assert "“rating” holds numbers" in page_text(at)
    assert not any(label.startswith("Evaluate") for label in button_labels(at))


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("png_renamed.csv", "“png_renamed.csv” is a PNG image"),
        ("empty.csv", "“empty.csv” is empty."),
        ("header_only.csv", "but no rows of reviews"),
        ("zipped.csv", "“zipped.csv” is a ZIP archive"),
        ("mixed_encoding.csv", "mixes two text encodings"),
    ],
)
def test_bad_files_get_one_plain_error_log_nothing_and_leave_the_page_usable(store: TrackingStore, name: str, message: str) -> None:
    runs_before, experiments_before = len(all_runs(store)), len(store.experiments())
    at = upload(open_evaluate(), name)
    assert not at.exception
    assert len(at.error) == 1 and message in page_text(at)
    assert len(all_runs(store)) == runs_before and len(store.experiments()) == experiments_before
    at.file_uploader(key="evaluate_file").clear()
    at = upload(at, "utf8_comma.csv")
    assert not at.error and "Evaluate 12 reviews" in button_labels(at)


def test_markdown_in_a_file_name_is_shown_literally(store: TrackingStore) -> None:
    at = upload(open_evaluate(), "[click](http://evil.example).csv", (DATA / "png_renamed.csv").read_bytes())
    shown = at.error[0].value
    assert shown.startswith("“\\[click\\]\\(http\\:")
    assert "](http" not in shown


def test_unknown_labels_are_left_for_the_user_to_map(store: TrackingStore) -> None:
    moods = (DATA / "labels_french.csv").read_text().replace("positif", "content").replace("négatif", "fâché").replace("neutre", "mitigé")
    at = upload(open_evaluate(), "labels_moods.csv", moods.encode())
    assert "“sentiment” is matched to" in page_text(at)
    assert not any(label.startswith("Evaluate") for label in button_labels(at))
    editor = at.data_editor[0]
    assert list(editor.value["Counts as"]) == [None, None, None]
    at.session_state[editor.key] = {
        "edited_rows": {0: {"Counts as": "positive"}, 1: {"Counts as": "negative"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.error
    assert numbers(r"(\d+) rows with a sentiment value not matched.*?“mitigé” \((\d+)\)", page_text(at)) == (4, 4)
    assert "Evaluate 8 reviews" in button_labels(at)


def test_excel_workbook_offers_its_sheets(store: TrackingStore) -> None:
    at = upload(open_evaluate(), "two_sheets.xlsx")
    sheet = by_label(at.selectbox, "Sheet")
    assert sheet.options == ["About", "Reviews"] and sheet.value == "Reviews"
    assert numbers(r"(\d+) rows and (\d+) columns from the sheet “Reviews”", page_text(at)) == (12, 3)
    sheet.set_value("About").run()
    assert numbers(r"(\d+) row and (\d+) columns from the sheet “About”", page_text(at)) == (1, 2)


def test_evaluating_logs_a_run_shows_the_headline_and_then_offers_it_instead_of_a_duplicate(store: TrackingStore) -> None:
    at = evaluate_into_new_experiment(upload(open_evaluate(), "utf8_comma.csv"))
    assert not at.exception and not at.error
    text = page_text(at)
    assert numbers(r"Done: (\d+) reviews scored", text) == (12,) and "“utf8_comma.csv · " in text
    assert "“Uploaded feedback”" in text
    assert "The model labels" in text and "of reviews correctly (95% interval" in text
    assert [d.label for d in at.get("download_button")] == ["Download the predictions (CSV)"]
    experiment = store.experiment_by_name("Uploaded feedback")
    [run] = store.runs(experiment.experiment_id)
    assert run.is_finished and run.model_uri == "models:/sentiment-demo-classifier/1"
    assert json.loads(run.tags[contract.TAG_COLUMN_MAPPING]) == {"text": "Comment", "true_label": "Sentiment", "category": "Channel"}
    assert json.loads(run.params["label_mapping"]) == {"Negative": "negative", "Neutral": "neutral", "Positive": "positive"}
    assert run.params["source_file"] == "utf8_comma.csv" and run.params["encoding"] == "utf-8"

    again = upload(open_evaluate(), "utf8_comma.csv")  # a new session, same file, same model
    assert "already evaluated" in page_text(again)
    assert not any(label.startswith("Evaluate") for label in button_labels(again))
    assert "Open in Overview" in button_labels(again) and "The model labels" in page_text(again)
    assert len(store.runs(experiment.experiment_id)) == 1


def test_open_in_overview_shows_the_new_run(store: TrackingStore) -> None:
    at = evaluate_into_new_experiment(upload(open_evaluate(), "no_category.csv"), "Overview check")
    run = store.runs(store.experiment_by_name("Overview check").experiment_id)[0]
    by_label(at.main.button, "Open in Overview").click().run()
    assert not at.exception
    assert at.query_params["run"] == run.run_id
    assert at.sidebar.selectbox(key="experiment_picker").value.name == "Overview check"
    assert "based on 12 reviews" in page_text(at) and "How good is the model?" in [t.value for t in at.title]


def test_file_without_labels_shows_the_predicted_distribution(store: TrackingStore) -> None:
    at = evaluate_into_new_experiment(upload(open_evaluate(), "no_label.csv"), "Unlabelled feedback")
    assert not at.exception
    text = page_text(at)
    assert "Of the 12 reviews, the model calls " in text and "The model labels" not in text
    assert "Without a true sentiment" in text
    [chart] = at.get("vega_lite_chart")
    assert all(group in chart.proto.spec for group in ("All reviews", "Web shop", "Email", "App", "Store"))
    assert [d.label for d in at.get("download_button")] == ["Download the predictions (CSV)"]


class CrashingModel(BrokenModel):
    """Crashes on its first batch (a file of this size is scored in one batch)."""

    def predict_proba(self, frame):
        raise RuntimeError("model crashed")


def test_a_model_failing_mid_scoring_gives_a_plain_message_and_no_result(store: TrackingStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(TrackingStore, "load_scoring_model", lambda self, uri: LoadedModel(CrashingModel(), uri))
    at = evaluate_into_new_experiment(upload(open_evaluate(), "long_text.csv"), "Broken attempt")
    assert not at.exception and not at.success
    assert "(RuntimeError: model crashed)" in page_text(at)
    assert "The model labels" not in page_text(at)
    [run] = store.runs(store.experiment_by_name("Broken attempt").experiment_id)
    assert run.status == "FAILED" and run.tags[contract.TAG_FAILURE] == "RuntimeError: model crashed"
    assert "Evaluate 13 reviews" in button_labels(at)  # the page stays usable: the user can pick another model


def test_the_row_limit_setting_applies_to_uploads(store: TrackingStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTIMENT_REVIEW_MAX_UPLOAD_ROWS", "5")
    at = upload(open_evaluate(), "utf8_comma.csv")  # 12 rows
    assert not at.exception
    assert len(at.error) == 1
    assert numbers(r"“utf8_comma.csv” has more than (\d+) rows", page_text(at)) == (5,)
    assert "SENTIMENT_REVIEW_MAX_UPLOAD_ROWS" in page_text(at)


# ---- files people actually have ---------------------------------------------------------


def test_a_file_without_header_is_detected_and_the_user_can_say_otherwise(store: TrackingStore) -> None:
    at = upload(open_evaluate(), "one_column_no_header.csv")
    assert not at.exception and not at.error
    box = by_label(at.checkbox, "The first row is a review, not column names")
    assert box.value is True
    text = page_text(at)
    assert "12 rows and 1 column, read as UTF-8, one review per line." in text and "All 12 reviews will be scored." in text
    assert by_label(at.selectbox, "Review text").value == "Column 1"
    box.uncheck().run()
    assert not at.exception and "All 11 reviews will be scored." in page_text(at)
    assert by_label(at.selectbox, "Review text").value == "Arrived quickly and works exactly as described. Very happy!"


def test_an_empty_sentiment_column_gives_the_verdicts_without_accuracy(store: TrackingStore) -> None:
    at = upload(open_evaluate(), "empty_label_column.csv")
    by_label(at.selectbox, "True sentiment (if known)").set_value("sentiment").run()
    assert not at.exception and not at.error
    assert "The column “sentiment” is empty, so it gives no true sentiment" in page_text(at)
    at = evaluate_into_new_experiment(at, "Empty labels")
    assert not at.exception and not at.error
    assert "Of the 12 reviews, the model calls " in page_text(at)
    [run] = store.runs(store.experiment_by_name("Empty labels").experiment_id)
    assert "true_label" not in json.loads(run.tags[contract.TAG_COLUMN_MAPPING])


def test_blank_helpdesk_comments_are_counted_and_stars_are_explained(store: TrackingStore) -> None:
    at = upload(open_evaluate(), "helpdesk_whitespace.csv")
    assert "4 rows without review text (empty or only spaces) are left out." in page_text(at)
    at = upload(open_evaluate(), "emoji_stars.csv")
    assert "1 or 2 stars negative, 3 stars neutral, 4 or 5 stars positive" in page_text(at)
    assert set(at.data_editor[0].value["Counts as"]) == {"negative", "neutral", "positive"}


def test_a_two_class_file_says_how_often_the_model_answered_neutral(store: TrackingStore) -> None:
    at = evaluate_into_new_experiment(upload(open_evaluate(), "thumbs_two_class.csv"), "Thumbs")
    assert not at.exception and not at.error
    predictions = store.predictions(store.runs(store.experiment_by_name("Thumbs").experiment_id)[0].run_id)
    neutral = int((predictions[contract.PREDICTED_LABEL] == "neutral").sum())
    right = int((predictions[contract.PREDICTED_LABEL] == predictions[contract.TRUE_LABEL]).sum())
    text = page_text(at)
    if neutral:
        assert f"it called {neutral} of the 8 reviews" in text and "Over all 8 reviews it is right" in text
        assert f"Over the {8 - neutral} review" in text and f"{right / (8 - neutral):.0%}" in text
    else:
        assert "but called none of the 8 reviews neutral" in text


# ---- several models on one file ---------------------------------------------------------


def tick_two_models(at: AppTest, store: TrackingStore) -> tuple:
    choices = store.model_choices()
    champion = next(c for c in choices if c.alias == "champion")
    other = next(c for c in choices if c.version_uri != champion.version_uri and c.version_uri.startswith("models:/"))
    at.multiselect(key="evaluate_models").set_value([champion, other]).run()
    return champion, other


def test_two_models_score_one_file_into_two_linked_runs_and_are_compared_at_once(store: TrackingStore) -> None:
    at = upload(open_evaluate(), "utf8_comma.csv")
    champion, other = tick_two_models(at, store)
    assert "Evaluate 12 reviews with 2 models" in button_labels(at)
    at = evaluate_into_new_experiment(at, "Champion and challenger")
    assert not at.exception and not at.error
    runs = store.runs(store.experiment_by_name("Champion and challenger").experiment_id)
    assert {r.model_uri for r in runs} == {champion.version_uri, other.version_uri}
    assert len({r.dataset_hash for r in runs}) == 1 and runs[0].dataset_hash
    text = page_text(at)
    assert "Which model does better on this feedback?" in [s.value for s in at.subheader]
    assert "On this feedback, " in text and "of the same 12 reviews" in text and "95% interval" in text
    assert "right that **sentiment-demo-classifier @champion** gets wrong" in text
    tabs = [unescaped(t.label) for t in at.tabs][-2:]
    assert tabs == ["sentiment-demo-classifier @champion", words.model_short_name(other)]
    assert text.count("Done: 12 reviews scored and saved in MLflow") == 2


def test_two_models_on_unlabelled_feedback_show_where_they_differ(store: TrackingStore) -> None:
    at = upload(open_evaluate(), "no_label.csv")
    tick_two_models(at, store)
    at = evaluate_into_new_experiment(at, "Unlabelled pair")
    assert not at.exception and not at.error
    text = page_text(at)
    assert ("give a different sentiment to" in text) or ("give all 12 reviews the same sentiment" in text)
    assert "On this feedback, " not in text
    # both demo models have a labelled run to learn from, so each run carries an estimate and they are compared as estimates
    runs = store.runs(store.experiment_by_name("Unlabelled pair").experiment_id)
    assert all(contract.estimated_metric_name("accuracy") in r.metrics for r in runs)
    assert "**Estimated**: " in text and text.count("95% interval") >= 1
    assert ("The intervals overlap" in text) or ("The intervals do not overlap" in text)
