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

import lib.stores.annotations as annotations_module
from lib.errors import UserFacingError
from lib.outputs.exports import annotations_csv, annotations_parquet
from lib.stores.annotations import (
    ANNOTATION_COLUMNS,
    LABELS,
    MAX_NOTE_CHARS,
    VERDICTS,
    Annotation,
    AnnotationStore,
    StaleEditError,
    annotator_label,
    review_fingerprint,
)

DATASET = "demo"
EXPERIMENT = "1"


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'annotations.db'}"


@pytest.fixture
def store(url: str) -> Iterator[AnnotationStore]:
    opened = AnnotationStore(url)
    assert opened.problem is None, opened.problem
    yield opened
    opened.close()


def key(text: str, experiment_id: str = EXPERIMENT) -> str:
    return review_fingerprint(text, experiment_id)


def save(
    store: AnnotationStore, review: str, annotator: str, verdict: str = "model_wrong", label: str | None = None, **extra
) -> Annotation:
    """Record against the version the review has now (an editor that just opened it)."""
    experiment_id = extra.pop("experiment_id", EXPERIMENT)
    review_key = key(review, experiment_id)
    fields = {"dataset": DATASET, "review_id": review, "run_id": "run-1", "model_uri": "models:/m-1", **extra}
    if "expected_version" not in fields:
        fields["expected_version"] = store.review_version(experiment_id, review_key)
    return store.record(
        experiment_id=experiment_id, review_key=review_key, annotator=annotator, verdict=verdict, corrected_label=label, **fields
    )


# ----------------------------------------------------------------------------- fingerprints


def test_fingerprint_ignores_spacing_case_and_character_width():
    same = ["Great  phone!\n", " great PHONE! ", "GREAT\tphone!", "ＧＲＥＡＴ phone!"]
    assert len({review_fingerprint(text, EXPERIMENT) for text in same}) == 1
    assert review_fingerprint("ﬁne", EXPERIMENT) == review_fingerprint("fine", EXPERIMENT)  # NFKC: ligature


def test_fingerprint_is_a_pinned_sha256_of_experiment_and_normalised_text():
    expected = hashlib.sha256(b"experiment-v2\x1f7\x1fgreat phone!").hexdigest()[:32]
    assert review_fingerprint(" Great   Phone! ", "7") == expected
    assert len(expected) == 32


def test_fingerprint_differs_across_experiments_and_texts():
    assert review_fingerprint("Great phone", "1") != review_fingerprint("Great phone", "2")
    assert review_fingerprint("Great phone", EXPERIMENT) != review_fingerprint("Great phones", EXPERIMENT)
    assert review_fingerprint("שלום 👋", EXPERIMENT) != review_fingerprint("שלום", EXPERIMENT)


@pytest.mark.parametrize("missing", ["", "   ", None])
def test_there_is_no_key_read_or_write_without_an_experiment(store: AnnotationStore, missing) -> None:
    with pytest.raises(ValueError, match="experiment"):
        review_fingerprint("Great phone", missing)
    for read in (store.current, store.consensus_labels, store.history_frame):
        with pytest.raises(ValueError, match="experiment"):
            read(missing)
    with pytest.raises(ValueError, match="experiment"):
        store.history(missing, key("a"))
    with pytest.raises(ValueError, match="experiment"):
        save(store, "a", "alice", experiment_id=missing, expected_version=0)


def test_the_same_text_in_two_experiments_shares_nothing(store: AnnotationStore) -> None:
    acme = save(store, "Great phone", "acme@acme.com", "label_wrong", "positive", note="acme note", experiment_id="10")
    globex = save(store, "Great phone", "gx@globex.com", "label_wrong", "negative", note="globex note", experiment_id="20")
    assert acme.review_version == globex.review_version == 1  # two separate reviews, not one contended one
    assert store.history("10", acme.review_key) == [acme] and store.history("20", globex.review_key) == [globex]
    assert store.history("10", globex.review_key) == []  # a key from elsewhere reads nothing either
    assert store.current("10").note.tolist() == ["acme note"]
    assert store.consensus_labels("20").tolist() == ["negative"]
    assert store.history_frame("10").annotator.tolist() == ["acme@acme.com"]


