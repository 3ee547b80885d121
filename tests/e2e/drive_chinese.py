"""A request written in Chinese, end to end in the real desktop app (``app.ui.app.run``) on a
real X server, driven from inside its process as tests/e2e/drive_desktop.py is: set the
passphrase, type the request into the composer and send it, read the review card the
embedded model's draft gives (it must be in Chinese), approve it, then drop a file into the
watched folder and wait for the run. Run by tests/e2e/test_desktop_xvfb.py as
``python -m tests.e2e.drive_chinese RESULT SHOTS REQUEST FILE``; it writes what it saw to
RESULT (JSON) and screenshots into SHOTS, then waits to be quit.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from tests.e2e import drive_desktop
from tests.e2e.drive_desktop import PASSPHRASE, click, shown, type_into, until
from tests.ui.drive import recovery_key


def type_as_with_an_input_method(widget: QWidget, text: str) -> None:
    """Type ``text`` as a user with a Chinese input method does: Latin letters, digits and
    punctuation as key presses, each run of Chinese as the input method's commit (the event
    an input method such as fcitx or ibus sends when a phrase is chosen)."""
    widget.setFocus()
    for run in re.findall(r"[\x00-\x7f]+|[^\x00-\x7f]+", text):
        if run.isascii():
            QTest.keyClicks(widget, run)
            continue
        commit = QInputMethodEvent()
        commit.setCommitString(run)
        QApplication.sendEvent(widget, commit)


class Driver(drive_desktop.Driver):
    error_shot = "chinese-error.png"

    def __init__(self, result: Path, shots: Path, request: str, dropped: Path) -> None:
        super().__init__(result, shots)
        self.request, self.dropped = request, dropped

    async def steps(self) -> None:
        from app.ui.automations_panel import AutomationsPanel
        from app.ui.main_window import MainWindow
        from app.ui.review_card import ReviewCard
        from app.ui.unlock import PassphraseDialog

        create = await until(lambda: shown(PassphraseDialog))
        type_into(create.passphrase, PASSPHRASE)
        type_into(create.repeat, PASSPHRASE)
        click(create.ok_button)
        click((await until(lambda: recovery_key())).done_button)
        window: MainWindow = await until(lambda: shown(MainWindow))
        await until(lambda: window.assistant is not None and window.automations_button.isEnabled())

        # typed as a user types it, then sent with Return
        type_as_with_an_input_method(window.composer, self.request)
        self.seen["typed"] = window.composer.toPlainText()
        QTest.keyClick(window.composer, Qt.Key.Key_Return)
        card: ReviewCard = await until(lambda: shown(ReviewCard, "reviewCard"), timeout=600)
        self.seen["kind"] = card.plan.kind
        self.seen["card"] = card.body.text()
        self.seen["buttons"] = [card.approve_button.isVisible(), card.dry_run_button.isVisible()]
        await self.screenshot("chinese-1-review-card.png")
        if card.plan.kind != "workflow":
            return
        self.seen["workflow"] = card.plan.workflow
        saved: list[str] = []
        card.saved.connect(saved.append)
        click(card.approve_button)
        await until(lambda: saved)
        self.seen["saved_note"] = card.result.toPlainText()

        # the trigger fires: a file lands in the watched folder, the run moves it
        self.dropped.parent.mkdir(parents=True, exist_ok=True)
        self.dropped.write_text("本周会议记录")
        click(window.automations_button)
        panel: AutomationsPanel = await until(lambda: shown(AutomationsPanel))
        await until(lambda: panel.workflows.topLevelItemCount() == 1)
        row = panel.workflows.topLevelItem(0)
        self.seen["panel_when"] = row.text(1)
        await until(lambda: panel.workflows.topLevelItem(0).text(3) == "Succeeded", timeout=300)
        self.seen["last_result"] = panel.workflows.topLevelItem(0).text(3)
        await self.screenshot("chinese-2-ran.png")
        panel.close()


def main() -> None:
    result, shots, request, dropped = sys.argv[1:5]
    drive_desktop.drive(Driver(Path(result), Path(shots), request, Path(dropped)))


if __name__ == "__main__":
    main()
