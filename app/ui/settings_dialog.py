"""Settings: the model and its parameters (applied without restarting), and privacy."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from app.core import autostart
from app.core.errors import KnownError
from app.core.llm.model_files import check_gguf
from app.core.secrets import format_recovery_key, keyring_info
from app.core.settings import ModelSettings
from app.core.steward import CLOUD_KEY, SecretStore, Steward

ERASE_WORD = "erase"


APPEARANCE_LABELS = {"system": "Follow the system", "light": "Light", "dark": "Dark"}


class SettingsDialog(QDialog):
    applied = Signal()  # model settings saved: the app reconfigures the engine
    lock_requested = Signal()
    erase_requested = Signal()
    passphrase_changed = Signal()
    appearance_changed = Signal(str)

    def __init__(self, steward: Steward, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings — Steward")
        self.setMinimumSize(560, 480)
        self.steward = steward
        self.model_path = steward.settings.model_path
        self._key_task: asyncio.Future[None] | None = None  # kept referenced while it runs
        tabs = QTabWidget()
        tabs.addTab(self._model_tab(), "Model")
        tabs.addTab(self._privacy_tab(), "Privacy")
        tabs.addTab(self._general_tab(), "General")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Apply
            | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Apply).clicked.connect(self.apply)
        self.error = QLabel(objectName="error")
        self.error.setStyleSheet("color: #cf222e;")
        self.error.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._load_model_values()

    # --- model ------------------------------------------------------------------------------

    def _model_tab(self) -> QWidget:
        page = QWidget()
        self.model_label = QLabel(wordWrap=True)
        embedded = QPushButton("Use the embedded model")
        choose = QPushButton("Choose a GGUF file…")
        embedded.clicked.connect(self._on_embedded_clicked)
        choose.clicked.connect(self._on_choose_clicked)
        row = QHBoxLayout()
        row.addWidget(embedded)
        row.addWidget(choose)
        row.addStretch(1)
        self.n_ctx = QSpinBox(minimum=256, maximum=131072, singleStep=256)
        self.n_threads = QSpinBox(minimum=0, maximum=256, specialValueText="automatic")
        self.temperature = QDoubleSpinBox(minimum=0.0, maximum=2.0, singleStep=0.05, decimals=2)
        self.top_p = QDoubleSpinBox(minimum=0.05, maximum=1.0, singleStep=0.05, decimals=2)
        self.max_tokens = QSpinBox(minimum=1, maximum=131072, singleStep=64)
        self.system_prompt = QPlainTextEdit()
        self.system_prompt.setMaximumHeight(110)
        form = QFormLayout()
        form.addRow("Model:", self.model_label)
        form.addRow("", row)
        form.addRow("Context length (tokens):", self.n_ctx)
        form.addRow("Threads:", self.n_threads)
        form.addRow("Temperature:", self.temperature)
        form.addRow("Top p:", self.top_p)
        form.addRow("Max answer tokens:", self.max_tokens)
        form.addRow("System prompt:", self.system_prompt)
        page.setLayout(form)
        return page

    def _load_model_values(self) -> None:
        settings = self.steward.settings
        model = self.steward.model(self.model_path or None) if self._model_ok() else None
        self.model_label.setText(
            f"{model.name}\n{model.path}" if model else "The embedded model is not installed."
        )
        values = settings.model_settings(model.id if model else None)
        self.n_ctx.setValue(values.n_ctx)
        self.n_threads.setValue(values.n_threads)
        self.temperature.setValue(values.temperature)
        self.top_p.setValue(values.top_p)
        self.max_tokens.setValue(values.max_tokens)
        self.system_prompt.setPlainText(values.system_prompt)

    def _model_ok(self) -> bool:
        try:
            self.steward.model(self.model_path or None)
            return True
        except KnownError:
            return False

    def _on_embedded_clicked(self) -> None:
        self.model_path = ""
        self._load_model_values()

    @asyncSlot()
    async def _on_choose_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose a model", str(Path.home()), "GGUF models (*.gguf);;All files (*)"
        )
        if path:
            await self.choose_model(path)

    async def choose_model(self, path: str) -> bool:
        """Validate ``path`` (off the GUI thread) and select it; an invalid file changes nothing."""
        try:
            await asyncio.get_running_loop().run_in_executor(None, check_gguf, Path(path))
        except KnownError as exc:
            self.error.setText(exc.user_text())
            return False
        self.error.clear()
        self.model_path = str(Path(path).resolve())
        self._load_model_values()
        return True

    def apply(self) -> bool:
        settings = self.steward.settings
        old_path = settings.model_path
        settings.model_path = self.model_path
        current = settings.model_settings()
        values = dataclasses.replace(
            current,
            n_ctx=self.n_ctx.value(),
            n_threads=self.n_threads.value(),
            temperature=round(self.temperature.value(), 2),
            top_p=round(self.top_p.value(), 2),
            max_tokens=self.max_tokens.value(),
            system_prompt=self.system_prompt.toPlainText().strip(),
        )
        try:
            settings.set_model_settings(values)
            self._apply_general()
            self.steward.settings_store.save(settings)
        except KnownError as exc:
            settings.model_path = old_path
            self.error.setText(exc.user_text())
            return False
        self.error.clear()
        self.applied.emit()
        self.appearance_changed.emit(settings.appearance)
        return True

    def _on_buttons_accepted(self) -> None:
        if self.apply():
            self.accept()

    # --- startup ----------------------------------------------------------------------------

    def _general_tab(self) -> QWidget:
        page = QWidget()
        self.appearance = QComboBox()
        for value, label in APPEARANCE_LABELS.items():
            self.appearance.addItem(label, value)
        self.appearance.setCurrentIndex(
            max(0, self.appearance.findData(self.steward.settings.appearance))
        )
        appearance_row = QFormLayout()
        appearance_row.addRow("&Appearance:", self.appearance)
        self.start_minimized = QCheckBox("Start minimized to the tray (when there is a tray)")
        self.start_minimized.setChecked(self.steward.settings.start_minimized)
        self.launch_at_login = QCheckBox("Launch Steward when I log in")
        self.launch_at_login.setChecked(autostart.is_enabled())
        note = QLabel(wordWrap=True)
        if not autostart.supported():
            self.launch_at_login.setEnabled(False)
            note.setText(
                "On this system, add Steward to your login items yourself (see docs/desktop.md)."
            )
        layout = QVBoxLayout(page)
        layout.addLayout(appearance_row)
        layout.addSpacing(12)
        layout.addWidget(self.start_minimized)
        layout.addWidget(self.launch_at_login)
        layout.addWidget(note)
        layout.addStretch(1)
        return page

    def _apply_general(self) -> None:
        self.steward.settings.appearance = str(self.appearance.currentData())
        self.steward.settings.start_minimized = self.start_minimized.isChecked()
        if autostart.supported() and self.launch_at_login.isChecked() != autostart.is_enabled():
            autostart.set_enabled(self.launch_at_login.isChecked())

    # --- privacy ----------------------------------------------------------------------------

    def _privacy_tab(self) -> QWidget:
        page = QWidget()
        paths = self.steward.paths
        where = QLabel(
            f"Your encrypted history: {paths.database}\nSettings: {paths.settings_file}\n"
            f"Logs: {paths.logs}",
            wordWrap=True,
        )
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key_status = QLabel(wordWrap=True)
        buttons = [
            ("Show the recovery key", self._on_recovery_clicked),
            ("Back up now", self._on_backup_clicked),
            ("Set or change the passphrase…", self._on_passphrase_clicked),
            ("Lock now", self._on_lock_clicked),
            ("Erase all data…", self._on_erase_clicked),
        ]
        layout = QVBoxLayout(page)
        layout.addWidget(where)
        layout.addWidget(self.key_status)
        for text, slot in buttons:
            button = QPushButton(text)
            button.clicked.connect(slot)
            layout.addWidget(button)
        self.use_keyring = QPushButton("Keep the key in the system keyring instead")
        self.use_keyring.clicked.connect(self._on_use_keyring_clicked)
        layout.addWidget(self.use_keyring)
        layout.addStretch(1)
        self._update_key_status()
        return page

    def _update_key_status(self) -> None:
        meta = self.steward.keys.meta()
        passphrase = meta is not None and meta.key_storage == "passphrase"
        self.key_status.setText(
            "The database key is protected by your passphrase."
            if passphrase
            else "The database key is kept in the system keyring."
        )
        self.use_keyring.setVisible(passphrase and keyring_info().usable)

    def _on_recovery_clicked(self) -> None:
        assert self.steward.key is not None
        box = QMessageBox(QMessageBox.Icon.Information, "Recovery key", "", parent=self)
        box.setText(
            "This key opens your history and its backups on its own. Keep it private:\n\n"
            + format_recovery_key(self.steward.key)
        )
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.open()

    @asyncSlot()
    async def _on_backup_clicked(self) -> None:
        try:
            dest, count = await asyncio.get_running_loop().run_in_executor(
                None, self.steward.backup
            )
        except KnownError as exc:
            self.error.setText(exc.user_text())
            return
        self.error.clear()
        QMessageBox.information(
            self,
            "Backup",
            f"Backed up {count} messages to\n{dest}\n(encrypted, and checked by reopening it).",
        )

    def _on_passphrase_clicked(self) -> None:
        from app.ui.unlock import PassphraseDialog

        dialog = PassphraseDialog(new=True, parent=self)
        dialog.setWindowTitle("Set a passphrase — Steward")
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        assert self.steward.key is not None
        key, phrase = self.steward.key, dialog.passphrase.text()
        self._key_task = asyncio.ensure_future(
            self._move_key(lambda: self.steward.keys.set_passphrase(key, phrase), changed=True)
        )

    def _on_use_keyring_clicked(self) -> None:
        assert self.steward.key is not None
        key = self.steward.key
        self._key_task = asyncio.ensure_future(
            self._move_key(lambda: self.steward.keys.use_keyring(key))
        )

    async def _move_key(self, change: Callable[[], object], *, changed: bool = False) -> None:
        """Re-home the database key (scrypt, keyring calls) off the GUI thread; the API key
        moves with it."""

        def work() -> None:
            change()
            SecretStore(self.steward).relocate((CLOUD_KEY,))

        try:
            await asyncio.get_running_loop().run_in_executor(None, work)
        except KnownError as exc:
            self.error.setText(exc.user_text())
            return
        self._update_key_status()
        if changed:
            self.passphrase_changed.emit()

    def _on_lock_clicked(self) -> None:
        self.accept()  # the dialog shows nothing once the store is closed
        self.lock_requested.emit()

    def _on_erase_clicked(self) -> None:
        text, ok = QInputDialog.getText(
            self,
            "Erase all data",
            "This deletes every conversation, the database key and the backups, for good.\n"
            f"Type “{ERASE_WORD}” to confirm:",
        )
        if ok and text.strip().lower() == ERASE_WORD:
            self.erase_requested.emit()
            self.accept()
        elif ok:
            self.error.setText("Nothing was erased: the confirmation did not match.")


__all__ = ["ModelSettings", "SettingsDialog"]
