"""The recovery key, shown so that it is kept: the key in large monospace type, Copy and Save,
and an explicit "I have written it down" as the only way out of the first showing.

The first showing is the only moment the key appears unasked; a person who starts typing
must not lose it. So the dialog has no default button (Enter and the space bar do nothing
unless a button has the focus, and the focus starts on the key itself), and Escape or the
window's close button do not close it. Shown again from Settings, Escape closes it.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.dialogs import choose_save_file
from app.ui.i18n import tr
from app.ui.qt_async import async_slot


class RecoveryKeyDialog(QDialog):
    """``first``: the key was just made (closing it needs the explicit button)."""

    def __init__(self, key: str, *, first: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.first = first
        self.setObjectName("firstRecoveryKey" if first else "recoveryKey")
        self.setWindowTitle(tr("Your recovery key — Steward"))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        if first:
            lead = tr(
                "Steward created your encrypted history. Write down this recovery key and "
                "keep it safe: it opens your history on its own if the keyring or the "
                "passphrase is lost, or on a new machine. It is not shown again unless you "
                "ask for it in Settings."
            )
        else:
            lead = tr("This key opens your history and its backups on its own. Keep it private.")
        self.lead = QLabel(lead)
        self.lead.setWordWrap(True)
        self.key = QLineEdit(key)
        self.key.setObjectName("recoveryKeyText")
        self.key.setReadOnly(True)
        self.key.setAccessibleName(tr("Recovery key"))
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setWeight(QFont.Weight.DemiBold)
        self.key.setFont(font)
        self.key.setMinimumWidth(self.key.fontMetrics().horizontalAdvance(key) + 24)
        self.note = QLabel()  # "Copied" / "Saved to …" / why saving failed
        self.note.setObjectName("recoveryKeyNote")
        self.note.setWordWrap(True)
        self.copy_button = QPushButton(tr("&Copy"))
        self.copy_button.setAccessibleDescription(tr("Copy the recovery key"))
        self.save_button = QPushButton(tr("&Save to a file…"))
        self.save_button.setAccessibleDescription(tr("Save the recovery key to a text file"))
        self.done_button = QPushButton(tr("I have written it down") if first else tr("Close"))
        self.done_button.setObjectName("recoveryKeyDone")
        self.key.setAccessibleDescription(
            tr("Opens your history if the passphrase is lost; keep it somewhere safe")
        )
        self.done_button.setAccessibleDescription(
            tr("Closes this message; the key can be shown again in Settings › Privacy")
        )
        for button in (self.copy_button, self.save_button, self.done_button):
            button.setAutoDefault(False)
            button.setDefault(False)
        self.copy_button.clicked.connect(self.copy)
        self.save_button.clicked.connect(self._on_save_clicked)
        self.done_button.clicked.connect(self.accept)

        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        buttons.addWidget(self.done_button)
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        layout.addWidget(self.lead)
        layout.addWidget(self.key)
        layout.addWidget(self.note)
        layout.addLayout(buttons)
        self.key.setFocus()

    def text(self) -> str:
        """Everything the dialog says, the key included."""
        return f"{self.lead.text()}\n\n{self.key.text()}"

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.key.text())
        self.note.setText(tr("Copied. Paste it somewhere safe, then clear the clipboard."))

    def save(self, path: Path) -> bool:
        """Write the key to ``path`` (readable by its owner only); the note says what happened."""
        try:
            with open(path, "w", encoding="utf-8", opener=_private) as file:
                file.write(tr("Steward recovery key") + "\n\n" + self.key.text() + "\n")
        except OSError as exc:
            self.note.setText(tr("Could not save it: {0}").format(exc.strerror or exc))
            return False
        self.note.setText(tr("Saved to {0}").format(path))
        return True

    @async_slot()
    async def _on_save_clicked(self) -> None:
        chosen = await choose_save_file(
            self,
            "saveRecoveryKey",
            tr("Save the recovery key"),
            Path.home() / "steward-recovery-key.txt",
            tr("Text files (*.txt)"),
        )
        if chosen is not None:
            self.save(chosen)

    def reject(self) -> None:
        # Escape and the close button: only once the person has said they have the key
        if not self.first:
            super().reject()


def _private(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)


__all__ = ["RecoveryKeyDialog"]
