"""lib/access/redaction.py: credentials never reach a message or a log line."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from lib.access.redaction import install_log_redaction, redacted


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("https://user:secret@mlflow.example/", "https://***@mlflow.example/"),
        ("postgresql+psycopg://app:s3cret@db.example:5432/annotations", "postgresql+psycopg://***@db.example:5432/annotations"),
        ("https://token-only@host/path", "https://***@host/path"),
        ("https://user:p@ss@host/x", "https://***@host/x"),
        ("mysql://db/x?user=app&password=s3cret#top", "mysql://db/x?user=app&password=***#top"),
        ("https://h/?sslmode=require&sslpassword=s3cret", "https://h/?sslmode=require&sslpassword=***"),
        ("s3://b/k?X-Amz-Signature=abc&X-Amz-Credential=def", "s3://b/k?X-Amz-Signature=***&X-Amz-Credential=***"),
        ("AccountName=a;AccountKey=abc==;EndpointSuffix=core", "AccountName=a;AccountKey=***;EndpointSuffix=core"),
        (
            "ConnectionError: API request to https://bob:hunter2@mlflow.example/api/2.0 failed; retry https://bob:hunter2@mlflow.example",
            "ConnectionError: API request to https://***@mlflow.example/api/2.0 failed; retry https://***@mlflow.example",
        ),
    ],
)
def test_credentials_are_replaced(text: str, shown: str) -> None:
    assert redacted(text) == shown


@pytest.mark.parametrize(
    "text",
    [
        "sqlite:////srv/data/mlflow.db",
        "models:/sentiment@champion",
        "runs:/0123abcd/model",
        "write to ceo@example.com",
        "http://127.0.0.1:5000",
    ],
)
def test_text_without_credentials_is_unchanged(text: str) -> None:
    assert redacted(text) == text


@pytest.fixture
def redacting_logs() -> Iterator[None]:
    """Log redaction for one test; the process's previous record factory is put back afterwards."""
    before = logging.getLogRecordFactory()
    install_log_redaction()
    install_log_redaction()  # app.py calls it on every rerun
    yield
    logging.setLogRecordFactory(before)


def test_log_records_and_tracebacks_are_redacted(redacting_logs: None, caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("tests.redaction")
    try:
        raise ConnectionError("cannot reach https://bob:hunter2@mlflow.example/")
    except ConnectionError as error:
        logger.error("tracking store %s is down", "postgresql://bob:hunter2@db/x", exc_info=error)
    assert "hunter2" not in caplog.text
    assert "https://***@mlflow.example/" in caplog.text and "postgresql://***@db/x" in caplog.text
    assert "Traceback" in caplog.text and "ConnectionError" in caplog.text
    factory = logging.getLogRecordFactory()
    assert getattr(factory, "_redacts_credentials", False)
