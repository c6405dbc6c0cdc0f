"""Overview: how good is this model, in plain words, with uncertainty and change vs baseline."""

import pandas as pd
import streamlit as st

from lib.outputs import charts
from lib.stores import contract
from lib.wording import compare_narrative, metric_names, overview_narrative, run_narrative
from lib.wording.markdown import escape_markdown
from ui import auth, checks, data, estimates, presentation, sidebar
from ui.components import corrected_labels_switch, kpi_card, loaded_or_stop, stop_unless_finished

selection = sidebar.selected_or_stop()
run, baseline = selection.run, selection.baseline

st.title("How good is the model?")
presentation.technical_caption(escape_markdown(run_narrative.run_caption(run)))

stop_unless_finished(run)
if estimates.show_if_unlabelled(run):  # no true labels: lead with the quality estimated from the model's confidence
    checks.overview_section(run, auth.allowed("annotate", selection.experiment))
    st.stop()
report = loaded_or_stop(lambda: data.report(run))
other_baseline = baseline is not None and baseline.run_id != run.run_id
like_with_like = other_baseline and data.same_reviews(run, baseline)
baseline_report = loaded_or_stop(lambda: data.report(baseline) if like_with_like else None)

if report is None:
    for note in run_narrative.missing_parts(False, run.metrics, data.artifact_names(run)):
        st.info(note, icon="ℹ️")
    rows = metric_names.logged_metric_rows(run.metrics)
    if rows:
        st.subheader("What this run logged")
        logged = pd.DataFrame(rows)
        st.dataframe(logged.drop(columns="Logged as") if presentation.presenting() else logged, hide_index=True, width="stretch")
    st.stop()

for sentence in overview_narrative.headline(report):
    st.markdown(f"#### {sentence}")
human = data.ceiling(run)
if human is not None and human.estimate() is not None:
    st.markdown(
        overview_narrative.ceiling_sentence(report.estimate("accuracy"), human.estimate()), help=overview_narrative.CEILING_EXPLANATION
    )
corrected_labels_switch(run, report, ["accuracy", "macro_f1", *(f"recall:{label}" for label in report.labels)])


def baseline_estimate(metric: str):
    """The same metric in the baseline run, when there is one to compare with."""
    return baseline_report.estimate(metric) if baseline_report is not None else None


# Whether each change is real: the very comparison the Compare page (by category, its default) and the
# Client report show, cached per pair of runs. Split otherwise, its bootstrap draws differ a little.
changes = None
if baseline_report is not None:
    compared = loaded_or_stop(lambda: data.comparison(data.settings().tracking_uri, baseline.run_id, run.run_id, contract.CATEGORY))
    changes = compared[0] if compared is not None else None


def change_verdict(metric: str) -> str | None:
    """The comparison's verdict on this metric's change, when there is one."""
    if changes is None or metric not in changes.overall.index:
        return None
    return str(changes.row(metric)["verdict"])


cards = metric_names.kpi_cards(report.labels)
for column, card in zip(st.columns(len(cards)), cards, strict=True):
    with column:
        kpi_card(card.title, report.estimate(card.metric), baseline_estimate(card.metric), card.explanation, change_verdict(card.metric))
if other_baseline and not like_with_like:
    st.caption(compare_narrative.baseline_on_other_reviews(escape_markdown(baseline.name)))
elif like_with_like and baseline_report is None:
    st.caption(f"The baseline run “{escape_markdown(baseline.name)}” has no predictions file, so no changes are shown.")

st.subheader("Where the mistakes go")
chart_column, words_column = st.columns([3, 2])
with chart_column:
    st.altair_chart(charts.confusion_chart(report), width="stretch")
with words_column:
    for sentence in overview_narrative.confusion_sentences(report):
        st.markdown(f"- {sentence}")
    st.caption("Each row of the chart is one true sentiment; the dark squares on the diagonal are the right answers.")

with st.expander("What these numbers mean"):
    for term, meaning in metric_names.glossary():
        st.markdown(f"**{term}**: {meaning}")
