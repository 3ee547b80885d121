"""Unhandled exceptions: a dialog with a copyable report (no message text or secrets in it,
see app.core.logs) and a log entry; the next start says what happened."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import shiboken6
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.logs import latest_crash, write_crash_report
from app.core.paths import Paths
from app.ui.i18n import tr

log = logging.getLogger(__name__)
SEEN_FILE = ".last-reported"


class CrashDialog(QDialog):
    def __init__(self, report: str, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Steward hit a problem"))
        self.resize(560, 360)
        intro = QLabel(
            tr(
                "Something went wrong inside Steward. Your conversations are safe: every "
                "message is saved as it is written. The report below contains no message "
                "text, keys or passphrases. It was saved to:\n{0}"
            ).format(path),
            wordWrap=True,
        )
        self.report = QPlainTextEdit(report, readOnly=True)
        copy = QPushButton(tr("Copy report"))
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(report))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.report.setAccessibleName(tr("Crash report"))
        self.report.setAccessibleDescription(tr("What failed, without any message text"))
        copy.setToolTip(tr("Copy the report to the clipboard, to send it with a bug report"))
        buttons.button(QDialogButtonBox.StandardButton.Close).setToolTip(tr("Close this message"))
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.report, 1)
        layout.addWidget(buttons)


def handle_crash(
    paths: Paths,
    exc_type: type[BaseException],
    exc: BaseException,
    tb: TracebackType | None,
    parent: QWidget | None = None,
) -> CrashDialog:
    """Write the report, log it, and show the dialog (non-modal: the app keeps running).
    The dialog is shown even when ``parent`` cannot hold it (a window being closed or
    deleted as the error happened): then on its own."""
    path = write_crash_report(paths, exc_type, exc, tb)
    log.error("unhandled %s; report %s", exc_type.__name__, path)
    report = path.read_text(encoding="utf-8")
    if parent is not None and (not shiboken6.isValid(parent) or not parent.isVisible()):
        parent = None
    try:
        dialog = CrashDialog(report, path, parent)
    except RuntimeError:  # the parent went away between the check and here
        dialog = CrashDialog(report, path, None)
    dialog.open()
    return dialog


def install(paths: Paths, parent: Callable[[], QWidget | None]) -> None:
    """Route unhandled exceptions (Qt slots, asyncio tasks) to the crash dialog."""
    shown: list[CrashDialog] = []

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        try:
            shown.append(handle_crash(paths, exc_type, exc, tb, parent()))
        except Exception:  # the crash handler itself must never take the app down
            traceback.print_exception(exc_type, exc, tb)

    def loop_handler(loop: Any, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if isinstance(exc, BaseException):
            hook(type(exc), exc, exc.__traceback__)
        else:
            log.error("event loop error: %s", context.get("message", "unknown"))

    sys.excepthook = hook
    import asyncio
    import threading

    loop = asyncio.get_event_loop()
    loop.set_exception_handler(loop_handler)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        """An error on a worker thread: reported on the GUI thread, with its dialog."""
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        exc_value = args.exc_value
        loop.call_soon_threadsafe(hook, args.exc_type, exc_value, args.exc_traceback)

    threading.excepthook = thread_hook


def unseen_crash(paths: Paths) -> Path | None:
    """The newest crash report not yet mentioned at a start, marking it as mentioned."""
    report = latest_crash(paths)
    if report is None:
        return None
    seen = paths.crash_dir / SEEN_FILE
    if seen.exists() and seen.read_text(encoding="utf-8").strip() == report.name:
        return None
    seen.write_text(report.name, encoding="utf-8")
    return report
