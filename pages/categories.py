"""Categories: where is the model weak? Every category with its interval, weakest first."""

import pandas as pd
import streamlit as st

from lib.outputs import charts
from lib.quality.metrics import MIN_REVIEWS_TO_JUDGE, SENTIMENT_LABELS
from lib.quality.slices import TOO_FEW, category_columns, category_standing, shown_categories
from lib.wording import categories_narrative, counts, metric_names, numbers, overview_narrative, run_narrative
from lib.wording.markdown import escape_markdown
from ui import data, sidebar
from ui.components import corrected_labels_switch, loaded_or_stop, stop_unless_finished

METRICS = (
    "macro_f1",
    "accuracy",
    *(f"recall:{label}" for label in SENTIMENT_LABELS),
    *(f"precision:{label}" for label in SENTIMENT_LABELS),
)

selection = sidebar.selected_or_stop()
run = selection.run
st.title("Where is the model weak?")
st.caption(escape_markdown(run.name))

stop_unless_finished(run)
frame = loaded_or_stop(lambda: data.predictions(run))
report = loaded_or_stop(lambda: data.report(run))
if frame is None or report is None:
    st.info(run_narrative.missing_parts(frame is not None, run.metrics, data.artifact_names(run))[0])
    st.stop()

columns = category_columns(frame)
if not columns:
    st.info(
        "This run's reviews carry no category (such as product area, channel or source), so they cannot be split. "
        "Here is how the model does on each sentiment instead."
    )
    per_class = [
        {
            "Sentiment": label,
            "Finds them (recall)": numbers.estimate_with_basis(report.estimate(f"recall:{label}")),
            "Right when it says so (precision)": numbers.estimate_with_basis(report.estimate(f"precision:{label}")),
        }
        for label in report.labels
    ]
    st.dataframe(pd.DataFrame(per_class), hide_index=True, width="stretch")
    st.stop()

picker_left, picker_right = st.columns(2)
with picker_left:
    column = st.selectbox(
        "Split reviews by", columns, key="category_column", help="Any column of the run's reviews with a few distinct values."
    )
with picker_right:
    metric = st.selectbox("Measure", METRICS, format_func=metric_names.metric_label, key="category_metric")
st.caption(metric_names.metric_explanation(metric))

report = data.category_report(run, column)
ceiling = data.ceiling(run, column) if metric == "accuracy" else None
target = data.settings().targets.get(metric)
standing = category_standing(report, metric, target=target, ceiling=ceiling)
overall = report.estimate(metric)
judged = standing[standing["judged"]]

st.markdown(f"##### {categories_narrative.gap_sentence(report.difference(metric), report.ratio(metric), metric, len(judged))}")
small = standing[standing["status"] == TOO_FEW]
for name in [*judged["slice"].head(3), *small["slice"].head(2)]:
    st.markdown(
        f"- {categories_narrative.category_callout(escape_markdown(name), report.estimate(metric, name), overall, metric, MIN_REVIEWS_TO_JUDGE)}"
    )
if note := categories_narrative.below_overall_note(metric, int((judged["value"] < overall.value).sum()), len(judged)):
    st.caption(note)
if len(small):
    st.caption(
        f"{counts.counted(len(small), 'category', 'has')} fewer than {MIN_REVIEWS_TO_JUDGE} reviews: "
        "shown in grey and not ranked, because their figures could easily be chance."
    )

show_all = True
if len(standing) > 15:
    show_all = st.toggle(
        f"Show {counts.all_counted(len(standing), 'category')}", value=False, help="Otherwise: the 12 weakest and the 3 strongest."
    )
st.altair_chart(
    charts.category_chart(shown_categories(standing, show_all), metric_names.metric_label(metric), overall.value), width="stretch"
)
st.caption(
    "Bars: the figure per category; black whiskers: its 95% interval; dashed line: all reviews together."
    + (" Green diamonds: how often a single person agrees with the crowd (human ceiling)." if ceiling is not None else "")
)

if ceiling is not None and ceiling.estimate() is not None:
    st.markdown(overview_narrative.ceiling_sentence(report.estimate("accuracy"), ceiling.estimate(), "all these reviews"))
    with st.expander("What is the human ceiling?"):
        st.markdown(overview_narrative.CEILING_EXPLANATION)

corrected_labels_switch(run, report, [metric], column=column)

table = pd.DataFrame(
    {
        "Category": standing["slice"],
        metric_names.metric_label(metric): standing["value"].map(numbers.percent),
        "95% interval": [numbers.interval_range(report.estimate(metric, name)) for name in standing["slice"]],
        "Reviews": standing["n"],
        "Status": standing["status"],
    }
)
if ceiling is not None:
    table["A single person agrees with the crowd"] = standing["ceiling"].map(numbers.percent)
st.dataframe(table, hide_index=True, width="stretch")
