"""Altair chart builders, sized and coloured for a shared screen."""

from __future__ import annotations

import altair as alt
import pandas as pd

from lib.quality.metrics import QualityReport
from lib.quality.text_changes import DIRECTION, INVARIANCE, STAY_OR_STRONGER
from lib.wording import stress as stress_words
from lib.wording.counts import agreeing, counted
from lib.wording.numbers import count, percent

FONT_SIZE = 15
# Colour-blind-safe sequential scheme for shares.
SHARE_SCHEME = "blues"


def _style(chart: alt.Chart) -> alt.Chart:
    return chart.configure_axis(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE).configure_legend(
        labelFontSize=FONT_SIZE - 1, titleFontSize=FONT_SIZE - 1
    )


def confusion_frame(report: QualityReport) -> pd.DataFrame:
    """One row per (true, predicted) cell with its count and share of the true class."""
    cm = report.overall_confusion
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
                    "Tooltip": f"Of {counted(total, f'truly {truth} review')}, {count(n)} ({percent(share)}) {agreeing(n, 'was')} called {predicted}",
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


STATUS_COLOURS = {
    "Meets target": "#2563eb",
    "Below target": "#ea580c",
    "Enough reviews to judge": "#2563eb",
    "Too few reviews to judge": "#9ca3af",
}


def _bars_with_whiskers(
    data: pd.DataFrame, x: alt.X, order: list[str], colour_field: str, colours: dict[str, str], tooltip: list
) -> tuple[alt.Y, alt.Chart, alt.Chart]:
    """Horizontal bars per slice coloured by ``colour_field``, and black whiskers from low to high."""
    y = alt.Y("slice:N", sort=order, title=None, axis=alt.Axis(labelLimit=260))
    present = [value for value in colours if value in set(data[colour_field])]
    colour = alt.Color(
        f"{colour_field}:N",
        scale=alt.Scale(domain=present, range=[colours[value] for value in present]),
        # Three entries or more are stacked: side by side they run past a narrow chart's edge and are cut.
        legend=alt.Legend(title=None, orient="bottom", direction="vertical" if len(present) > 2 else "horizontal"),
    )
    bars = alt.Chart(data).mark_bar(opacity=0.85, height={"band": 0.7}).encode(x=x, y=y, color=colour, tooltip=tooltip)
    whiskers = alt.Chart(data).mark_rule(strokeWidth=2, color="#111827").encode(x="low:Q", x2="high:Q", y=y, tooltip=tooltip)
    return y, bars, whiskers


