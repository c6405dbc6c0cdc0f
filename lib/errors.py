"""The one exception type for problems a user can fix, with a plain hint."""

from __future__ import annotations


class UserFacingError(Exception):
    """A problem explained in plain words, with a hint saying what to do about it."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()
