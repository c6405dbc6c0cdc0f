"""Settings from environment variables or `.streamlit/secrets.toml`, with embedded defaults.

Quality targets (optional) colour categories as meeting or missing a target: a ``[targets]``
table in secrets.toml (``macro_f1 = 0.6``, ``"recall:neutral" = 0.5``) or the environment
variable ``SENTIMENT_REVIEW_TARGETS`` holding the same as JSON.

Precedence for each setting: environment variable, then the top level of
`.streamlit/secrets.toml`, then the embedded default. The embedded default keeps
everything in ``data/store/`` inside the project, so the working directory never matters.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEMO_DATA_FILE = PROJECT_ROOT / "data" / "demo" / "vader_reviews.parquet"
SECRETS_FILE = PROJECT_ROOT / ".streamlit" / "secrets.toml"
MAX_UPLOAD_ROWS_SETTING = "SENTIMENT_REVIEW_MAX_UPLOAD_ROWS"
DEFAULT_MAX_UPLOAD_ROWS = 2_000_000


@dataclass(frozen=True)
class Settings:
    """Where the app reads runs from and keeps its own files."""

    data_dir: Path
    tracking_uri: str
    annotations_db_url: str
    seed_demo: bool
    targets: Mapping[str, float] = field(default_factory=dict)
    max_upload_rows: int = DEFAULT_MAX_UPLOAD_ROWS  # rows the app reads from one uploaded file

    @property
    def uses_embedded_store(self) -> bool:
        """True when the tracking store is the local SQLite file in the data folder."""
        return self.tracking_uri == embedded_tracking_uri(self.data_dir)

    @property
    def artifact_root(self) -> Path:
        """Folder for artifacts of experiments this app creates in the embedded store."""
        return self.data_dir / "artifacts"


def embedded_tracking_uri(data_dir: Path) -> str:
    """The SQLite tracking URI of the embedded store in ``data_dir``."""
    return f"sqlite:///{(data_dir / 'mlflow.db').resolve()}"


def _read_secrets(path: Path) -> dict:
    if not path.is_file():
        return {}
    with path.open("rb") as handle:
        return tomllib.load(handle)


def _flag(value: str | bool) -> bool:
    if isinstance(value, bool):
        return value
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _targets(from_env: str | None, from_secrets: Mapping | None) -> dict[str, float]:
    """Quality targets per metric key (e.g. ``macro_f1 = 0.6``), as fractions of 1."""
    raw = json.loads(from_env) if from_env else dict(from_secrets or {})
    return {str(metric): float(value) for metric, value in raw.items()}


def load_settings(environ: dict[str, str] | None = None, secrets_file: Path = SECRETS_FILE) -> Settings:
    """Settings from ``environ`` (default: the process environment) and the secrets file."""
    env = dict(os.environ if environ is None else environ)
    secrets = _read_secrets(secrets_file)

    def setting(name: str, default: str | bool | None = None) -> str | bool | None:
        # Not `or`: a TOML `false` in the secrets file is a setting, only unset or "" falls through.
        for source in (env, secrets):
            value = source.get(name)
            if value is not None and value != "":
                return value
        return default

    data_dir = Path(setting("SENTIMENT_REVIEW_DATA_DIR", str(PROJECT_ROOT / "data" / "store"))).resolve()
    tracking_uri = setting("MLFLOW_TRACKING_URI") or embedded_tracking_uri(data_dir)
    annotations_url = setting("SENTIMENT_REVIEW_ANNOTATIONS_DB_URL", f"sqlite:///{(data_dir / 'annotations.db').resolve()}")
    # Seeding the demo only makes sense in the embedded store unless asked for explicitly.
    seed_default = tracking_uri == embedded_tracking_uri(data_dir)
    seed_demo = _flag(setting("SENTIMENT_REVIEW_SEED_DEMO", seed_default))
    max_upload_rows = int(setting(MAX_UPLOAD_ROWS_SETTING, DEFAULT_MAX_UPLOAD_ROWS))
    if max_upload_rows < 1:
        raise ValueError(f"{MAX_UPLOAD_ROWS_SETTING} must be a positive number of rows")
    return Settings(
        targets=_targets(env.get("SENTIMENT_REVIEW_TARGETS"), secrets.get("targets")),
        data_dir=data_dir,
        tracking_uri=str(tracking_uri),
        annotations_db_url=str(annotations_url),
        seed_demo=seed_demo,
        max_upload_rows=max_upload_rows,
    )
