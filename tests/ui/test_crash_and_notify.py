from __future__ import annotations

from pathlib import Path

from app.core.paths import resolve_paths
from app.ui import crash
from app.ui.main_window import NOTIFY_AFTER_S
from tests.ui.conftest import until


def test_crash_dialog_report_has_no_message_text_and_next_start_says_so(
    qtbot, tmp_path: Path
) -> None:
    paths = resolve_paths(tmp_path / "h").ensure()
    secret = "my-private-question-7731"
    try:
        raise ValueError(f"could not render {secret}")
    except ValueError as exc:
        dialog = crash.handle_crash(paths, ValueError, exc, exc.__traceback__)
    qtbot.addWidget(dialog)
    report = dialog.report.toPlainText()
    assert "ValueError" in report and "test_crash_and_notify.py" in report
    assert secret not in report
    files = list(paths.crash_dir.glob("crash-*.txt"))
    assert len(files) == 1 and secret not in files[0].read_text()
    assert crash.unseen_crash(paths) == files[0]  # the next start mentions it once
    assert crash.unseen_crash(paths) is None


def test_notification_when_a_long_answer_finishes_unseen(
    qtbot, run, window_factory, monkeypatch
) -> None:
    window, assistant = window_factory()  # never shown: like a window hidden in the tray
    monkeypatch.setattr("app.ui.main_window.NOTIFY_AFTER_S", 0.0)
    seen: list[tuple[str, float]] = []
    window.answer_finished_unseen.connect(lambda title, s: seen.append((title, s)))

    async def go() -> None:
        await window.attach(assistant)
        window._on_composer_submit_requested("Say hello.")
        await until(lambda: bool(seen))

    run(go())
    assert seen[0][0] == "Say hello." and NOTIFY_AFTER_S > 0


def test_an_error_on_a_worker_thread_while_its_window_goes_away_still_shows_the_dialog(
    qtbot, run, tmp_path: Path, monkeypatch
) -> None:
    """A report is never written without its dialog: not when the error happens on another
    thread, nor when the window meant to hold the dialog is being deleted."""
    import sys
    import threading

    from PySide6.QtWidgets import QApplication, QWidget

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    paths = resolve_paths(tmp_path / "h").ensure()
    going = QWidget()  # (never shown: closing a last window would end the test's loop)
    going.deleteLater()
    crash.install(paths, lambda: going)

    def dialogs() -> list[crash.CrashDialog]:
        return [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, crash.CrashDialog) and w.isVisible()
        ]

    async def go() -> None:
        await until(lambda: not __import__("shiboken6").isValid(going))
        worker = threading.Thread(target=lambda: 1 / 0)  # an error no one catches
        worker.start()
        worker.join()
        await until(lambda: bool(dialogs()))

    run(go())
    [dialog] = dialogs()
    assert "ZeroDivisionError" in dialog.report.toPlainText()
    assert len(list(paths.crash_dir.glob("crash-*.txt"))) == 1
    dialog.close()
