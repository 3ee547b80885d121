"""The passphrase dialog: choose one (first run, no keyring) or unlock with it."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.core.secrets import MIN_PASSPHRASE


class PassphraseDialog(QDialog):
    def __init__(self, *, new: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.new = new
        self.setWindowTitle("Set a passphrase — Steward" if new else "Unlock Steward")
        self.setMinimumWidth(420)
        intro = QLabel(
            "No system keyring is available to keep the key of your encrypted history. "
            "Choose a passphrase to protect it; you will need it each time Steward starts."
            if new
            else "Your history is encrypted. Enter your passphrase to unlock it."
        )
        intro.setWordWrap(True)
        self.passphrase = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.passphrase.setObjectName("passphrase")
        self.repeat = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.repeat.setObjectName("repeat")
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setStyleSheet("color: #cf222e;")
        self.error.setWordWrap(True)
        self.error.hide()
        form = QFormLayout()
        form.addRow("Passphrase:", self.passphrase)
        if new:
            form.addRow("Repeat it:", self.repeat)
        else:
            self.repeat.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create" if new else "Unlock")
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.passphrase.setFocus()

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
        self.passphrase.selectAll()
        self.passphrase.setFocus()

    def _on_buttons_accepted(self) -> None:
        text = self.passphrase.text()
        if self.new and len(text) < MIN_PASSPHRASE:
            self.show_error(f"Use at least {MIN_PASSPHRASE} characters.")
            return
        if self.new and text != self.repeat.text():
            self.show_error("The two passphrases differ.")
            return
        if not text:
            self.show_error("Enter your passphrase.")
            return
        self.accept()
