"""Settings from environment variables or `.streamlit/secrets.toml`, with embedded defaults.

Quality targets (optional) colour categories as meeting or missing a target: a ``[targets]``
table in secrets.toml (``macro_f1 = 0.6``, ``"recall:neutral" = 0.5``) or the environment
variable ``SENTIMENT_REVIEW_TARGETS`` holding the same as JSON.

A secrets file that does not parse is never read as "nothing configured": reading it raises
:class:`ConfigError` naming the file and the place (line and column), never its values.

Precedence for each setting: environment variable, then the top level of
`.streamlit/secrets.toml`, then the embedded default. The embedded default keeps
everything in ``data/store/`` inside the project, so the working directory never matters.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lib.errors import UserFacingError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEMO_DATA_FILE = PROJECT_ROOT / "data" / "demo" / "vader_reviews.parquet"
SECRETS_FILE = PROJECT_ROOT / ".streamlit" / "secrets.toml"
DEFAULT_SESSION_IDLE_HOURS = 8.0
CONFIG_HINT = "Ask whoever runs this app to fix its secrets.toml (README: “Sign-in, roles and client visibility”)."


class ConfigError(UserFacingError):
    """The app's configuration is wrong; the message names files and keys, never values. The app serves no data."""


MAX_UPLOAD_ROWS_SETTING = "SENTIMENT_REVIEW_MAX_UPLOAD_ROWS"
DEFAULT_MAX_UPLOAD_ROWS = 2_000_000


@dataclass(frozen=True)
class Settings:
    """Where the app reads runs from and keeps its own files."""

    data_dir: Path
    tracking_uri: str
    annotations_db_url: str
    seed_demo: bool
    session_idle_hours: float = DEFAULT_SESSION_IDLE_HOURS  # a password sign-in ends after this long without a click
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


def read_secrets_file(path: Path) -> dict:
    """The parsed TOML file (``{}`` when there is none); ConfigError naming the file and place when it does not parse.

    Every page view reads it, so the same content is parsed once (an edit is seen on the next
    read); callers get their own copy.
    """
    if not path.is_file():
        return {}
    try:
        content = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"The secrets file {path} cannot be read ({type(error).__name__}).", CONFIG_HINT) from None
    return copy.deepcopy(_parsed_secrets(path, content))


@functools.lru_cache(maxsize=16)
def _parsed_secrets(path: Path, content: bytes) -> dict:
    """``content`` of the file ``path`` parsed; errors are raised, and never cached."""
    try:
        return tomllib.loads(content.decode("utf-8"))
    except tomllib.TOMLDecodeError as error:
        # tomllib's message says what it expected and where ("(at line 3, column 8)"), never the text it read.
        raise ConfigError(
            f"The secrets file {path} is not valid TOML: {error}. Nothing is shown until it is fixed.",
            'Texts need quotes (role = "viewer"), and each [table] may appear once. ' + CONFIG_HINT,
        ) from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"The secrets file {path} cannot be read ({type(error).__name__}).", CONFIG_HINT) from None


def _idle_hours(value: str | float) -> float:
    try:
        hours = float(value)
    except (TypeError, ValueError):
        hours = float("nan")
    if not 0 < hours < 24 * 366:  # also False for NaN
        raise ConfigError(
            "SENTIMENT_REVIEW_SESSION_IDLE_HOURS must be a number of hours above 0 (for example 8).",
            "Fix it in the environment or in secrets.toml.",
        )
    return hours


def _max_upload_rows(value: str | int) -> int:
    try:
        rows = int(str(value).replace("_", "").replace(",", ""))
    except ValueError:
        rows = 0
    if rows < 1:
        raise ConfigError(
            f"{MAX_UPLOAD_ROWS_SETTING} must be a whole number of rows above 0 (for example 2000000).",
            "Fix it in the environment or in secrets.toml.",
        )
    return rows


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
    secrets = read_secrets_file(secrets_file)

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
    max_upload_rows = _max_upload_rows(setting(MAX_UPLOAD_ROWS_SETTING, DEFAULT_MAX_UPLOAD_ROWS))
    return Settings(
        targets=_targets(env.get("SENTIMENT_REVIEW_TARGETS"), secrets.get("targets")),
        data_dir=data_dir,
        tracking_uri=str(tracking_uri),
        annotations_db_url=str(annotations_url),
        seed_demo=seed_demo,
        session_idle_hours=_idle_hours(setting("SENTIMENT_REVIEW_SESSION_IDLE_HOURS", DEFAULT_SESSION_IDLE_HOURS)),
        max_upload_rows=max_upload_rows,
    )
