"""The screenshots of scripts/gallery.py: the real desktop app (``app.ui.app.run``) on a real
X server, in the language, theme and scale it was started with, driven from inside its
process as tests/e2e/drive_desktop.py is. In order: the empty conversation, a long one, an
answer mid-stream (the embedded model writing), the quick prompt with its answer, Settings,
a drafted workflow's review card, the automations panel. Run as
``python -m tests.e2e.drive_gallery RESULT SHOTS LANGUAGE``.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from tests.e2e import drive_desktop
from tests.e2e.drive_chinese import type_as_with_an_input_method
from tests.e2e.drive_desktop import click, shown, until
from tests.e2e.history import WORDS
from tests.ui.drive import turn

QUESTIONS = {
    "en": "Give me three tips for a good night's sleep.",
    "zh_CN": "写一首关于秋天落叶的短诗，然后解释它的押韵方式。",
}
QUICK = {"en": "What is the boiling point of water in Celsius?", "zh_CN": "水的沸点是多少摄氏度？"}


class Driver(drive_desktop.Driver):
    error_shot = "gallery-error.png"

    def __init__(self, result: Path, shots: Path, language: str) -> None:
        super().__init__(result, shots)
        self.language = language

    async def exposed(self, window: QWidget) -> None:
        """Until the window manager has mapped ``window`` and it has drawn itself (a
        screenshot right after show() catches an empty frame)."""
        await until(lambda: window.windowHandle() is not None and window.windowHandle().isExposed())
        await asyncio.sleep(0.5)

    async def steps(self) -> None:
        from app.ui.automations_panel import AutomationsPanel
        from app.ui.main_window import MainWindow
        from app.ui.quick_prompt import QuickPrompt
        from app.ui.review_card import ReviewCard
        from app.ui.settings_dialog import SettingsDialog

        window: MainWindow = await until(lambda: shown(MainWindow))
        await until(lambda: window.assistant is not None and window.send_button.isEnabled())
        await until(lambda: window.model_picker.isEnabled(), timeout=300)

        click(window.new_button)
        await until(lambda: window.empty_state.isVisible())
        await self.screenshot("1-empty.png")

        titles = [window.conversations.item(n).text() for n in range(window.conversations.count())]
        self.seen["conversations"] = titles
        long_row = titles.index(WORDS[self.language]["long"])
        window.conversations.setCurrentRow(long_row)
        await until(lambda: window.view.visible_messages())
        await self.screenshot("2-long-conversation.png")

        click(window.new_button)
        await until(lambda: window.empty_state.isVisible())
        type_as_with_an_input_method(window.composer, QUESTIONS[self.language])
        before = window.turns_ended
        QTest.keyClick(window.composer, Qt.Key.Key_Return)
        await until(lambda: len(window.view.toPlainText()) > 200, timeout=300)
        await self.screenshot("3-mid-answer.png")
        await until(lambda: window.turns_ended > before, timeout=300)

        quick: QuickPrompt = next(
            w for w in QApplication.topLevelWidgets() if isinstance(w, QuickPrompt)
        )
        answered: list[str] = []
        quick.answered.connect(answered.append)
        quick.popup(QUICK[self.language])
        await until(lambda: answered, 300)
        await self.exposed(quick)
        await self.screenshot("4-quick-prompt.png")
        quick.hide()

        click(window.settings_button)
        settings: SettingsDialog = await until(lambda: shown(SettingsDialog))
        settings.tabs.setCurrentWidget(settings.general)
        await self.exposed(settings)
        await self.screenshot("5-settings.png")
        settings.reject()

        click(window.new_button)
        await until(lambda: window.empty_state.isVisible())
        click(window.empty_state.draft_button)
        await turn(window, lambda: QTest.keyClick(window.composer, Qt.Key.Key_Return), 300)
        card = await until(lambda: shown(ReviewCard), timeout=300)
        self.seen["review_card"] = card.body.text()[:400]
        await self.screenshot("6-review-card.png")
        saved: list[str] = []
        card.saved.connect(saved.append)
        click(card.approve_button)
        await until(lambda: saved)

        click(window.automations_button)
        panel: AutomationsPanel = await until(lambda: shown(AutomationsPanel))
        await until(lambda: panel.workflows.topLevelItemCount() > 0)
        await self.exposed(panel)
        await self.screenshot("7-automations-panel.png")
        panel.close()
        window.quit_requested.emit()


def main() -> None:
    drive_desktop.drive(Driver(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]))


if __name__ == "__main__":
    main()
