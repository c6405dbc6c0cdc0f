"""Annotation store on SQLite: schema, history, stale edits, bad input, read-only and locked files, concurrency.

The store tests take the database from the ``url`` fixture; tests/test_annotations_postgres.py
runs the same functions against a real PostgreSQL by overriding it.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import multiprocessing
import random
import sqlite3
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

import lib.annotations as annotations_module
from lib.annotations import (
    ANNOTATION_COLUMNS,
    LABELS,
    MAX_NOTE_CHARS,
    VERDICTS,
    Annotation,
    AnnotationStore,
    StaleEditError,
    review_fingerprint,
)
from lib.errors import UserFacingError
from lib.exports import annotations_csv, annotations_parquet

DATASET = "demo"


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'annotations.db'}"


@pytest.fixture
def store(url: str) -> Iterator[AnnotationStore]:
    opened = AnnotationStore(url)
    assert opened.problem is None, opened.problem
    yield opened
    opened.close()


def key(text: str, dataset: str = DATASET) -> str:
    return review_fingerprint(text, dataset)


def save(
    store: AnnotationStore, review: str, annotator: str, verdict: str = "model_wrong", label: str | None = None, **extra
) -> Annotation:
    """Record against the version the review has now (an editor that just opened it)."""
    dataset = extra.pop("dataset", DATASET)
    review_key = key(review, dataset)
    fields = {"dataset": dataset, "review_id": review, "run_id": "run-1", "model_uri": "models:/m-1", **extra}
    if "expected_version" not in fields:
        fields["expected_version"] = store.review_version(review_key)
    return store.record(review_key=review_key, annotator=annotator, verdict=verdict, corrected_label=label, **fields)


# ----------------------------------------------------------------------------- fingerprints


def test_fingerprint_ignores_spacing_case_and_character_width():
    same = ["Great  phone!\n", " great PHONE! ", "GREAT\tphone!", "ＧＲＥＡＴ phone!"]
    assert len({review_fingerprint(text, DATASET) for text in same}) == 1
    assert review_fingerprint("ﬁne", DATASET) == review_fingerprint("fine", DATASET)  # NFKC: ligature


def test_fingerprint_is_a_pinned_sha256_of_normalised_text_and_dataset():
    expected = hashlib.sha256(b"great phone!\x1fdemo").hexdigest()[:32]
    assert review_fingerprint(" Great   Phone! ", "demo") == expected
    assert len(expected) == 32


def test_fingerprint_differs_across_datasets_and_texts():
    assert review_fingerprint("Great phone", "movies") != review_fingerprint("Great phone", "products")
    assert review_fingerprint("Great phone", DATASET) != review_fingerprint("Great phones", DATASET)
    assert review_fingerprint("שלום 👋", DATASET) != review_fingerprint("שלום", DATASET)


# ----------------------------------------------------------------------------- schema


def test_schema_is_created_and_versioned_by_alembic(url: str, store: AnnotationStore):
    inspector = sa.inspect(store.engine)
    assert {"alembic_version", "annotation_events"} <= set(inspector.get_table_names())
    unique = [sorted(c["column_names"]) for c in inspector.get_unique_constraints("annotation_events")]
    assert ["review_key", "review_version"] in unique
    with store.engine.connect() as conn:
        head = ScriptDirectory.from_config(annotations_module._alembic_config()).get_current_head()
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == head
    save(store, "kept", "alice")
    again = AnnotationStore(url)  # opening again migrates nothing and keeps the data
    assert again.problem is None
    assert len(again.history(key("kept"))) == 1
    again.close()


# ----------------------------------------------------------------------------- record, history, current


def test_record_history_and_current(store: AnnotationStore):
    assert store.review_version(key("a")) == 0
    first = save(store, "a", "alice", "model_wrong", "positive", note="obviously positive", tags=["sarcasm", " sarcasm ", "", "irony"])
    save(store, "a", "bob", "label_wrong", "neutral")
    last = save(store, "a", "alice", "ambiguous", None, note="on second thought")
    save(store, "b", "bob", "not_a_review", None)
    save(store, "elsewhere", "carol", "ambiguous", None, dataset="other")

    assert first.review_version == 1 and first.tags == ("sarcasm", "irony") and first.created_at.tzinfo is not None
    history = store.history(key("a"))
    assert [h.review_version for h in history] == [1, 2, 3]
    assert [h.annotator for h in history] == ["alice", "bob", "alice"]
    assert history[0] == first and history[-1] == last
    assert store.review_version(key("a")) == 3

    current = store.current(DATASET)
    assert list(current.columns) == list(ANNOTATION_COLUMNS)
    assert len(current) == 3  # (a, alice), (a, bob), (b, bob)
    alice = current[(current.review_key == key("a")) & (current.annotator == "alice")].iloc[0]
    assert alice.verdict == "ambiguous" and pd.isna(alice.corrected_label) and alice.note == "on second thought"
    assert alice.review_version == 3
    assert set(store.current(review_keys=[key("b")]).annotator) == {"bob"}
    assert store.current(review_keys=[]).empty
    assert len(store.current()) == 4  # every dataset
    assert store.current("other").iloc[0].annotator == "carol"
    assert store.current(DATASET).loc[lambda f: f.review_key == key("a"), "tags"].tolist() == ["", ""]

    frame = store.history_frame(DATASET)
    assert len(frame) == 4 and frame["created_at"].is_monotonic_increasing
    assert frame.loc[frame.event_id == first.event_id, "tags"].item() == "sarcasm; irony"


def test_previous_values_are_this_annotators_own_previous_state(store: AnnotationStore):
    save(store, "a", "alice", "model_wrong", "positive", note="first")
    save(store, "a", "bob", "label_wrong", "negative", note="bob's")
    again = save(store, "a", "alice", "label_wrong", "neutral", note="second")
    bob_first = store.history(key("a"))[1]
    assert (bob_first.previous_verdict, bob_first.previous_corrected_label, bob_first.previous_note) == (None, None, None)
    assert (again.previous_verdict, again.previous_corrected_label, again.previous_note) == ("model_wrong", "positive", "first")


def test_saving_the_same_verdict_again_is_kept_as_a_new_row(store: AnnotationStore):
    save(store, "a", "alice", "label_wrong", "positive")
    same = save(store, "a", "alice", "label_wrong", "positive")
    assert same.review_version == 2 and same.previous_corrected_label == "positive"
    assert len(store.current(DATASET)) == 1


def test_stale_edit_is_rejected_with_the_other_persons_change(store: AnnotationStore):
    opened_by_alice = opened_by_bob = store.review_version(key("a"))
    alices = save(store, "a", "alice", "label_wrong", "negative", note="clearly negative", expected_version=opened_by_alice)
    with pytest.raises(StaleEditError) as caught:
        save(store, "a", "bob", "model_wrong", "positive", expected_version=opened_by_bob)
    assert caught.value.latest == alices
    assert "alice" in caught.value.message and "the label is wrong" in caught.value.message and "negative" in caught.value.message
    assert "not saved" in caught.value.hint
    assert [h.annotator for h in store.history(key("a"))] == ["alice"]  # bob's edit did not overwrite
    retried = save(store, "a", "bob", "model_wrong", "positive", expected_version=caught.value.latest.review_version)
    assert retried.review_version == 2


def test_unique_constraint_rejects_a_writer_that_checked_at_the_same_moment(store: AnnotationStore, monkeypatch: pytest.MonkeyPatch):
    # Two writers can both pass the version check before either inserts (PostgreSQL lets them);
    # simulate the loser by making its check see the old version: the constraint must stop it.
    alices = save(store, "a", "alice", "label_wrong", "negative")
    monkeypatch.setattr(annotations_module, "_version", lambda conn, review_key: 0)
    with pytest.raises(StaleEditError) as caught:
        save(store, "a", "bob", "model_wrong", expected_version=0)
    assert caught.value.latest == alices
    monkeypatch.undo()
    assert store.history(key("a")) == [alices]


def test_expected_version_from_the_future_is_refused(store: AnnotationStore):
    with pytest.raises(UserFacingError, match="fewer saved changes"):
        save(store, "a", "alice", expected_version=3)
    assert store.review_version(key("a")) == 0


def test_consensus_label_is_the_majority_and_a_tie_goes_to_the_most_recent(store: AnnotationStore):
    save(store, "majority", "alice", "label_wrong", "positive")
    save(store, "majority", "bob", "label_wrong", "positive")
    save(store, "majority", "carol", "label_wrong", "neutral")
    save(store, "tie", "alice", "label_wrong", "negative")
    save(store, "tie", "bob", "label_wrong", "neutral")  # most recent of the tied labels
    save(store, "tie", "carol", "ambiguous", None)  # no label: no vote
    save(store, "changed", "alice", "label_wrong", "negative")
    save(store, "changed", "alice", "model_wrong", None)  # withdrew the label
    save(store, "elsewhere", "alice", "label_wrong", "neutral", dataset="other")
    consensus = store.consensus_labels(DATASET)
    assert consensus.to_dict() == {key("majority"): "positive", key("tie"): "neutral"}
    assert store.consensus_labels("nothing-here").empty


# ----------------------------------------------------------------------------- bad input


def test_one_megabyte_note_is_refused_with_a_message(store: AnnotationStore):
    with pytest.raises(UserFacingError) as caught:
        save(store, "a", "alice", note="x" * 1_000_000)
    assert "1,000,000 characters" in caught.value.message and "10,000" in caught.value.message
    assert caught.value.hint
    assert store.review_version(key("a")) == 0
    assert save(store, "a", "alice", note="y" * MAX_NOTE_CHARS).note == "y" * MAX_NOTE_CHARS


def test_emoji_and_right_to_left_text_round_trip(store: AnnotationStore):
    note = "שלום עולם 👋🏽 — مرحبا بالعالم \u200f(RTL mark) 👨‍👩‍👧 𝔘𝔫𝔦𝔠𝔬𝔡𝔢"
    saved = save(store, "ביקורת מצוינת 😍", "José 🙂 אבי", "ambiguous", note=note, tags=["😍", "עברית"])
    assert store.history(key("ביקורת מצוינת 😍"))[0] == saved
    assert (saved.note, saved.annotator, saved.tags) == (note, "José 🙂 אבי", ("😍", "עברית"))
    row = store.current(DATASET).iloc[0]
    assert row.note == note and row.tags == "😍; עברית"
    exported = pd.read_parquet(io.BytesIO(annotations_parquet(store.history_frame())))
    assert exported.note.item() == note


def test_labels_verdicts_and_names_are_validated(store: AnnotationStore):
    for label in LABELS:
        assert save(store, f"r-{label}", "alice", "label_wrong", label).corrected_label == label
    assert save(store, "r-empty", "alice", "model_wrong", "").corrected_label is None  # empty choice = no label
    with pytest.raises(UserFacingError, match="not a label") as caught:
        save(store, "r", "alice", "label_wrong", "Positive")
    assert "negative, neutral, positive" in caught.value.hint
    with pytest.raises(UserFacingError, match="not a verdict"):
        save(store, "r", "alice", "wrong")
    with pytest.raises(UserFacingError, match="name"):
        save(store, "r", "  \t ", "ambiguous")
    assert store.review_version(key("r")) == 0
    assert set(VERDICTS) == {"model_wrong", "label_wrong", "ambiguous", "not_a_review"}


# ----------------------------------------------------------------------------- exports


def test_exports_are_formula_safe_and_say_who_when_which_run_and_model(store: AnnotationStore):
    save(store, "a", "@evil", "label_wrong", "positive", note='=HYPERLINK("http://x")', tags=["-1", "+cmd"], model_uri="=1+1")
    save(store, "b", "alice", "ambiguous", note="\tindented", run_id="run-2")
    frame = store.history_frame()
    raw = annotations_csv(frame)
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the file as UTF-8
    back = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert {"run_id", "model_uri", "annotator", "created_at"} <= set(back.columns)
    first, second = back.iloc[0], back.iloc[1]
    assert (first.annotator, first.note, first.tags, first.model_uri) == ("'@evil", '\'=HYPERLINK("http://x")', "'-1; +cmd", "'=1+1")
    assert second.note == "'\tindented" and second.run_id == "run-2" and second.review_version == "1"
    assert pd.Timestamp(first.created_at).tzinfo is not None
    parquet = pd.read_parquet(io.BytesIO(annotations_parquet(frame)))
    assert parquet.annotator.tolist() == ["@evil", "alice"]  # exact values, not spreadsheet-escaped
    assert parquet.review_version.dtype == "int64" and str(parquet.created_at.dt.tz) == "UTC"
    with pytest.raises(ValueError, match="run_id"):
        annotations_csv(frame.drop(columns=["run_id"]))


# ----------------------------------------------------------------------------- database trouble (SQLite)


def _read_only(url: str) -> str:
    return f"sqlite:///file:{sa.make_url(url).database}?mode=ro&uri=true"


def test_read_only_database_refuses_writes_and_keeps_everything(url: str, store: AnnotationStore):
    kept = [save(store, "a", "alice", "label_wrong", "positive"), save(store, "b", "bob", "ambiguous")]
    store.close()
    read_only = AnnotationStore(_read_only(url))
    assert read_only.problem is None
    assert read_only.is_writable() is False
    assert read_only.history(key("a")) == [kept[0]]
    assert len(read_only.current(DATASET)) == 2
    with pytest.raises(UserFacingError) as caught:
        save(read_only, "a", "carol", "model_wrong")
    assert caught.value.message.startswith("Annotations cannot be saved right now") and "read-only" in caught.value.message
    assert caught.value.hint
    read_only.close()
    writable = AnnotationStore(url)
    assert writable.is_writable() is True
    assert len(writable.history_frame()) == 2 and writable.history(key("b")) == [kept[1]]


def test_read_only_database_that_does_not_exist_yet_opens_but_says_why(tmp_path: Path):
    missing = AnnotationStore(_read_only(f"sqlite:///{tmp_path / 'never-created.db'}"))
    assert isinstance(missing.problem, UserFacingError)
    assert missing.is_writable() is False
    with pytest.raises(UserFacingError, match="cannot be read right now"):
        missing.current(DATASET)


def test_locked_database_refuses_writes_with_a_message_and_still_reads(url: str, store: AnnotationStore):
    kept = save(store, "a", "alice")
    impatient = AnnotationStore(url, busy_timeout_s=0.2)
    other_program = sqlite3.connect(sa.make_url(url).database, isolation_level=None)
    other_program.execute("BEGIN IMMEDIATE")  # holds the write lock
    try:
        with pytest.raises(UserFacingError, match="busy") as caught:
            save(impatient, "a", "bob", expected_version=1)
        assert caught.value.message.startswith("Annotations cannot be saved right now")
        assert impatient.history(key("a")) == [kept]  # WAL: reading goes on during a write lock
        assert impatient.is_writable() is False
    finally:
        other_program.execute("ROLLBACK")
        other_program.close()
    assert save(impatient, "a", "bob", expected_version=1).review_version == 2
    impatient.close()


def test_sqlite_runs_in_wal_mode(store: AnnotationStore):
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"


def test_bad_url_is_explained():
    with pytest.raises(UserFacingError, match="not a valid database URL"):
        AnnotationStore("not a url")


# ----------------------------------------------------------------------------- concurrency

REVIEWS = [f"contended review {i}" for i in range(4)]
ANNOTATORS = ["ana", "ben", "chloe", "dev"]  # fewer than writers: one person in two browser tabs


def edit_many(target: str | AnnotationStore, writer: int, edits: int, seed: int) -> tuple[list[dict], int]:
    """One writer: open a review, think briefly, save; on StaleEditError retry on the newer version.

    Returns every successful write (as the writer saw it) and the number of retries.
    """
    store = AnnotationStore(target) if isinstance(target, str) else target
    rng = random.Random(seed)
    annotator = ANNOTATORS[writer % len(ANNOTATORS)]
    successes, retries = [], 0
    for i in range(edits):
        review = rng.choice(REVIEWS)
        review_key = key(review)
        verdict, label = rng.choice(VERDICTS), rng.choice([None, *LABELS])
        expected = store.review_version(review_key)
        while True:
            time.sleep(rng.random() * 0.002)  # the person reads the review: others may save meanwhile
            try:
                saved = store.record(
                    review_key=review_key,
                    dataset=DATASET,
                    review_id=review,
                    run_id="run-1",
                    model_uri="models:/m-1",
                    annotator=annotator,
                    verdict=verdict,
                    corrected_label=label,
                    note=f"writer {writer} edit {i}",
                    expected_version=expected,
                )
            except StaleEditError as stale:
                retries += 1
                expected = stale.latest.review_version
                continue
            successes.append({"review_key": review_key, "annotator": annotator, "version": saved.review_version, "note": saved.note})
            break
    if isinstance(target, str):
        store.close()
    return successes, retries


def assert_no_lost_updates(store: AnnotationStore, successes: list[dict]) -> None:
    """History holds exactly the successful writes; current state is each pair's last write."""
    history = store.history_frame()
    assert len(history) == len(successes)
    assert sorted(history.note) == sorted(s["note"] for s in successes)
    for review_key, versions in history.groupby("review_key")["review_version"]:
        assert sorted(versions) == list(range(1, len(versions) + 1)), review_key

    last: dict[tuple[str, str], dict] = {}
    by_pair: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for success in sorted(successes, key=lambda s: s["version"]):
        pair = (success["review_key"], success["annotator"])
        last[pair] = success
        by_pair[pair].append(success)
    current = store.current()
    assert len(current) == len(last)
    for row in current.itertuples():
        assert row.note == last[(row.review_key, row.annotator)]["note"]
    # Each row's "previous" is the same person's previous successful write of that review.
    notes = history.set_index("note")["previous_note"]
    for writes in by_pair.values():
        assert pd.isna(notes[writes[0]["note"]])
        for before, after in itertools.pairwise(writes):
            assert notes[after["note"]] == before["note"]


