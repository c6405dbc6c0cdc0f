"""lib/outputs/report.py: a self-contained, escaped, script-free HTML report with inline SVG charts."""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
import pytest

from lib.outputs import report as client_report
from lib.quality.comparison import paired_comparison
from lib.quality.metrics import SENTIMENT_LABELS, quality_report
from lib.quality.review_queue import mistakes_table
from lib.stores import contract
from lib.wording import overview_narrative

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def predictions() -> pd.DataFrame:
    """Two runs' predictions on 400 reviews; one category and one review text are hostile HTML."""
    rng = np.random.default_rng(7)
    n = 400
    truth = rng.choice(SENTIMENT_LABELS, n)
    noisy = lambda share: np.where(rng.random(n) < share, rng.choice(SENTIMENT_LABELS, n), truth)  # noqa: E731
    frame = pd.DataFrame(
        {
            contract.REVIEW_ID: [f"r{i}" for i in range(n)],
            contract.TEXT: [f"Review number {i}" for i in range(n)],
            contract.TRUE_LABEL: truth,
            contract.PREDICTED_LABEL: noisy(0.35),
            "baseline_said": noisy(0.5),
            contract.CATEGORY: rng.choice(["Tweets", "Product reviews", HOSTILE], n),
        }
    )
    probabilities = rng.dirichlet(np.ones(3), n)
    for i, label in enumerate(SENTIMENT_LABELS):
        frame[contract.proba_column(label)] = probabilities[:, i]
    wrong = frame.index[frame[contract.TRUE_LABEL] != frame[contract.PREDICTED_LABEL]]
    frame.loc[wrong[0], contract.TEXT] = f"{HOSTILE} & “quotes” <script>alert('x')</script>"
    return frame


@pytest.fixture(scope="module")
def document(predictions: pd.DataFrame) -> str:
    frame = predictions
    report = quality_report(frame[contract.TRUE_LABEL], frame[contract.PREDICTED_LABEL])
    baseline = quality_report(frame[contract.TRUE_LABEL], frame["baseline_said"])
    by_category = quality_report(frame[contract.TRUE_LABEL], frame[contract.PREDICTED_LABEL], groups=frame[contract.CATEGORY])
    comparison = paired_comparison(
        frame[contract.TRUE_LABEL], frame["baseline_said"], frame[contract.PREDICTED_LABEL], groups=frame[contract.CATEGORY], n_boot=200
    )
    mistakes = mistakes_table(frame.drop(columns="baseline_said"), "test data")
    hostile = mistakes.loc[mistakes[contract.TEXT].str.contains("<script>"), contract.REVIEW_ID].iloc[0]
    picked = [hostile, *mistakes[contract.REVIEW_ID].head(2)]
    hostile_key = mistakes.loc[mistakes[contract.REVIEW_ID] == hostile, client_report.REVIEW_KEY].iloc[0]
    annotations = {hostile_key: f"The model is wrong (1 annotator) {HOSTILE}"}
    content = client_report.report_content(
        experiment_name=f"Acme {HOSTILE}",
        run_name="Iteration <b>2</b>",
        model_description="TF-IDF & logistic regression",
        generated="25 November 2026",
        report=report,
        baseline_report=baseline,
        category_report=by_category,
        comparison=client_report.comparison_part(comparison, "Baseline & co"),
        examples=client_report.examples_from(mistakes, picked, annotations),
    )
    return client_report.report_html(content)


def test_no_script_no_request_to_anywhere(document: str) -> None:
    lowered = document.lower()
    assert "<script" not in lowered
    assert "http://" not in lowered and "https://" not in lowered and "//" not in re.sub(r"/\*.*?\*/", "", lowered)
    text_removed = re.sub(r"&lt;.*?&gt;", "", lowered)
    for fetching in ("<link", "<img", "<iframe", "<object", "<embed", "@import", "src=", "href="):
        assert fetching not in text_removed, fetching
    assert set(re.findall(r"url\((.)", text_removed)) <= {"#"}  # only the SVG's own gradients
    assert " on" + "error=" not in lowered.replace("onerror=alert(1)&gt;", "")


