"""Annotation store: people's verdicts on reviews, as an append-only history (SQLAlchemy 2).

SQLite (WAL) by default, PostgreSQL by URL; the schema is created and migrated with Alembic
(``lib/stores/migrations``) when a store opens.

* Every row belongs to one MLflow experiment (``experiment_id``), the unit of isolation:
  a review is keyed by :func:`review_fingerprint` of the experiment id and its normalised
  text, so a verdict follows the same review across the runs and models of one experiment
  and never beyond. Every read takes the experiment; there is no unscoped read. Names that
  users choose (file and dataset names) are recorded but never keys.
* Rows written before experiments were recorded (migration ``0003``) have no experiment:
  nobody sees them until :meth:`AnnotationStore.adopt_legacy` attributes them, run by run,
  through the run's experiment and texts; rows it cannot attribute stay hidden.
* Every change appends one row (who, when, what, and that annotator's previous state); the
  current state is derived (:meth:`AnnotationStore.current`).
* Nothing is silently overwritten. The editor passes the ``review_version`` it saw when it
  opened the review; :meth:`AnnotationStore.record` appends version ``expected + 1`` and a
  ``UNIQUE(review_key, review_version)`` constraint makes exactly one of two concurrent
  writers win. The other gets :class:`StaleEditError` carrying the winning change.
* Database trouble (server down, read-only or locked file) raises :class:`UserFacingError`
  with a hint; :meth:`AnnotationStore.is_writable` lets a page turn itself read-only first.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event as sa_event
from sqlalchemy.pool import NullPool, StaticPool

from lib.errors import UserFacingError
from lib.quality.metrics import SENTIMENT_LABELS

# Each verdict and its words: the one definition the form, the history, the report and this store's messages use.
ANNOTATION_VERDICTS: dict[str, str] = {
    "model_wrong": "The model is wrong",
    "label_wrong": "The given label is wrong",
    "ambiguous": "Genuinely ambiguous",
    "not_a_review": "Not a review",
}
VERDICTS: tuple[str, ...] = tuple(ANNOTATION_VERDICTS)
# The only verdict a corrected label belongs to.
LABEL_WRONG = "label_wrong"
LABELS: tuple[str, ...] = SENTIMENT_LABELS
MAX_NOTE_CHARS = 10_000
MAX_ANNOTATOR_CHARS = 200
MAX_TAG_CHARS = 100
MAX_TAGS = 50
TAGS_SEPARATOR = "; "

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Any constant works; it only has to be the same in every process migrating one database.
_PG_MIGRATION_LOCK = 0x5E17_A770

_metadata = sa.MetaData()
events = sa.Table(
    "annotation_events",
    _metadata,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("review_key", sa.String(64), nullable=False),
    sa.Column("review_version", sa.Integer, nullable=False),
    sa.Column("dataset", sa.Text, nullable=False),
    sa.Column("review_id", sa.Text, nullable=False),
    sa.Column("run_id", sa.Text, nullable=False),
    sa.Column("model_uri", sa.Text, nullable=False),
    sa.Column("annotator", sa.Text, nullable=False),
    sa.Column("verdict", sa.String(32), nullable=False),
    sa.Column("corrected_label", sa.String(32), nullable=True),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("tags", sa.Text, nullable=False),  # JSON list of strings
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("previous_verdict", sa.String(32), nullable=True),
    sa.Column("previous_corrected_label", sa.String(32), nullable=True),
    sa.Column("previous_note", sa.Text, nullable=True),
    # Nullable in the database only for rows older than migration 0003; every new row has one.
    sa.Column("experiment_id", sa.Text, nullable=True),
    sa.Column("annotator_name", sa.Text, nullable=True),
)


def _normalised(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", str(text)).casefold().split())


def review_fingerprint(text: str, experiment_id: str) -> str:
    """Stable key of a review: the same text (up to case, width and spacing) in the same experiment.

    SHA-256 over a version marker, the experiment id and the NFKC-normalised, casefolded,
    whitespace-collapsed text, joined by unit separators; the first 32 hex digits. The
    marker keeps these keys apart from the legacy ones (text + dataset name).

    >>> review_fingerprint("Great  phone!", "7") == review_fingerprint(" GREAT phone! ", "7")
    True
    >>> review_fingerprint("Great phone!", "7") == review_fingerprint("Great phone!", "8")
    False
    """
    experiment = _scope(experiment_id)
    return hashlib.sha256(f"experiment-v2\x1f{experiment}\x1f{_normalised(text)}".encode()).hexdigest()[:32]


def _legacy_fingerprint(text: str, dataset: str) -> str:
    """The key rows had before migration 0003: normalised text and the dataset name."""
    return hashlib.sha256(f"{_normalised(text)}\x1f{dataset}".encode()).hexdigest()[:32]


def _scope(experiment_id: str) -> str:
    """The experiment id every key, read and write is scoped to; a programming error without one."""
    if not isinstance(experiment_id, str) or not experiment_id.strip():
        raise ValueError(f"annotations are always scoped to an experiment id, got {experiment_id!r}")
    return experiment_id


def annotator_label(annotator: str, annotator_name: str | None) -> str:
    """How an annotator is shown: "Name (identity)" when a display name differs from the identity."""
    name = " ".join(annotator_name.split()) if isinstance(annotator_name, str) else ""  # a frame's missing value is NaN
    return f"{name} ({annotator})" if name and name != annotator else annotator


@dataclass(frozen=True)
class Annotation:
    """One row of the history: one annotator's verdict on one review at one time."""

    event_id: int
    experiment_id: str  # the MLflow experiment of the run it was made on: the isolation key
    review_key: str
    dataset: str
    review_id: str
    run_id: str
    model_uri: str
    annotator: str
    verdict: str
    corrected_label: str | None
    note: str
    tags: tuple[str, ...]
    created_at: datetime  # UTC, timezone-aware
    review_version: int  # 1 for the first change of this review, 2 for the next (any annotator)…
    # This annotator's state of this review before this change (None: their first verdict).
    previous_verdict: str | None
    previous_corrected_label: str | None
    previous_note: str | None
    annotator_name: str | None = None  # display name shown beside the stable identity ``annotator``


