"""The recovery key's dialog: shown the first time, it survives a person who starts typing
(Escape, Enter, the space bar, letters), copies, saves to a private file and says when it
cannot; only "I have written it down" closes it. Shown again on request, Escape closes it."""

from __future__ import annotations

import stat
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit

from app.ui.recovery_key import RecoveryKeyDialog
from tests.ui.conftest import until
from tests.ui.drive import recovery_key
from tests.ui.test_automations_panel import file_dialog

KEY = "3OOPU-YL3VR-NOK7A-DN7FR-JDHGL-XKNL4-E3FVW-ZT7PJ-OW4CG-2VETH-5UHEY"


def test_the_first_showing_survives_stray_keys_and_closes_only_when_told(
    qtbot, run, tmp_path: Path
) -> None:
    dialog = RecoveryKeyDialog(KEY, first=True)
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)
    assert KEY in dialog.text() and dialog.key.isReadOnly()
    for key in (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape):
        QTest.keyClick(QApplication.focusWidget() or dialog, key)
    QTest.keyClicks(QApplication.focusWidget() or dialog, "hello ")
    dialog.close()  # the window's close button
    assert dialog.isVisible() and dialog.key.text() == KEY

    dialog.copy_button.click()
    assert QApplication.clipboard().text() == KEY
    assert "Copied" in dialog.note.text()

    async def save() -> None:
        dialog.save_button.click()
        chooser = await until(lambda: file_dialog("saveRecoveryKey"))
        target = tmp_path / "key.txt"
        chooser.findChild(QLineEdit, "fileNameEdit").setText(str(target))
        chooser.accept()
        await until(lambda: "Saved to" in dialog.note.text())
        assert KEY in target.read_text(encoding="utf-8")
        assert stat.S_IMODE(target.stat().st_mode) == 0o600

    run(save())
    # a place it cannot be written: said, and the key still on screen
    assert not dialog.save(tmp_path / "no such folder" / "key.txt")
    assert "Could not save it" in dialog.note.text() and dialog.isVisible()

    dialog.done_button.click()
    assert not dialog.isVisible() and dialog.result() == dialog.DialogCode.Accepted


def test_shown_again_on_request_escape_closes_it(qtbot) -> None:
    dialog = RecoveryKeyDialog(KEY, first=False)
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)
    assert recovery_key("recoveryKey") is dialog
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
