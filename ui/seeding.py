"""First start: mark runs interrupted by a dead process, build the demo experiment with visible progress."""

from __future__ import annotations

import contextlib

import streamlit as st

from lib.errors import UserFacingError
from lib.stores.demo import is_seeded, seed_demo
from lib.stores.run_health import heal_interrupted_runs
from ui import data
from ui.components import show_user_error
from ui.failures import logged_with_id


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


def ensure_demo() -> None:
    """Seed the demo when configured and not done yet; other sessions wait on the same lock."""
    settings = data.settings()
    if not settings.seed_demo:
        return
    try:
        if _demo_ready(settings.tracking_uri):
            return
    except UserFacingError as error:
        show_user_error(error)
        return
    with st.status("Setting up the demo experiment (first start only, about 30 seconds)…", expanded=True) as status:
        bar = st.progress(0.0, text="Waiting for any other session that is setting it up…")
        try:
            seed_demo(settings, data.store(), lambda share, message: bar.progress(min(share, 1.0), text=message))
        except Exception as error:
            status.update(label="The demo could not be set up", state="error")
            error_id = logged_with_id(error, "setting up the demo")
            st.error(f"Setting up the demo failed (reference **{error_id}**). It will be tried again on the next start.")
            return
        status.update(label="Demo experiment ready", state="complete", expanded=False)
    _demo_ready.clear()
    data.refresh_lists()
