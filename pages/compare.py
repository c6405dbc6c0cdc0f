"""Compare: is the new version really better than the baseline, and on which reviews?"""

import pandas as pd
import streamlit as st

from lib.errors import UserFacingError
from lib.outputs import charts
from lib.quality.comparison import COMPARED_METRICS
from lib.quality.stress import robustness_difference, table_from_metrics
from lib.stores import contract
from lib.wording import compare_narrative, metric_names, run_narrative
from lib.wording import stress as stress_words
from lib.wording.markdown import escape_markdown
from ui import data, sidebar
from ui.components import loaded_or_stop, show_user_error

selection = sidebar.selected_or_stop()
st.title("Is the new version better?")

comparable = loaded_or_stop(
    lambda: [r for r in selection.runs if r.is_finished and contract.PREDICTIONS_ARTIFACT in data.artifact_names(r)]
)
if len(comparable) < 2:
    st.info(
        "Comparing needs at least two finished runs with a predictions file in this experiment. "
        "Evaluate another model on the same reviews, then come back."
    )
    st.stop()

default_base = selection.baseline if selection.baseline in comparable else comparable[-1]
left, right = st.columns(2)
baseline = left.selectbox(
    "Baseline (the version to beat)",
    comparable,
    index=comparable.index(default_base),
    format_func=run_narrative.run_choice_label,
    key="compare_baseline",
)
others = [r for r in comparable if r.run_id != baseline.run_id]
default_new = [selection.run] if selection.run in others else others[:1]
iterations = right.multiselect("New versions", others, default=default_new, format_func=run_narrative.run_choice_label, key="compare_new")
if not iterations:
    st.info("Pick at least one new version to compare with the baseline.")
    st.stop()
metric = st.selectbox("Measure for the per-category chart", COMPARED_METRICS, format_func=metric_names.metric_label, key="compare_metric")
st.caption(metric_names.metric_explanation(metric))


def robustness_comparison(new_run) -> None:
    """Which run is more robust, when both were stress-tested (from their robustness.* metrics)."""
    tables = [table_from_metrics(r.metrics) for r in (baseline, new_run)]
    if all(t is None for t in tables):
        return
    if any(t is None for t in tables):
        st.caption(stress_words.ONE_SIDED_STRESS_TEST)
        return
    differences = robustness_difference(*tables)
    st.markdown(stress_words.robustness_summary(differences["verdict"].tolist()))
    with st.expander(stress_words.ROBUSTNESS_DETAILS):
        for r in differences.itertuples():
            st.markdown(f"- {stress_words.comparison_sentence(r.change, r.baseline, r.new, r.low, r.high, r.verdict)}")


def show_changes(new_run) -> None:
    """Everything about one new version against the baseline."""
    column = contract.CATEGORY
    try:
        result, changes = data.comparison(data.settings().tracking_uri, baseline.run_id, new_run.run_id, column)
    except UserFacingError as error:
        show_user_error(error)
        return
    if not result.paired:
        st.warning(
            "These two runs were evaluated on different reviews, so only overall and per-category figures are compared, "
            "each with its own uncertainty. Which reviews were fixed or broken cannot be said.",
            icon="⚠️",
        )
    st.markdown(f"#### {compare_narrative.accuracy_verdict(result)}")
    st.dataframe(pd.DataFrame(compare_narrative.measure_changes(result)), hide_index=True, width="stretch")
    per_category = result.by_group[result.by_group["metric"] == metric]
    if len(per_category):
        st.markdown(f"**Change per category: {metric_names.metric_in_sentence(metric)}**")
        st.altair_chart(charts.delta_chart(per_category, metric_names.metric_label(metric)), width="stretch")
        st.caption(compare_narrative.per_category_changes_caption(per_category["slice"].nunique()))
    robustness_comparison(new_run)
    if result.paired and changes is not None:
        st.markdown(compare_narrative.fixed_broken_sentence(result.fixed, result.broken, result.mcnemar_p))
        columns = [contract.TEXT, contract.TRUE_LABEL, "baseline_said", "new_says"] + (
            [contract.CATEGORY] if contract.CATEGORY in changes else []
        )
        names = {
            contract.TEXT: "Review",
            contract.TRUE_LABEL: "Truly",
            "baseline_said": "Baseline said",
            "new_says": "New version says",
            contract.CATEGORY: "Category",
        }
        fixed_tab, broken_tab = st.tabs([f"Fixed ({result.fixed:,})", f"Newly broken ({result.broken:,})"])
        for tab, kind in ((fixed_tab, "fixed"), (broken_tab, "newly broken")):
            with tab:
                st.dataframe(
                    changes.loc[changes["change"] == kind, columns].rename(columns=names), hide_index=True, width="stretch", height=320
                )


tabs = st.tabs([escape_markdown(r.name) for r in iterations]) if len(iterations) > 1 else [st.container()]
for tab, new_run in zip(tabs, iterations, strict=True):
    with tab:
        if len(iterations) == 1:
            st.subheader(f"{escape_markdown(new_run.name)} against {escape_markdown(baseline.name)}")
        show_changes(new_run)
