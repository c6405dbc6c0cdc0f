"""Counted words agree with their numbers: lib/wording/counts.py, and a sweep over every page and the client report.

The sweep renders every page of the app (AppTest) and the client report on runs whose counts are
0, 1 and 2 (reviews per sentiment, per category, mistakes, annotators, corrections, fixes and
breaks) and searches all the text they show for forms such as "1 reviews", "1 were" or "2 review".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lib.outputs import report as client_report
from lib.quality.comparison import paired_comparison
from lib.quality.metrics import quality_report
from lib.scoring.evaluation import log_evaluation_run
from lib.stores import contract
from lib.stores.annotations import AnnotationStore, review_fingerprint
from lib.stores.tracking import TrackingStore
from lib.wording.counts import agreeing, all_counted, counted, plural_noun, plural_verb
from lib.wording.metric_names import kpi_cards
from tests.conftest import PROJECT_ROOT, settings_for

APP = str(PROJECT_ROOT / "app.py")
PAGES = sorted(str(path.relative_to(PROJECT_ROOT)) for path in (PROJECT_ROOT / "pages").glob("*.py"))
NOUNS = r"(?:reviews?|rows?|columns?|categor(?:y|ies)|annotators?|mistakes?|labels?|texts?|verdicts?|runs?|people|persons?)"
# A number that is exactly 0, 1 or 2..9 (not part of 11, 2,001 or 0.1).
ONE = r"(?<![\d,.])1(?![\d,.%])"
MANY = r"(?<![\d,.])(?:0|[2-9])(?![\d,.%])"
# Words between a number and its noun ("1 truly neutral review"), never a counted noun or verb themselves.
BETWEEN = rf"(?:(?!{NOUNS}\b|were\b|have\b|are\b|was\b|has\b|is\b)[a-z-]+ ){{0,2}}"
BAD_FORMS = {
    "one with a plural noun": rf"{ONE} {BETWEEN}(?:reviews|rows|columns|categories|annotators|mistakes|labels|texts|verdicts|runs|people)\b",
    "one with a plural verb": rf"{ONE} (?:{BETWEEN}{NOUNS} (?:that |which )?)?(?:were|have|are)\b",
    "several with a singular noun": rf"{MANY} {BETWEEN}(?:review|row|column|category|annotator|mistake|label|text|verdict|run)\b(?! text)",
    "several with a singular verb": rf"{MANY} {BETWEEN}(?:reviews|rows|categories|annotators|mistakes) (?:that |which )?(?:was|has|is)\b",
    "all of one": r"\b[Aa]ll 1\b",
    "a count in brackets": r"\w\(s\)",
    "not measurable agreement": r"called not measurable",
}


def bad_forms(text: str) -> list[str]:
    """Every counted form in ``text`` whose number and words disagree, with what is wrong with it."""
    return [f"{what}: “{m.group(0)}”" for what, pattern in BAD_FORMS.items() for m in re.finditer(pattern, text)]


# ---- the helper itself ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "noun", "verb", "expected"),
    [
        (0, "review", "", "0 reviews"),
        (1, "review", "", "1 review"),
        (2, "review", "", "2 reviews"),
        (4712, "review", "", "4,712 reviews"),
        (1, "review", "has", "1 review has"),
        (2, "review", "has", "2 reviews have"),
        (1, "row", "was", "1 row was"),
        (0, "row", "is", "0 rows are"),
        (1, "category", "has", "1 category has"),
        (2, "category", "has", "2 categories have"),
        (2, "truly neutral review", "", "2 truly neutral reviews"),
        (2, "mistake", "matches", "2 mistakes match"),
        (1, "mistake", "matches", "1 mistake matches"),
        (3, "user", "lacks", "3 users lack"),
        (2, "person", "", "2 people"),
        (2, "box", "", "2 boxes"),
        (2, "day", "", "2 days"),
    ],
)
def test_counted_agrees_noun_and_verb_with_the_number(n: int, noun: str, verb: str, expected: str) -> None:
    assert counted(n, noun, verb) == expected
    assert bad_forms(expected) == []


def test_plural_forms_and_agreeing_verbs() -> None:
    assert [plural_noun(w) for w in ("review", "category", "class", "annotator", "it")] == [
        "reviews",
        "categories",
        "classes",
        "annotators",
        "they",
    ]
    assert [plural_verb(w) for w in ("was", "has", "is", "repeats", "matches", "does")] == ["were", "have", "are", "repeat", "match", "do"]
    assert (agreeing(1, "was"), agreeing(0, "was"), agreeing(2, "was")) == ("was", "were", "were")
    assert (all_counted(0, "review"), all_counted(1, "review"), all_counted(3, "review")) == ("no reviews", "the 1 review", "all 3 reviews")


@pytest.mark.parametrize(
    "wrong",
    [
        "1 reviews",
        "Of 1 truly neutral reviews",
        "1 were called neutral",
        "1 review have verdicts",
        "2 review",
        "All 1 review",
        "2 user(s)",
        "usually called not measurable agreement",
        "2 reviews was",
    ],
)
def test_the_sweep_recognises_each_wrong_form(wrong: str) -> None:
    assert bad_forms(f"Before. {wrong} after.")


@pytest.mark.parametrize(
    "right",
    ["11 reviews", "2,001 reviews", "1 of 2 reviews", "0.1 points", "1 review has verdicts", "2 reviews were", "1%", "1 review that is"],
)
def test_the_sweep_leaves_right_forms_alone(right: str) -> None:
    assert bad_forms(f"Before. {right} after.") == []


# ---- a store whose counts are 0, 1 and 2 ---------------------------------------------------------


@dataclass(frozen=True)
class CountsStore:
    data_dir: Path
    experiment_id: str
    runs: dict[str, str]
    frames: dict[str, pd.DataFrame]


def reviews_frame(rows: list[tuple[str, str, str | None]], prefix: str) -> pd.DataFrame:
    """Reviews from (true, said, category) triples."""
    frame = pd.DataFrame(rows, columns=[contract.TRUE_LABEL, contract.PREDICTED_LABEL, contract.CATEGORY])
    frame.insert(0, contract.REVIEW_ID, [f"{prefix}{i}" for i in range(len(frame))])
    frame.insert(1, contract.TEXT, [f"counted review {prefix}{i}" for i in range(len(frame))])
    return frame


# Same reviews in "before" and "after" (paired): 2 truly negative, 1 truly neutral, 0 truly positive;
# categories "Pair" (2 reviews) and "Solo" (1 review). After: 1 review fixed, 1 newly broken.
BEFORE = [("negative", "negative", "Pair"), ("negative", "negative", "Pair"), ("neutral", "positive", "Solo")]
AFTER = [("negative", "negative", "Pair"), ("negative", "neutral", "Pair"), ("neutral", "neutral", "Solo")]
ONE_REVIEW = [("positive", "positive", None)]
TWO_WRONG = [("positive", "negative", "Solo"), ("neutral", "negative", "Pair")]


@pytest.fixture(scope="module")
def counts_store(tmp_path_factory: pytest.TempPathFactory) -> CountsStore:
    """One experiment of tiny runs (counts 0, 1 and 2 everywhere) and annotations by 1 and 2 people."""
    data_dir = tmp_path_factory.mktemp("counts_store")
    settings = settings_for(data_dir, SENTIMENT_REVIEW_SEED_DEMO="false")
    store = TrackingStore(settings.tracking_uri)
    experiment_id = store.ensure_experiment("Counted words", artifact_location=settings.artifact_root.as_uri())
    frames = {
        "before": reviews_frame(BEFORE, "p"),
        "after": reviews_frame(AFTER, "p"),
        "one review": reviews_frame(ONE_REVIEW, "o").drop(columns=contract.CATEGORY),
        "two wrong": reviews_frame(TWO_WRONG, "w"),
    }
    runs = {}
    for name, frame in frames.items():
        tags = {contract.TAG_ROLE: contract.ROLE_BASELINE} if name == "before" else None
        runs[name] = log_evaluation_run(
            store, experiment_id=experiment_id, run_name=name, predictions=frame, dataset_name=name, dataset_source="hand-made", tags=tags
        )
    annotations = AnnotationStore(settings.annotations_db_url)
    # The neutral review: two annotators, one correcting its label; the first "Pair" review: one annotator.
    verdicts = [("p2", "alice", "label_wrong", "positive"), ("p2", "bob", "label_wrong", "positive"), ("p1", "alice", "model_wrong", None)]
    for review_id, annotator, verdict, label in verdicts:
        text = frames["before"].set_index(contract.REVIEW_ID).loc[review_id, contract.TEXT]
        key = review_fingerprint(text, experiment_id)
        annotations.record(
            experiment_id=experiment_id,
            review_key=key,
            dataset="before",
            review_id=review_id,
            run_id=runs["before"],
            model_uri="",
            annotator=annotator,
            verdict=verdict,
            corrected_label=label,
            expected_version=annotations.review_version(experiment_id, key),
        )
    return CountsStore(data_dir, experiment_id, runs, frames)


@pytest.fixture
def counts_env(counts_store: CountsStore, monkeypatch: pytest.MonkeyPatch) -> CountsStore:
    """Point the app at the counts store, without seeding the demo into it."""
    monkeypatch.setenv("SENTIMENT_REVIEW_DATA_DIR", str(counts_store.data_dir))
    monkeypatch.setenv("SENTIMENT_REVIEW_SEED_DEMO", "false")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("SENTIMENT_REVIEW_ANNOTATIONS_DB_URL", raising=False)
    return counts_store


def shown_text(at: AppTest) -> str:
    """Everything a person reads on the page: text elements, labels, helps, tabs and table cells, unescaped."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success", "text"):
        parts += [str(element.value) for element in getattr(at, kind)]
    for kind in ("toggle", "button", "checkbox", "radio", "selectbox", "text_input", "expander", "tabs", "metric"):
        for element in getattr(at, kind):
            parts += [str(getattr(element, attribute, "") or "") for attribute in ("label", "help", "value", "delta")]
    for kind in ("dataframe", "table"):
        for element in getattr(at, kind):
            frame = element.value
            parts += [str(c) for c in frame.columns] + [str(v) for v in frame.astype(str).to_numpy().ravel()]
    return re.sub(r"\\(.)", r"\1", "\n".join(parts)).replace("\u2060", "")


