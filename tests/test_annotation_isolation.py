"""Two clients, one file name, one review text: nothing of one client's annotations reaches the other.

Acme and Globex each have an experiment visible only to their own annotator. Both upload a
file called ``reviews.csv`` holding the same review, both annotate it on the Mistakes page,
and each then looks everywhere annotations surface: the Mistakes page (history, agreement),
the annotation exports (CSV and Parquet bytes), the client report and the corrected-label
figures on Overview.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pandas as pd
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module

from lib.config import Settings
from lib.quality.metrics import SENTIMENT_LABELS
from lib.scoring.evaluation import log_evaluation_run
from lib.stores import contract
from lib.stores.tracking import TrackingStore
from lib.wording.markdown import escape_markdown
from tests.helpers import app_test, by_label, sign_in
from tests.private_store import private_copy
from tests.test_annotations import _database_at_0001 as database_at_0001
from tests.test_pages_auth import FAST, all_text

SHARED_TEXT = "The delivery was late and the box arrived crushed"
CLIENTS = {
    "acme": {"note": "acme-note: courier issue", "label": None, "verdict": "model_wrong", "model": "models:/acme-model/1"},
    "globex": {"note": "GLOBEX-NOTE secret pricing", "label": "neutral", "verdict": "label_wrong", "model": "models:/globex-model/7"},
}


def client_predictions(client: str) -> pd.DataFrame:
    """The shared review is the most confident mistake; the rest are the client's own reviews."""
    rows = [(f"{client}-shared", SHARED_TEXT, "positive", "negative", (0.97, 0.02, 0.01))]
    for i in range(11):
        truth = SENTIMENT_LABELS[i % 3]
        said = SENTIMENT_LABELS[(i + 1) % 3] if i < 4 else truth
        proba = tuple(0.6 if label == said else 0.2 for label in SENTIMENT_LABELS)
        rows.append((f"{client}-{i}", f"{client} only review {i}", truth, said, proba))
    frame = pd.DataFrame(
        {
            contract.REVIEW_ID: [r[0] for r in rows],
            contract.TEXT: [r[1] for r in rows],
            contract.TRUE_LABEL: [r[2] for r in rows],
            contract.PREDICTED_LABEL: [r[3] for r in rows],
            contract.CATEGORY: ["Email", "Chat"] * 6,
        }
    )
    for i, label in enumerate(SENTIMENT_LABELS):
        frame[contract.proba_column(label)] = [r[4][i] for r in rows]
    return frame


