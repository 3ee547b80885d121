"""Driving real widgets as a user does: find the dialog that opened, press its own buttons,
click a link where it is drawn."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QTextBrowser, QWidget


def box(name: str) -> QMessageBox | None:
    """The visible message box named ``name`` (its objectName), if one is open."""
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMessageBox) and widget.isVisible() and widget.objectName() == name:
            return widget
    return None


def recovery_key(name: str = "firstRecoveryKey") -> Any:
    """The visible recovery-key dialog: "firstRecoveryKey" (just made) or "recoveryKey"."""
    from app.ui.recovery_key import RecoveryKeyDialog

    shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, RecoveryKeyDialog)]
    return next((w for w in shown if w.isVisible() and w.objectName() == name), None)


def dialog(name: str) -> QWidget | None:
    """The visible top-level window named ``name``, if one is open."""
    for widget in QApplication.topLevelWidgets():
        if widget.isVisible() and widget.objectName() == name:
            return widget
    return None


def press(message_box: QMessageBox, text: str) -> None:
    """Press the message box's own button labelled ``text`` (mnemonics ignored)."""
    next(b for b in message_box.buttons() if b.text().replace("&", "") == text).click()


def click_link(view: QTextBrowser, text: str) -> None:
    """Click, with the mouse, the last place ``text`` is drawn in ``view`` (a link there)."""
    document = view.document()
    found = document.find(text, document.characterCount(), QTextDocument.FindFlag.FindBackward)
    assert not found.isNull(), f"{text!r} is not in the view"
    view.setTextCursor(found)
    view.ensureCursorVisible()
    middle = view.textCursor()
    middle.setPosition(found.selectionStart() + len(text) // 2)
    point = view.cursorRect(middle).center()
    left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    QTest.mouseClick(view.viewport(), left, none, point)


async def turn(window: Any, act: Callable[[], object], timeout: float = 120.0) -> None:
    """Do ``act`` (send, continue, regenerate…) and wait until the window's turn it started
    has ended — counted, so a turn too quick to be seen busy is not missed."""
    before = window.turns_ended
    act()
    deadline = asyncio.get_running_loop().time() + timeout
    while window.turns_ended <= before:
        assert asyncio.get_running_loop().time() < deadline, "timed out waiting for the turn"
        await asyncio.sleep(0.02)
