"""Link, image, HTML and heading payloads in every name and note: every page shows them as plain text (AppTest).

A small store is built whose experiment, run and category names, model description,
failure reason, annotator name and note are hostile Markdown. Each page is opened and
every element Streamlit draws as Markdown (text, captions, alerts, headers, labels of
toggles, tabs, expanders and metrics) is checked for a payload that would render live.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lib.quality.metrics import SENTIMENT_LABELS
from lib.scoring.evaluation import log_evaluation_run
from lib.stores import contract
from lib.stores.tracking import TrackingStore
from tests.conftest import settings_for
from tests.helpers import open_page

LINK = "[Session expired – sign in again](https://evil.example)"
IMAGE = "![x](https://host/pixel?who=viewer)"
HTML = "<img src=https://host/p.png onerror=alert(1)>"
HEADING = "# Heading from data"
HEADING_ON_NEW_LINE = "fine\n## Heading on its own line"
CATEGORIES = (LINK, IMAGE, HTML, HEADING, HEADING_ON_NEW_LINE)
# What Markdown would act on: an unescaped link or image, HTML, a heading made by data, a bare URL.
LIVE = {
    "link or image": re.compile(r"(?<!\\)\]\("),
    "HTML": re.compile(r"(?<!\\)<(img|a|script)\b", re.IGNORECASE),
    "heading": re.compile(r"(?<!\\)#+\s+Heading"),
    "bare URL": re.compile(r"https?://(evil|host)"),
    "credentials": re.compile("hunter2"),
}


@dataclass(frozen=True)
class HostileStore:
    data_dir: Path
    experiment_id: str
    baseline_id: str
    new_id: str
    failed_id: str


def predictions(seed: int) -> pd.DataFrame:
    """60 reviews per hostile category; the model is right about 70% of the time (never on the last category)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i, category in enumerate(CATEGORIES):
        truth = rng.choice(SENTIMENT_LABELS, size=60)
        right = rng.random(60) < (0.0 if i == len(CATEGORIES) - 1 else 0.7)
        wrong = np.array([SENTIMENT_LABELS[(SENTIMENT_LABELS.index(t) + 1) % 3] for t in truth])
        said = np.where(right, truth, wrong)
        rows += [
            {contract.TRUE_LABEL: t, contract.PREDICTED_LABEL: s, contract.CATEGORY: category} for t, s in zip(truth, said, strict=True)
        ]
    frame = pd.DataFrame(rows)
    frame.insert(0, contract.REVIEW_ID, [f"r{i}" for i in range(len(frame))])
    frame.insert(1, contract.TEXT, [f"review {i}: {LINK} {HTML}" for i in range(len(frame))])
    return frame


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory: pytest.TempPathFactory) -> HostileStore:
    """One experiment with a baseline, a newer run and a failed run, every name hostile."""
    data_dir = tmp_path_factory.mktemp("hostile_store")
    settings = settings_for(data_dir, SENTIMENT_REVIEW_SEED_DEMO="false")
    store = TrackingStore(settings.tracking_uri)
    experiment_id = store.ensure_experiment(f"Acme {LINK}", artifact_location=settings.artifact_root.as_uri())

    def log(name: str, seed: int, tags: dict[str, str]) -> str:
        return log_evaluation_run(
            store,
            experiment_id=experiment_id,
            run_name=name,
            predictions=predictions(seed),
            dataset_name=f"{IMAGE}.csv",
            dataset_source="hand-made",
            model_description=f"model {LINK}",
            tags=tags,
        )

    baseline_id = log(f"{HTML} baseline", 1, {contract.TAG_ROLE: contract.ROLE_BASELINE})
    new_id = log(f"{IMAGE} {HEADING}", 2, {})
    log(f"{LINK} v3", 3, {})
    failed_id = store.start_run(experiment_id, f"{LINK} failed", {})
    store.fail_run(failed_id, f"ConnectionError: {LINK} https://bob:hunter2@mlflow.example/ {HEADING}")
    return HostileStore(data_dir, experiment_id, baseline_id, new_id, failed_id)