@pytest.fixture(scope="module")
def two_clients(demo_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A private store with Acme's and Globex's experiments, each with one upload of reviews.csv."""
    settings = private_copy(demo_settings, tmp_path_factory.mktemp("two_clients"))
    store = TrackingStore(settings.tracking_uri)
    ids = {"data_dir": str(settings.data_dir)}
    for client, details in CLIENTS.items():
        experiment_id = store.ensure_experiment(
            f"{client.capitalize()} feedback", tags={"client": client}, artifact_location=settings.artifact_root.as_uri()
        )
        ids[client] = experiment_id
        ids[f"{client}_run"] = log_evaluation_run(
            store,
            experiment_id=experiment_id,
            run_name="reviews.csv",
            predictions=client_predictions(client),
            dataset_name="reviews.csv",  # the browser's file name: the same for both clients
            dataset_source="upload",
            model_uri=details["model"],
        )
    return ids


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """Every file the app offers for download, by file name (AppTest keeps none after a run)."""
    offered: dict[str, bytes] = {}

    class KeptMediaStorage(MemoryMediaFileStorage):
        def load_and_get_id(self, path_or_data, mimetype, kind, filename=None):
            if isinstance(path_or_data, bytes) and filename:
                offered[filename] = path_or_data
            return super().load_and_get_id(path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", KeptMediaStorage)
    return offered


@pytest.fixture
def app_of_two_clients(two_clients: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("SENTIMENT_REVIEW_DATA_DIR", two_clients["data_dir"])
    monkeypatch.setenv("SENTIMENT_REVIEW_SEED_DEMO", "false")
    monkeypatch.setenv("SENTIMENT_REVIEW_ANNOTATIONS_DB_URL", f"sqlite:///{tmp_path / 'annotations.db'}")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return two_clients


def secrets() -> dict:
    users = {
        f"{client}-annotator": {"role": "annotator", "experiment_tags": {"client": client}, "password_hash": FAST.hash(f"pw-{client}")}
        for client in CLIENTS
    }
    return {"access": {"users": users}}


def signed_in(client: str) -> AppTest:
    at = app_test(secrets())
    at = sign_in(at, f"{client}-annotator", f"pw-{client}")
    assert not at.exception
    return at


def annotate_shared_review(client: str) -> AppTest:
    """The client's annotator opens the Mistakes page (the shared review comes first) and saves a verdict."""
    at = signed_in(client).switch_page("pages/mistakes.py").run()
    assert not at.exception
    assert at.session_state["mistakes_current_review"] == f"{client}-shared"
    details = CLIENTS[client]
    at = by_label(at.radio, "Verdict").set_value(details["verdict"]).run()
    if details["label"]:
        by_label(at.selectbox, "Corrected label (optional)").set_value(details["label"])
    by_label(at.text_area, "Note (optional)").input(details["note"])
    at = by_label(at.button, "Save and go to the next review").click().run()
    assert not at.exception and "Saved." in [t.value for t in at.toast]
    return at


def traces_of(client: str, ids: dict[str, str]) -> list[str]:
    """Everything of ``client``'s annotations that must never reach the other client."""
    return [client, CLIENTS[client]["note"], f"{client}-annotator", ids[f"{client}_run"], CLIENTS[client]["model"]]


def assert_absent(traces: list[str], shown: str, where: str) -> None:
    for trace in traces:
        for form in {trace, escape_markdown(trace)}:  # as data, or escaped for Markdown
            assert form.lower() not in shown.lower(), f"{trace!r} reached {where}"


def test_two_clients_with_the_same_file_name_and_review_share_no_annotation(
    app_of_two_clients: dict[str, str], downloads: dict[str, bytes]
) -> None:
    ids = app_of_two_clients
    annotate_shared_review("globex")

    # Before Acme annotates: Globex's verdict on the same text is nowhere in Acme's queue.
    acme = signed_in("acme").switch_page("pages/mistakes.py").run()
    table = acme.dataframe[0].value
    assert table.loc[table["Review"] == SHARED_TEXT, "Annotated"].tolist() == [""]
    assert_absent(traces_of("globex", ids), all_text(acme), "Acme's Mistakes page before annotating")
    acme = annotate_shared_review("acme")

    for client, other in (("acme", "globex"), ("globex", "acme")):
        foreign = traces_of(other, ids)
        at = signed_in(client).switch_page("pages/mistakes.py")
        at.session_state["mistakes_current_review"] = f"{client}-shared"  # the shared review, with its history
        at.run()
        shown = all_text(at)
        own_history = f"{escape_markdown(client + '-annotator')}, "  # history lines are Markdown, data escaped
        assert own_history in shown and escape_markdown(CLIENTS[client]["note"]) in shown  # its own history is there
        assert_absent(foreign, shown, f"{client}'s Mistakes page (history, agreement)")

        csv_name, parquet_name = (f"annotations-{ids[f'{client}_run'][:8]}.{ext}" for ext in ("csv", "parquet"))
        assert {csv_name, parquet_name} <= set(downloads)
        exported_csv = downloads[csv_name].decode("utf-8-sig")
        exported = pd.read_parquet(io.BytesIO(downloads[parquet_name]))
        assert exported["annotator"].tolist() == [f"{client}-annotator"] and exported["experiment_id"].tolist() == [ids[client]]
        assert exported["verdict"].tolist() == [CLIENTS[client]["verdict"]]
        assert_absent(foreign, exported_csv, f"{client}'s CSV export")
        assert_absent(foreign, exported.to_csv(), f"{client}'s Parquet export")

        at.switch_page("pages/report.py")
        at.session_state[f"report_examples_{ids[f'{client}_run']}"] = {
            "edited_rows": {0: {"Include": True}},
            "added_rows": [],
            "deleted_rows": [],
        }
        at.run()
        assert not at.exception
        report = downloads[next(name for name in downloads if name.endswith(".html"))].decode()
        assert SHARED_TEXT in report and "(1 annotator)" in report
        assert ("corrected to neutral" in report) == (client == "globex")
        assert_absent(foreign, report, f"{client}'s client report")
        downloads.clear()

        at.switch_page("pages/overview.py").run()
        corrected = [t.label for t in at.toggle if t.label.startswith("Use corrected labels")]
        # Only Globex corrected a label; Acme's figures must not move with it.
        assert len(corrected) == (1 if client == "globex" else 0) and all("(1 review" in label for label in corrected)
        assert_absent(foreign, all_text(at), f"{client}'s Overview")


def test_annotations_from_before_experiments_are_adopted_by_their_own_client_only(
    app_of_two_clients: dict[str, str], downloads: dict[str, bytes]
) -> None:
    ids = app_of_two_clients
    # Written by revision 0001: one key for both clients (text + file name), versions interleaved,
    # and the Acme row remembering Globex's note as the same annotator's previous one.
    legacy = [
        legacy_row(ids["globex_run"], "globex-shared", 1, "GLOBEX legacy secret", None),
        legacy_row(ids["acme_run"], "acme-shared", 2, "acme legacy note", "GLOBEX legacy secret"),
    ]
    database_at_0001(os.environ["SENTIMENT_REVIEW_ANNOTATIONS_DB_URL"], legacy)
    acme = signed_in("acme").switch_page("pages/mistakes.py").run()
    assert not acme.exception
    shown = all_text(acme)
    assert "sam, " in shown and "acme legacy note" in shown  # adopted into Acme's own history
    assert_absent(["GLOBEX legacy secret", ids["globex_run"]], shown, "Acme's Mistakes page after adoption")
    exported = downloads[f"annotations-{ids['acme_run'][:8]}.csv"].decode("utf-8-sig")
    assert "acme legacy note" in exported
    assert_absent(["GLOBEX legacy secret", ids["globex_run"]], exported, "Acme's export after adoption")


def legacy_row(run_id: str, review_id: str, version: int, note: str, previous_note: str | None) -> dict:
    normalised = " ".join(SHARED_TEXT.casefold().split())
    return {
        "review_key": hashlib.sha256(f"{normalised}\x1freviews.csv".encode()).hexdigest()[:32],
        "review_version": version,
        "dataset": "reviews.csv",
        "review_id": review_id,
        "run_id": run_id,
        "model_uri": "",
        "annotator": "sam",
        "verdict": "ambiguous",
        "corrected_label": None,
        "note": note,
        "tags": "[]",
        "created_at": pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(minutes=version),
        "previous_verdict": "ambiguous" if previous_note else None,
        "previous_corrected_label": None,
        "previous_note": previous_note,
    }
