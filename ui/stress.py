"""Streamlit glue of the Stress test page: run and store a test with progress, read a stored one, draw examples."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from lib.outputs import charts
from lib.outputs.highlight import changed_words_html
from lib.quality.stress import StressResult
from lib.quality.text_changes import CHANGES_BY_KEY
from lib.scoring.stress_test import log_stress_result, run_stress_test, stored_stress_result
from lib.stores import contract
from lib.stores.tracking import RunSummary
from lib.wording import stress as words
from lib.wording.markdown import escape_markdown
from ui import data

EXAMPLES_SHOWN = 5
TOP_FINDINGS = 3


@st.cache_data(max_entries=8, show_spinner="Reading the stored stress test…")
def _stored(tracking_uri: str, run_id: str, described: str) -> StressResult | None:
    """Keyed by the run's robustness tag too, so a new test of the same run is read afresh."""
    return stored_stress_result(data.tracking_store(tracking_uri), run_id, {contract.TAG_ROBUSTNESS: described})


def stored_result(run: RunSummary) -> StressResult | None:
    """The stress test stored with a finished run, or None."""
    described = run.tags.get(contract.TAG_ROBUSTNESS)
    if described is None:
        return None
    return _stored(data.settings().tracking_uri, run.run_id, described)


def described(run: RunSummary) -> dict:
    """Sample size, seed and model of the run's stored stress test ({} without one)."""
    return json.loads(run.tags.get(contract.TAG_ROBUSTNESS) or "{}")


def run_and_store(run: RunSummary, predictions: pd.DataFrame, sample_size: int, seed: int) -> StressResult:
    """Run the test with the run's own model (with a progress bar) and store it with the run."""
    uri = data.settings().tracking_uri
    model = data.scoring_model(uri, run.model_uri)
    bar = st.progress(0.0, text=words.progress_text(0, 0))
    result = run_stress_test(
        model,
        predictions,
        sample_size=sample_size,
        seed=seed,
        on_progress=lambda done, n, _elapsed: bar.progress(done / n, text=words.progress_text(done, n)),
    )
    bar.progress(1.0, text="Storing the result with the run…")
    log_stress_result(data.store(), run.run_id, result, seed=seed, model_uri=run.model_uri)
    data.forget_artifact_listings()
    bar.empty()
    return result


def findings(result: StressResult) -> None:
    """The changes that throw the model most in sentences, the outside anchor for typos, the chart, then every change in words."""
    sentences = words.findings(result.table)
    for sentence in sentences[:TOP_FINDINGS]:
        st.markdown(f"- {sentence}")
    typos = result.row("typos")
    st.markdown(words.typo_anchor(typos["rate"], typos["low"], typos["high"], int(typos["n"])))
    anchor = (words.GISKARD_TYPO_LOW, words.GISKARD_TYPO_HIGH)
    st.altair_chart(charts.stress_chart(result.table, anchor), width="stretch")
    st.caption(words.CHART_CAPTION)
    with st.expander(words.all_changes_label(len(sentences))):
        for sentence in sentences:
            st.markdown(f"- {sentence}")


def examples(result: StressResult) -> None:
    """Side-by-side original and changed reviews of one change, the ones that threw the model first."""
    tested = [c for c in result.table.sort_values("rate", ascending=False).itertuples() if c.n > 0]
    if not tested:
        return
    change = st.selectbox(
        "Show examples of",
        [c.change for c in tested],
        format_func=lambda key: words.CHANGE_LABELS[key],
        key="stress_examples_change",
    )
    row = result.row(change)
    st.markdown(f"**{words.example_heading(change, int(row['failed']), int(row['n']))}**")
    st.caption(words.CHANGE_SUBJECTS[change][0] + f" — it {words.KIND_LABELS[CHANGES_BY_KEY[change].kind]}.")
    pairs = result.pairs[result.pairs["change"] == change].sort_values("failed", ascending=False, kind="stable").head(EXAMPLES_SHOWN)
    for pair in pairs.itertuples():
        before_html, after_html = changed_words_html(pair.original, pair.changed)
        with st.container(border=True):
            left, right = st.columns(2)
            left.caption("Original review")
            left.html(f"<div>{before_html}</div>")
            right.caption("Changed review")
            right.html(f"<div>{after_html}</div>")
            verdict = "did not behave as it should" if pair.failed else "behaved as it should"
            st.markdown(f"{words.answer_caption(escape_markdown(pair.before), escape_markdown(pair.after))} It {verdict}.")
