"""The real desktop app (``app.ui.app.run``) on a real X server, driven from inside its own
process the way a user drives it: keys and mouse clicks on its real windows (QTest events
through the xcb platform), every dialog answered through its own buttons. Run by
tests/e2e/test_desktop_xvfb.py as ``python -m tests.e2e.drive_desktop RESULT SHOTS``; it
writes what it saw to RESULT (JSON) and screenshots into SHOTS, then waits to be quit.

What it does, in order: set the passphrase; type a message, pause until the draft is saved,
send it (the answer stops at the length limit and is continued); start a new conversation
(empty composer); delete a conversation; lock and unlock; dry-run a folder watch; edit a
workflow into a sensitive folder (refused, in red) and cancel (asked first); lock again and
leave the unlock dialog open, for the test to quit the app from there.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QWidget

from tests.ui.drive import box, click_link, press, recovery_key, turn

PASSPHRASE = "xvfb passphrase 2"


async def until(condition: Callable[[], Any], timeout: float = 120.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {condition.__doc__ or condition}")
        await asyncio.sleep(0.05)
    return value


def shown(kind: type, name: str | None = None) -> Any:
    for widget in QApplication.topLevelWidgets():
        for candidate in [widget, *widget.findChildren(kind)]:
            if (
                isinstance(candidate, kind)
                and candidate.isVisible()
                and (name is None or candidate.objectName() == name)
            ):
                return candidate
    return None


def click(widget: QWidget) -> None:
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)


def type_into(widget: QWidget, text: str) -> None:
    widget.setFocus()
    QTest.keyClicks(widget, text)


class Driver:
    error_shot = "desktop-correctness-error.png"

    def __init__(self, result: Path, shots: Path) -> None:
        self.result, self.shots = result, shots
        self.seen: dict[str, Any] = {}

    async def screenshot(self, name: str) -> None:
        """The screen as X shows it, once the window's pending paints are done: the Qt loop
        is let run (a nested processEvents() inside this task would run other tasks inside
        it, which asyncio refuses), and the capture runs off the loop."""
        for _ in range(2):  # two turns of the Qt loop: posted updates, then their paints
            turned = asyncio.get_running_loop().create_future()
            QTimer.singleShot(0, lambda done=turned: done.done() or done.set_result(None))
            await turned
        command = ["import", "-window", "root", str(self.shots / name)]
        await asyncio.to_thread(subprocess.run, command, check=False)

    async def run(self) -> None:
        try:
            await self.steps()
            self.seen["done"] = True
        except BaseException:
            self.seen["error"] = traceback.format_exc()
            await self.screenshot(self.error_shot)
        self.result.write_text(json.dumps(self.seen, ensure_ascii=False, indent=1))

    async def steps(self) -> None:
        from app.ui.automations_panel import AutomationsPanel
        from app.ui.main_window import MainWindow
        from app.ui.settings_dialog import SettingsDialog
        from app.ui.unlock import PassphraseDialog
        from app.ui.workflow_form import WorkflowForm

        create = await until(lambda: shown(PassphraseDialog))
        type_into(create.passphrase, PASSPHRASE)
        type_into(create.repeat, PASSPHRASE)
        click(create.ok_button)
        recovery = await until(lambda: recovery_key())
        # a person who starts typing loses nothing: stray keys leave the key on screen
        for key in (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Escape, Qt.Key.Key_A):
            QTest.keyClick(QApplication.focusWidget() or recovery, key)
        self.seen["key_after_stray_keys"] = recovery_key() is recovery and recovery.isVisible()
        click(recovery.copy_button)
        self.seen["key_copied"] = QApplication.clipboard().text() == recovery.key.text()
        click(recovery.done_button)
        await until(lambda: recovery_key() is None)
        window: MainWindow = await until(lambda: shown(MainWindow))
        # attached: the conversations listed and the draft restored (the last step of it)
        await until(lambda: window.assistant is not None and window.settings_button.isEnabled())
        db = window.assistant.db  # type: ignore[union-attr]

        # a message typed, a pause (the draft is saved), then sent
        type_into(window.composer, "Give me three tips for growing tomatoes.")
        await until(lambda: window.assistant.db_call_blocking(lambda: db.draft(None)))  # type: ignore[union-attr]
        await turn(window, lambda: QTest.keyClick(window.composer, Qt.Key.Key_Return), timeout=300)
        self.seen["cut_off_shown"] = "Stopped at the length limit — Continue" in (
            window.view.toPlainText()
        )
        await self.screenshot("desktop-correctness-1-length-limit.png")
        await turn(window, lambda: click_link(window.view, "Continue"), timeout=300)
        await self.screenshot("desktop-correctness-2-continued.png")
        assert window.conversation is not None
        conv_id = window.conversation.id
        answers = [
            m
            for m in window.assistant.db_call_blocking(lambda: db.messages(conv_id))  # type: ignore[union-attr]
            if m.role == "assistant"
        ]
        self.seen["continued"] = {
            "answers": len(answers),
            "longer": answers[-1].completion_tokens is not None
            and len(answers[-1].content) > 0
            and answers[-1].status in ("complete", "length"),
        }
        click(window.new_button)
        await until(lambda: window.conversation is None)
        self.seen["composer_after_new"] = window.composer.toPlainText()

        # a second conversation, then the first one deleted through its confirmation
        type_into(window.composer, "Name one planet.")
        await turn(window, lambda: QTest.keyClick(window.composer, Qt.Key.Key_Return), timeout=300)
        await until(lambda: window.conversations.count() == 2)
        window.conversations.setCurrentRow(1)
        doomed = window.conversations.currentItem().text()
        delete = next(a for a in window.conversations.actions() if a.text() == "Delete…")
        delete.trigger()  # the list's context-menu entry
        confirm = await until(lambda: box("deleteConversation"))
        await self.screenshot("desktop-correctness-3-delete.png")
        press(confirm, "Delete")
        await until(lambda: window.conversations.count() == 1)
        self.seen["deleted"] = doomed
        self.seen["left"] = window.conversations.item(0).text()

        # Lock (from Settings), then Unlock… asks for the passphrase
        click(window.settings_button)
        settings: SettingsDialog = await until(lambda: shown(SettingsDialog))
        settings.lock_button.click()  # on the Privacy tab
        await until(lambda: window.unlock_button.isVisible())
        self.seen["locked_view_empty"] = window.view.toPlainText().strip() == ""
        await self.screenshot("desktop-correctness-4-locked.png")
        click(window.unlock_button)
        unlock = await until(lambda: shown(PassphraseDialog))
        type_into(unlock.passphrase, PASSPHRASE)
        click(unlock.ok_button)
        await until(lambda: window.assistant is not None and window.conversations.count() == 1)
        self.seen["unlocked"] = True

        # Automations: a folder watch dry-run on the file that is there
        await until(lambda: window.automations_button.isEnabled())
        click(window.automations_button)
        panel: AutomationsPanel = await until(lambda: shown(AutomationsPanel))
        await until(lambda: panel.workflows.topLevelItemCount() == 1)
        panel.workflows.setCurrentItem(panel.workflows.topLevelItem(0))
        click(panel.dry_button)
        await until(
            lambda: (
                "Nothing was changed." in panel.message.text()
                or "failed" in panel.message.text().lower()
            )
        )
        self.seen["dry_run_message"] = panel.message.text()
        # the run's details are read from the history after the message: shown a moment later
        await until(lambda: "report.txt" in panel.details.toPlainText(), timeout=60)
        self.seen["dry_run_details"] = panel.details.toPlainText()
        self.seen["last_result"] = panel.workflows.topLevelItem(0).text(3)
        await self.screenshot("desktop-correctness-5-dry-run.png")

        # Edit… into /etc: refused in red; Cancel asks before throwing the edit away
        click(panel.form_button)
        form: WorkflowForm = await until(lambda: shown(WorkflowForm))
        step = form.steps[0]
        destination = {f.name: f for f in step.fields}["destination"].widget
        destination.selectAll()  # type: ignore[attr-defined]
        type_into(destination, "/etc/cron.d/")
        click(form.fit_button)
        form.check()
        save = form.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.seen["sensitive_save_enabled"] = save.isEnabled()
        self.seen["sensitive_problems"] = form.problems.text()
        await self.screenshot("desktop-correctness-6-sensitive.png")
        click(form.buttons.button(QDialogButtonBox.StandardButton.Cancel))
        discard = await until(lambda: box("discardEdits"))
        press(discard, "Discard changes")
        await until(lambda: not form.isVisible())
        self.seen["form_closed"] = True

        # locked again, with the unlock dialog left open: quitting must still end the app
        panel.close()
        click(window.settings_button)
        settings = await until(lambda: shown(SettingsDialog))
        settings.lock_button.click()
        await until(lambda: window.unlock_button.isVisible())
        click(window.unlock_button)
        await until(lambda: shown(PassphraseDialog))
        self.seen["left_asking"] = True


def drive(driver: Driver) -> None:
    """Start the real app, with ``driver`` running its steps inside it."""
    app = QApplication(sys.argv[:1])
    tasks: list[asyncio.Task[None]] = []
    QTimer.singleShot(0, lambda: tasks.append(asyncio.ensure_future(driver.run())))
    from app.ui.app import run

    del app
    sys.exit(run())


def main() -> None:
    drive(Driver(Path(sys.argv[1]), Path(sys.argv[2])))


if __name__ == "__main__":
    main()
