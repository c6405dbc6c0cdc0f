"""Parallel work that is safe inside the Streamlit server: one process, many threads.

Forking a process that runs other threads copies every lock some other thread holds at
that instant; the child can then wait for it forever. That is how the Mistakes page hung
on about one fresh server in five (issue 15: cleanlab started a ``multiprocessing.Pool``,
which forks by default on Linux before Python 3.14).

The rule for the whole app: **nothing in the server forks.** Library calls that can start
process pools get an explicit ``n_jobs=1`` (or joblib's ``loky`` backend, which spawns), and
:func:`use_safe_start_method` makes ``forkserver`` the process-wide default, so a pool some
library starts with default settings no longer forks the server either.
"""

from __future__ import annotations

import multiprocessing

SAFE_START_METHOD = "forkserver"


def use_safe_start_method() -> None:
    """Make ``forkserver`` the default start method of ``multiprocessing`` in this process."""
    if multiprocessing.get_start_method(allow_none=True) != SAFE_START_METHOD:
        multiprocessing.set_start_method(SAFE_START_METHOD, force=True)
