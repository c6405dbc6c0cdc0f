"""Client report: one self-contained HTML file about the chosen run, to send to a client."""

from datetime import date

import pandas as pd
import streamlit as st

from lib.errors import UserFacingError
from lib.outputs import report as client_report
from lib.quality.review_queue import CONFIDENCE, REVIEW_KEY
from lib.quality.slices import category_columns
from lib.quality.stress import table_from_metrics
from lib.stores import contract
from lib.wording import compare_narrative, report_narrative
from lib.wording.markdown import escape_markdown
from ui import data, navigation, sidebar
from ui.components import loaded_or_stop, stop_unless_finished

EXAMPLE_CHOICES = 200

selection = sidebar.selected_or_stop()
run, experiment = selection.run, selection.experiment
navigation.require_page(__file__, experiment)

st.title("Client report")
st.caption(report_narrative.REPORT_CONTENTS)
stop_unless_finished(run)
frame = loaded_or_stop(lambda: data.predictions(run))
report = loaded_or_stop(lambda: data.report(run))
if frame is None or report is None or report.n == 0:
    st.info(report_narrative.REPORT_NEEDS_PREDICTIONS, icon="ℹ️")
    st.stop()

# ---- what goes in ---------------------------------------------------------------------------

baseline, baseline_report, comparison = selection.baseline, None, None
other_baseline = baseline is not None and baseline.run_id != run.run_id
if other_baseline and not data.same_reviews(run, baseline):
    st.caption(compare_narrative.baseline_on_other_reviews(escape_markdown(baseline.name)))
elif other_baseline and baseline.is_finished:
    try:
        baseline_report = data.report(baseline)
    except UserFacingError:
        baseline_report = None
    if baseline_report is not None and st.toggle(
        f"Compare with the baseline “{escape_markdown(baseline.name)}”", value=True, key=f"report_compare_{run.run_id}_{baseline.run_id}"
    ):
        result, _ = data.comparison(data.settings().tracking_uri, baseline.run_id, run.run_id, contract.CATEGORY)
        comparison = client_report.comparison_part(result, baseline.name)
    else:
        baseline_report = None

columns = category_columns(frame)
column = contract.CATEGORY if contract.CATEGORY in columns else (columns[0] if columns else None)
category_report = data.category_report(run, column) if column else None

st.subheader("Example reviews")
mistakes = data.mistakes(run)
picked: list[str] = []
if mistakes is None or mistakes.empty:
    st.caption("This run has no misclassified reviews with a true label to pick from.")
else:
    st.caption(
        f"Tick up to {client_report.MAX_EXAMPLES} of the model's mistakes to show in the report; "
        "the most confidently wrong come first. Pick ones the client will recognise."
    )
    choices = mistakes.head(EXAMPLE_CHOICES)
    table = pd.DataFrame(
        {
            "Include": False,
            "Review": choices[contract.TEXT].astype(str).str.slice(0, 220),
            "Truly": choices[contract.TRUE_LABEL].astype(str),
            "Model said": choices[contract.PREDICTED_LABEL].astype(str),
            "Confidence": choices[CONFIDENCE] if CONFIDENCE in choices else float("nan"),
        }
    )
    if contract.CATEGORY in choices:
        table.insert(2, "Category", choices[contract.CATEGORY].astype(str))
    edited = st.data_editor(
        table.reset_index(drop=True),
        key=f"report_examples_{run.run_id}",
        hide_index=True,
        width="stretch",
        height=320,
        disabled=[c for c in table.columns if c != "Include"],
        column_config={
            "Include": st.column_config.CheckboxColumn("Include", width="small"),
            "Review": st.column_config.TextColumn("Review", width="large"),
            "Confidence": st.column_config.ProgressColumn("Confidence", min_value=0.0, max_value=1.0, format="percent"),
        },
    )
    picked = choices[contract.REVIEW_ID].astype(str).to_numpy()[edited["Include"].to_numpy(dtype=bool)].tolist()
    if len(picked) > client_report.MAX_EXAMPLES:
        st.warning(f"Only the first {client_report.MAX_EXAMPLES} ticked reviews go into the report.")

annotations = {}
if picked and mistakes is not None:
    keys = mistakes.loc[mistakes[contract.REVIEW_ID].astype(str).isin(picked), REVIEW_KEY]
    try:
        annotations = client_report.annotation_summaries(data.annotation_store().current(run.experiment_id, review_keys=keys))
    except UserFacingError:
        annotations = {}  # the report is still worth having without the annotators' verdicts
examples = client_report.examples_from(mistakes, picked, annotations) if picked else ()

# ---- the file -------------------------------------------------------------------------------

content = client_report.report_content(
    experiment_name=experiment.name,
    run_name=run.name,
    model_description=run.model_description,
    generated=date.today().strftime("%d %B %Y"),
    report=report,
    baseline_report=baseline_report,
    category_report=category_report,
    comparison=comparison,
    examples=examples,
    robustness=client_report.robustness_part(table_from_metrics(run.metrics)),
)
document = client_report.report_html(content)
st.download_button(
    "Download the report (HTML)",
    data=document.encode("utf-8"),
    file_name=client_report.report_file_name(experiment.name, run.name),
    mime="text/html",
    on_click="ignore",
    type="primary",
    icon=":material/download:",
    key="report_download",
    help="One file that opens in any browser, even offline. To make a PDF, open it and print.",
)
with st.expander("Preview", expanded=True):
    st.iframe(document, height=900)
