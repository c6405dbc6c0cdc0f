"""Start the Sentiment Review server: load the app's libraries first, then serve ``app.py`` with Streamlit.

``streamlit run app.py`` imports MLflow, scikit-learn, SciPy and the app's own ``lib``
package only when the first visitor arrives, so that visitor waited about 4 seconds more
than anyone after. This launcher imports them before the server starts listening: once the
health check answers, the first page is as quick as any.

    python scripts/serve.py [options of `streamlit run`, e.g. --server.port 8600]
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
APP = PROJECT_ROOT / "app.py"
# Imported by the app only inside functions (so scripts and worker processes that never need
# them start quickly), each costing 0.5-1.5 s on first use.
DEFERRED_IMPORTS = ("streamlit", "altair", "mlflow", "mlflow.pyfunc", "mlflow.sklearn", "scipy.stats", "cleanlab.filter")


def preload_libraries() -> int:
    """Import every module of ``lib`` (pure logic, no Streamlit), what they import and defer; returns how many."""
    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))
    import lib

    modules = [module.name for module in pkgutil.walk_packages(lib.__path__, "lib.")] + list(DEFERRED_IMPORTS)
    for name in modules:
        importlib.import_module(name)
    return len(modules)


def main() -> None:
    """Preload, then hand over to Streamlit's own command line (``streamlit run app.py …``)."""
    preload_libraries()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *sys.argv[1:]]
    cli.main()


if __name__ == "__main__":
    main()
