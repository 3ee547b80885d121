"""What an empty conversation shows: what Steward can do, and a way to start.

Drawn over the chat's viewport while it holds no message. The two suggestions put an
example into the composer (nothing is sent until the person sends it); the quick prompt's
key is told, not offered as a button.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.hotkey import HOTKEY_TEXT
from app.ui.i18n import tr
from app.ui.render import Theme
from app.ui.style import icon

WIDTH = 560


class EmptyState(QWidget):
    suggestion_chosen = Signal(str)  # an example request, for the composer

    def __init__(self, theme: Theme, view: QAbstractScrollArea) -> None:
        super().__init__(view.viewport())
        self.setObjectName("emptyState")
        self.view = view
        self.title = QLabel()
        self.title.setObjectName("emptyTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.lead = QLabel()
        self.lead.setProperty("role", "muted")
        self.lead.setWordWrap(True)
        self.lead.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.ask_example = self.draft_example = ""
        self._parts: dict[QPushButton, tuple[QLabel, QLabel, QLabel]] = {}
        self.ask_button = self._suggestion("askSuggestionButton", lambda: self.ask_example)
        self.draft_button = self._suggestion("draftSuggestionButton", lambda: self.draft_example)
        self.quick = QLabel()
        self.quick.setProperty("role", "muted")
        self.quick.setWordWrap(True)
        self.quick.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.retranslate()
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        layout.addWidget(self.title)
        layout.addWidget(self.lead)
        layout.addSpacing(6)
        layout.addWidget(self.ask_button)
        layout.addWidget(self.draft_button)
        layout.addSpacing(6)
        layout.addWidget(self.quick)
        self.set_theme(theme)
        view.viewport().installEventFilter(self)
        self.hide()

    def _suggestion(self, name: str, example: Callable[[], str]) -> QPushButton:
        """A button that holds its heading and its example on lines of their own (an
        example wraps: a long path never runs past the button's edge)."""
        button = QPushButton()
        button.setObjectName(name)
        button.setProperty("suggestion", True)
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        button.clicked.connect(lambda: self.suggestion_chosen.emit(example()))
        icon = QLabel()
        heading = QLabel()
        heading.setObjectName("suggestionHeading")
        text = QLabel()
        text.setWordWrap(True)
        text.setProperty("role", "muted")
        for label in (icon, heading, text):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        words = QVBoxLayout()
        words.setSpacing(2)
        words.addWidget(heading)
        words.addWidget(text)
        row = QHBoxLayout(button)
        row.setContentsMargins(12, 10, 12, 10)
        row.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        row.addLayout(words, 1)
        self._parts[button] = (icon, heading, text)
        return button

    def retranslate(self) -> None:
        self.title.setText(tr("What can I help you with?"))
        self.lead.setText(
            tr(
                "Steward answers on this computer, and keeps every conversation encrypted "
                "on your disk."
            )
        )
        self.ask_example = tr("Explain the difference between a process and a thread.")
        self.draft_example = tr(
            "Every Friday at 5 pm, move the PDFs in ~/Downloads into ~/Documents/PDFs."
        )
        for button, heading, example in (
            (self.ask_button, tr("Ask anything"), self.ask_example),
            (self.draft_button, tr("Draft an automation"), self.draft_example),
        ):
            _icon, heading_label, example_label = self._parts[button]
            heading_label.setText(f"<b>{heading}</b>")
            example_label.setText(f"“{example}”")
            button.setAccessibleName(heading)
            button.setAccessibleDescription(tr("Puts this example in the message box"))
        self.quick.setText(
            tr(
                "Press {0} anywhere to ask without opening this window, or use the tray "
                "icon's Quick prompt."
            ).format(HOTKEY_TEXT)
        )
        if self.isVisible():
            self.place()

    def set_theme(self, theme: Theme) -> None:
        for button, name in ((self.ask_button, "message-square"), (self.draft_button, "zap")):
            self._parts[button][0].setPixmap(icon(name, theme.accent).pixmap(20, 20))

    def place(self) -> None:
        area = self.view.viewport().rect()
        width = min(WIDTH, area.width() - 32)
        self.setFixedWidth(max(width, 200))
        for button in (self.ask_button, self.draft_button):
            layout = button.layout()
            if layout is not None:  # as tall as its wrapped example needs at this width
                button.setMinimumHeight(layout.heightForWidth(self.width() - 24))
        self.adjustSize()
        self.move((area.width() - self.width()) // 2, max(16, (area.height() - self.height()) // 3))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self.isVisible():
            self.place()
        return False

    def setVisible(self, visible: bool) -> None:
        super().setVisible(visible)
        if visible:
            self.place()


__all__ = ["EmptyState"]
