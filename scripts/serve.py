"""Start the Sentiment Review server: set memory up, load the app's libraries, then serve ``app.py`` with Streamlit.

``streamlit run app.py`` imports MLflow, scikit-learn, SciPy and the app's own ``lib``
package only when the first visitor arrives, so that visitor waited about 4 seconds more
than anyone after. This launcher imports them before the server starts listening: once the
health check answers, the first page is as quick as any.

    python scripts/serve.py [options of `streamlit run`, e.g. --server.port 8600]
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import importlib
import os
import pkgutil
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
APP = PROJECT_ROOT / "app.py"
# Imported by the app only inside functions (so scripts and worker processes that never need
# them start quickly), each costing 0.5-1.5 s on first use.
DEFERRED_IMPORTS = ("streamlit", "altair", "mlflow", "mlflow.pyfunc", "mlflow.sklearn", "scipy.stats", "cleanlab.filter")


# glibc's mallopt parameters (malloc.h).
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
MMAP_THRESHOLD_BYTES = 256 * 1024
ARENA_MAX = 2


def return_freed_memory() -> None:
    """Let memory freed after a big computation go back to the system instead of staying in the server.

    The server holds one large table per open run and works out figures that need big
    temporary arrays. Three allocator defaults kept those temporaries resident after use
    (about 40% of the server's peak on a run of a million reviews): Arrow's mimalloc pool,
    glibc's mmap threshold, which rises after each large free until big arrays come from
    the heap, and glibc's arenas, up to eight per core for a server with many threads.
    """
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")  # read when pyarrow loads, below
    libc_name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(libc_name) if libc_name else None
    if libc is not None and hasattr(libc, "mallopt"):  # glibc only; elsewhere the defaults stay
        libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
        libc.mallopt(_M_ARENA_MAX, ARENA_MAX)


def preload_libraries() -> None:
    """Import every module of ``lib`` (pure logic, no Streamlit), what they import and defer."""
    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))
    import lib

    for name in [module.name for module in pkgutil.walk_packages(lib.__path__, "lib.")] + list(DEFERRED_IMPORTS):
        importlib.import_module(name)


def open_tracking_store() -> None:
    """Open the configured MLflow store once before serving (MLflow keeps one per URI): its set-up took the first visitor a second."""
    from lib.config import load_settings
    from lib.stores.tracking import TrackingStore

    with contextlib.suppress(Exception):  # the app itself reports configuration and store problems, to whoever can fix them
        TrackingStore(load_settings().tracking_uri)


def main() -> None:
    """Allocator settings and preloading, then Streamlit's own command line (``streamlit run app.py …``)."""
    return_freed_memory()
    preload_libraries()
    open_tracking_store()
    from lib.scoring.parallel import start_worker_server

    start_worker_server()  # before Streamlit starts its threads
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *sys.argv[1:]]
    cli.main()


if __name__ == "__main__":
    main()