@pytest.fixture
def hostile_env(hostile_store: HostileStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> HostileStore:
    monkeypatch.setenv("SENTIMENT_REVIEW_DATA_DIR", str(hostile_store.data_dir))
    monkeypatch.setenv("SENTIMENT_REVIEW_SEED_DEMO", "false")
    monkeypatch.setenv("SENTIMENT_REVIEW_ANNOTATIONS_DB_URL", f"sqlite:///{tmp_path / 'annotations.db'}")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return hostile_store


def markdown_texts(at: AppTest) -> list[str]:
    """Every string of the page (main area and sidebar) that Streamlit renders as Markdown."""
    texts = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "toast", "title", "header", "subheader"):
        texts += [str(element.value) for element in getattr(at, kind)]
    for kind in ("toggle", "tabs", "expander", "metric", "button", "checkbox", "radio", "download_button"):
        texts += [str(element.label) for element in getattr(at, kind)]
    texts += [str(option) for radio in at.radio for option in radio.options]
    return texts


def live_payloads(at: AppTest) -> list[tuple[str, str]]:
    return [(name, text) for text in markdown_texts(at) for name, pattern in LIVE.items() if pattern.search(text)]


def shows(at: AppTest, fragment: str) -> bool:
    return any(fragment in text for text in markdown_texts(at))


@pytest.mark.parametrize(
    ("page", "run", "expected"),
    [
        ("pages/overview.py", "new_id", "Heading from data"),  # run name and model description in the caption
        ("pages/overview.py", "failed_id", "mlflow\\.example"),  # the failure reason
        ("pages/categories.py", "new_id", "pixel"),  # category names in the call-outs
        ("pages/compare.py", "new_id", "baseline"),  # run names in the header
        ("pages/report.py", "new_id", "the baseline “"),  # baseline name in the toggle or the other-reviews caption
    ],
)
def test_pages_show_hostile_names_as_plain_text(hostile_env: HostileStore, page: str, run: str, expected: str) -> None:
    at = open_page(page, experiment=hostile_env.experiment_id, run=getattr(hostile_env, run))
    assert shows(at, expected), markdown_texts(at)
    assert live_payloads(at) == []


def test_compare_tabs_show_hostile_run_names_as_plain_text(hostile_env: HostileStore) -> None:
    at = open_page("pages/compare.py", experiment=hostile_env.experiment_id, run=hostile_env.new_id)
    store = TrackingStore(settings_for(hostile_env.data_dir).tracking_uri)
    newer = [r for r in store.runs(hostile_env.experiment_id) if r.is_finished and not r.is_baseline]
    at = at.multiselect(key="compare_new").set_value(newer).run()
    assert not at.exception, at.exception
    assert len(newer) == 2 and shows(at, "Session expired") and shows(at, "pixel"), markdown_texts(at)
    assert live_payloads(at) == []


def test_mistakes_page_shows_hostile_annotator_and_note_as_plain_text(hostile_env: HostileStore) -> None:
    at = open_page("pages/mistakes.py", experiment=hostile_env.experiment_id, run=hostile_env.new_id)
    name = f"{IMAGE} Mallory"
    next(t for t in at.text_input if t.label.startswith("Your name")).input(name)
    at = next(b for b in at.button if b.label == "Start annotating").click().run()
    assert shows(at, "Mallory") and live_payloads(at) == []
    first = at.session_state["mistakes_current_review"]
    next(t for t in at.text_area if t.label.startswith("Note")).input(f"{LINK}\n{HEADING} {HTML}")
    at = next(b for b in at.button if b.label.startswith("Save and go")).click().run()
    assert not at.exception
    at.session_state["mistakes_current_review"] = first
    at = at.run()
    assert shows(at, "Session expired") and shows(at, "Mallory"), markdown_texts(at)
    assert live_payloads(at) == []


def test_evaluate_page_shows_hostile_file_and_column_names_as_plain_text(hostile_env: HostileStore) -> None:
    at = open_page("pages/evaluate.py", experiment=hostile_env.experiment_id, run=hostile_env.new_id)
    rows = "\n".join(f"review number {i},{LINK if i % 2 else 'positive'}" for i in range(20))
    csv = f'text,"{IMAGE}"\n{rows}\n'.encode()
    at.file_uploader(key="evaluate_file").upload(f"{IMAGE}.csv", csv, "text/csv")
    at = at.run()
    assert not at.exception, at.exception
    assert shows(at, "Session expired"), markdown_texts(at)
    assert live_payloads(at) == []
