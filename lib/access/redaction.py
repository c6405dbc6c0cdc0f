"""Credentials out of every message and log line: the one redaction helper.

Tracking URIs and database URLs may carry a user name and password
(``https://user:secret@mlflow.example``, ``postgresql+psycopg://app:pw@db/annotations``)
or a secret in the query (``?password=…``, ``&token=…``, Azure's ``AccountKey=…``).
:func:`redacted` replaces them with ``***`` wherever they occur in a text, so a message
built from a URI or from an exception's text can be shown or logged.
:func:`install_log_redaction` applies it to every log record of the process, including
tracebacks, so server logs never hold credentials either.
"""

from __future__ import annotations

import logging
import re
import traceback

MASK = "***"
# scheme://user:password@host — everything between "//" and the last "@" before the path.
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)[^/\s?#@]*(?:@[^/\s?#@]*)*@")
# password=…, token=…, AccountKey=… in a query string or a ;-separated connection string.
_SECRET_PARAMETER = re.compile(
    r"(?P<name>(?:^|(?<=[?&;\s,]))[\w.\-]*(?:password|passwd|pwd|secret|token|apikey|api_key|accountkey|sharedaccesssignature|"
    r"signature|sig|credential|credentials|access_key|secret_key)=)[^&;\s#'\"]*",
    re.IGNORECASE,
)


def redacted(text: object) -> str:
    """``text`` (a URI, a database URL or any message) with user names, passwords and secret parameters replaced by ***."""
    without_userinfo = _USERINFO.sub(rf"\g<scheme>{MASK}@", str(text))
    return _SECRET_PARAMETER.sub(rf"\g<name>{MASK}", without_userinfo)


_FACTORY_MARK = "_redacts_credentials"


def install_log_redaction() -> None:
    """Redact every log record created from now on in this process (message, arguments and traceback); idempotent."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, _FACTORY_MARK, False):
        return

    def redacting_factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            record.msg, record.args = redacted(record.getMessage()), ()
        except Exception:  # a record whose arguments do not fit its format: leave it to logging to report
            return record
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redacted("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
        if record.stack_info:
            record.stack_info = redacted(record.stack_info)
        return record

    setattr(redacting_factory, _FACTORY_MARK, True)
    logging.setLogRecordFactory(redacting_factory)