@pytest.mark.parametrize("run", ["before", "after", "one review", "two wrong"])
@pytest.mark.parametrize("page", PAGES)
def test_no_page_shows_a_number_that_disagrees_with_its_words(counts_env: CountsStore, page: str, run: str) -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["experiment"] = counts_env.experiment_id
    at.query_params["run"] = counts_env.runs[run]
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    for toggle in at.toggle:  # the corrected-labels switch and the like show more counted words
        if toggle.label.startswith("Use corrected labels"):
            toggle.set_value(True).run()
    text = shown_text(at)
    assert len(text) > 200, "the page shows next to nothing; the sweep would prove nothing"
    assert bad_forms(text) == []


@pytest.mark.parametrize("run", ["after", "one review", "two wrong"])
def test_the_client_report_shows_no_number_that_disagrees_with_its_words(counts_store: CountsStore, run: str) -> None:
    frame = counts_store.frames[run]
    truth, said = frame[contract.TRUE_LABEL], frame[contract.PREDICTED_LABEL]
    report = quality_report(truth, said, n_boot=50)
    groups = frame.get(contract.CATEGORY)
    category_report = quality_report(truth, said, groups=groups, n_boot=50) if groups is not None else None
    comparison = None
    if run == "after":
        before = counts_store.frames["before"]
        result = paired_comparison(truth, before[contract.PREDICTED_LABEL], said, groups=groups, n_boot=50)
        comparison = client_report.comparison_part(result, "before")
    mistakes = frame[truth != said]
    history = pd.DataFrame(
        {
            "review_key": ["k1", "k1", "k2"],
            "verdict": ["label_wrong", "label_wrong", "model_wrong"],
            "corrected_label": ["positive", "positive", None],
        }
    )
    content = client_report.report_content(
        experiment_name="Counted words",
        run_name=run,
        model_description="",
        generated="2 December 2026",
        report=report,
        baseline_report=quality_report(
            counts_store.frames["before"][contract.TRUE_LABEL], counts_store.frames["before"][contract.PREDICTED_LABEL], n_boot=50
        ),
        category_report=category_report,
        comparison=comparison,
        examples=client_report.examples_from(mistakes, list(mistakes[contract.REVIEW_ID]), {"k1": ""}),
    )
    words = " ".join(client_report.annotation_summaries(history).values())
    text = re.sub(r"<[^>]+>", " ", client_report.report_html(content)) + " " + words
    assert "counted review" in text or run == "one review"
    assert bad_forms(text) == []


def test_the_overview_and_the_report_show_the_same_key_figures(counts_env: CountsStore) -> None:
    """The KPI cards are defined once (metric_names.kpi_cards): same titles, values and changes on both."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["experiment"] = counts_env.experiment_id
    at.query_params["run"] = counts_env.runs["after"]
    at.run()
    assert not at.exception, at.exception
    frame, before = counts_env.frames["after"], counts_env.frames["before"]
    report = quality_report(frame[contract.TRUE_LABEL], frame[contract.PREDICTED_LABEL])
    baseline = quality_report(before[contract.TRUE_LABEL], before[contract.PREDICTED_LABEL])
    kpis = client_report.kpis(report, baseline)
    assert [(m.label, m.value) for m in at.metric] == [(k.title, k.value) for k in kpis]
    assert [k.title for k in kpis] == [card.title for card in kpi_cards(report.labels)]
    assert all(k.change for k in kpis[:2])  # same reviews as the baseline: changes are shown
