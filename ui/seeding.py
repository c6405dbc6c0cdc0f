"""First start: mark runs interrupted by a dead process, build the demo experiment with visible progress."""

from __future__ import annotations

import contextlib
import threading

import streamlit as st

from lib.config import Settings
from lib.errors import UserFacingError
from lib.stores.demo import is_seeded, seed_demo
from lib.stores.run_health import heal_interrupted_runs
from lib.stores.tracking import TrackingStore
from ui import data
from ui.components import show_user_error
from ui.failures import logged_with_id

PROGRESS_INTERVAL_S = 0.3


@st.cache_resource(show_spinner=False)
def _interrupted_runs_healed(tracking_uri: str) -> int:
    """Once per process and store: mark runs left RUNNING by a dead writer FAILED ("interrupted")."""
    return heal_interrupted_runs(data.tracking_store(tracking_uri))


def heal_interrupted_runs_once() -> None:
    """Mark interrupted runs on the first start of the process; an unreachable store is reported by the sidebar."""
    with contextlib.suppress(UserFacingError):  # not cached: tried again on the next rerun
        _interrupted_runs_healed(data.settings().tracking_uri)


@st.cache_resource(show_spinner=False)
def _demo_ready(tracking_uri: str) -> bool:
    """Remembered per process once the demo is complete, so later reruns skip the check."""
    return is_seeded(data.tracking_store(tracking_uri))


class DemoSeeding:
    """The demo being built by a thread of the server's own, so a visitor who leaves the page cannot stop it halfway."""

    def __init__(self, settings: Settings, store: TrackingStore) -> None:
        self.share = 0.0
        self.message = "Waiting for any other session that is setting it up…"
        self.error_id: str | None = None
        self.finished = threading.Event()
        threading.Thread(target=self._build, args=(settings, store), name="demo-seeding", daemon=True).start()

    def _build(self, settings: Settings, store: TrackingStore) -> None:
        try:
            seed_demo(settings, store, self._progress)
        except Exception as error:
            self.error_id = logged_with_id(error, "setting up the demo")
        finally:
            self.finished.set()

    def _progress(self, share: float, message: str) -> None:
        self.share, self.message = min(max(share, 0.0), 1.0), message


@st.cache_resource(show_spinner=False)
def _demo_seeding(tracking_uri: str) -> DemoSeeding:
    """One seeding per process and store, shared by every session that arrives while it runs."""
    return DemoSeeding(data.settings(), data.tracking_store(tracking_uri))


def ensure_demo() -> None:
    """Seed the demo when configured and not done yet, showing the shared seeding's progress to whoever is here."""
    settings = data.settings()
    if not settings.seed_demo:
        return
    try:
        if _demo_ready(settings.tracking_uri):
            return
    except UserFacingError as error:
        show_user_error(error)
        return
    seeding = _demo_seeding(settings.tracking_uri)
    with st.status("Setting up the demo experiment (first start only, about 30 seconds)…", expanded=True) as status:
        bar = st.progress(seeding.share, text=seeding.message)
        while not seeding.finished.wait(PROGRESS_INTERVAL_S):
            bar.progress(seeding.share, text=seeding.message)
        if seeding.error_id is not None:
            _demo_seeding.clear()  # the next visit tries again
            status.update(label="The demo could not be set up", state="error")
            st.error(f"Setting up the demo failed (reference **{seeding.error_id}**). It will be tried again on the next visit.")
            return
        status.update(label="Demo experiment ready", state="complete", expanded=False)
    _demo_ready.clear()
    data.refresh_lists()
