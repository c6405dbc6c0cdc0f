"""lib/access/sign_in_throttle.py: backoff per (name, address), per name and overall, shared through the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from lib.access.sign_in_throttle import SIGN_IN_PAUSED, Backoff, SignInThrottle, ThrottlePolicy, throttled_message
from lib.errors import UserFacingError
from lib.stores.annotations import AnnotationStore
from tests.postgres import postgres_server, postgres_url  # noqa: F401 - fixtures

START = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def store(tmp_path) -> AnnotationStore:
    opened = AnnotationStore(f"sqlite:///{tmp_path / 'annotations.db'}")
    yield opened
    opened.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def fail(throttle: SignInThrottle, name: str, address: str, times: int) -> None:
    for _ in range(times):
        throttle.failed(name, address)


def rows(store: AnnotationStore) -> int:
    with store.engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM sign_in_failures")).scalar_one()


def test_backoff_doubles_after_the_free_failures_up_to_its_cap() -> None:
    backoff = Backoff(free=3, base_s=2.0, cap_s=60.0)
    assert [backoff.delay_s(n) for n in range(9)] == [0, 0, 0, 2, 4, 8, 16, 32, 60]
    assert backoff.delay_s(10_000) == 60.0


def test_wait_grows_with_each_failure_and_ends_when_it_has_passed(store, clock) -> None:
    throttle = SignInThrottle(store, clock=clock)
    waits = []
    for _ in range(6):
        waits.append(throttle.wait_s("Alice", "203.0.113.7"))
        throttle.failed("alice", "203.0.113.7")
    assert waits == [0, 0, 0, 2, 4, 8]
    assert throttle.wait_s(" ALICE ", "203.0.113.7") == 16  # names are casefolded like the sign-in
    clock.advance(10)
    assert throttle.wait_s("alice", "203.0.113.7") == pytest.approx(6)
    clock.advance(6)
    assert throttle.wait_s("alice", "203.0.113.7") == 0  # a delay, not a lock


def test_a_guesser_at_one_address_does_not_lock_the_real_user_out(store, clock) -> None:
    policy = ThrottlePolicy()
    throttle = SignInThrottle(store, policy, clock=clock)
    fail(throttle, "admin", "198.51.100.66", 8)
    assert throttle.wait_s("admin", "198.51.100.66") == 2.0 * 2**5
    assert throttle.wait_s("admin", "203.0.113.7") == 0  # the real admin, elsewhere, is not slowed at all
    fail(throttle, "admin", "198.51.100.66", 40)
    assert throttle.wait_s("admin", "198.51.100.66") == policy.per_name_and_address.cap_s
    # Many failures against the name slow it down from everywhere, but only by the short per-name cap.
    assert throttle.wait_s("admin", "203.0.113.7") == policy.per_name.cap_s
    clock.advance(policy.per_name.cap_s)
    assert throttle.wait_s("admin", "203.0.113.7") == 0
    assert throttle.wait_s("admin", "198.51.100.66") > 0


def test_spraying_one_guess_across_many_names_is_slowed_for_everyone(store, clock) -> None:
    policy = ThrottlePolicy(overall=Backoff(free=20, base_s=1.0, cap_s=30.0))
    throttle = SignInThrottle(store, policy, clock=clock)
    for number in range(19):
        throttle.failed(f"user{number}", "198.51.100.66")
    assert throttle.wait_s("someone-else", "203.0.113.7") == 0
    throttle.failed("user19", "198.51.100.66")
    assert throttle.wait_s("someone-else", "203.0.113.7") == 1.0
    fail(throttle, "user20", "198.51.100.99", 10)  # from a second address too
    assert throttle.wait_s("brand-new", "192.0.2.1") == 30.0  # capped: a slowdown, never a lock-out


def test_two_replicas_on_one_database_share_the_counters(tmp_path, clock) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    first, second = AnnotationStore(url), AnnotationStore(url)
    one, other = SignInThrottle(first, clock=clock), SignInThrottle(second, clock=clock)
    fail(one, "ana", "203.0.113.7", 2)
    fail(other, "ana", "203.0.113.7", 2)
    assert one.wait_s("ana", "203.0.113.7") == other.wait_s("ana", "203.0.113.7") == 4.0
    other.succeeded("ana", "203.0.113.7")
    assert one.wait_s("ana", "203.0.113.7") == 0


def test_success_forgets_only_that_name_and_address(store, clock) -> None:
    throttle = SignInThrottle(store, clock=clock)
    fail(throttle, "ana", "203.0.113.7", 4)
    fail(throttle, "ana", "198.51.100.66", 4)
    throttle.succeeded("ANA", "203.0.113.7")
    assert throttle.wait_s("ana", "203.0.113.7") == 0
    assert throttle.wait_s("ana", "198.51.100.66") == 4.0


def test_failures_older_than_the_window_stop_counting_and_are_deleted(store, clock) -> None:
    policy = ThrottlePolicy(window_s=600)
    throttle = SignInThrottle(store, policy, clock=clock)
    fail(throttle, "ana", "203.0.113.7", 5)
    clock.advance(601)
    assert throttle.wait_s("ana", "203.0.113.7") == 0
    assert rows(store) == 5
    throttle.failed("bob", "203.0.113.7")
    assert rows(store) == 1  # only bob's new row is left


def test_unknown_addresses_and_long_names_are_stored_bounded(store, clock) -> None:
    throttle = SignInThrottle(store, clock=clock)
    fail(throttle, "x" * 5000, "", 4)
    assert throttle.wait_s("x" * 5000, None) == 4.0
    with store.engine.connect() as conn:
        name, address = conn.execute(sa.text("SELECT username, client_address FROM sign_in_failures")).first()
    assert len(name) == 200 and address == "unknown"


def test_without_a_database_to_count_in_nobody_may_try_a_password(clock) -> None:
    down = AnnotationStore("sqlite:////proc/no-such-folder/annotations.db")
    throttle = SignInThrottle(down, clock=clock)
    for attempt in (lambda: throttle.wait_s("ana", "203.0.113.7"), lambda: throttle.failed("ana", "203.0.113.7")):
        with pytest.raises(UserFacingError) as caught:
            attempt()
        assert caught.value.message == SIGN_IN_PAUSED


@pytest.mark.parametrize(("wait", "said"), [(0.2, "1 seconds"), (2.0, "2 seconds"), (64.4, "64 seconds"), (900, "15 minutes")])
def test_the_refusal_says_how_long_to_wait(wait: float, said: str) -> None:
    assert throttled_message(wait) == f"Too many failed attempts. Wait {said}, then try again."


@pytest.mark.server
def test_replicas_share_counters_on_postgresql(postgres_url: str, clock) -> None:  # noqa: F811
    first, second = AnnotationStore(postgres_url), AnnotationStore(postgres_url)
    one, other = SignInThrottle(first, clock=clock), SignInThrottle(second, clock=clock)
    fail(one, "ana", "203.0.113.7", 3)
    fail(other, "ana", "203.0.113.7", 2)
    assert one.wait_s("ana", "203.0.113.7") == other.wait_s("ana", "203.0.113.7") == 8.0
    assert other.wait_s("ana", "198.51.100.66") == 0
    clock.advance(3601)
    other.failed("bob", "203.0.113.7")
    assert rows(first) == 1
    first.close()
    second.close()


def test_a_replica_whose_clock_runs_ahead_neither_blocks_early_nor_stretches_the_wait(store, clock) -> None:
    ahead = Clock()
    ahead.advance(120)
    fast, slow = SignInThrottle(store, clock=ahead), SignInThrottle(store, clock=clock)
    fail(fast, "ana", "203.0.113.7", 2)
    assert slow.wait_s("ana", "203.0.113.7") == 0  # below the free failures: no wait at all
    fast.failed("ana", "203.0.113.7")
    assert slow.wait_s("ana", "203.0.113.7") == 2.0  # the delay, counted from now, not from the future