ANNOTATION_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Annotation))


class StaleEditError(UserFacingError):
    """Someone changed the review since the editor opened it; ``latest`` is their change."""

    def __init__(self, latest: Annotation) -> None:
        super().__init__(
            f"{annotator_label(latest.annotator, latest.annotator_name)} changed this review at {latest.created_at:%Y-%m-%d %H:%M} UTC "
            f"while you were editing it: {describe_change(latest)}.",
            "Your edit was not saved, so nothing was overwritten: read their change, then save yours again if you still want it.",
        )
        self.latest = latest
        self.args = (latest,)  # so the exception survives pickling (e.g. across processes)


def verdict_in_sentence(verdict: str) -> str:
    """A verdict's words inside a sentence ('the given label is wrong'); an unknown code as it is."""
    words = ANNOTATION_VERDICTS.get(verdict, verdict)
    return words[:1].lower() + words[1:]


def describe_change(annotation: Annotation) -> str:
    """One annotation in plain words, e.g. ``the given label is wrong, corrected label "positive"``."""
    parts = [verdict_in_sentence(annotation.verdict)]
    if annotation.corrected_label:
        parts.append(f"corrected label “{annotation.corrected_label}”")
    if annotation.note:
        note = annotation.note if len(annotation.note) <= 200 else annotation.note[:200] + "…"
        parts.append(f"note “{note}”")
    return ", ".join(parts)


@dataclass(frozen=True)
class _Edit:
    annotator: str
    annotator_name: str | None
    verdict: str
    corrected_label: str | None
    note: str
    tags: tuple[str, ...]


