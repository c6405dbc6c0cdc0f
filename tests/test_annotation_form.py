"""ui/annotation_form.py on its own: the "true sentiment only" mode another page uses for a check sample."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.stores.annotations import AnnotationStore
from tests.helpers import by_label, page_text


def true_sentiment_form(url: str) -> None:
    """One unlabelled review, asking only for its true sentiment."""
    import streamlit as st

    from lib.stores.annotations import AnnotationStore
    from ui.annotation_form import Annotator, ReviewToAnnotate, annotation_form

    review = ReviewToAnnotate("7", "fingerprint-of-review", "r1", "check sample", "run-1", "", given_label=None)
    saved = annotation_form(
        AnnotationStore(url), review, Annotator("ann"), verdicts=("label_wrong",), label_required=True, submit_label="Save"
    )
    if saved is not None:  # as the pages do: show the next review at once
        st.session_state["saved"] = saved.corrected_label
        st.rerun()
    if "saved" in st.session_state:
        st.success(f"saved {st.session_state['saved']}")


def test_true_sentiment_only_needs_a_label_and_offers_every_sentiment(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    at = AppTest.from_function(true_sentiment_form, args=(url,), default_timeout=60).run()
    assert not at.exception
    assert not at.radio  # one verdict: nothing to choose
    picker = by_label(at.selectbox, "Corrected label")
    assert picker.options == ["negative", "neutral", "positive"] and picker.value is None
    at = by_label(at.button, "Save").click().run()
    assert len(at.error) == 1 and not at.success
    assert AnnotationStore(url).current("7").empty
    by_label(at.selectbox, "Corrected label").set_value("neutral")
    at = by_label(at.button, "Save").click().run()
    assert "saved neutral" in page_text(at, ["success"])
    row = AnnotationStore(url).current("7").iloc[0]
    assert (row["verdict"], row["corrected_label"], row["review_id"]) == ("label_wrong", "neutral", "r1")
    # The toast fades in seconds; the form keeps saying what was saved last.
    assert "✓ Last saved: review r1, the given label is wrong, corrected label “neutral”." in page_text(at, ["caption"])


def test_unknown_verdicts_are_refused(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    def form(url: str) -> None:
        from lib.stores.annotations import AnnotationStore
        from ui.annotation_form import Annotator, ReviewToAnnotate, annotation_form

        review = ReviewToAnnotate("7", "key", "r1", "d", "run", "", "positive")
        annotation_form(AnnotationStore(url), review, Annotator("ann"), verdicts=("maybe",))

    at = AppTest.from_function(form, args=(f"sqlite:///{tmp_path / 'b.db'}",), default_timeout=60).run()
    assert at.exception and not at.button  # a programming error, not a form
    assert "verdicts must be a non-empty selection" in caplog.text
