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