def test_display_name_is_kept_beside_the_identity(store: AnnotationStore) -> None:
    saved = save(store, "a", "pat@acme.com", annotator_name="  Pat   Lee ")
    assert (saved.annotator, saved.annotator_name) == ("pat@acme.com", "Pat Lee")
    assert store.current(EXPERIMENT).annotator_name.tolist() == ["Pat Lee"]
    assert annotator_label(saved.annotator, saved.annotator_name) == "Pat Lee (pat@acme.com)"
    assert annotator_label("bob", None) == annotator_label("bob", "bob") == "bob"
    with pytest.raises(StaleEditError, match=r"Pat Lee \(pat@acme.com\) changed"):
        save(store, "a", "bob", expected_version=0)


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
    assert len(again.history(EXPERIMENT, key("kept"))) == 1
    again.close()


# ----------------------------------------------------------------------------- record, history, current


def test_record_history_and_current(store: AnnotationStore):
    assert store.review_version(EXPERIMENT, key("a")) == 0
    first = save(store, "a", "alice", "label_wrong", "positive", note="obviously positive", tags=["sarcasm", " sarcasm ", "", "irony"])
    save(store, "a", "bob", "label_wrong", "neutral")
    last = save(store, "a", "alice", "ambiguous", None, note="on second thought")
    save(store, "b", "bob", "not_a_review", None)
    save(store, "elsewhere", "carol", "ambiguous", None, experiment_id="2")

    assert first.review_version == 1 and first.tags == ("sarcasm", "irony") and first.created_at.tzinfo is not None
    history = store.history(EXPERIMENT, key("a"))
    assert [h.review_version for h in history] == [1, 2, 3]
    assert [h.annotator for h in history] == ["alice", "bob", "alice"]
    assert history[0] == first and history[-1] == last
    assert store.review_version(EXPERIMENT, key("a")) == 3

    current = store.current(EXPERIMENT)
    assert list(current.columns) == list(ANNOTATION_COLUMNS)
    assert len(current) == 3  # (a, alice), (a, bob), (b, bob)
    alice = current[(current.review_key == key("a")) & (current.annotator == "alice")].iloc[0]
    assert alice.verdict == "ambiguous" and pd.isna(alice.corrected_label) and alice.note == "on second thought"
    assert alice.review_version == 3
    assert set(store.current(EXPERIMENT, review_keys=[key("b")]).annotator) == {"bob"}
    assert store.current(EXPERIMENT, review_keys=[]).empty
    assert len(store.current(EXPERIMENT)) == 3 and "carol" not in set(store.current(EXPERIMENT).annotator)
    assert store.current("2").annotator.tolist() == ["carol"]  # the other experiment's own
    assert store.current(EXPERIMENT).loc[lambda f: f.review_key == key("a"), "tags"].tolist() == ["", ""]

    frame = store.history_frame(EXPERIMENT)
    assert len(frame) == 4 and frame["created_at"].is_monotonic_increasing
    assert frame.loc[frame.event_id == first.event_id, "tags"].item() == "sarcasm; irony"


def test_previous_values_are_this_annotators_own_previous_state(store: AnnotationStore):
    save(store, "a", "alice", "label_wrong", "positive", note="first")
    save(store, "a", "bob", "label_wrong", "negative", note="bob's")
    again = save(store, "a", "alice", "label_wrong", "neutral", note="second")
    bob_first = store.history(EXPERIMENT, key("a"))[1]
    assert (bob_first.previous_verdict, bob_first.previous_corrected_label, bob_first.previous_note) == (None, None, None)
    assert (again.previous_verdict, again.previous_corrected_label, again.previous_note) == ("label_wrong", "positive", "first")


def test_saving_the_same_verdict_again_is_kept_as_a_new_row(store: AnnotationStore):
    save(store, "a", "alice", "label_wrong", "positive")
    same = save(store, "a", "alice", "label_wrong", "positive")
    assert same.review_version == 2 and same.previous_corrected_label == "positive"
    assert len(store.current(EXPERIMENT)) == 1


