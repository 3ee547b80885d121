"""Errors the user can fix, as opposed to bugs.

A :class:`KnownError` comes from the user's environment (a wrong passphrase, a missing model,
a full disk). It carries one clear sentence for the user and the exit status the CLI uses.
Anything else that escapes is a bug: it is logged with its traceback and exits with status 1.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    BUG = 1
    USAGE = 2
    KNOWN = 3
    DOCTOR_PROBLEM = 4
    AUTOMATION_FAILED = 5


class KnownError(Exception):
    """A problem the user can fix. ``str(error)`` is the message shown to them."""

    exit_code: ExitCode = ExitCode.KNOWN

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def user_text(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message


class UsageError(KnownError):
    """Bad arguments or input on the command line."""

    exit_code = ExitCode.USAGE


class WrongKeyError(KnownError):
    """The database key, passphrase or recovery key does not open the database."""


class LockedError(KnownError):
    """The database cannot be unlocked without something the user has to provide."""


class NewerDatabaseError(KnownError):
    """The database was written by a newer major version of Steward."""


class StorageError(KnownError):
    """The data folder or database cannot be written (disk full, not writable, corrupt)."""


class ModelError(KnownError):
    """The model file is missing, truncated or not a GGUF model, or failed to load."""


class ContextOverflowError(KnownError):
    """A single request does not fit into the local model's context window."""


class NotFoundError(KnownError):
    """A conversation, message or file named by the user does not exist."""
