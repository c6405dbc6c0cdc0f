"""Altair chart builders, sized and coloured for a shared screen."""

from __future__ import annotations

import altair as alt
import pandas as pd

from lib.metrics import QualityReport
from lib.narrative import count, percent

FONT_SIZE = 15
# Colour-blind-safe sequential scheme for shares.
SHARE_SCHEME = "blues"


def _style(chart: alt.Chart) -> alt.Chart:
    return chart.configure_axis(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE).configure_legend(
        labelFontSize=FONT_SIZE - 1, titleFontSize=FONT_SIZE - 1
    )


def confusion_frame(report: QualityReport) -> pd.DataFrame:
    """One row per (true, predicted) cell with its count and share of the true class."""
    cm = report.overall_confusion()
    rows = []
    for i, truth in enumerate(report.labels):
        total = int(cm[i].sum())
        for j, predicted in enumerate(report.labels):
            n = int(cm[i, j])
            share = n / total if total else 0.0
            rows.append(
                {
                    "Truly": truth,
                    "Model said": predicted,
                    "Reviews": n,
                    "Share of truly": share,
                    "Label": f"{count(n)}\n{percent(share)}",
                    "Correct": i == j,
                    "Tooltip": f"Of {count(total)} truly {truth} reviews, {count(n)} ({percent(share)}) were called {predicted}",
                }
            )
    return pd.DataFrame(rows)


def confusion_chart(report: QualityReport) -> alt.Chart:
    """Heatmap of true vs predicted sentiment; colour = share of the true class."""
    frame = confusion_frame(report)
    order = list(report.labels)
    base = alt.Chart(frame).encode(
        x=alt.X("Model said:N", sort=order, axis=alt.Axis(orient="top", labelAngle=0, title="The model said…")),
        y=alt.Y("Truly:N", sort=order, title="The review truly is…"),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color(
            "Share of truly:Q", scale=alt.Scale(scheme=SHARE_SCHEME, domain=[0, 1]), legend=alt.Legend(format="%", title="Share")
        ),
        tooltip=[alt.Tooltip("Tooltip:N", title="In words"), "Reviews:Q", alt.Tooltip("Share of truly:Q", format=".1%")],
    )
    labels = base.mark_text(fontSize=FONT_SIZE + 1, lineBreak="\n").encode(
        text="Label:N",
        color=alt.condition(alt.datum["Share of truly"] > 0.5, alt.value("white"), alt.value("#1f2937")),
    )
    return _style((cells + labels).properties(height=300))
