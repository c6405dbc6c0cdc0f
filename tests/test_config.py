"""lib/config.py: environment variable, then secrets file, then embedded default."""

from __future__ import annotations

from pathlib import Path

import pytest

from lib.config import PROJECT_ROOT, ConfigError, embedded_tracking_uri, load_settings


def write_secrets(folder: Path, text: str) -> Path:
    path = folder / "secrets.toml"
    path.write_text(text)
    return path


def test_defaults_keep_everything_in_the_project_data_folder(tmp_path: Path) -> None:
    settings = load_settings({}, secrets_file=tmp_path / "missing.toml")
    data_dir = PROJECT_ROOT / "data" / "store"
    assert settings.data_dir == data_dir
    assert settings.tracking_uri == f"sqlite:///{data_dir / 'mlflow.db'}"
    assert settings.annotations_db_url == f"sqlite:///{data_dir / 'annotations.db'}"
    assert settings.seed_demo is True
    assert settings.uses_embedded_store
    assert settings.artifact_root == data_dir / "artifacts"


def test_default_tracking_uri_is_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings({"SENTIMENT_REVIEW_DATA_DIR": str(tmp_path / "store")}, secrets_file=tmp_path / "missing.toml")
    assert settings.data_dir == tmp_path / "store"
    assert settings.tracking_uri == f"sqlite:///{tmp_path / 'store' / 'mlflow.db'}"
    assert settings.tracking_uri == embedded_tracking_uri(tmp_path / "store")
    assert settings.uses_embedded_store and settings.seed_demo


def test_secrets_file_overrides_defaults(tmp_path: Path) -> None:
    secrets = write_secrets(
        tmp_path,
        f'SENTIMENT_REVIEW_DATA_DIR = "{tmp_path / "from_secrets"}"\n'
        'SENTIMENT_REVIEW_ANNOTATIONS_DB_URL = "postgresql://reviewer@db.example/annotations"\n',
    )
    settings = load_settings({}, secrets_file=secrets)
    assert settings.data_dir == tmp_path / "from_secrets"
    assert settings.annotations_db_url == "postgresql://reviewer@db.example/annotations"
    assert settings.tracking_uri == embedded_tracking_uri(tmp_path / "from_secrets")


def test_environment_overrides_secrets_file(tmp_path: Path) -> None:
    secrets = write_secrets(
        tmp_path,
        f'SENTIMENT_REVIEW_DATA_DIR = "{tmp_path / "from_secrets"}"\n'
        'SENTIMENT_REVIEW_ANNOTATIONS_DB_URL = "postgresql://reviewer@db.example/annotations"\n'
        'MLFLOW_TRACKING_URI = "http://secrets.example:5000"\n',
    )
    env = {
        "SENTIMENT_REVIEW_DATA_DIR": str(tmp_path / "from_env"),
        "MLFLOW_TRACKING_URI": "http://env.example:5000",
    }
    settings = load_settings(env, secrets_file=secrets)
    assert settings.data_dir == tmp_path / "from_env"
    assert settings.tracking_uri == "http://env.example:5000"
    # Not set in the environment: the secrets file still counts.
    assert settings.annotations_db_url == "postgresql://reviewer@db.example/annotations"
    # An empty environment variable counts as unset.
    assert load_settings({"MLFLOW_TRACKING_URI": ""}, secrets_file=secrets).tracking_uri == "http://secrets.example:5000"


def test_remote_tracking_uri_changes_only_the_tracking_uri_and_turns_seeding_off(tmp_path: Path) -> None:
    base = {"SENTIMENT_REVIEW_DATA_DIR": str(tmp_path)}
    local = load_settings(base, secrets_file=tmp_path / "missing.toml")
    remote = load_settings({**base, "MLFLOW_TRACKING_URI": "http://mlflow.internal:5000"}, secrets_file=tmp_path / "missing.toml")
    assert remote.tracking_uri == "http://mlflow.internal:5000"
    assert remote.data_dir == local.data_dir
    assert remote.annotations_db_url == local.annotations_db_url
    assert not remote.uses_embedded_store
    assert remote.seed_demo is False and local.seed_demo is True
    # Seeding another store happens only when asked for.
    asked = load_settings(
        {**base, "MLFLOW_TRACKING_URI": "http://mlflow.internal:5000", "SENTIMENT_REVIEW_SEED_DEMO": "yes"},
        secrets_file=tmp_path / "missing.toml",
    )
    assert asked.seed_demo is True