def _validated_edit(
    annotator: str, annotator_name: str | None, verdict: str, corrected_label: str | None, note: str, tags: Sequence[str]
) -> _Edit:
    """The edit with text cleaned, or UserFacingError saying what to change."""
    name = " ".join(str(annotator or "").split())
    if not name:
        raise UserFacingError("An annotation needs the name of the person making it.", "Enter your name (or sign in), then save again.")
    display = " ".join(str(annotator_name or "").replace("\x00", "").split()) or None
    for given in (name, display or ""):
        if len(given) > MAX_ANNOTATOR_CHARS:
            raise UserFacingError(
                f"The annotator name is {len(given):,} characters long.", f"Use a name of at most {MAX_ANNOTATOR_CHARS} characters."
            )
    if verdict not in VERDICTS:
        raise UserFacingError(
            f"“{verdict}” is not a verdict this app knows.",
            "Choose one of: " + ", ".join(verdict_in_sentence(v) for v in VERDICTS) + ".",
        )
    label = corrected_label or None
    if label is not None and label not in LABELS:
        raise UserFacingError(
            f"“{label}” is not a label this app knows.",
            "Choose one of " + ", ".join(LABELS) + ", or leave the corrected label empty.",
        )
    if label is not None and verdict != LABEL_WRONG:
        raise UserFacingError(
            f"A corrected label goes with the verdict “{ANNOTATION_VERDICTS[LABEL_WRONG]}” only, "
            f"not with “{ANNOTATION_VERDICTS[verdict]}”.",
            f"Choose “{ANNOTATION_VERDICTS[LABEL_WRONG]}” to correct the label, or leave the corrected label empty.",
        )
    # PostgreSQL text cannot hold NUL characters; they never carry meaning in a note.
    text = str(note or "").replace("\x00", "")
    if len(text) > MAX_NOTE_CHARS:
        raise UserFacingError(
            f"The note is {len(text):,} characters long; a note can hold at most {MAX_NOTE_CHARS:,}.",
            "Shorten the note, or keep the long text in a document and put its link in the note.",
        )
    if isinstance(tags, str):  # one tag given as a plain string, not a list of its characters
        tags = [tags]
    clean_tags = tuple(dict.fromkeys(t for t in (" ".join(str(tag).replace("\x00", "").split()) for tag in tags) if t))
    if len(clean_tags) > MAX_TAGS or any(len(tag) > MAX_TAG_CHARS for tag in clean_tags):
        raise UserFacingError(
            "There are too many tags, or a tag is too long.",
            f"Use at most {MAX_TAGS} tags of at most {MAX_TAG_CHARS} characters each.",
        )
    return _Edit(name, display, verdict, label, text, clean_tags)


def _utc(value: datetime) -> datetime:
    # SQLite keeps no time zone: every time stored is UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _annotation(row: sa.RowMapping) -> Annotation:
    values = {name: row[name] for name in ANNOTATION_COLUMNS}
    values["tags"] = tuple(json.loads(row["tags"]))
    values["created_at"] = _utc(row["created_at"])
    return Annotation(**values)


# Text columns are pandas strings; a missing value (no corrected label, no previous state) is NaN.
_COLUMN_DTYPES = {
    name: {"event_id": "int64", "review_version": "int64", "created_at": "datetime64[us, UTC]"}.get(name, "str")
    for name in ANNOTATION_COLUMNS
}


def _frame(rows: Sequence[sa.RowMapping]) -> pd.DataFrame:
    """Rows as a DataFrame with the Annotation fields as columns; tags joined with "; "."""
    if not rows:
        return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in _COLUMN_DTYPES.items()})
    frame = pd.DataFrame([dict(row) for row in rows], columns=list(ANNOTATION_COLUMNS))
    frame["tags"] = [TAGS_SEPARATOR.join(json.loads(tags)) for tags in frame["tags"]]
    frame["created_at"] = pd.to_datetime([_utc(t) for t in frame["created_at"]], utc=True)
    return frame.astype(_COLUMN_DTYPES)


