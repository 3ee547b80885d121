"""The passphrase dialog, in its four uses: choose one (first run, no keyring), unlock with
it, change it (the current one first), and confirm it (before the recovery key is shown)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Literal

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
from app.ui.i18n import QT_TR_NOOP, tr

Purpose = Literal["create", "unlock", "set", "change", "confirm"]

_TEXTS: dict[Purpose, tuple[str, str, str]] = {
    # title, explanation, the accepting button
    "create": (
        QT_TR_NOOP("Set a passphrase — Steward"),
        QT_TR_NOOP(
            "No system keyring is available to keep the key of your encrypted history. "
            "Choose a passphrase to protect it; you will need it each time Steward starts."
        ),
        QT_TR_NOOP("Create"),
    ),
    "unlock": (
        QT_TR_NOOP("Unlock Steward"),
        QT_TR_NOOP("Your history is encrypted. Enter your passphrase to unlock it."),
        QT_TR_NOOP("Unlock"),
    ),
    "set": (
        QT_TR_NOOP("Set a passphrase — Steward"),
        QT_TR_NOOP(
            "The key of your history is in the system keyring now. With a passphrase, Steward "
            "asks for it each time it starts, and the key leaves the keyring."
        ),
        QT_TR_NOOP("Set passphrase"),
    ),
    "change": (
        QT_TR_NOOP("Change the passphrase — Steward"),
        QT_TR_NOOP(
            "Enter your current passphrase, then the new one. Your history stays as it is; only "
            "the passphrase that opens it changes."
        ),
        QT_TR_NOOP("Change"),
    ),
    "confirm": (
        QT_TR_NOOP("Show the recovery key — Steward"),
        QT_TR_NOOP(
            "The recovery key opens your history on its own. Enter your passphrase to see it."
        ),
        QT_TR_NOOP("Show"),
    ),
}

# checks the passphrase typed in the "current" field (or the only one, to confirm); returns
# the reason it is refused, or None. It runs off the GUI thread's time: the dialog waits.
Checker = Callable[[str], Awaitable[str | None]]


class PassphraseDialog(QDialog):
    def __init__(
        self,
        *,
        new: bool = False,
        purpose: Purpose | None = None,
        check: Checker | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.purpose: Purpose = purpose or ("create" if new else "unlock")
        self.new = self.purpose in ("create", "set", "change")
        self.check = check
        self.setObjectName(f"passphrase-{self.purpose}")
        title, explanation, accept_text = (tr(text) for text in _TEXTS[self.purpose])
        self.setWindowTitle(title)
        self.setMinimumWidth(420)
        intro = QLabel(explanation)
        intro.setWordWrap(True)
        self.current = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.current.setObjectName("current")
        self.passphrase = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.passphrase.setObjectName("passphrase")
        self.repeat = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.repeat.setObjectName("repeat")
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.hide()
        form = QFormLayout()
        if self.purpose == "change":
            form.addRow(tr("Current passphrase:"), self.current)
            form.addRow(tr("New passphrase:"), self.passphrase)
        else:
            self.current.hide()
            form.addRow(tr("Passphrase:"), self.passphrase)
        if self.new:
            form.addRow(tr("Repeat it:"), self.repeat)
        else:
            self.repeat.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(accept_text)
        self.current.setToolTip(tr("The passphrase you use now"))
        self.passphrase.setToolTip(
            tr("A long phrase you can remember; it cannot be recovered without the recovery key")
            if self.new
            else tr("The passphrase that protects your history")
        )
        self.repeat.setToolTip(tr("The same passphrase again, to be sure of it"))
        self.ok_button.setToolTip(explanation)
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setToolTip(tr("Close without changing anything"))
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        (self.current if self.purpose == "change" else self.passphrase).setFocus()
        self._checking: asyncio.Task[None] | None = None

    def show_error(self, text: str, *, field: QLineEdit | None = None) -> None:
        self.error.setText(text)
        self.error.show()
        target = field or self.passphrase
        target.selectAll()
        target.setFocus()

    def _on_buttons_accepted(self) -> None:
        text = self.passphrase.text()
        if self.purpose == "change" and not self.current.text():
            self.show_error(tr("Enter your current passphrase."), field=self.current)
            return
        if self.new and len(text) < MIN_PASSPHRASE:
            self.show_error(tr("Use at least {0} characters.").format(MIN_PASSPHRASE))
            return
        if self.new and text != self.repeat.text():
            self.show_error(tr("The two passphrases differ."))
            return
        if not text:
            self.show_error(tr("Enter your passphrase."))
            return
        if self.check is None:
            self.accept()
            return
        if self._checking is None or self._checking.done():
            self.ok_button.setEnabled(False)
            self._checking = asyncio.ensure_future(self._checked())

    async def _checked(self) -> None:
        assert self.check is not None
        typed = self.current if self.purpose == "change" else self.passphrase
        try:
            problem = await self.check(typed.text())
        finally:
            self.ok_button.setEnabled(True)
        if problem:
            self.show_error(problem, field=typed)
        else:
            self.accept()