def test_stale_edit_is_rejected_with_the_other_persons_change(store: AnnotationStore):
    opened_by_alice = opened_by_bob = store.review_version(EXPERIMENT, key("a"))
    alices = save(store, "a", "alice", "label_wrong", "negative", note="clearly negative", expected_version=opened_by_alice)
    with pytest.raises(StaleEditError) as caught:
        save(store, "a", "bob", "label_wrong", "positive", expected_version=opened_by_bob)
    assert caught.value.latest == alices
    assert "alice" in caught.value.message and "the given label is wrong" in caught.value.message and "negative" in caught.value.message
    assert "not saved" in caught.value.hint
    assert [h.annotator for h in store.history(EXPERIMENT, key("a"))] == ["alice"]  # bob's edit did not overwrite
    retried = save(store, "a", "bob", "label_wrong", "positive", expected_version=caught.value.latest.review_version)
    assert retried.review_version == 2


def test_unique_constraint_rejects_a_writer_that_checked_at_the_same_moment(store: AnnotationStore, monkeypatch: pytest.MonkeyPatch):
    # Two writers can both pass the version check before either inserts (PostgreSQL lets them);
    # simulate the loser by making its check see the old version: the constraint must stop it.
    alices = save(store, "a", "alice", "label_wrong", "negative")
    monkeypatch.setattr(annotations_module, "_version", lambda conn, experiment_id, review_key: 0)
    with pytest.raises(StaleEditError) as caught:
        save(store, "a", "bob", "model_wrong", expected_version=0)
    assert caught.value.latest == alices
    monkeypatch.undo()
    assert store.history(EXPERIMENT, key("a")) == [alices]


def test_expected_version_from_the_future_is_refused(store: AnnotationStore):
    with pytest.raises(UserFacingError, match="fewer saved changes"):
        save(store, "a", "alice", expected_version=3)
    assert store.review_version(EXPERIMENT, key("a")) == 0


def test_consensus_label_is_the_majority_and_a_tie_goes_to_the_most_recent(store: AnnotationStore):
    save(store, "majority", "alice", "label_wrong", "positive")
    save(store, "majority", "bob", "label_wrong", "positive")
    save(store, "majority", "carol", "label_wrong", "neutral")
    save(store, "tie", "alice", "label_wrong", "negative")
    save(store, "tie", "bob", "label_wrong", "neutral")  # most recent of the tied labels
    save(store, "tie", "carol", "ambiguous", None)  # no label: no vote
    save(store, "changed", "alice", "label_wrong", "negative")
    save(store, "changed", "alice", "model_wrong", None)  # withdrew the label
    save(store, "elsewhere", "alice", "label_wrong", "neutral", experiment_id="2")
    consensus = store.consensus_labels(EXPERIMENT)
    assert consensus.to_dict() == {key("majority"): "positive", key("tie"): "neutral"}
    assert store.consensus_labels("nothing-here").empty


# ----------------------------------------------------------------------------- bad input


def test_one_megabyte_note_is_refused_with_a_message(store: AnnotationStore):
    with pytest.raises(UserFacingError) as caught:
        save(store, "a", "alice", note="x" * 1_000_000)
    assert "1,000,000 characters" in caught.value.message and "10,000" in caught.value.message
    assert caught.value.hint
    assert store.review_version(EXPERIMENT, key("a")) == 0
    assert save(store, "a", "alice", note="y" * MAX_NOTE_CHARS).note == "y" * MAX_NOTE_CHARS


def test_emoji_and_right_to_left_text_round_trip(store: AnnotationStore):
    note = "שלום עולם 👋🏽 — مرحبا بالعالم \u200f(RTL mark) 👨‍👩‍👧 𝔘𝔫𝔦𝔠𝔬𝔡𝔢"
    saved = save(store, "ביקורת מצוינת 😍", "José 🙂 אבי", "ambiguous", note=note, tags=["😍", "עברית"])
    assert store.history(EXPERIMENT, key("ביקורת מצוינת 😍"))[0] == saved
    assert (saved.note, saved.annotator, saved.tags) == (note, "José 🙂 אבי", ("😍", "עברית"))
    row = store.current(EXPERIMENT).iloc[0]
    assert row.note == note and row.tags == "😍; עברית"
    exported = pd.read_parquet(io.BytesIO(annotations_parquet(store.history_frame(EXPERIMENT))))
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
    assert store.review_version(EXPERIMENT, key("r")) == 0
    assert set(VERDICTS) == {"model_wrong", "label_wrong", "ambiguous", "not_a_review"}