class AnnotationStore:
    """Append-only annotation history in SQLite or PostgreSQL, migrated with Alembic on open.

    Opening never fails because the database is unreachable: the problem is kept and every
    method then raises :class:`UserFacingError` (``is_writable()`` returns False) until the
    database answers again, so the rest of the app keeps working.
    """

    def __init__(self, url: str, *, busy_timeout_s: float = 10.0, connect_timeout_s: int = 3) -> None:
        try:
            parsed = sa.make_url(url)
        except sa.exc.ArgumentError as exc:
            raise UserFacingError(
                "The annotations database address is not a valid database URL.",
                "Set SENTIMENT_REVIEW_ANNOTATIONS_DB_URL to e.g. sqlite:////path/annotations.db or postgresql+psycopg://user@host/db.",
            ) from exc
        self.url = parsed
        self.dialect = parsed.get_backend_name()
        self.engine = _create_engine(parsed, busy_timeout_s=busy_timeout_s, connect_timeout_s=connect_timeout_s)
        self._schema_ready = False
        self.problem: UserFacingError | None = None  # why the database could not be opened, if it could not
        try:
            self._ensure_schema()
        except UserFacingError as exc:
            self.problem = exc

    # ---------------------------------------------------------------- connections and schema

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[sa.Connection]:
        """A connection inside a transaction; for SQLite writes, one holding the write lock."""
        options = {"sqlite_begin": "BEGIN IMMEDIATE"} if write else {}
        with self.engine.connect().execution_options(**options) as conn, conn.begin():
            yield conn

    @contextmanager
    def _database_errors(self, *, saving: bool) -> Iterator[None]:
        """Turn 'the database cannot do this now' into a UserFacingError; let bugs through."""
        try:
            yield
        except (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.InternalError, sa.exc.ProgrammingError) as exc:
            if isinstance(exc, sa.exc.ProgrammingError) and getattr(exc.orig, "sqlstate", None) != "42501":
                raise  # a bad statement is a bug; only "permission denied" is the database's state
            if not isinstance(self.engine.pool, StaticPool):  # the only connection of an in-memory database holds its data
                # Pooled connections keep what they met (a server that went away, a session begun
                # read-only): the next attempt opens new ones, so the store recovers once the database does.
                self.engine.dispose()
            raise _unavailable(exc, saving=saving) from exc

    def _ensure_schema(self, *, saving: bool = False) -> None:
        if self._schema_ready:
            return
        with self._database_errors(saving=saving):
            head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
            # A read first, so a read-only database that is already up to date opens fine.
            with self._transaction(write=False) as conn:
                current = MigrationContext.configure(conn).get_current_revision()
            if current != head:
                self._upgrade()
        self._schema_ready = True
        self.problem = None

    def _upgrade(self) -> None:
        # One migrating process at a time: SQLite's write lock (BEGIN IMMEDIATE) or a
        # PostgreSQL advisory lock, held for the whole transaction; both databases roll DDL
        # back with it. The next process then finds the schema at head and does nothing.
        with self._transaction(write=True) as conn:
            if self.dialect == "postgresql":
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_MIGRATION_LOCK)))
            config = _alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    # ---------------------------------------------------------------- writing

    def is_writable(self) -> bool:
        """False when annotations cannot be saved now (read-only file, no permission, server down).

        Checks with a real but empty insert, rolled back; on a SQLite file another program
        holds locked, it waits up to ``busy_timeout_s`` before answering False.
        """
        # Inserts nothing, but needs the same rights and lock as a real insert; then rolled back.
        probe = events.insert().from_select(["event_id"], sa.select(events.c.event_id).where(sa.false()))
        try:
            self._ensure_schema(saving=True)
            with self._database_errors(saving=True), self.engine.connect().execution_options(sqlite_begin="BEGIN IMMEDIATE") as conn:
                conn.begin()
                conn.execute(probe)
                conn.rollback()
        except UserFacingError:
            return False
        return True

    def review_version(self, experiment_id: str, review_key: str) -> int:
        """How many changes the review has had in this experiment (0: never annotated); pass it to ``record``."""
        scope = _scope(experiment_id)
        self._ensure_schema()
        with self._database_errors(saving=False), self._transaction(write=False) as conn:
            return _version(conn, scope, review_key)

    def record(
        self,
        *,
        experiment_id: str,
        review_key: str,
        dataset: str,
        review_id: str,
        run_id: str,
        model_uri: str,
        annotator: str,
        verdict: str,
        corrected_label: str | None,
        note: str = "",
        tags: Sequence[str] = (),
        annotator_name: str | None = None,
        expected_version: int,
    ) -> Annotation:
        """Append one change of ``annotator``'s verdict on a review, as version ``expected_version + 1``.

        ``experiment_id`` is the experiment of the run the verdict was made on; only readers
        of that experiment ever see the row. ``annotator`` is the stable identity (e-mail,
        user name), ``annotator_name`` an optional display name shown beside it.
        ``expected_version`` is :meth:`review_version` as it was when the editor opened the
        review. If anyone saved a change to the review since, nothing is written and
        :class:`StaleEditError` carries their change. Bad input and an unavailable database
        raise :class:`UserFacingError`.
        """
        scope = _scope(experiment_id)
        if not isinstance(review_key, str) or not 0 < len(review_key) <= 64:
            raise ValueError(f"review_key must be a fingerprint string (see review_fingerprint), got {review_key!r}")
        if not isinstance(expected_version, int) or expected_version < 0:
            raise ValueError(f"expected_version must be a review_version() value, got {expected_version!r}")
        edit = _validated_edit(annotator, annotator_name, verdict, corrected_label, note, tags)
        self._ensure_schema(saving=True)
        where = _Where(scope, review_key, str(dataset), str(review_id), str(run_id), str(model_uri))
        try:
            with self._database_errors(saving=True), self._transaction(write=True) as conn:
                return self._append(conn, where, edit, expected_version)
        except sa.exc.IntegrityError:
            # Another writer inserted this version between our check and our insert (PostgreSQL
            # lets both check at once); the unique constraint kept theirs.
            latest = self._latest(scope, review_key)
            if latest is None or latest.review_version <= expected_version:
                raise
            raise StaleEditError(latest) from None

    def _append(self, conn: sa.Connection, where: _Where, edit: _Edit, expected: int) -> Annotation:
        version = _version(conn, where.experiment_id, where.review_key)
        if version > expected:
            raise StaleEditError(_annotation(_latest_row(conn, where.experiment_id, where.review_key)))
        if version < expected:
            raise UserFacingError(
                "This review has fewer saved changes than the page you are editing expects.",
                "The annotations database may have been replaced or restored. Reload the review and save again.",
            )
        previous = conn.execute(
            sa.select(events.c.verdict, events.c.corrected_label, events.c.note)
            .where(*_review(where.experiment_id, where.review_key), events.c.annotator == edit.annotator)
            .order_by(events.c.review_version.desc())
            .limit(1)
        ).first()
        values: dict[str, Any] = {
            "experiment_id": where.experiment_id,
            "review_key": where.review_key,
            "review_version": expected + 1,
            "dataset": where.dataset,
            "review_id": where.review_id,
            "run_id": where.run_id,
            "model_uri": where.model_uri,
            "annotator": edit.annotator,
            "annotator_name": edit.annotator_name,
            "verdict": edit.verdict,
            "corrected_label": edit.corrected_label,
            "note": edit.note,
            "tags": json.dumps(list(edit.tags), ensure_ascii=False),
            "created_at": datetime.now(UTC),
            "previous_verdict": previous.verdict if previous else None,
            "previous_corrected_label": previous.corrected_label if previous else None,
            "previous_note": previous.note if previous else None,
        }
        event_id = conn.execute(events.insert().values(**values)).inserted_primary_key[0]
        return Annotation(**{**values, "event_id": int(event_id), "tags": edit.tags})

    # ---------------------------------------------------------------- reading

    def _latest(self, experiment_id: str, review_key: str) -> Annotation | None:
        with self._database_errors(saving=False), self._transaction(write=False) as conn:
            row = _latest_row(conn, experiment_id, review_key)
        return _annotation(row) if row is not None else None

    def history(self, experiment_id: str, review_key: str) -> list[Annotation]:
        """Every change of one review in one experiment, oldest first."""
        scope = _scope(experiment_id)
        self._ensure_schema()
        with self._database_errors(saving=False), self._transaction(write=False) as conn:
            rows = conn.execute(sa.select(events).where(*_review(scope, review_key)).order_by(events.c.review_version)).mappings()
            return [_annotation(row) for row in rows]

    def current(self, experiment_id: str, review_keys: Iterable[str] | None = None) -> pd.DataFrame:
        """Latest row per (review, annotator) in one experiment: each annotator's standing verdict.

        Columns are the :class:`Annotation` fields (tags joined with "; ", ``created_at`` in
        UTC, a missing corrected label or previous value as NaN), ordered by review and
        annotator. Optionally only the given reviews.
        """
        scope = _scope(experiment_id)
        self._ensure_schema()
        keys = None if review_keys is None else list(dict.fromkeys(review_keys))
        if keys is not None and not keys:
            return _frame([])
        newest_first = sa.func.row_number().over(
            partition_by=(events.c.review_key, events.c.annotator), order_by=events.c.review_version.desc()
        )
        # Few keys (a page of reviews): filter in SQL; many: read the experiment and filter here.
        in_sql = keys is not None and len(keys) <= 5_000
        rows: list[sa.RowMapping] = []
        with self._database_errors(saving=False), self._transaction(write=False) as conn:
            for chunk in _chunks(keys, 500) if in_sql else [None]:
                where = [events.c.experiment_id == scope] + ([events.c.review_key.in_(chunk)] if chunk is not None else [])
                ranked = sa.select(events, newest_first.label("newest_first")).where(*where).subquery()
                query = (
                    sa.select(*(ranked.c[name] for name in ANNOTATION_COLUMNS))
                    .where(ranked.c.newest_first == 1)
                    .order_by(ranked.c.review_key, ranked.c.annotator)
                )
                rows.extend(conn.execute(query).mappings().all())
        frame = _frame(rows)
        if keys is not None and not in_sql:
            frame = frame[frame["review_key"].isin(keys)].reset_index(drop=True)
        return frame

    def consensus_labels(self, experiment_id: str) -> pd.Series:
        """review_key -> the corrected label annotators of this experiment agree on.

        The label most annotators currently give (annotators without a corrected label do
        not vote); a tie goes to the label whose latest vote is the most recent.
        """
        current = self.current(experiment_id)
        voted = current[current["corrected_label"].notna()]
        if voted.empty:
            return pd.Series([], index=pd.Index([], name="review_key", dtype="object"), name="corrected_label", dtype="object")
        tally = (
            voted.groupby(["review_key", "corrected_label"])
            .agg(votes=("annotator", "size"), latest=("review_version", "max"))
            .reset_index()
            .sort_values(["review_key", "votes", "latest"], ascending=[True, False, False])
            .drop_duplicates("review_key")
        )
        return tally.set_index("review_key")["corrected_label"]

    def history_frame(self, experiment_id: str) -> pd.DataFrame:
        """Every row of one experiment's history, oldest first, for export."""
        scope = _scope(experiment_id)
        self._ensure_schema()
        query = sa.select(events).where(events.c.experiment_id == scope).order_by(events.c.review_key, events.c.review_version)
        with self._database_errors(saving=False), self._transaction(write=False) as conn:
            frame = _frame(conn.execute(query).mappings().all())
        return frame.sort_values(["created_at", "event_id"], kind="stable").reset_index(drop=True)

    # ---------------------------------------------------------------- rows from before experiments

    def legacy_run_ids(self) -> list[str]:
        """Runs that still have rows without an experiment (written before migration 0003)."""
        self._ensure_schema()
        query = sa.select(events.c.run_id).where(events.c.experiment_id.is_(None)).distinct().order_by(events.c.run_id)
        with self._database_errors(saving=False), self._transaction(write=False) as conn:
            return [str(run_id) for run_id in conn.execute(query).scalars()]

    def adopt_legacy(self, resolve: Callable[[str], LegacyRun | None]) -> int:
        """Attribute rows without an experiment to the experiment of their run; returns how many.

        ``resolve`` gives, for a run id, its experiment and its texts by review id (None when
        the run is gone). A row is adopted only when its review id's text in that run has
        exactly the row's legacy key (text + dataset name); it is then re-keyed with
        :func:`review_fingerprint`, each review's versions are renumbered in time order and
        each annotator's previous state recomputed within the experiment, so nothing of a
        row from another experiment survives in it. Rows that cannot be attributed keep no
        experiment and are never shown.
        """
        adopted = 0
        for run_id in self.legacy_run_ids():
            legacy = resolve(run_id)
            if legacy is not None:
                adopted += self._adopt_run(run_id, legacy)
        return adopted

    def _adopt_run(self, run_id: str, legacy: LegacyRun) -> int:
        experiment = _scope(legacy.experiment_id)
        self._ensure_schema(saving=True)
        with self._database_errors(saving=True), self._transaction(write=True) as conn:
            if self.dialect == "postgresql":  # replicas adopting at once: one after the other (SQLite's write lock does it there)
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_MIGRATION_LOCK)))
            rows = conn.execute(
                sa.select(events.c.event_id, events.c.review_key, events.c.dataset, events.c.review_id).where(
                    events.c.experiment_id.is_(None), events.c.run_id == run_id
                )
            ).all()
            new_keys: dict[int, str] = {}
            for row in rows:
                text = legacy.texts.get(row.review_id)
                if text is not None and _legacy_fingerprint(text, row.dataset) == row.review_key:
                    new_keys[row.event_id] = review_fingerprint(text, experiment)
            for event_id, key in new_keys.items():
                # A negative version cannot collide with a real one while the review is renumbered below.
                conn.execute(
                    events.update()
                    .where(events.c.event_id == event_id, events.c.experiment_id.is_(None))
                    .values(experiment_id=experiment, review_key=key, review_version=-event_id)
                )
            for key in set(new_keys.values()):
                _renumber(conn, experiment, key)
        return len(new_keys)

    def close(self) -> None:
        """Close the pooled connections (the store can still be used; it reconnects)."""
        self.engine.dispose()