def check_threads(url: str, writers: int = 8, edits: int = 30) -> None:
    shared = AnnotationStore(url)  # as in the app: one store per process, shared by sessions
    with ThreadPoolExecutor(writers) as pool:
        results = list(pool.map(edit_many, [shared] * writers, range(writers), [edits] * writers, range(writers)))
    successes = [s for done, _ in results for s in done]
    assert len(successes) == writers * edits
    assert sum(retries for _, retries in results) > 0, "the writers never collided: the test proved nothing"
    assert_no_lost_updates(shared, successes)
    shared.close()


def check_processes(url: str, processes: int = 4, edits: int = 30) -> None:
    # Spawned processes open (and migrate) the fresh database at the same moment.
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        results = pool.starmap(edit_many, [(url, writer, edits, 100 + writer) for writer in range(processes)])
    successes = [s for done, _ in results for s in done]
    assert len(successes) == processes * edits
    assert sum(retries for _, retries in results) > 0, "the writers never collided: the test proved nothing"
    store = AnnotationStore(url)
    assert_no_lost_updates(store, successes)
    store.close()


def test_concurrent_writers_in_threads_lose_nothing(url: str):
    check_threads(url)


def test_concurrent_writers_in_processes_lose_nothing(url: str):
    check_processes(url)


def test_stores_opened_at_once_migrate_once(url: str):
    barrier = threading.Barrier(6)

    def open_store(_: int) -> AnnotationStore:
        barrier.wait()
        return AnnotationStore(url)

    with ThreadPoolExecutor(6) as pool:
        stores = list(pool.map(open_store, range(6)))
    assert all(s.problem is None for s in stores)
    save(stores[0], "a", "alice")
    assert all(len(s.history(key("a"))) == 1 for s in stores)
    for s in stores:
        s.close()
