"""Page tests of the Mistakes page: browsing, explanation, annotating, stale edits, corrected labels."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.stores.annotations import AnnotationStore, review_fingerprint
from lib.stores.tracking import TrackingStore
from tests.helpers import by_label, numbers, open_page, page_text, start_annotating


@pytest.fixture
def annotations_url(app_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh annotation database for each test."""
    url = f"sqlite:///{tmp_path / 'annotations.db'}"
    monkeypatch.setenv("SENTIMENT_REVIEW_ANNOTATIONS_DB_URL", url)
    return url


def open_mistakes() -> AppTest:
    return open_page("pages/mistakes.py")


def test_lists_mistakes_confidently_wrong_first_with_explanation(annotations_url: str) -> None:
    at = open_mistakes()
    assert not at.exception
    table = at.dataframe[0].value
    wrong, total = numbers(r"got ([\d,]+) of ([\d,]+) reviews wrong", page_text(at))
    assert 0 < wrong < total
    assert numbers(r"([\d,]+) of ([\d,]+) mistakes match", page_text(at)) == (wrong, wrong)
    assert len(table) == min(wrong, 25)  # one page
    confidence = table["Confidence"].tolist()
    assert confidence == sorted(confidence, reverse=True)
    assert (table["Truly"] != table["Model said"]).all()
    highlighted = [h.value for h in at.html if "<span style=" in str(h.value)]
    assert highlighted, "the review text should be shown with highlighted words"


def test_name_is_asked_once_and_never_blank(annotations_url: str) -> None:
    at = open_mistakes()
    at = by_label(at.button, "Start annotating").click().run()
    assert any("never saved anonymously" in e.value for e in at.error)
    at = start_annotating(at, "Alice")
    assert any("as Alice" in str(m.value) for m in at.markdown)


def test_saving_a_verdict_appends_history_and_moves_to_the_next_review(annotations_url: str) -> None:
    at = start_annotating(open_mistakes(), "Alice")
    first_review = at.session_state["mistakes_current_review"]
    at = by_label(at.radio, "Verdict").set_value("label_wrong").run()
    corrected = by_label(at.selectbox, "Corrected label (optional)").options[0]
    by_label(at.selectbox, "Corrected label (optional)").set_value(corrected)
    by_label(at.text_area, "Note (optional)").input("Raters were split; reads neutral to me. <b>not bold</b>")
    at = by_label(at.button, "Save and go to the next review").click().run()
    assert not at.exception
    run = at.session_state["selection"].run
    current = AnnotationStore(annotations_url).current(run.experiment_id)
    assert len(current) == 1
    row = current.iloc[0]
    assert (row["annotator"], row["verdict"], row["corrected_label"]) == ("Alice", "label_wrong", corrected)
    assert row["note"].endswith("<b>not bold</b>")
    assert row["review_id"] == first_review
    assert at.session_state["mistakes_current_review"] != first_review


def test_corrected_label_is_offered_only_with_the_label_wrong_verdict(annotations_url: str) -> None:
    at = start_annotating(open_mistakes(), "Alice")
    assert by_label(at.radio, "Verdict").value == "model_wrong"
    assert not [s for s in at.selectbox if s.label.startswith("Corrected label")]
    at = by_label(at.radio, "Verdict").set_value("label_wrong").run()
    truly = next(str(m.value) for m in at.markdown if str(m.value).startswith("**Truly"))
    given = truly.removeprefix("**Truly ").split(";")[0]
    options = by_label(at.selectbox, "Corrected label (optional)").options
    assert len(options) == 2 and given not in options
    at = by_label(at.radio, "Verdict").set_value("ambiguous").run()
    assert not [s for s in at.selectbox if s.label.startswith("Corrected label")]


def test_stale_edit_is_rejected_with_the_other_persons_change(annotations_url: str, demo_store: TrackingStore) -> None:
    at = start_annotating(open_mistakes(), "Alice")
    store = AnnotationStore(annotations_url)
    review_id = at.session_state["mistakes_current_review"]
    run = at.session_state["selection"].run
    predictions = demo_store.predictions(run.run_id)
    text = predictions.loc[predictions["review_id"] == review_id, "text"].iloc[0]
    review_key = review_fingerprint(text, run.experiment_id)
    store.record(
        experiment_id=run.experiment_id,
        review_key=review_key,
        dataset="VADER human-rated reviews, test split",
        review_id=review_id,
        run_id="x",
        model_uri="",
        annotator="Bob",
        verdict="model_wrong",
        corrected_label=None,
        expected_version=0,
    )
    by_label(at.radio, "Verdict").set_value("ambiguous")
    at = by_label(at.button, "Save and go to the next review").click().run()
    assert not at.exception
    assert any("Bob changed this review" in e.value and "nothing was overwritten" in e.value for e in at.error)
    history = store.history(run.experiment_id, review_key)
    assert [h.annotator for h in history] == ["Bob"]
    assert at.session_state["mistakes_current_review"] == review_id  # still on the same review


def test_corrected_labels_switch_recomputes_overview(annotations_url: str) -> None:
    at = start_annotating(open_mistakes(), "Alice")
    for _ in range(2):
        truly = next(str(m.value) for m in at.markdown if str(m.value).startswith("**Truly"))
        said = truly.split("the model said ")[1].rstrip(".*")
        at = by_label(at.radio, "Verdict").set_value("label_wrong").run()
        by_label(at.selectbox, "Corrected label (optional)").set_value(said)
        at = by_label(at.button, "Save and go to the next review").click().run()
    at = at.switch_page("pages/overview.py").run()
    toggle = next(t for t in at.toggle if t.label.startswith("Use corrected labels"))
    assert "2 reviews corrected" in toggle.label
    at = toggle.set_value(True).run()
    table = next(d.value for d in at.dataframe if "With the given labels" in d.value.columns)
    accuracy = table[table["Measure"] == "Labelled correctly"].iloc[0]
    assert accuracy["Change"].startswith("+")  # two mistakes became right answers


def test_the_disagreement_filter_and_the_agreement_table_list_the_same_reviews(annotations_url: str, demo_store: TrackingStore) -> None:
    at = open_mistakes()
    run = at.session_state["selection"].run
    predictions = demo_store.predictions(run.run_id)
    review_id = at.session_state["mistakes_current_review"]
    row = predictions[predictions["review_id"] == review_id].iloc[0]
    other_label = next(label for label in ("negative", "neutral", "positive") if label != row["true_label"])
    store = AnnotationStore(annotations_url)
    review_key = review_fingerprint(row["text"], run.experiment_id)
    # Both say the given label is wrong; only Alice says which label is right. They differ.
    for annotator, label in (("Alice", other_label), ("Bob", None)):
        store.record(
            experiment_id=run.experiment_id,
            review_key=review_key,
            dataset="demo",
            review_id=review_id,
            run_id=run.run_id,
            model_uri="",
            annotator=annotator,
            verdict="label_wrong",
            corrected_label=label,
            expected_version=store.review_version(run.experiment_id, review_key),
        )
    at = open_mistakes()
    at = by_label(at.selectbox, "Annotation status").set_value("annotators disagree").run()
    assert not at.exception
    matched, _ = numbers(r"([\d,]+) of ([\d,]+) mistakes match", page_text(at))
    listed = next(d.value for d in at.dataframe if "corrected_labels" in d.value.columns)
    assert matched == len(listed) == 1
    assert at.dataframe[0].value["Review"].tolist() == [str(row["text"])[:160]]
    assert listed["review_id"].tolist() == [review_id]