@dataclass(frozen=True)
class LegacyRun:
    """What adopting a run's legacy annotations needs: its experiment and its texts by review id."""

    experiment_id: str
    texts: Mapping[str, str]


@dataclass(frozen=True)
class _Where:
    experiment_id: str
    review_key: str
    dataset: str
    review_id: str
    run_id: str
    model_uri: str


def _review(experiment_id: str, review_key: str) -> tuple[sa.ColumnElement[bool], ...]:
    return (events.c.experiment_id == experiment_id, events.c.review_key == review_key)


def _version(conn: sa.Connection, experiment_id: str, review_key: str) -> int:
    # Versions are contiguous from 1 (each is the previous + 1), so the maximum is the count.
    query = sa.select(sa.func.coalesce(sa.func.max(events.c.review_version), 0)).where(*_review(experiment_id, review_key))
    return int(conn.execute(query).scalar_one())


def _latest_row(conn: sa.Connection, experiment_id: str, review_key: str) -> sa.RowMapping | None:
    query = sa.select(events).where(*_review(experiment_id, review_key)).order_by(events.c.review_version.desc()).limit(1)
    return conn.execute(query).mappings().first()


def _renumber(conn: sa.Connection, experiment_id: str, review_key: str) -> None:
    """Versions 1, 2, … in time order and each annotator's previous state, for one review of one experiment."""
    rows = conn.execute(
        sa.select(events.c.event_id, events.c.annotator, events.c.verdict, events.c.corrected_label, events.c.note, events.c.created_at)
        .where(*_review(experiment_id, review_key))
        .order_by(events.c.created_at, events.c.event_id)
    ).all()
    for row in rows:  # out of the way of the unique (review_key, review_version) first
        conn.execute(events.update().where(events.c.event_id == row.event_id).values(review_version=-row.event_id))
    previous: dict[str, Any] = {}
    for version, row in enumerate(rows, start=1):
        before = previous.get(row.annotator)
        conn.execute(
            events.update()
            .where(events.c.event_id == row.event_id)
            .values(
                review_version=version,
                previous_verdict=before.verdict if before else None,
                previous_corrected_label=before.corrected_label if before else None,
                previous_note=before.note if before else None,
            )
        )
        previous[row.annotator] = row


