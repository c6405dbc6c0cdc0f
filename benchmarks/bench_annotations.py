"""Benchmark: 8 concurrent writers × 500 edits on the annotation store, SQLite and PostgreSQL.

Run from the project root::

    .venv/bin/python -m benchmarks.bench_annotations            # both databases
    .venv/bin/python -m benchmarks.bench_annotations --backend sqlite --edits 100

Each writer is its own process (as app replicas would be) and its own annotator. It picks
one of 50 reviews at random, reads the review's version (opens the editor), saves a verdict
with ``AnnotationStore.record`` and, on ``StaleEditError``, retries on the newer version
until the edit is saved. All writers start together behind a barrier.

Reported per database, measured in the same run:

* contended: saved edits per second over the wall time of all writers, retries, latency
  of a save (p50/p95, retries included), and **lost updates**: history rows that are not a
  successful write or successful writes missing from the history, plus (review, annotator)
  pairs whose current state is not their last successful write. Must be 0; the benchmark
  exits with status 1 otherwise.
* baselines: one writer doing plain single-row INSERT transactions into a table of the
  same shape (no version check, no history lookup), and one writer using ``record``
  without contention. Ratios are contended throughput / baseline.

PostgreSQL is a real server from Debian's packages started on 127.0.0.1 for the run
(``tests/servers.py``), with its default, durable settings; SQLite is a file in a
temporary folder (WAL). Without PostgreSQL binaries that half is skipped with a message
(an error when env CI is set).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from lib.stores.annotations import LABELS, VERDICTS, AnnotationStore, StaleEditError, events, review_fingerprint

WRITERS = 8
EDITS = 500
REVIEWS = 50
BASELINE_ROWS = 2_000
DATASET = "bench"
EXPERIMENT = "bench-experiment"


def _writer(url: str, writer: int, edits: int, reviews: int, barrier, results) -> None:
    """One writer process: ``edits`` saved edits, retrying each on StaleEditError."""
    store = AnnotationStore(url)
    rng = random.Random(writer)
    keys = [review_fingerprint(f"review {i}", EXPERIMENT) for i in range(reviews)]
    successes, latencies, retries = [], [], 0
    barrier.wait()
    for i in range(edits):
        review = rng.randrange(reviews)
        verdict = rng.choice(VERDICTS)
        label = rng.choice([None, *LABELS]) if verdict == "label_wrong" else None
        started = time.perf_counter()
        expected = store.review_version(EXPERIMENT, keys[review])
        while True:
            try:
                saved = store.record(
                    experiment_id=EXPERIMENT,
                    review_key=keys[review],
                    dataset=DATASET,
                    review_id=str(review),
                    run_id="bench-run",
                    model_uri="models:/bench",
                    annotator=f"writer-{writer}",
                    verdict=verdict,
                    corrected_label=label,
                    note=f"w{writer}e{i}",
                    expected_version=expected,
                )
                break
            except StaleEditError as stale:
                retries += 1
                expected = stale.latest.review_version
        latencies.append(time.perf_counter() - started)
        successes.append((saved.review_key, saved.annotator, saved.review_version, saved.note))
    store.close()
    results.put((successes, latencies, retries))


def contended_run(url: str, writers: int, edits: int, reviews: int) -> dict:
    AnnotationStore(url).close()  # migrate once, outside the timing
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(writers + 1), context.Queue()
    processes = [context.Process(target=_writer, args=(url, w, edits, reviews, barrier, results)) for w in range(writers)]
    for process in processes:
        process.start()
    barrier.wait()
    started = time.perf_counter()
    outcomes = [results.get(timeout=1800) for _ in processes]
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join()
    successes = [s for done, _, _ in outcomes for s in done]
    latencies = sorted(t for _, times, _ in outcomes for t in times)
    return {
        "edits": len(successes),
        "seconds": elapsed,
        "per_second": len(successes) / elapsed,
        "retries": sum(r for _, _, r in outcomes),
        "p50_ms": 1000 * statistics.median(latencies),
        "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))],
        **lost_updates(url, successes),
    }


def lost_updates(url: str, successes: list[tuple[str, str, int, str]]) -> dict:
    """Compare the database with what the writers were told was saved."""
    store = AnnotationStore(url)
    history, current = store.history_frame(EXPERIMENT), store.current(EXPERIMENT)
    store.close()
    saved_notes = {note for *_, note in successes}
    stored_notes = set(history["note"])
    last: dict[tuple[str, str], tuple[int, str]] = {}
    for review_key, annotator, version, note in successes:
        if version > last.get((review_key, annotator), (0, ""))[0]:
            last[(review_key, annotator)] = (version, note)
    final = dict(zip(zip(current["review_key"], current["annotator"], strict=True), current["note"], strict=True))
    wrong_final = sum(final.get(pair) != note for pair, (_, note) in last.items()) + len(set(final) - set(last))
    gaps = sum(sorted(versions) != list(range(1, len(versions) + 1)) for _, versions in history.groupby("review_key")["review_version"])
    return {
        "history_rows": len(history),
        "lost": len(saved_notes - stored_notes) + len(stored_notes - saved_notes) + abs(len(history) - len(successes)),
        "wrong_final_states": wrong_final,
        "version_gaps": gaps,
    }


def plain_insert_baseline(url: str, rows: int) -> float:
    """Rows per second of one writer doing single-row INSERT transactions into a same-shaped table."""
    store = AnnotationStore(url)
    scratch = events.to_metadata(sa.MetaData(), name="bench_plain_inserts")
    scratch.create(store.engine, checkfirst=True)
    now = datetime.now(UTC)
    row = {
        "experiment_id": EXPERIMENT,
        "review_key": "k" * 32,
        "dataset": DATASET,
        "review_id": "1",
        "run_id": "bench-run",
        "model_uri": "models:/bench",
        "annotator": "baseline",
        "verdict": "ambiguous",
        "corrected_label": None,
        "note": "",
        "tags": "[]",
        "created_at": now,
        "previous_verdict": None,
        "previous_corrected_label": None,
        "previous_note": None,
    }
    started = time.perf_counter()
    for i in range(rows):
        with store.engine.begin() as conn:
            conn.execute(scratch.insert().values(**row, review_version=i + 1))
    elapsed = time.perf_counter() - started
    store.close()
    return rows / elapsed


def single_writer_record_baseline(url: str, edits: int, reviews: int) -> float:
    """Saved edits per second of one writer using ``record`` with nobody else writing."""
    store = AnnotationStore(url)
    rng = random.Random(0)
    keys = [review_fingerprint(f"solo review {i}", "bench-solo") for i in range(reviews)]
    started = time.perf_counter()
    for i in range(edits):
        review_key = keys[rng.randrange(reviews)]
        store.record(
            experiment_id="bench-solo",
            review_key=review_key,
            dataset="bench-solo",
            review_id="solo",
            run_id="bench-run",
            model_uri="models:/bench",
            annotator="solo",
            verdict=rng.choice(VERDICTS),
            corrected_label=None,
            note=f"solo {i}",
            expected_version=store.review_version("bench-solo", review_key),
        )
    elapsed = time.perf_counter() - started
    store.close()
    return edits / elapsed


def bench(name: str, url: str, writers: int, edits: int, reviews: int) -> bool:
    print(f"\n== {name}: {writers} writers × {edits} edits over {reviews} reviews")
    result = contended_run(url, writers, edits, reviews)
    plain = plain_insert_baseline(url, BASELINE_ROWS)
    solo = single_writer_record_baseline(url, min(edits * 2, BASELINE_ROWS), reviews)
    print(
        f"contended: {result['edits']:,} edits saved in {result['seconds']:.2f} s = {result['per_second']:,.0f} edits/s; "
        f"{result['retries']:,} retries after stale edits; save latency p50 {result['p50_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms"
    )
    print(
        f"baseline, plain single-row INSERT, 1 writer: {plain:,.0f} rows/s  -> ratio contended/plain = {result['per_second'] / plain:.2f}"
    )
    print(
        f"baseline, record() without contention, 1 writer: {solo:,.0f} edits/s  -> ratio contended/solo = {result['per_second'] / solo:.2f}"
    )
    ok = result["lost"] == 0 and result["wrong_final_states"] == 0 and result["version_gaps"] == 0 and result["edits"] == writers * edits
    print(
        f"lost updates: {result['lost']} (history rows {result['history_rows']:,} vs successful writes {result['edits']:,}); "
        f"final states differing from the last successful write: {result['wrong_final_states']}; "
        f"reviews with version gaps: {result['version_gaps']}  -> {'OK' if ok else 'FAILED'}"
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--writers", type=int, default=WRITERS)
    parser.add_argument("--edits", type=int, default=EDITS, help="saved edits per writer")
    parser.add_argument("--reviews", type=int, default=REVIEWS)
    args = parser.parse_args(argv)
    print(f"annotation store benchmark; {os.cpu_count()} CPUs; Python {sys.version.split()[0]}; SQLAlchemy {sa.__version__}")
    ok = True
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'annotations.db'}"
            ok &= bench("SQLite (WAL, file in a temporary folder)", url, args.writers, args.edits, args.reviews)
    if args.backend in ("postgresql", "both"):
        from tests.servers import PostgresServer, postgres_bin_dir

        bin_dir = postgres_bin_dir()
        if bin_dir is None:
            print("\n== PostgreSQL: SKIPPED, no server binaries (apt-get install -y postgresql)")
            ok &= not os.environ.get("CI")
        else:
            with PostgresServer(bin_dir) as server:
                url = server.create_database("annotations")
                ok &= bench(
                    f"PostgreSQL ({bin_dir.parent.name}, local server, default settings)", url, args.writers, args.edits, args.reviews
                )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
