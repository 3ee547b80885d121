"""Log file and crash reports. Neither ever contains message text, keys or passphrases:
code logs ids, sizes and timings only, and crash reports hold the exception type and the
traceback (file, line, function; no local variables, no exception message)."""

from __future__ import annotations

import logging
import logging.handlers
import platform
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from app.core.paths import Paths


def setup_logging(paths: Paths, *, verbose: bool = False) -> None:
    # a log that cannot be written (disk full) must never disturb the user or the work
    logging.raiseExceptions = False
    root = logging.getLogger()
    if any(getattr(h, "_steward", False) for h in root.handlers):
        return
    handler = logging.handlers.RotatingFileHandler(
        paths.log_file, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
    )
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
    path.write_text(report, encoding="utf-8")
    logging.getLogger("steward").error("crash report written to %s", path)
    return path


def latest_crash(paths: Paths) -> Path | None:
    reports = sorted(paths.crash_dir.glob("crash-*.txt"))
    return reports[-1] if reports else None
