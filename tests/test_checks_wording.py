"""lib/wording/checks.py and the logged form of a check (lib/quality/checks.py): sentences, counts, round trip."""

from __future__ import annotations

import pytest

from lib.quality.checks import METHOD_COMBINED, METHOD_SAMPLE_ONLY, CheckedAccuracy, check_method, check_metrics, logged_check
from lib.quality.metrics import Estimate
from lib.quality.ppi import PredictionPoweredMean
from lib.stores import contract
from lib.wording import checks as wording


def a_check(combined: bool, n_right: int = 37, n_checked: int = 50) -> CheckedAccuracy:
    alone = Estimate(n_right / n_checked, 0.60, 0.84, n_checked)
    ppi = PredictionPoweredMean(0.74, 0.02, 0.70, 0.78, n_checked, 11_950, 0.6) if combined else None
    return CheckedAccuracy(n_checked, n_right, 12_000, alone, Estimate(0.74, 0.70, 0.78, n_checked) if combined else None, ppi)


def test_headline_reads_as_the_issue_asks() -> None:
    assert wording.checked_headline(Estimate(0.74, 0.70, 0.78, 50), 12_000, True) == (
        "From the 50 reviews your team checked plus the model's confidence on all 12,000: 74% right (95% interval 70%–78%)."
    )
    assert wording.checked_headline(Estimate(0.74, 0.60, 0.84, 50), 12_000, False) == (
        "From the 50 reviews your team checked: 74% right (95% interval 60%–84%)."
    )


def test_progress_counts_agree() -> None:
    assert wording.check_progress(1, 50) == "1 of the 50 reviews in the sample is checked; 19 more are needed for a first figure."
    assert wording.check_progress(19, 50) == "19 of the 50 reviews in the sample are checked; 1 more is needed for a first figure."
    assert wording.check_progress(20, 50) == "20 of the 50 reviews in the sample are checked."


def test_sample_only_sentence_and_why_there_is_no_combined_figure() -> None:
    assert wording.sample_only_sentence(a_check(False)) == "The checked reviews alone: 37 of 50 right, 74% (95% interval 60%–84%)."
    assert wording.why_no_combined(a_check(True), True) is None
    assert "stored no probabilities" in wording.why_no_combined(a_check(False), False)
    assert "right on every checked review" in wording.why_no_combined(a_check(False, n_right=50), True)
    assert "wrong on every checked review" in wording.why_no_combined(a_check(False, n_right=0), True)


def test_reference_name_is_escaped() -> None:
    sentence = wording.confidence_source("[run](http://x)")
    assert "[run](" not in sentence and "\\[run\\]" in sentence
    assert "used as it is" in wording.confidence_source("")


@pytest.mark.parametrize("combined", [True, False])
def test_logged_values_round_trip(combined: bool) -> None:
    check = a_check(combined)
    metrics = check_metrics(check)
    tags = {contract.TAG_CHECK_METHOD: check_method(check)}
    assert tags[contract.TAG_CHECK_METHOD] == (METHOD_COMBINED if combined else METHOD_SAMPLE_ONLY)
    assert metrics[contract.CHECK_SAMPLE_SIZE] == 50 and metrics[contract.CHECK_POPULATION_SIZE] == 12_000
    figure, population, was_combined = logged_check(metrics, tags)
    assert (figure, population, was_combined) == (check.best, 12_000, combined)
    assert logged_check({k: v for k, v in metrics.items() if k != contract.CHECK_SAMPLE_SIZE}, tags) is None


def test_where_to_check_names_the_way_there() -> None:
    from lib.wording.checks import where_to_check

    assert "1 run of such feedback is waiting" in where_to_check(1, may_upload=True)
    assert "3 runs of such feedback are waiting" in where_to_check(3, may_upload=False)
    assert "“Evaluate a file” page" in where_to_check(0, may_upload=True)
    assert "Evaluate" not in where_to_check(0, may_upload=False)  # a viewer cannot upload: not told to


def test_runs_without_labels_are_finished_evaluations_without_accuracy() -> None:
    from lib.quality.checks import runs_without_labels
    from lib.stores import contract
    from lib.stores.tracking import RunSummary

    def run(name: str, status: str = "FINISHED", kind: str = contract.RUN_KIND_EVALUATION, **metrics: float) -> RunSummary:
        return RunSummary(name, "1", name, status, None, metrics, {}, {contract.TAG_RUN_KIND: kind})

    runs = [
        run("unlabelled", example_count=10),
        run("labelled", accuracy_score=0.8),
        run("running", status="RUNNING"),
        run("stress test", kind="robustness"),
        run("older unlabelled"),
    ]
    assert [r.name for r in runs_without_labels(runs)] == ["unlabelled", "older unlabelled"]
