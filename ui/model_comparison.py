"""The Evaluate page's answer when several models scored one file: who does better on this feedback."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.quality.comparison import COMPARED_METRICS, Comparison
from lib.quality.model_differences import prediction_differences
from lib.stores import contract
from lib.stores.tracking import RunSummary
from lib.wording import several_models as words
from lib.wording.compare_narrative import VERDICT_WORDS
from lib.wording.markdown import escape_markdown
from lib.wording.metric_names import metric_label
from lib.wording.numbers import count, percent
from ui import data


def show_comparison(runs: list[RunSummary], names: list[str]) -> None:
    """Every model after the first against the first, paired on the same reviews (labelled) or by their disagreements."""
    st.subheader("Which model does better on this feedback?")
    st.caption(words.FIRST_IS_THE_ONE_TO_BEAT)
    first, first_name = runs[0], names[0]
    report = data.report(first)
    labelled = report is not None and report.n > 0
    for run, name in zip(runs[1:], names[1:], strict=True):
        if len(runs) > 2:
            st.markdown(f"**{escape_markdown(name)} against {escape_markdown(first_name)}**")
        if labelled:
            result, _ = data.comparison(data.settings().tracking_uri, first.run_id, run.run_id, contract.CATEGORY)
            _show_paired(result, first_name, name)
        else:
            _show_differences(first, run, first_name, name)


def _show_paired(result: Comparison, first_name: str, second_name: str) -> None:
    st.markdown(f"#### {words.accuracy_verdict(first_name, second_name, result.row('accuracy'))}")
    st.markdown(words.right_and_wrong_sentence(first_name, second_name, result.fixed, result.broken, result.mcnemar_p))
    rows = []
    for metric in COMPARED_METRICS:
        r = result.row(metric)  # all reviews
        rows.append(
            {
                "Measure": metric_label(metric),
                first_name: percent(r["baseline"]),
                second_name: percent(r["new"]),
                "Change (95% interval)": words.change_cell(r["delta"], r["low"], r["high"]),
                "Verdict": VERDICT_WORDS[r["verdict"]],
                "Reviews": count(r["n"]),
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def _show_differences(first: RunSummary, second: RunSummary, first_name: str, second_name: str) -> None:
    first_predictions, second_predictions = data.predictions(first), data.predictions(second)
    if first_predictions is None or second_predictions is None:
        st.warning("A run has no predictions file, so the models' answers cannot be compared.")
        return
    found = prediction_differences(first_predictions, second_predictions)
    st.markdown(f"#### {words.differences_sentence(first_name, second_name, found)}")
    st.caption(words.UNLABELLED_COMPARISON_NOTE)
    estimated = [_estimated_accuracy(run.run_id) for run in (first, second)]
    if None in estimated:
        st.info(words.NO_ESTIMATE_TO_COMPARE)
    else:
        st.markdown(words.estimated_comparison_sentence(first_name, second_name, estimated[0], estimated[1]))


def _estimated_accuracy(run_id: str) -> tuple[float, float, float] | None:
    """The estimated accuracy logged with a run (value, lower, upper), read fresh: it is logged right after scoring."""
    metrics = data.store().run(run_id).metrics
    name = contract.estimated_metric_name("accuracy")
    found = [metrics.get(name + suffix) for suffix in ("", "_lower", "_upper")]
    return None if None in found else (found[0], found[1], found[2])
