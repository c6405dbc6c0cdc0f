"""lib/outputs/charts.py: the confusion heatmap and the weak-spot chart."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from lib.outputs.charts import confusion_chart, confusion_frame, review_probability_chart, weak_spot_chart
from lib.quality.metrics import QualityReport, quality_report


def small_report() -> QualityReport:
    y_true = pd.Series(["negative"] * 6 + ["neutral"] * 3 + ["positive"] * 5)
    y_pred = pd.Series(["negative"] * 4 + ["positive", "neutral"] + ["neutral", "negative", "neutral"] + ["positive"] * 5)
    return quality_report(y_true, y_pred, n_boot=0)


def chart_rows(chart: alt.TopLevelMixin) -> list[dict]:
    spec = chart.to_dict()
    datasets = list(spec.get("datasets", {}).values())
    assert len(datasets) == 1, "both layers draw the same table"
    return datasets[0]


def test_confusion_chart_data_has_nine_cells_summing_to_n() -> None:
    report = small_report()
    chart = confusion_chart(report)
    assert isinstance(chart, alt.TopLevelMixin)
    rows = chart_rows(chart)
    assert len(rows) == 9
    assert sum(row["Reviews"] for row in rows) == report.n == 14
    cells = {(row["Truly"], row["Model said"]): row["Reviews"] for row in rows}
    np.testing.assert_array_equal(
        [[cells[(t, p)] for p in report.labels] for t in report.labels],
        report.overall_confusion,
    )


def test_confusion_frame_shares_and_words() -> None:
    frame = confusion_frame(small_report())
    shares = frame.groupby("Truly")["Share of truly"].sum()
    np.testing.assert_allclose(shares.to_numpy(), 1.0)
    assert frame["Correct"].sum() == 3
    cell = frame[(frame["Truly"] == "negative") & (frame["Model said"] == "negative")].iloc[0]
    assert cell["Label"] == "4\n67%"
    assert cell["Tooltip"] == "Of 6 truly negative reviews, 4 (67%) were called negative"


def test_confusion_frame_of_an_absent_class_has_zero_shares() -> None:
    report = quality_report(pd.Series(["negative", "positive"]), pd.Series(["negative", "negative"]), n_boot=0)
    frame = confusion_frame(report)
    neutral = frame[frame["Truly"] == "neutral"]
    assert (neutral["Reviews"] == 0).all() and (neutral["Share of truly"] == 0).all()
    assert len(chart_rows(confusion_chart(report))) == 9


def test_distribution_chart_draws_every_group_and_sentiment_with_its_share() -> None:
    from lib.outputs.charts import SENTIMENT_COLOURS, distribution_chart
    from lib.scoring.evaluation import prediction_distribution

    predictions = pd.DataFrame(
        {"predicted_label": ["positive", "negative", "neutral", "positive"] * 3, "category": ["App", "Shop", "Web"] * 4}
    )
    rows = chart_rows(distribution_chart(prediction_distribution(predictions)))
    assert {(r["group"], r["sentiment"]) for r in rows} == {
        (g, s) for g in ("All reviews", "App", "Shop", "Web") for s in SENTIMENT_COLOURS
    }
    overall = {r["sentiment"]: r for r in rows if r["group"] == "All reviews"}
    assert overall["positive"]["Label"] == "50%" and overall["positive"]["reviews"] == 6
    assert "All reviews: 6 reviews (50%) called positive" in overall["positive"]["Tooltip"]
    # Each bar is named with the number of reviews its shares rest on.
    assert {r["group"]: r["bar"] for r in rows} == {
        "All reviews": "All reviews · 12 reviews",
        "App": "App · 4 reviews",
        "Shop": "Shop · 4 reviews",
        "Web": "Web · 4 reviews",
    }


def test_review_probability_chart_draws_one_bar_per_sentiment_and_marks_the_answer() -> None:
    chart = review_probability_chart({"negative": 0.1, "neutral": 0.2, "positive": 0.7}, "positive")
    spec = chart.to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert [(r["Sentiment"], r["Probability"]) for r in rows] == [("negative", 0.1), ("neutral", 0.2), ("positive", 0.7)]
    assert spec["encoding"]["color"]["condition"]["test"] == "(datum.Sentiment === 'positive')"
    assert spec["encoding"]["x"]["scale"]["domain"] == [0, 1]


def test_weak_spot_chart_draws_each_group_weakest_on_top_beside_the_rest() -> None:
    frame = pd.DataFrame(
        {
            "label": ["Reviews that contain “but”", "Very short reviews (1 to 5 words)"],
            "accuracy": [0.6, 0.5],
            "low": [0.55, 0.42],
            "high": [0.65, 0.58],
            "n": [812, 150],
            "rest_accuracy": [0.7, 0.72],
            "rest_n": [5000, 5662],
        }
    )
    spec = weak_spot_chart(frame).to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert [(r["slice"], r["value"], r["rest_accuracy"], r["reviews"]) for r in rows] == [
        ("Reviews that contain “but”", 0.6, 0.7, "812"),
        ("Very short reviews (1 to 5 words)", 0.5, 0.72, "150"),
    ]
    assert spec["layer"][0]["encoding"]["y"]["sort"] == ["Very short reviews (1 to 5 words)", "Reviews that contain “but”"]
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["bar", "rule", "tick"]


def test_a_legend_of_three_kinds_is_stacked_so_no_entry_runs_off_the_chart() -> None:
    from lib.outputs.charts import stress_chart
    from lib.quality.text_changes import DIRECTION, INVARIANCE, STAY_OR_STRONGER

    def legend(kinds: list[str]) -> dict:
        table = pd.DataFrame(
            {"change": ["typos", "negation", "intensifier"][: len(kinds)], "kind": kinds, "rate": 0.1, "low": 0.05, "high": 0.2, "n": 100}
        )
        return stress_chart(table).to_dict()["layer"][0]["encoding"]["color"]["legend"]

    assert legend([INVARIANCE, DIRECTION, STAY_OR_STRONGER])["direction"] == "vertical"
    assert legend([INVARIANCE, DIRECTION])["direction"] == "horizontal"
