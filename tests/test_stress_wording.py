"""Stress test words, chart and highlighted examples: sentences with intervals and bases, escaped HTML."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from lib.outputs import charts
from lib.outputs.highlight import changed_words_html
from lib.quality.metrics import wilson_interval
from lib.quality.text_changes import DIRECTION, INVARIANCE, STAY_OR_STRONGER
from lib.wording import stress as words


def test_finding_sentences_say_share_interval_and_basis() -> None:
    assert words.finding_sentence("typos", INVARIANCE, 140, 1000, 0.12, 0.16) == (
        "Typos (a swapped, dropped or doubled letter in about one word in twenty) change the model's answer on **14%** of reviews "
        "(95% interval 12%–16%, from 1,000 reviews)."
    )
    upper = words.finding_sentence("upper_case", INVARIANCE, 0, 1000, 0.0, 0.0038)
    assert "changes the model's answer on **0%** of reviews (95% interval 0%–0.4%, from 1,000 reviews)" in upper
    negation = words.finding_sentence("negation", DIRECTION, 1, 1, 0.2, 1.0)
    assert "fails to move the model's answer the expected way" in negation and "from 1 review)" in negation
    assert "Only 1 review could be changed this way, so this is a rough figure." in negation
    assert "weakens the model's answer" in words.finding_sentence("intensifier", STAY_OR_STRONGER, 3, 100, 0.01, 0.08)
    assert words.finding_sentence("name_swapped", INVARIANCE, 0, 0, np.nan, np.nan).endswith(
        "not tested, because no review in the sample names a person or product from the app's list."
    )


def test_findings_put_the_worst_first_and_untested_last() -> None:
    table = pd.DataFrame(
        {
            "change": ["typos", "name_swapped", "negation"],
            "kind": [INVARIANCE, INVARIANCE, DIRECTION],
            "failed": [10, 0, 50],
            "n": [100, 0, 100],
            "rate": [0.1, np.nan, 0.5],
            "low": [0.05, np.nan, 0.4],
            "high": [0.17, np.nan, 0.6],
        }
    )
    sentences = words.findings(table)
    assert sentences[0].startswith("Putting “not”") and sentences[1].startswith("Typos") and "not tested" in sentences[2]


def test_typo_anchor_places_the_model_against_giskard() -> None:
    assert words.typo_anchor(0.05, 0.04, 0.07, 1000).endswith(
        "This model: 5% (4%–7%), fewer: this model is more robust to typos than those."
    )
    assert words.typo_anchor(0.14, 0.12, 0.16, 1000).endswith("about the same, within the uncertainty.")
    assert words.typo_anchor(0.3, 0.27, 0.33, 1000).endswith("more: this model is less robust to typos than those.")


def test_robustness_summary_and_comparison_sentence() -> None:
    assert words.robustness_summary(["more robust", "within noise", "less robust", "more robust"]) == (
        "**Robustness (stress test):** the new version is more robust to 2 and less robust to 1 of the 4 changes tested in both runs."
    )
    assert "no clear difference on any of the 2 changes" in words.robustness_summary(["within noise", "within noise"])
    assert words.comparison_sentence("typos", 0.15, 0.06, -0.12, -0.06, "more robust") == (
        "Typos: 15% → 6% of reviews (change -9 points, 95% interval -12 to -6): the new version is more robust."
    )


def test_stress_chart_leaves_out_untested_changes_and_shows_the_anchor() -> None:
    failed, n = np.array([30, 0, 5]), np.array([300, 0, 50])
    low, high = wilson_interval(failed, n)
    table = pd.DataFrame(
        {
            "change": ["typos", "name_swapped", "negation"],
            "kind": [INVARIANCE, INVARIANCE, DIRECTION],
            "failed": failed,
            "n": n,
            "rate": np.where(n > 0, failed / np.maximum(n, 1), np.nan),
            "low": low,
            "high": high,
        }
    )
    spec = json.dumps(charts.stress_chart(table, (0.13, 0.15)).to_dict(), ensure_ascii=False)
    assert "Typos" in spec and words.CHANGE_LABELS["negation"] in spec and "Another name" not in spec
    assert "Giskard" in spec and words.KIND_LABELS[DIRECTION] in spec


def test_examples_are_escaped_and_only_the_changed_words_marked() -> None:
    before, after = changed_words_html("<b>great</b> & good", "<b>great</b> & not good")
    assert "<b>" not in before + after and "&lt;b&gt;great&lt;/b&gt; &amp; " in after
    assert "<mark" not in before and after.count("<mark") == 1 and ">not </mark>good" in after
    before, after = changed_words_html("Great phone", "Graet phone")
    assert before.count("<mark") == 1 and ">Great</mark> phone" in before and ">Graet</mark> phone" in after
