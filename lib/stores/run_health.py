"""Runs left RUNNING by a process that died while logging them are marked FAILED ("interrupted").

A process killed between creating a run and finishing it (power cut, out of memory, a
redeploy) cannot mark the run itself, and MLflow would show it "in progress" forever. Every
run the app creates names its writer in a tag (host, process id, process start), so a later
process tells a dead writer from a live one: a run of the app's own kind is interrupted
when its writer on this host is gone, or, when that cannot be told (another host, an older
run), when it has been RUNNING for longer than ``STALE_AFTER``. Logging a run takes seconds,
since runs are created only once the reviews are scored.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from lib.stores import contract

if TYPE_CHECKING:
    from lib.stores.tracking import RunSummary, TrackingStore

INTERRUPTED = "interrupted"
STALE_AFTER = timedelta(minutes=30)
_BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
log = logging.getLogger(__name__)


def _process_start(pid: int) -> str:
    """When process ``pid`` started (boot id and clock ticks since boot); "" when it is gone or this cannot be told."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = _BOOT_ID.read_text().strip()
    except OSError:
        return ""
    # The command name (field 2) may hold spaces and parentheses: count fields after its last ")".
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] in {"Z", "X"}:  # a zombie has stopped writing for good
        return ""
    return f"{boot}:{fields[19]}"


def writer_identity() -> str:
    """This process as a run's writer: "host pid start" (start is empty where /proc is missing)."""
    return _identity(os.getpid())  # by pid: a forked child is another writer


@cache
def _identity(pid: int) -> str:
    return f"{socket.gethostname()} {pid} {_process_start(pid)}".rstrip()


def writer_is_gone(identity: str) -> bool:
    """True when the writer named by ``identity`` ran on this host and that process no longer exists."""
    host, _, rest = identity.partition(" ")
    pid, _, started = rest.partition(" ")
    if host != socket.gethostname() or not pid.isdigit() or not started:
        return False  # another host, or no start recorded: only the age of the run can tell
    return _process_start(int(pid)) != started


def is_interrupted(run: RunSummary, now: datetime, stale_after: timedelta = STALE_AFTER) -> bool:
    """True for a RUNNING run of the app's own kind whose writer is gone or that has run for too long."""
    if run.status != "RUNNING":
        return False
    identity = run.tags.get(contract.TAG_WRITER)
    if identity is None and run.tags.get(contract.TAG_RUN_KIND) != contract.RUN_KIND_EVALUATION:
        return False  # someone else's run: not ours to judge
    if identity is not None and writer_is_gone(identity):
        return True
    return run.start_time is not None and now - run.start_time > stale_after


def heal_interrupted(store: TrackingStore, runs: list[RunSummary], now: datetime | None = None) -> list[RunSummary]:
    """``runs`` with every interrupted one marked FAILED (reason "interrupted") in the store and in the list."""
    now = now or datetime.now(UTC)
    healed = []
    for run in runs:
        if is_interrupted(run, now):
            try:
                store.fail_run(run.run_id, INTERRUPTED)
            except Exception:  # a read-only or unreachable store: the run stays as it is, the list still shows
                log.warning("Could not mark the interrupted run %s as failed", run.run_id, exc_info=True)
            else:
                run = replace(run, status="FAILED", tags={**run.tags, contract.TAG_FAILURE: INTERRUPTED})
        healed.append(run)
    return healed


def heal_interrupted_runs(store: TrackingStore, now: datetime | None = None) -> int:
    """Mark every interrupted run of the store FAILED; returns how many there were."""
    running = store.running_runs()
    healed = heal_interrupted(store, running, now)
    return sum(before.status != after.status for before, after in zip(running, healed, strict=True))
