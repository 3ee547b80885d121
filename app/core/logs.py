"""Log file and crash reports. Neither ever contains message text, keys or passphrases:
code logs ids, sizes, durations, status and error kinds only, and crash reports hold the
exception type and the traceback (file, line, function; no local variables, no exception
message). Libraries log what they do with the user's data (httpx logs every URL it
requests), so only their warnings and errors reach the file, and every line passes a
filter that cuts URLs down to their scheme and host and home-folder paths to ``~/…``.
Log files and crash reports are created 0600."""

from __future__ import annotations

import logging
import logging.handlers
import os
import platform
import re
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from app.core.paths import Paths

OWN_LOGGERS = ("app", "steward", "__main__")
_URL = re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.-]*://)(?:[^\s/@]*@)?([^\s/?#:]+)(?::\d+)?[^\s]*")
_HOME = re.compile(re.escape(os.path.expanduser("~")) + r"(?=[/\\]|\b)[^\s'\"]*")


class PrivateFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log file that only its owner can read, rotations included."""

    def _open(self):  # type: ignore[no-untyped-def]
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)  # a file left by an older Steward may have been 0644
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)


class ContentFilter(logging.Filter):
    """Keeps other libraries' chatter out and whatever content slipped into a line."""

    def filter(self, record: logging.LogRecord) -> bool:
        own = record.name.split(".", 1)[0] in OWN_LOGGERS
        if not own and record.levelno < logging.WARNING:
            return False
        message = scrub(record.getMessage())
        record.msg, record.args = message, None
        return True


def scrub(text: str) -> str:
    """``text`` with URLs cut to scheme and host and paths in the home folder hidden."""
    text = _URL.sub(lambda m: f"{m.group(1)}{m.group(2)}/…", text)
    return _HOME.sub("~/…", text)


def setup_logging(paths: Paths, *, verbose: bool = False) -> None:
    # a log that cannot be written (disk full) must never disturb the user or the work
    logging.raiseExceptions = False
    root = logging.getLogger()
    if any(getattr(h, "_steward", False) for h in root.handlers):
        return
    handler = PrivateFileHandler(
        paths.log_file, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
    )
    handler.addFilter(ContentFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler._steward = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)


def write_crash_report(
    paths: Paths,
    exc_type: type[BaseException],
    exc: BaseException,
    tb: TracebackType | None,
) -> Path:
    """Write a crash report (no message text, no secrets) and return its path."""
    from app import __version__

    paths.crash_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
    frames = "".join(traceback.format_tb(tb))
    report = (
        f"Steward {__version__} crash report\n"
        f"time: {datetime.now(UTC).isoformat()}\n"
        f"python: {sys.version.split()[0]} on {platform.platform()}\n"
        # the exception's message is left out: it may quote the user's text
        f"error: {exc_type.__module__}.{exc_type.__qualname__}\n\n"
        f"traceback (most recent call last):\n{frames}"
    )
    path = paths.crash_dir / f"crash-{stamp}.txt"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(report)
    logging.getLogger("steward").error("crash report written (%s)", path.name)
    return path


def latest_crash(paths: Paths) -> Path | None:
    reports = sorted(paths.crash_dir.glob("crash-*.txt"))
    return reports[-1] if reports else None