@pytest.mark.parametrize("verdict", ["model_wrong", "ambiguous", "not_a_review"])
def test_a_corrected_label_goes_only_with_the_label_is_wrong_verdict(store: AnnotationStore, verdict: str):
    with pytest.raises(UserFacingError, match="corrected label goes with the verdict") as caught:
        save(store, "r", "alice", verdict, "positive")
    assert "The given label is wrong" in caught.value.hint
    assert store.review_version(EXPERIMENT, key("r")) == 0
    assert save(store, "r", "alice", verdict, None).corrected_label is None


# ----------------------------------------------------------------------------- exports


def test_exports_are_formula_safe_and_say_who_when_which_run_and_model(store: AnnotationStore):
    save(store, "a", "@evil", "label_wrong", "positive", note='=HYPERLINK("http://x")', tags=["-1", "+cmd"], model_uri="=1+1")
    save(store, "b", "alice", "ambiguous", note="\tindented", run_id="run-2")
    frame = store.history_frame(EXPERIMENT)
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
    assert read_only.history(EXPERIMENT, key("a")) == [kept[0]]
    assert len(read_only.current(EXPERIMENT)) == 2
    with pytest.raises(UserFacingError) as caught:
        save(read_only, "a", "carol", "model_wrong")
    assert caught.value.message.startswith("Annotations cannot be saved right now") and "read-only" in caught.value.message
    assert caught.value.hint
    read_only.close()
    writable = AnnotationStore(url)
    assert writable.is_writable() is True
    assert len(writable.history_frame(EXPERIMENT)) == 2 and writable.history(EXPERIMENT, key("b")) == [kept[1]]


def test_read_only_database_that_does_not_exist_yet_opens_but_says_why(tmp_path: Path):
    missing = AnnotationStore(_read_only(f"sqlite:///{tmp_path / 'never-created.db'}"))
    assert isinstance(missing.problem, UserFacingError)
    assert missing.is_writable() is False
    with pytest.raises(UserFacingError, match="cannot be read right now"):
        missing.current(EXPERIMENT)


