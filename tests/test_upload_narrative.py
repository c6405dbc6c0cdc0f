"""lib/wording/upload_narrative.py: the Evaluate page's sentences, and values from the file shown literally."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from lib.quality.metrics import OVERALL
from lib.scoring.uploads import DropReport, UploadedTable
from lib.stores.tracking import ModelChoice, RunSummary
from lib.wording import upload_narrative as words


def test_markdown_in_values_from_the_file_is_escaped() -> None:
    hostile = "[click](javascript:alert(1)) ![x](http://t.example/p.png) **b** $x$ :smile: <b>x</b>\nnext"
    escaped = words.escape_markdown(hostile)
    for special in "[]()!*$:<>":
        assert all(escaped[i - 1] == "\\" for i, ch in enumerate(escaped) if ch == special)
    assert "\n" not in escaped
    assert words.quoted("a_b") == "“a\\_b”"


def table(sheet: str | None = None, encoding: str | None = "utf-8-sig", delimiter: str | None = ";") -> UploadedTable:
    return UploadedTable("f.csv", pd.DataFrame({"a": ["x"] * 3, "b": ["y"] * 3}), encoding, delimiter, sheet)


def test_upload_summary_says_how_the_file_was_read() -> None:
    assert (
        words.upload_summary(table()) == "3 rows and 2 columns, read as UTF-8 (with a byte-order mark) with values separated by semicolons."
    )
    assert words.upload_summary(table(encoding="cp1252", delimiter="\t")).endswith(
        "read as Windows-1252 (Western European) with values separated by tabs."
    )
    assert (
        words.upload_summary(table(sheet="Q3 *final*", encoding=None, delimiter=None))
        == "3 rows and 2 columns from the sheet “Q3 \\*final\\*”."
    )


def test_drop_sentences_count_each_reason_and_what_remains() -> None:
    report = DropReport(
        rows_in_file=120,
        empty_text=1,
        blank_label=3,
        unmapped_label=5,
        unmapped_values=(("maybe", 4), ("n/a", 1)),
        duplicates=2,
        duplicates_dropped=False,
        kept=111,
    )
    assert words.drop_sentences(report) == [
        "1 row without review text (empty or only spaces) is left out.",
        "3 rows without a true sentiment are left out.",
        "5 rows with a sentiment value not matched to any sentiment are left out: “maybe” (4), “n/a” (1).",
        "2 rows repeat an earlier review word for word; they are kept (the same review can really come twice).",
        "111 reviews of the 120 rows will be scored.",
    ]
    clean = DropReport(12, 0, 0, 0, (), 0, False, 12)
    assert words.drop_sentences(clean) == ["All 12 reviews will be scored."]
    dropped = DropReport(10, 0, 0, 0, (), 1, True, 9)
    assert words.drop_sentences(dropped)[0] == "1 row repeats an earlier review word for word; it is left out."


@pytest.mark.parametrize(
    ("done", "total", "elapsed", "expected"),
    [
        (0, 200_000, 0.0, "Scoring 200,000 reviews; each distinct text is scored once…"),
        (40_000, 200_000, 10.0, "Scored 40,000 of 200,000 distinct texts · about 40 seconds left"),
        (10_000, 200_000, 10.0, "Scored 10,000 of 200,000 distinct texts · about 3 minutes left"),
        (199_000, 200_000, 10.0, "Scored 199,000 of 200,000 distinct texts · a second or two left"),
        (200_000, 200_000, 12.0, "Scored 200,000 of 200,000 distinct texts · finishing"),
    ],
)
def test_scoring_progress_estimates_the_time_left_from_the_pace_so_far(done: int, total: int, elapsed: float, expected: str) -> None:
    assert words.scoring_progress(done, total, elapsed) == expected


def test_run_name_model_labels_and_result_notes() -> None:
    assert words.evaluation_run_name("feedback.csv", datetime(2026, 11, 25, 16, 5)) == "feedback.csv · 25 Nov 2026 16:05"
    alias = ModelChoice("models:/m@champion", "models:/m/1", "m", "Word TF-IDF", "1", "champion", "1")
    assert words.model_short_name(alias) == "m @champion"
    assert words.ticked_models_caption([alias]) == "m \\@\u2060champion: Word TF\\-IDF"
    assert words.model_short_name(ModelChoice("models:/m/2", "models:/m/2", "m", "", "1", "", "2")) == "m version 2"
    assert words.model_short_name(ModelChoice("runs:/abc/model", "runs:/abc/model", "my run", "", "1")) == "my run (runs:/abc/model)"
    run = RunSummary(
        "r1", "1", "feedback.csv · 25 Nov", "FINISHED", datetime(2026, 11, 25, 16, 5, tzinfo=UTC), {"example_count": 1234.0}, {}, {}
    )
    assert (
        words.result_note(run, "Demo", True)
        == "Done: 1,234 reviews scored and saved in MLflow as the run “feedback\\.csv · 25 Nov” in the experiment “Demo”."
    )
    assert words.result_note(run, "Demo", False).startswith(
        "The same reviews (text, true sentiment and category) were already evaluated with this model on 25 Nov 2026, 16:05"
    )


def test_distribution_sentence_gives_the_overall_shares() -> None:
    distribution = pd.DataFrame(
        {
            "group": [OVERALL] * 3 + ["App"] * 3,
            "overall": [True] * 3 + [False] * 3,
            "sentiment": ["negative", "neutral", "positive"] * 2,
            "reviews": [40, 18, 42, 1, 0, 0],
            "share": [0.4, 0.18, 0.42, 1.0, 0.0, 0.0],
        }
    )
    assert words.distribution_sentence(distribution) == "Of the 100 reviews, the model calls 40% negative, 18% neutral and 42% positive."


def test_one_column_and_headerless_files_are_described_with_agreeing_counts() -> None:
    one = UploadedTable("f.csv", pd.DataFrame({"Column 1": ["x"]}), "utf-8", words.ONE_COLUMN, None, True)
    assert words.upload_summary(one) == (
        "1 row and 1 column, read as UTF-8, one review per line. "
        "The file has no row of column names, so its columns are called Column 1, Column 2, …"
    )


def test_two_class_sentences_give_both_accuracies_with_intervals_and_counts() -> None:
    from lib.quality.two_class import two_class_summary

    summary = two_class_summary(
        pd.Series(["positive"] * 6 + ["negative"] * 4), pd.Series(["positive"] * 5 + ["neutral"] + ["negative"] * 3 + ["positive"])
    )
    first, second, third = words.two_class_sentences(summary)
    assert first.startswith("The file's true sentiments are only negative or positive, but the model can also answer neutral")
    assert "it called 1 of the 10 reviews (10%) neutral, and that answer counts as wrong." in first
    assert second.startswith("Over all 10 reviews it is right 80% of the time (95% interval ")
    assert third.startswith("Over the 9 reviews it did not call neutral, it picks the right side 89% of the time (95% interval ")


def test_evaluate_button_and_already_evaluated_note_agree_in_number() -> None:
    assert words.evaluate_button(1, 1) == "Evaluate 1 review"
    assert words.evaluate_button(12, 2) == "Evaluate 12 reviews with 2 models"
    assert words.already_evaluated_note(1, 1) == "1 of the models has already evaluated these reviews, so only the other one is scored now."
    assert words.already_evaluated_note(2, 3) == "2 of the models have already evaluated these reviews, so only the other 3 are scored now."


def test_a_two_class_file_with_no_neutral_answer_gets_one_sentence() -> None:
    from lib.quality.two_class import two_class_summary

    summary = two_class_summary(pd.Series(["positive", "negative"]), pd.Series(["positive", "positive"]))
    assert words.two_class_sentences(summary) == [
        "The file's true sentiments are only negative or positive. The model can also answer neutral, but called none of the "
        "2 reviews neutral, so its accuracy above is how well it tells negative from positive."
    ]
