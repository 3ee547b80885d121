"""The message composer: Enter sends, Shift+Enter starts a new line, Ctrl+Shift+Enter sends to
the cloud (when one is set up), Esc stops an answer."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from app.ui.i18n import tr


class Composer(QPlainTextEdit):
    submit_requested = Signal(str)
    cloud_requested = Signal(str)
    stop_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.setMinimumHeight(56)
        self.setMaximumHeight(160)
        self.retranslate()

    def retranslate(self) -> None:
        self.setPlaceholderText(tr("Message Steward — Enter to send, Shift+Enter for a new line"))
        self.setAccessibleName(tr("Message"))
        self.setAccessibleDescription(
            tr("Enter sends, Shift+Enter starts a new line, Escape stops an answer")
        )

    def sizeHint(self) -> QSize:
        # three lines to start with; the layout may give it up to its maximum height
        lines = self.fontMetrics().lineSpacing() * 3
        return QSize(super().sizeHint().width(), lines + 16)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        both = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and (
            event.modifiers() & both == both
        ):
            text = self.toPlainText()
            if text.strip():
                self.cloud_requested.emit(text)
            event.accept()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
            event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        ):
            text = self.toPlainText()
            if text.strip():
                self.submit_requested.emit(text)
            event.accept()
            return
        if event.key() == Qt.Key.Key_Escape:
            self.stop_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)
