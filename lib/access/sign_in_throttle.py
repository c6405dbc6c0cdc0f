"""Slowing down password guessing, with counters every app replica shares.

Failed password sign-ins are rows of ``sign_in_failures`` in the annotations database
(migration ``0002_sign_in_failures``, applied when :class:`lib.stores.annotations.AnnotationStore`
opens), so replicas behind a load balancer count together. Three counters, over the last
``window_s`` seconds:

* per (name, client address): after a few failures the next attempt waits, and the wait
  doubles with each further failure, up to a long cap. This is the guesser's own counter.
* per name, from any address: the same, but starting later and capped short, so someone
  who tries "admin" from many addresses is slowed down, while the real admin signing in
  from their own address waits at most that short cap, never a lock-out.
* all names together: password spraying (one guess each against many names) is slowed for
  everyone once failures pile up, again capped short.

An attempt may go ahead when, for every counter, the time since its last failure is at
least its delay. A refused attempt is not checked and not counted. Unknown names count like
real ones, so a refusal tells nothing about which names exist. Rows older than the window
are deleted as new failures come in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from lib.errors import UserFacingError
from lib.stores.annotations import AnnotationStore

MAX_NAME_CHARS = 200
MAX_ADDRESS_CHARS = 100
SIGN_IN_PAUSED = "Password sign-in is paused: the app cannot count failed attempts right now (its database does not answer)."
SIGN_IN_PAUSED_HINT = "Try again in a few minutes. If it persists, ask whoever runs the app to check the annotations database."
_failures = sa.Table(
    "sign_in_failures",
    sa.MetaData(),
    sa.Column("failure_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.Text, nullable=False),
    sa.Column("client_address", sa.Text, nullable=False),
    sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True)
class Backoff:
    """After ``free`` failures, wait ``base_s`` seconds, doubling with each further failure, at most ``cap_s``."""

    free: int
    base_s: float
    cap_s: float

    def delay_s(self, failures: int) -> float:
        """Seconds to wait after the last of ``failures`` recent failures."""
        if failures < self.free:
            return 0.0
        return min(self.cap_s, self.base_s * 2.0 ** min(failures - self.free, 60))


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failures each counter forgives and how long it then makes people wait."""

    per_name_and_address: Backoff = Backoff(free=3, base_s=2.0, cap_s=15 * 60.0)
    per_name: Backoff = Backoff(free=10, base_s=2.0, cap_s=60.0)
    overall: Backoff = Backoff(free=100, base_s=1.0, cap_s=30.0)
    window_s: float = 3600.0  # failures older than this no longer count and are deleted


class SignInThrottle:
    """Exponential backoff on failed password sign-ins, kept in the annotations database."""

    def __init__(
        self,
        store: AnnotationStore,
        policy: ThrottlePolicy | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self.policy = policy or ThrottlePolicy()
        self._clock = clock

    def wait_s(self, username: str, client_address: str | None) -> float:
        """Seconds before this name may try again from this address (0: go ahead)."""
        name, address = _name(username), _address(client_address)
        now = self._now()
        cutoff = now - timedelta(seconds=self.policy.window_s)
        t = _failures.c
        pair = sa.and_(t.username == name, t.client_address == address)
        same_name = t.username == name
        query = sa.select(
            sa.func.count(sa.case((pair, 1))),
            sa.func.max(sa.case((pair, t.failed_at))),
            sa.func.count(sa.case((same_name, 1))),
            sa.func.max(sa.case((same_name, t.failed_at))),
            sa.func.count(),
            sa.func.max(t.failed_at),
        ).where(t.failed_at >= cutoff)
        with self._connection(write=False) as conn:
            pair_n, pair_last, name_n, name_last, all_n, all_last = conn.execute(query).one()
        counters = (
            (self.policy.per_name_and_address, pair_n, pair_last),
            (self.policy.per_name, name_n, name_last),
            (self.policy.overall, all_n, all_last),
        )
        # A failure stamped later than "now" (another replica's clock runs ahead) counts as just now.
        waits = [delay - max(0.0, (now - _utc(last)).total_seconds()) for backoff, n, last in counters if (delay := backoff.delay_s(n)) > 0]
        return max([0.0, *waits])

    def failed(self, username: str, client_address: str | None) -> None:
        """Record one failed attempt, and delete failures too old to count."""
        now = self._now()
        with self._connection(write=True) as conn:
            conn.execute(_failures.insert().values(username=_name(username), client_address=_address(client_address), failed_at=now))
            conn.execute(_failures.delete().where(_failures.c.failed_at < now - timedelta(seconds=self.policy.window_s)))

    def succeeded(self, username: str, client_address: str | None) -> None:
        """Forget the failures of this name from this address (the other counters keep theirs)."""
        t = _failures.c
        with self._connection(write=True) as conn:
            conn.execute(_failures.delete().where(t.username == _name(username), t.client_address == _address(client_address)))

    def _now(self) -> datetime:
        return _utc(self._clock())

    @contextmanager
    def _connection(self, *, write: bool) -> Iterator[sa.Connection]:
        # is_writable() brings the schema to head first (the store may have opened while the
        # database was down); without a place to count failures, nobody may try a password.
        if not self._store.is_writable():
            raise UserFacingError(SIGN_IN_PAUSED, SIGN_IN_PAUSED_HINT)
        options = {"sqlite_begin": "BEGIN IMMEDIATE"} if write else {}
        try:
            with self._store.engine.connect().execution_options(**options) as conn, conn.begin():
                yield conn
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            raise UserFacingError(SIGN_IN_PAUSED, SIGN_IN_PAUSED_HINT) from exc


def throttled_message(wait_s: float) -> str:
    """What a refused attempt is told: how long to wait, in whole seconds or minutes."""
    seconds = max(1, round(wait_s))
    when = f"{seconds} seconds" if seconds < 120 else f"{round(seconds / 60)} minutes"
    return f"Too many failed attempts. Wait {when}, then try again."


def _name(username: str) -> str:
    return " ".join(str(username).split()).casefold()[:MAX_NAME_CHARS]


def _address(client_address: str | None) -> str:
    return (str(client_address or "").strip() or "unknown")[:MAX_ADDRESS_CHARS]


def _utc(value: datetime) -> datetime:
    # SQLite keeps no time zone: every time stored here is UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