def test_locked_database_refuses_writes_with_a_message_and_still_reads(url: str, store: AnnotationStore):
    kept = save(store, "a", "alice")
    impatient = AnnotationStore(url, busy_timeout_s=0.2)
    other_program = sqlite3.connect(sa.make_url(url).database, isolation_level=None)
    other_program.execute("BEGIN IMMEDIATE")  # holds the write lock
    try:
        with pytest.raises(UserFacingError, match="busy") as caught:
            save(impatient, "a", "bob", expected_version=1)
        assert caught.value.message.startswith("Annotations cannot be saved right now")
        assert impatient.history(EXPERIMENT, key("a")) == [kept]  # WAL: reading goes on during a write lock
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
        verdict = rng.choice(VERDICTS)
        label = rng.choice([None, *LABELS]) if verdict == "label_wrong" else None
        expected = store.review_version(EXPERIMENT, review_key)
        while True:
            time.sleep(rng.random() * 0.002)  # the person reads the review: others may save meanwhile
            try:
                saved = store.record(
                    experiment_id=EXPERIMENT,
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
    history = store.history_frame(EXPERIMENT)
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
    current = store.current(EXPERIMENT)
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
    assert all(len(s.history(EXPERIMENT, key("a"))) == 1 for s in stores)
    for s in stores:
        s.close()


# ----------------------------------------------------------------------------- upgrade from before experiments


def _legacy_key(text: str, dataset: str) -> str:
    """How revision 0001 keyed a review: normalised text and the dataset name."""
    return hashlib.sha256(f"{' '.join(text.casefold().split())}\x1f{dataset}".encode()).hexdigest()[:32]


def _database_at_0001(url: str, rows: list[dict]) -> None:
    """A database migrated to revision 0001 only, holding ``rows`` as that revision wrote them."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        config = annotations_module._alembic_config()
        config.attributes["connection"] = conn
        annotations_module.command.upgrade(config, "0001_annotation_events")
        table = sa.Table("annotation_events", sa.MetaData(), autoload_with=conn)
        assert "experiment_id" not in table.c
        conn.execute(table.insert(), rows)
    engine.dispose()


def _legacy_row(text: str, run_id: str, version: int, annotator: str, note: str, minute: int, **previous: str) -> dict:
    return {
        "review_key": _legacy_key(text, "reviews.csv"),
        "review_version": version,
        "dataset": "reviews.csv",
        "review_id": f"{run_id}-r1",
        "run_id": run_id,
        "model_uri": f"runs:/{run_id}/model",
        "annotator": annotator,
        "verdict": "label_wrong",
        "corrected_label": "positive" if run_id == "acme-run" else "negative",
        "note": note,
        "tags": "[]",
        "created_at": pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(minutes=minute),
        "previous_verdict": previous.get("verdict"),
        "previous_corrected_label": previous.get("label"),
        "previous_note": previous.get("before"),
    }


def test_upgrade_from_0001_hides_legacy_rows_until_each_is_adopted_into_its_own_experiment(url: str) -> None:
    text = "The delivery was late"
    # One legacy key shared by two clients who both uploaded reviews.csv: versions interleave,
    # and Acme's second row remembers Globex's note as "previous" (same annotator name).
    _database_at_0001(
        url,
        [
            _legacy_row(text, "acme-run", 1, "sam", "acme first", 1),
            _legacy_row(text, "globex-run", 2, "sam", "globex secret", 2, verdict="label_wrong", label="positive", before="acme first"),
            _legacy_row(text, "acme-run", 3, "sam", "acme second", 3, verdict="label_wrong", label="negative", before="globex secret"),
            _legacy_row(text, "deleted-run", 4, "sam", "orphan", 4),
        ],
    )
    store = AnnotationStore(url)
    assert store.problem is None
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == "0003_annotation_experiment"
    assert {c["name"] for c in sa.inspect(store.engine).get_columns("annotation_events")} >= {"experiment_id", "annotator_name"}
    assert len(store.history_frame("A")) == len(store.history_frame("G")) == 0  # unattributed: shown to nobody
    assert store.legacy_run_ids() == ["acme-run", "deleted-run", "globex-run"]

    runs = {
        "acme-run": annotations_module.LegacyRun("A", {"acme-run-r1": text}),
        # A run whose text no longer matches the row's key is not guessed at.
        "globex-run": annotations_module.LegacyRun("G", {"globex-run-r1": text}),
    }
    assert store.adopt_legacy(runs.get) == 3
    assert store.legacy_run_ids() == ["deleted-run"]

    acme = store.history("A", review_fingerprint(text, "A"))
    assert [(a.review_version, a.note, a.run_id) for a in acme] == [(1, "acme first", "acme-run"), (2, "acme second", "acme-run")]
    assert (acme[1].previous_note, acme[1].previous_corrected_label) == ("acme first", "positive")  # not Globex's
    assert acme[0].previous_note is None and all(a.experiment_id == "A" for a in acme)
    globex = store.history("G", review_fingerprint(text, "G"))
    assert [(g.review_version, g.note, g.previous_note) for g in globex] == [(1, "globex secret", None)]
    for experiment, foreign in (("A", "globex"), ("G", "acme")):
        exported = annotations_csv(store.history_frame(experiment)).decode("utf-8-sig")
        assert foreign not in exported and "orphan" not in exported

    # A new verdict continues the adopted history; the unattributed row never appears.
    later = save(store, text, "sam", "ambiguous", experiment_id="A", review_id="acme-run-r1")
    assert later.review_version == 3 and later.previous_note == "acme second"
    assert store.adopt_legacy(lambda run_id: None) == 0
    store.close()


def test_legacy_row_whose_text_does_not_match_its_key_stays_hidden(url: str) -> None:
    _database_at_0001(url, [_legacy_row("The delivery was late", "acme-run", 1, "sam", "kept hidden", 1)])
    store = AnnotationStore(url)
    assert store.adopt_legacy({"acme-run": annotations_module.LegacyRun("A", {"acme-run-r1": "A different text"})}.get) == 0
    assert store.history_frame("A").empty and store.legacy_run_ids() == ["acme-run"]
    store.close()
