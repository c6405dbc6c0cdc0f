"""lib/wording/*_narrative.py, numbers.py, counts.py, metric_names.py: the sentences a client reads."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from lib.quality.intervals import wilson_interval
from lib.quality.metrics import SENTIMENT_LABELS, Estimate, QualityReport, quality_report
from lib.stores.tracking import RunSummary
from lib.wording import counts, metric_names, numbers, overview_narrative, run_narrative, upload_narrative

# Rows = truly negative / neutral / positive, columns = what the model said; 4,488 reviews.
CONFUSION = np.array(
    [
        [1500, 150, 74],
        [300, 350, 166],
        [100, 200, 1648],
    ]
)


def report_from(confusion: np.ndarray) -> QualityReport:
    truth, predicted = [], []
    for i, true_label in enumerate(SENTIMENT_LABELS):
        for j, predicted_label in enumerate(SENTIMENT_LABELS):
            truth += [true_label] * int(confusion[i, j])
            predicted += [predicted_label] * int(confusion[i, j])
    return quality_report(pd.Series(truth, dtype=object), pd.Series(predicted, dtype=object), n_boot=50)


def whole_percent(share: float) -> str:
    return f"{round(share * 100)}%"


def test_headline_gives_accuracy_interval_count_and_weakest_class() -> None:
    first, second = overview_narrative.headline(report_from(CONFUSION))
    accuracy = (1500 + 350 + 1648) / 4488
    low, high = wilson_interval(3498, 4488)
    assert first == (
        f"The model labels {whole_percent(accuracy)} of reviews correctly "
        f"(95% interval {whole_percent(float(low))}–{whole_percent(float(high))}, based on 4,488 reviews)."
    )
    assert "78%" in first and "4,488 reviews" in first
    # Neutral is found least often: 350 of 816.
    assert second.startswith("It is weakest on neutral reviews: it finds only 43% of them")
    assert "based on 816 reviews that are truly neutral" in second


def test_headline_without_a_second_measured_class_names_no_weakest() -> None:
    report = report_from(np.array([[5, 1, 0], [0, 0, 0], [0, 0, 0]]))
    sentences = overview_narrative.headline(report)
    assert len(sentences) == 1 and "83%" in sentences[0] and "6 reviews" in sentences[0]


def test_headline_of_a_run_without_labelled_reviews() -> None:
    report = quality_report(pd.Series([None], dtype=object), pd.Series(["neutral"]), n_boot=0)
    assert overview_narrative.headline(report) == [
        "This run has no reviews with both a true and a predicted sentiment, so its quality cannot be measured."
    ]


def test_confusion_sentences_say_where_mistakes_go() -> None:
    sentences = overview_narrative.confusion_sentences(report_from(CONFUSION))
    assert sentences == [
        "Of 1,724 truly negative reviews, 150 were called neutral and 74 were called positive (87% labelled right).",
        "Of 816 truly neutral reviews, 300 were called negative and 166 were called positive (43% labelled right).",
        "Of 1,948 truly positive reviews, 200 were called neutral and 100 were called negative (85% labelled right).",
    ]


def test_confusion_sentences_for_perfect_and_absent_classes() -> None:
    sentences = overview_narrative.confusion_sentences(report_from(np.array([[1200, 0, 0], [0, 0, 0], [3, 0, 9]])))
    assert sentences == [
        "All 1,200 truly negative reviews were labelled negative.",
        "There are no truly neutral reviews in this run.",
        "Of 12 truly positive reviews, 3 were called negative (75% labelled right).",
    ]


def test_number_formatting() -> None:
    assert numbers.percent(float("nan")) == "n/a"
    assert numbers.percent(np.nan) == "n/a"
    assert numbers.percent(None) == "n/a"
    assert numbers.percent(0.784) == "78%"
    assert numbers.percent(0.784, 1) == "78.4%"
    assert numbers.count(4712) == "4,712"
    assert counts.reviews(1) == "1 review"
    assert counts.reviews(4488.0) == "4,488 reviews"


def test_estimates_in_words() -> None:
    assert numbers.interval(Estimate(0.78, 0.771, 0.795, 4712)) == "95% interval 77%–80%"
    assert numbers.interval(Estimate(0.5, np.nan, np.nan, 2)) == "no interval: too few reviews"
    assert numbers.estimate_with_basis(Estimate(0.78, 0.771, 0.795, 4712)) == "78% (95% interval 77%–80%, based on 4,712 reviews)"
    assert numbers.estimate_with_basis(Estimate(np.nan, np.nan, np.nan, 0)) == "cannot be measured (based on 0 reviews)"
    assert numbers.change_against(Estimate(0.80, 0.7, 0.9, 10), Estimate(0.779, 0.7, 0.9, 10)) == "+2.1 pts vs baseline"
    assert numbers.change_against(Estimate(0.70, 0.6, 0.8, 10), Estimate(0.75, 0.6, 0.8, 10)) == "-5.0 pts vs baseline"
    assert numbers.change_against(Estimate(0.70, 0.6, 0.8, 10), None) is None
    assert numbers.change_against(Estimate(np.nan, np.nan, np.nan, 0), Estimate(0.75, 0.6, 0.8, 10)) is None


def test_missing_parts_of_a_run_without_predictions() -> None:
    notes = run_narrative.missing_parts(False, {"accuracy_score": 0.7, "f1_score": 0.68}, ["confusion_matrix.png"])
    assert len(notes) == 2
    assert "predictions.parquet" in notes[0] and "re-evaluating" in notes[0]
    assert "per-sentiment" in notes[1]
    bare = run_narrative.missing_parts(False, {}, [])
    assert len(bare) == 3 and "no metrics" in bare[1] and "no stored files" in bare[2]
    # Per-class metrics logged: only the predictions file is missing.
    assert len(run_narrative.missing_parts(False, {"class.neutral.recall": 0.4}, ["x.csv"])) == 1


def test_nothing_missing_for_a_complete_run() -> None:
    assert run_narrative.missing_parts(True, {"accuracy_score": 0.7, "class.neutral.recall": 0.4}, ["predictions.parquet"]) == []


def test_status_messages() -> None:
    assert run_narrative.status_message("FINISHED") is None
    running = run_narrative.status_message("RUNNING")
    assert running is not None and "in progress" in running and "Refresh" in running
    assert run_narrative.status_message("SCHEDULED") == running
    failed = run_narrative.status_message("FAILED", "RuntimeError: disk full")
    assert failed is not None and "failed" in failed and failed.endswith("The reason recorded: RuntimeError\\: disk full")
    assert "reason" not in (run_narrative.status_message("FAILED") or "x")
    assert "KILLED" in (run_narrative.status_message("KILLED") or "")


def test_logged_metric_rows_name_metrics_in_words() -> None:
    rows = metric_names.logged_metric_rows(
        {"accuracy_score": 0.7512, "example_count": 4488.0, "log_loss": 1.2345, "class.neutral.f1": 0.4, "category.x.accuracy": 0.5}
    )
    assert rows == [
        {"Measure": "Labelled correctly", "Value": "75.1%", "Logged as": "accuracy_score"},
        {"Measure": "Reviews evaluated", "Value": "4,488", "Logged as": "example_count"},
        {"Measure": "Confidence penalty (log loss, lower is better)", "Value": "1.23", "Logged as": "log_loss"},
    ]


def test_run_choice_label() -> None:
    started = datetime(2024, 3, 5, 14, 7, tzinfo=UTC)
    run = RunSummary("r1", "1", "Baseline", "FINISHED", started, {}, {}, {"sentiment_review.role": "baseline"})
    assert run_narrative.run_choice_label(run) == "★ Baseline · 05 Mar 2024, 14:07"
    running = RunSummary("r2", "1", "Iteration 1", "RUNNING", None, {}, {}, {})
    assert run_narrative.run_choice_label(running) == "Iteration 1 · running"


@pytest.mark.parametrize("metric", ["accuracy", "macro_f1", "weighted_f1"])
def test_every_headline_metric_has_a_name_and_an_explanation(metric: str) -> None:
    assert metric_names.METRIC_NAMES[metric] and metric_names.METRIC_EXPLANATIONS[metric]


def test_an_uploaded_runs_caption_says_its_date_once() -> None:
    started = datetime(2026, 12, 1, 7, 41, tzinfo=UTC)
    name = upload_narrative.evaluation_run_name("08_bom_tab.tsv", started)
    tags = {"sentiment_review.model_description": f"sentiment-demo-classifier @champion · {name}"}
    run = RunSummary("r1", "1", name, "FINISHED", started, {}, {}, tags)
    caption = run_narrative.run_caption(run)
    assert caption.count("01 Dec 2026") == 1 and caption.startswith("08_bom_tab.tsv · 01 Dec 2026 07:41")
    assert "sentiment-demo-classifier @champion" in caption and "·  ·" not in caption and not caption.endswith("·")
    assert run_narrative.run_choice_label(run).count("01 Dec 2026") == 1
    plain = RunSummary("r2", "1", "Baseline", "RUNNING", started, {}, {}, {})
    assert run_narrative.run_caption(plain) == "Baseline · 01 Dec 2026, 07:41 · running"
