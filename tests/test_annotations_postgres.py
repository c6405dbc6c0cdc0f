"""The annotation store on a real PostgreSQL (started from Debian's packages by tests/postgres.py).

The store tests of tests/test_annotations.py run here again, with ``url`` pointing at a
fresh PostgreSQL database; then what only a server can do: be down, or be read-only.
"""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from lib.errors import UserFacingError
from lib.stores.annotations import AnnotationStore
from tests.postgres import postgres_server, postgres_url  # noqa: F401 - fixtures
from tests.servers import free_port
from tests.test_annotations import (  # noqa: F401 - the shared store tests, collected again here
    EXPERIMENT,
    check_processes,
    check_threads,
    save,
    store,
    test_consensus_label_is_the_majority_and_a_tie_goes_to_the_most_recent,
    test_emoji_and_right_to_left_text_round_trip,
    test_expected_version_from_the_future_is_refused,
    test_exports_are_formula_safe_and_say_who_when_which_run_and_model,
    test_labels_verdicts_and_names_are_validated,
    test_one_megabyte_note_is_refused_with_a_message,
    test_previous_values_are_this_annotators_own_previous_state,
    test_record_history_and_current,
    test_saving_the_same_verdict_again_is_kept_as_a_new_row,
    test_schema_is_created_and_versioned_by_alembic,
    test_stale_edit_is_rejected_with_the_other_persons_change,
    test_stores_opened_at_once_migrate_once,
    test_the_same_text_in_two_experiments_shares_nothing,
    test_unique_constraint_rejects_a_writer_that_checked_at_the_same_moment,
    test_upgrade_from_0001_hides_legacy_rows_until_each_is_adopted_into_its_own_experiment,
)

pytestmark = pytest.mark.server


@pytest.fixture
def url(postgres_url: str) -> str:  # noqa: F811 - overrides the SQLite database of the shared tests
    return postgres_url


def test_concurrent_writers_in_threads_lose_nothing_on_postgres(url: str):
    check_threads(url)


def test_concurrent_writers_in_processes_lose_nothing_on_postgres(url: str):
    check_processes(url)


def test_postgres_down_gives_a_clear_message_and_a_read_only_app():
    started = time.monotonic()
    down = AnnotationStore(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/annotations?connect_timeout=1")
    assert isinstance(down.problem, UserFacingError)  # opening does not fail: the rest of the app works
    assert down.is_writable() is False
    with pytest.raises(UserFacingError) as caught:
        save(down, "a", "alice", expected_version=0)
    assert caught.value.message.startswith("Annotations cannot be saved right now") and "does not answer" in caught.value.message
    assert "server" in caught.value.hint
    with pytest.raises(UserFacingError, match="cannot be read right now"):
        down.current("demo")
    assert time.monotonic() - started < 15


def test_read_only_postgres_refuses_writes_and_keeps_everything(url: str, store: AnnotationStore):  # noqa: F811
    kept = save(store, "a", "alice", "label_wrong", "positive")
    database = sa.make_url(url).database
    with store.engine.connect() as conn:
        conn.execute(sa.text(f'ALTER DATABASE "{database}" SET default_transaction_read_only = on'))
        conn.commit()
    store.close()  # new connections are read-only from now on
    read_only = AnnotationStore(url)
    assert read_only.problem is None
    assert read_only.is_writable() is False
    with pytest.raises(UserFacingError, match="read-only") as caught:
        save(read_only, "a", "bob", expected_version=1)
    assert caught.value.message.startswith("Annotations cannot be saved right now")
    assert read_only.history(EXPERIMENT, sa_key := kept.review_key) == [kept]
    read_only.close()
    assert len(AnnotationStore(url).history(EXPERIMENT, sa_key)) == 1


def test_user_without_insert_rights_cannot_save_but_can_read(url: str, store: AnnotationStore):  # noqa: F811
    kept = save(store, "a", "alice")
    with store.engine.connect() as conn:
        conn.execute(sa.text("DROP ROLE IF EXISTS reader"))
        conn.execute(sa.text("CREATE ROLE reader LOGIN"))
        conn.execute(sa.text("GRANT SELECT ON annotation_events, alembic_version TO reader"))
        conn.commit()
    reader = AnnotationStore(url.replace("postgres@", "reader@"))
    try:
        assert reader.is_writable() is False
        with pytest.raises(UserFacingError, match="read-only"):
            save(reader, "a", "bob", expected_version=1)
        assert reader.history(EXPERIMENT, kept.review_key) == [kept]
    finally:
        reader.close()
        with store.engine.connect() as conn:
            conn.execute(sa.text("REVOKE ALL ON annotation_events, alembic_version FROM reader"))
            conn.execute(sa.text("DROP ROLE reader"))
            conn.commit()