def test_hostile_text_is_escaped_everywhere(document: str) -> None:
    escaped = html.escape(HOSTILE, quote=True)
    assert HOSTILE not in document
    assert f"Project: Acme {escaped}" in document
    assert "Iteration &lt;b&gt;2&lt;/b&gt;" in document
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in document
    assert "TF-IDF &amp; logistic regression" in document
    # The hostile category reaches the SVG as text, escaped by vl_convert's XML writer.
    assert "&lt;img src=x onerror=alert(1)&gt;" in document.split("Per category", 1)[1]


def test_headline_figures_and_sections(document: str, predictions: pd.DataFrame) -> None:
    report = quality_report(predictions[contract.TRUE_LABEL], predictions[contract.PREDICTED_LABEL])
    for sentence in overview_narrative.headline(report):
        assert html.escape(sentence, quote=True) in document
    assert document.count('<div class="card">') == 2 + len(SENTIMENT_LABELS)
    assert "vs baseline" in document
    for heading in ("Key figures", "Where the mistakes go", "Per category", "Is it better than the baseline?", "Examples of mistakes"):
        assert heading in document
    assert "Baseline &amp; co" in document
    assert "The new version fixes" in document
    assert document.count('<li class="example">') == 3
    assert "Annotators: The model is wrong (1 annotator)" in document


def test_charts_are_inline_svg(document: str) -> None:
    assert document.count("<svg") == 2
    assert "xmlns" not in document
    assert "<text" in document


def test_print_friendly_and_offline_ready(document: str) -> None:
    assert document.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in document
    assert "@media print" in document and "break-inside: avoid" in document
    assert "font-family: system-ui" in document  # installed fonts only, nothing downloaded


def test_report_without_baseline_categories_or_examples(predictions: pd.DataFrame) -> None:
    report = quality_report(predictions[contract.TRUE_LABEL], predictions[contract.PREDICTED_LABEL])
    content = client_report.report_content(experiment_name="E", run_name="R", model_description="", generated="today", report=report)
    document = client_report.report_html(content)
    assert document.count("<svg") == 1
    assert "Is it better" not in document and "Examples of mistakes" not in document and "Per category" not in document
    assert "vs baseline" not in document


def test_examples_keep_the_picked_order_and_a_maximum(predictions: pd.DataFrame) -> None:
    mistakes = mistakes_table(predictions.drop(columns="baseline_said"), "d")
    ids = mistakes[contract.REVIEW_ID].tolist()
    picked = [ids[3], ids[1], "not-a-review", ids[3]]
    examples = client_report.examples_from(mistakes, picked)
    assert [e.text for e in examples] == [mistakes.iloc[3][contract.TEXT], mistakes.iloc[1][contract.TEXT]]
    assert examples[0].confidence == pytest.approx(mistakes.iloc[3]["confidence"])
    assert len(client_report.examples_from(mistakes, ids)) == client_report.MAX_EXAMPLES


def test_annotation_summaries_take_the_most_common_verdict() -> None:
    current = pd.DataFrame(
        {
            "review_key": ["a", "a", "a", "b"],
            "annotator": ["x", "y", "z", "x"],
            "verdict": ["model_wrong", "model_wrong", "ambiguous", "label_wrong"],
            "corrected_label": [None, "neutral", None, None],
        }
    )
    summaries = client_report.annotation_summaries(current)
    assert summaries["a"] == "The model is wrong (3 annotators), corrected to neutral"
    assert summaries["b"] == "The given label is wrong (1 annotator)"
    assert client_report.annotation_summaries(current.iloc[0:0]) == {}


def test_unsafe_svg_is_refused(monkeypatch: pytest.MonkeyPatch, predictions: pd.DataFrame) -> None:
    from lib.outputs import charts

    chart = charts.confusion_chart(quality_report(predictions[contract.TRUE_LABEL], predictions[contract.PREDICTED_LABEL]))
    for bad in (
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg"><image href="https://example.com/x.png"/></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg"><rect onclick="alert(1)"/></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg"><rect fill="url(https://example.com/p)"/></svg>',
    ):
        monkeypatch.setattr(client_report, "_svg_of_spec", lambda _spec, bad=bad: bad)
        with pytest.raises(client_report.UnsafeChartError):
            client_report.chart_svg(chart)


def test_file_name_is_safe() -> None:
    name = client_report.report_file_name("Acme / <Q4>", 'run: "2"?')
    assert name == "Sentiment report - Acme Q4 - run 2.html"