def category_chart(frame: pd.DataFrame, metric_title: str, overall_value: float) -> alt.Chart:
    """Horizontal bars per category, weakest on top, with 95% interval whiskers.

    ``frame`` columns: slice, value, low, high, n, status, and optionally ceiling.
    """
    order = frame.sort_values("value")["slice"].tolist()
    data = frame.assign(
        value_text=frame["value"].map(percent),
        interval_text=[f"{percent(lo)}–{percent(hi)}" for lo, hi in zip(frame["low"], frame["high"], strict=True)],
        reviews=frame["n"].map(count),
    )
    tooltip = [
        alt.Tooltip("slice:N", title="Category"),
        alt.Tooltip("value_text:N", title=metric_title),
        alt.Tooltip("interval_text:N", title="95% interval"),
        alt.Tooltip("reviews:N", title="Reviews"),
        alt.Tooltip("status:N", title="Status"),
    ]
    x = alt.X("value:Q", title=metric_title, scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%"))
    y, bars, whiskers = _bars_with_whiskers(data, x, order, "status", STATUS_COLOURS, tooltip)
    overall = alt.Chart(pd.DataFrame({"overall": [overall_value], "label": [f"All reviews: {percent(overall_value)}"]}))
    rule = overall.mark_rule(strokeDash=[6, 4], color="#111827").encode(x="overall:Q", tooltip=alt.Tooltip("label:N", title=""))
    layers = [bars, whiskers, rule]
    if "ceiling" in data and data["ceiling"].notna().any():
        ceiling = alt.Chart(data.assign(ceiling_text=data["ceiling"].map(percent))).mark_point(
            shape="diamond", size=140, filled=True, color="#16a34a"
        )
        layers.append(
            ceiling.encode(x="ceiling:Q", y=y, tooltip=[alt.Tooltip("ceiling_text:N", title="A single person agrees with the crowd")])
        )
    return _style(alt.layer(*layers).properties(height=alt.Step(38)))


VERDICT_COLOURS = {
    "better": "#2563eb",
    "maybe better": "#93c5fd",
    "worse": "#ea580c",
    "maybe worse": "#fdba74",
    "within noise": "#9ca3af",
    "cannot tell": "#d1d5db",
}


def delta_chart(frame: pd.DataFrame, metric_title: str) -> alt.Chart:
    """Change per category (new minus baseline) with 95% interval whiskers; colour = verdict."""
    data = frame.assign(
        delta_text=frame["delta"].map(lambda d: f"{d * 100:+.1f} pts"),
        interval_text=[f"{lo * 100:+.1f} to {hi * 100:+.1f} pts" for lo, hi in zip(frame["low"], frame["high"], strict=True)],
        reviews=frame["n"].map(count),
    )
    order = data.sort_values("delta")["slice"].tolist()
    tooltip = [
        alt.Tooltip("slice:N", title="Category"),
        alt.Tooltip("delta_text:N", title="Change"),
        alt.Tooltip("interval_text:N", title="95% interval"),
        alt.Tooltip("verdict:N", title="Verdict"),
        alt.Tooltip("reviews:N", title="Reviews"),
    ]
    x = alt.X("delta:Q", title=f"Change in {metric_title[0].lower() + metric_title[1:]}", axis=alt.Axis(format="+%"))
    _, bars, whiskers = _bars_with_whiskers(data, x, order, "verdict", VERDICT_COLOURS, tooltip)
    zero = alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color="#111827").encode(x="zero:Q")
    return _style(alt.layer(bars, whiskers, zero).properties(height=alt.Step(38)))


# Orange / grey / blue: distinguishable with the common colour-vision deficiencies.
SENTIMENT_COLOURS = {"negative": "#ea580c", "neutral": "#9ca3af", "positive": "#2563eb"}


def distribution_chart(distribution: pd.DataFrame) -> alt.Chart:
    """Stacked bars of the predicted sentiments: all reviews first, then each category, each named with its review count."""
    totals = distribution.groupby("group", sort=False)["reviews"].sum()
    named = {group: f"{group} · {counted(total, 'review')}" for group, total in totals.items()}
    groups = list(named.values())
    labels = list(dict.fromkeys(distribution["sentiment"]))
    frame = distribution.assign(
        bar=distribution["group"].map(named),
        order=distribution["sentiment"].map({label: i for i, label in enumerate(labels)}),
        Label=[percent(share) if share >= 0.08 else "" for share in distribution["share"]],
        Tooltip=[
            f"{group}: {counted(n, 'review')} ({percent(share)}) called {sentiment}"
            for group, sentiment, n, share in zip(
                distribution["group"], distribution["sentiment"], distribution["reviews"], distribution["share"], strict=True
            )
        ],
    )
    colours = alt.Scale(domain=labels, range=[SENTIMENT_COLOURS.get(label, "#6b7280") for label in labels])
    base = alt.Chart(frame).encode(
        y=alt.Y("bar:N", sort=groups, title=None, axis=alt.Axis(labelLimit=280)),
        x=alt.X("share:Q", stack="zero", axis=alt.Axis(format="%", title="Share of reviews"), scale=alt.Scale(domain=[0, 1])),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("Tooltip:N", title="In words")],
    )
    bars = base.mark_bar().encode(
        color=alt.Color("sentiment:N", scale=colours, sort=labels, legend=alt.Legend(title="The model says", orient="top"))
    )
    text = (
        base.mark_text(align="right", dx=-4, color="white", fontSize=FONT_SIZE - 1)
        .encode(x=alt.X("end:Q"), text="Label:N")
        .transform_stack(stack="share", groupby=["bar"], sort=[alt.SortField("order")], as_=["start", "end"])
    )
    return _style((bars + text).properties(height=alt.Step(40)))