@pytest.mark.parametrize(
    ("value", "expected"), [("0", False), ("false", False), ("No", False), ("off", False), ("1", True), ("TRUE", True)]
)
def test_seed_demo_flag_from_environment(tmp_path: Path, value: str, expected: bool) -> None:
    settings = load_settings({"SENTIMENT_REVIEW_DATA_DIR": str(tmp_path), "SENTIMENT_REVIEW_SEED_DEMO": value}, secrets_file=tmp_path / "x")
    assert settings.seed_demo is expected


@pytest.mark.parametrize(("toml_value", "expected"), [("false", False), ('"false"', False), ("true", True)])
def test_seed_demo_flag_from_secrets_file_including_toml_booleans(tmp_path: Path, toml_value: str, expected: bool) -> None:
    secrets = write_secrets(tmp_path, f"SENTIMENT_REVIEW_SEED_DEMO = {toml_value}\n")
    settings = load_settings({"SENTIMENT_REVIEW_DATA_DIR": str(tmp_path)}, secrets_file=secrets)
    assert settings.seed_demo is expected


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ('[access.users.ana]\nrole = viewer\npassword_hash = "hunter2-hash"\n', "Invalid value (at line 2, column 8)"),
        ('[access]\ngroups_claim = "groups"\n[access]\n', "Cannot declare ('access',) twice (at line 3, column 8)"),
        ('MLFLOW_TRACKING_URI = "https://user:hunter2@host/\n', "Illegal character"),
    ],
)
def test_a_secrets_file_that_does_not_parse_is_an_error_naming_the_file_not_the_values(tmp_path: Path, text: str, place: str) -> None:
    secrets = write_secrets(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings({"SENTIMENT_REVIEW_DATA_DIR": str(tmp_path)}, secrets_file=secrets)
    assert f"The secrets file {secrets} is not valid TOML: {place}" in caught.value.message
    assert "hunter2" not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__  # the parser's text is not chained


def test_session_idle_hours_default_and_setting(tmp_path: Path) -> None:
    base = {"SENTIMENT_REVIEW_DATA_DIR": str(tmp_path)}
    assert load_settings(base, secrets_file=tmp_path / "x").session_idle_hours == 8.0
    assert load_settings({**base, "SENTIMENT_REVIEW_SESSION_IDLE_HOURS": "0.5"}, secrets_file=tmp_path / "x").session_idle_hours == 0.5
    from_file = write_secrets(tmp_path, "SENTIMENT_REVIEW_SESSION_IDLE_HOURS = 2\n")
    assert load_settings(base, secrets_file=from_file).session_idle_hours == 2.0
    for wrong in ("0", "-1", "eight", "nan"):
        with pytest.raises(ConfigError, match="SENTIMENT_REVIEW_SESSION_IDLE_HOURS must be a number of hours above 0"):
            load_settings({**base, "SENTIMENT_REVIEW_SESSION_IDLE_HOURS": wrong}, secrets_file=tmp_path / "x")


def test_upload_row_limit_defaults_to_two_million_and_can_be_changed(tmp_path: Path) -> None:
    assert load_settings({}, secrets_file=tmp_path / "missing.toml").max_upload_rows == 2_000_000
    assert load_settings({"SENTIMENT_REVIEW_MAX_UPLOAD_ROWS": "5000"}, secrets_file=tmp_path / "missing.toml").max_upload_rows == 5000
    secrets = write_secrets(tmp_path, "SENTIMENT_REVIEW_MAX_UPLOAD_ROWS = 300\n")
    assert load_settings({}, secrets_file=secrets).max_upload_rows == 300
    for wrong in ("0", "-5", "many"):
        with pytest.raises(ConfigError, match="SENTIMENT_REVIEW_MAX_UPLOAD_ROWS must be a whole number of rows above 0"):
            load_settings({"SENTIMENT_REVIEW_MAX_UPLOAD_ROWS": wrong}, secrets_file=tmp_path / "missing.toml")