def _chunks(items: list[str] | None, size: int) -> Iterator[list[str]]:
    for start in range(0, len(items or []), size):
        yield items[start : start + size]


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _unavailable(exc: sa.exc.DBAPIError, *, saving: bool) -> UserFacingError:
    """A plain explanation of why the database refused, with what to do about it."""
    text = str(exc.orig).lower()
    what = "Annotations cannot be saved right now" if saving else "Annotations cannot be read right now"
    if "readonly" in text or "read-only" in text or "permission denied" in text:
        return UserFacingError(
            f"{what}: the annotations database is read-only.",
            "Everything saved so far is kept and can still be read. Ask an admin to make the database writable "
            "(file permissions, or the database user's rights), then save again.",
        )
    if "locked" in text or "busy" in text:
        return UserFacingError(
            f"{what}: the annotations database is busy (locked by another program).",
            "Nothing was lost. Wait a moment and try again; if it persists, close other programs using the database file.",
        )
    return UserFacingError(
        f"{what}: the annotations database does not answer.",
        "Nothing already saved is lost, and the rest of the app keeps working. Check that the database server is running "
        "and that SENTIMENT_REVIEW_ANNOTATIONS_DB_URL points at it, then try again.",
    )


def _create_engine(url: sa.URL, *, busy_timeout_s: float, connect_timeout_s: int) -> sa.Engine:
    backend = url.get_backend_name()
    if backend == "postgresql":
        connect_args = {} if "connect_timeout" in url.query else {"connect_timeout": connect_timeout_s}
        return sa.create_engine(url, connect_args=connect_args, pool_pre_ping=True)
    if backend != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True)

    in_memory = url.database in (None, "", ":memory:")
    is_uri = str(url.query.get("uri", "")).lower() in ("true", "1")
    if not in_memory and not is_uri:
        # If the folder cannot be made, SQLite says so below, as "unable to open database file".
        with suppress(OSError):
            Path(url.database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
    # One shared connection for an in-memory database (each new connection would be a new, empty one).
    # A file gets a new connection per transaction (cheap for SQLite): a pooled one would keep
    # what it met when opened, e.g. a file that was read-only then, long after it is fixed.
    pool = {"poolclass": StaticPool} if in_memory else {"poolclass": NullPool}
    engine = sa.create_engine(url, connect_args={"timeout": busy_timeout_s, "check_same_thread": False}, **pool)

    @sa_event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (see below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        if not in_memory:
            # A read-only file keeps the journal mode it has; reading it still works.
            with suppress(sqlite3.OperationalError):
                cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @sa_event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        # Writers take SQLite's write lock up front: a deferred transaction that reads and then
        # writes can fail with "database is locked" at once, without waiting for busy_timeout.
        conn.exec_driver_sql(conn.get_execution_options().get("sqlite_begin", "BEGIN"))

    return engine