def review_probability_chart(probabilities: dict[str, float], predicted: str) -> alt.Chart:
    """How sure the model was of each sentiment for one review; its answer in orange."""
    bars = pd.DataFrame({"Sentiment": list(probabilities), "Probability": list(probabilities.values())})
    return (
        alt.Chart(bars)
        .mark_bar()
        .encode(
            x=alt.X("Probability:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
            y=alt.Y("Sentiment:N", sort=list(probabilities), title=None),
            color=alt.condition(alt.datum.Sentiment == predicted, alt.value("#ea580c"), alt.value("#93c5fd")),
            tooltip=["Sentiment", alt.Tooltip("Probability:Q", format=".1%")],
        )
        .properties(height=alt.Step(30), title="How sure the model was")
    )


DRIFT_COLOURS = {"This feedback": "#ea580c", "Labelled reviews": "#2563eb"}


def drift_chart(shares: pd.DataFrame) -> alt.Chart:
    """Paired bars per measure: this feedback against the labelled reference reviews (``DriftReport.shares``)."""
    measures = list(dict.fromkeys(shares["measure"]))
    sources = list(dict.fromkeys(shares["source"]))
    frame = shares.assign(
        Label=[percent(share, 1 if 0 < share < 0.1 else 0) for share in shares["share"]],
        Tooltip=[
            f"{source}: {percent(share, 1)} {measure.lower()}"
            for source, share, measure in zip(shares["source"], shares["share"], shares["measure"], strict=True)
        ],
    )
    colours = alt.Scale(domain=sources, range=[DRIFT_COLOURS.get(source, "#6b7280") for source in sources])
    top = max(float(shares["share"].max()) * 1.15, 0.1)
    base = alt.Chart(frame).encode(
        y=alt.Y("measure:N", sort=measures, title=None, axis=alt.Axis(labelLimit=280)),
        yOffset=alt.YOffset("source:N", sort=sources),
        x=alt.X("share:Q", axis=alt.Axis(format="%", title="Share"), scale=alt.Scale(domain=[0, min(top, 1.0)])),
        tooltip=[alt.Tooltip("Tooltip:N", title="In words")],
    )
    bars = base.mark_bar().encode(color=alt.Color("source:N", scale=colours, sort=sources, legend=alt.Legend(title=None, orient="top")))
    text = base.mark_text(align="left", dx=4, color="#1f2937", fontSize=FONT_SIZE - 3).encode(text="Label:N")
    return _style((bars + text).properties(height=alt.Step(16)))


# Keyed by the stress test's kinds in words (lib/wording/stress.py KIND_LABELS).
STRESS_KIND_COLOURS = {
    stress_words.KIND_LABELS[INVARIANCE]: "#2563eb",
    stress_words.KIND_LABELS[DIRECTION]: "#ea580c",
    stress_words.KIND_LABELS[STAY_OR_STRONGER]: "#16a34a",
}


def stress_chart(table: pd.DataFrame, anchor: tuple[float, float] | None = None) -> alt.Chart:
    """Share of reviews each change threw, most first, with 95% interval whiskers; colour = what the change should do.

    ``table`` is a stress table (lib/quality/stress.py: change, kind, rate, low, high, n); changes
    tested on no review are left out. ``anchor`` shades an outside reference range (Giskard's
    13–15% under typos).
    """
    tested = table[table["n"] > 0]
    data = tested.assign(
        slice=tested["change"].map(stress_words.CHANGE_LABELS),
        kind=tested["kind"].map(stress_words.KIND_LABELS),
        rate_text=tested["rate"].map(stress_words.share),
        interval_text=[f"{stress_words.share(lo)}–{stress_words.share(hi)}" for lo, hi in zip(tested["low"], tested["high"], strict=True)],
        reviews=tested["n"].map(count),
    )
    order = data.sort_values("rate", ascending=False)["slice"].tolist()
    tooltip = [
        alt.Tooltip("slice:N", title="Change"),
        alt.Tooltip("kind:N", title="It"),
        alt.Tooltip("rate_text:N", title="Reviews thrown"),
        alt.Tooltip("interval_text:N", title="95% interval"),
        alt.Tooltip("reviews:N", title="Reviews changed"),
    ]
    top = float(max(data["high"].max(), anchor[1] if anchor else 0.0, 0.05))
    x = alt.X(
        "rate:Q",
        title="Share of reviews where the model did not behave as it should",
        scale=alt.Scale(domain=[0, min(1.0, top * 1.1)]),
        axis=alt.Axis(format="%"),
    )
    _, bars, whiskers = _bars_with_whiskers(data, x, order, "kind", STRESS_KIND_COLOURS, tooltip)
    layers = [bars, whiskers]
    if anchor is not None:
        band = pd.DataFrame({"low": [anchor[0]], "high": [anchor[1]], "label": ["Giskard: public sentiment models under typos"]})
        layers.insert(
            0,
            alt.Chart(band)
            .mark_rect(color="#fde68a", opacity=0.7)
            .encode(x="low:Q", x2="high:Q", tooltip=alt.Tooltip("label:N", title="")),
        )
    # The kinds are short sentences: let the legend show them whole.
    return _style(alt.layer(*layers).properties(height=alt.Step(34))).configure_legend(
        labelFontSize=FONT_SIZE - 1, titleFontSize=FONT_SIZE - 1, labelLimit=0
    )


WEAK_SPOT_COLOURS = {"In the group": "#ea580c"}


def weak_spot_chart(frame: pd.DataFrame) -> alt.Chart:
    """Accuracy in each weak spot (orange bar, 95% whiskers) beside the rest of the reviews (black tick), weakest on top.

    ``frame`` columns: label, accuracy, low, high, n, rest_accuracy, rest_n.
    """
    data = frame.assign(
        slice=frame["label"],
        where="In the group",
        value=frame["accuracy"],
        value_text=frame["accuracy"].map(percent),
        interval_text=[f"{percent(lo)}–{percent(hi)}" for lo, hi in zip(frame["low"], frame["high"], strict=True)],
        rest_text=frame["rest_accuracy"].map(percent),
        reviews=frame["n"].map(count),
        rest_reviews=frame["rest_n"].map(count),
    )
    tooltip = [
        alt.Tooltip("slice:N", title="Group"),
        alt.Tooltip("value_text:N", title="Labelled correctly"),
        alt.Tooltip("interval_text:N", title="95% interval"),
        alt.Tooltip("reviews:N", title="Reviews"),
        alt.Tooltip("rest_text:N", title="Labelled correctly elsewhere"),
        alt.Tooltip("rest_reviews:N", title="Reviews elsewhere"),
    ]
    order = data.sort_values("accuracy", kind="stable")["slice"].tolist()
    x = alt.X("value:Q", title="Labelled correctly", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%"))
    y, bars, whiskers = _bars_with_whiskers(data, x, order, "where", WEAK_SPOT_COLOURS, tooltip)
    rest = alt.Chart(data).mark_tick(thickness=3, size=30, color="#111827").encode(x="rest_accuracy:Q", y=y, tooltip=tooltip)
    return _style(alt.layer(bars, whiskers, rest).properties(height=alt.Step(38)))
