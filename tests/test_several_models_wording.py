"""lib/wording/several_models.py: who does better on this feedback, in plain words."""

from __future__ import annotations

import pandas as pd

from lib.quality.comparison import paired_comparison
from lib.quality.model_differences import PredictionDifferences
from lib.wording import several_models as words


def accuracy_row(truth: list[str], first: list[str], second: list[str]) -> pd.Series:
    return paired_comparison(pd.Series(truth), pd.Series(first), pd.Series(second), n_boot=200).row("accuracy")


def test_a_clear_winner_is_named_with_both_shares_and_the_interval() -> None:
    truth = ["positive", "negative"] * 100
    first = ["positive"] * 200  # right on half
    sentence = words.accuracy_verdict("champion", "challenger", accuracy_row(truth, first, truth))
    assert sentence.startswith(
        "On this feedback, **challenger** is right more often than **champion**: 100% against 50% of the same 200 reviews"
    )
    assert "a difference of +50.0 points for **challenger** (95% interval " in sentence
    reverse = words.accuracy_verdict("champion", "challenger", accuracy_row(truth, truth, first))
    assert reverse.startswith(
        "On this feedback, **champion** is right more often than **challenger**: 100% against 50% of the same 200 reviews"
    )


def test_no_clear_difference_is_called_chance() -> None:
    truth = ["positive", "negative"] * 10
    first = ["positive", "negative"] * 9 + ["negative", "negative"]
    second = ["positive", "negative"] * 9 + ["positive", "positive"]
    sentence = words.accuracy_verdict("A", "B", accuracy_row(truth, first, second))
    assert sentence.startswith("On this feedback, **A** and **B** are right about equally often: 95% and 95% of the same 20 reviews.")
    assert "The difference (+0.0 points, 95% interval " in sentence and sentence.endswith("points) could be chance.")


def test_a_change_cell_is_short_and_says_when_it_cannot_be_measured() -> None:
    assert words.change_cell(0.04, 0.012, 0.068) == "+4.0 pts (+1.2 to +6.8)"
    assert words.change_cell(float("nan"), 0.0, 0.1) == "cannot be measured"


def test_right_and_wrong_counts_agree_in_number_and_names_are_escaped() -> None:
    sentence = words.right_and_wrong_sentence("model_[x]", "B", 1, 12, 0.003)
    assert sentence.startswith("**B** gets 1 review right that **model\\_\\[x\\]** gets wrong; **model\\_\\[x\\]** gets 12 reviews right")
    assert "That **model\\_\\[x\\]** wins more of these is unlikely to be chance (McNemar's test" in sentence


def test_differences_name_the_commonest_disagreement() -> None:
    pairs = pd.DataFrame({"first_says": ["neutral"], "second_says": ["positive"], "reviews": [3]})
    sentence = words.differences_sentence("A", "B", PredictionDifferences(reviews=12, differ=4, pairs=pairs))
    assert sentence == (
        "**A** and **B** give a different sentiment to 4 of the 12 reviews (33%). "
        "Most often **A** says neutral where **B** says positive (3 reviews)."
    )
    same = PredictionDifferences(reviews=1, differ=0, pairs=pairs.iloc[0:0])
    assert words.differences_sentence("A", "B", same) == "**A** and **B** give the only review the same sentiment."


def test_estimated_comparison_says_which_is_better_only_when_the_intervals_do_not_overlap() -> None:
    apart = words.estimated_comparison_sentence("A", "B", (0.80, 0.76, 0.84), (0.60, 0.55, 0.65))
    assert apart.startswith("**Estimated**") and "80%" in apart and "55%–65%" in apart
    assert "do not overlap: **B**" not in apart and "do not overlap: **A** probably does better" in apart
    close = words.estimated_comparison_sentence("A", "B", (0.70, 0.66, 0.74), (0.72, 0.68, 0.76))
    assert "overlap, so" in close and "probably does better" not in close
    hostile = words.estimated_comparison_sentence("*A*", "B", (0.7, 0.6, 0.8), (0.7, 0.6, 0.8))
    assert "\\*A\\*" in hostile
