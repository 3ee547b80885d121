"""Settings: the model and its parameters (applied without restarting), and privacy."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import KnownError, UsageError
from app.core.llm.cloud import validate_base_url
from app.core.llm.model_files import check_gguf
from app.core.secrets import format_recovery_key, keyring_info
from app.core.settings import CloudSettings, ModelSettings
from app.core.steward import (
    CLOUD_KEY,
    SECRET_NAMES,
    SecretStore,
    Steward,
    check_cloud_endpoint,
    cloud_endpoint,
)
from app.ui import settings_help
from app.ui.api_page import ApiPage
from app.ui.dialogs import choose_file, tell
from app.ui.general_page import GeneralPage
from app.ui.i18n import QT_TR_NOOP, tr
from app.ui.model_download import ModelDownloadDialog, make_download_dialog
from app.ui.qt_async import async_slot
from app.ui.saved_states_box import SavedStatesBox

ERASE_WORD = "erase"


POLICY_LABELS = {
    "auto": QT_TR_NOOP("Only when the local model cannot answer (asks you first)"),
    "cloud": QT_TR_NOOP("For every message"),
    "local": QT_TR_NOOP("Only when I choose “Ask cloud” for a message"),
}


class SettingsDialog(QDialog):
    applied = Signal()  # model settings saved: the app reconfigures the engine
    lock_requested = Signal()
    erase_requested = Signal()
    passphrase_changed = Signal()
    appearance_changed = Signal(str)
    language_changed = Signal(str)  # "system", "en" or "zh_CN"

    def __init__(self, steward: Steward, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Settings — Steward"))
        self.steward = steward
        self.model_path = steward.settings.model_path
        self._key_task: asyncio.Future[None] | None = None  # kept referenced while it runs
        tabs = QTabWidget()
        tabs.addTab(self._model_tab(), tr("Model"))
        tabs.addTab(self._privacy_tab(), tr("Privacy"))
        tabs.addTab(self._cloud_tab(), tr("Cloud"))
        self.general = GeneralPage(steward.settings)
        tabs.addTab(self.general, tr("General"))
        self.api_page = ApiPage(steward)
        tabs.addTab(self.api_page, tr("Local API"))
        self.tabs = tabs
        self.tools_page: QWidget | None = None  # Settings › Tools, once automations are up
        self.buttons = buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Apply
            | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Apply).clicked.connect(self.apply)
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._load_model_values()
        settings_help.describe(self)
        # at least this size; larger where the text needs it (a larger type, another
        # language): the layout's own minimum holds, so nothing is cut off
        hint = self.sizeHint()
        self.resize(max(560, hint.width()), max(480, hint.height()))

    def add_tools_page(self, page: QWidget) -> None:
        """Settings › Tools (the MCP servers): given by the app once automations are up."""
        self.tools_page = page
        self.tabs.insertTab(self.tabs.count() - 1, page, tr("Tools"))

    # --- model ------------------------------------------------------------------------------

    def _model_tab(self) -> QWidget:
        page = QWidget()
        self.model_label = QLabel(wordWrap=True)
        self.embedded_button = embedded = QPushButton(tr("Use the embedded model"))
        self.choose_button = choose = QPushButton(tr("Choose a GGUF file…"))
        self.download_button = download = QPushButton(tr("Download a model…"))
        embedded.clicked.connect(self._on_embedded_clicked)
        choose.clicked.connect(self._on_choose_clicked)
        download.clicked.connect(self._on_download_clicked)
        self.download_dialog: ModelDownloadDialog | None = None
        row = QHBoxLayout()
        row.addWidget(embedded)
        row.addWidget(choose)
        row.addWidget(download)
        row.addStretch(1)
        self.n_ctx = QSpinBox(minimum=256, maximum=131072, singleStep=256)
        self.n_threads = QSpinBox(minimum=0, maximum=256)
        self.n_threads.setSpecialValueText(tr("automatic"))
        self.temperature = QDoubleSpinBox(minimum=0.0, maximum=2.0, singleStep=0.05, decimals=2)
        self.top_p = QDoubleSpinBox(minimum=0.05, maximum=1.0, singleStep=0.05, decimals=2)
        self.max_tokens = QSpinBox(minimum=1, maximum=131072, singleStep=64)
        self.system_prompt = QPlainTextEdit()
        self.system_prompt.setMaximumHeight(110)
        self.free_shapes = QCheckBox(tr("Let this model shape drafted workflows itself"))
        self.free_shapes.setToolTip(
            tr(
                "For a larger model: it picks a workflow's steps on its own instead of "
                "following the steps Steward reads from your words. Every draft is still "
                "checked the same way."
            )
        )
        form = QFormLayout()
        form.addRow(tr("Model:"), self.model_label)
        form.addRow("", row)
        form.addRow(tr("Context length (tokens):"), self.n_ctx)
        form.addRow(tr("Threads:"), self.n_threads)
        form.addRow(tr("Temperature:"), self.temperature)
        form.addRow(tr("Top p:"), self.top_p)
        form.addRow(tr("Max answer tokens:"), self.max_tokens)
        form.addRow(tr("System prompt:"), self.system_prompt)
        form.addRow(tr("Drafting:"), self.free_shapes)
        page.setLayout(form)
        return page

    def _load_model_values(self) -> None:
        settings = self.steward.settings
        model = self.steward.model(self.model_path or None) if self._model_ok() else None
        self.model_label.setText(
            f"{model.name}\n{model.path}" if model else tr("The embedded model is not installed.")
        )
        values = settings.model_settings(model.id if model else None)
        self.n_ctx.setValue(values.n_ctx)
        self.n_threads.setValue(values.n_threads)
        self.temperature.setValue(values.temperature)
        self.top_p.setValue(values.top_p)
        self.max_tokens.setValue(values.max_tokens)
        self.system_prompt.setPlainText(values.system_prompt)
        self.free_shapes.setChecked(values.planner_shapes == "free")

    def _model_ok(self) -> bool:
        try:
            self.steward.model(self.model_path or None)
            return True
        except KnownError:
            return False

    def _on_embedded_clicked(self) -> None:
        self.model_path = ""
        self._load_model_values()

    @async_slot()
    async def _on_choose_clicked(self) -> None:
        path = await choose_file(
            self, "chooseModel", tr("Choose a model"), tr("GGUF models (*.gguf);;All files (*)")
        )
        if path is not None and shiboken6.isValid(self):
            await self.choose_model(str(path))

    @async_slot()
    async def _on_download_clicked(self) -> None:
        if self.download_dialog is None:
            dialog = await make_download_dialog(self.steward, self)
            if not shiboken6.isValid(self):
                return
            dialog.use_model.connect(self._use_downloaded)
            self.download_dialog = dialog
        self.download_dialog.show()
        self.download_dialog.raise_()

    @async_slot(str)
    async def _use_downloaded(self, path: str) -> None:
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
        old_path, old_language = settings.model_path, settings.language
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
            planner_shapes="free" if self.free_shapes.isChecked() else "fixed",
        )
        old_cloud = dataclasses.replace(settings.cloud)
        try:
            cloud, api_key = self._cloud_values()
            settings.set_model_settings(values)
            self.general.apply()
            self.resume_box.apply()
            self.api_page.apply()
            settings.cloud = cloud
            if api_key is not None:
                SecretStore(self.steward).set(CLOUD_KEY, api_key or None)
                self._update_key_hint(stored=bool(api_key))  # known: no keyring read again
            self.steward.settings_store.save(settings)
        except KnownError as exc:
            settings.model_path, settings.language = old_path, old_language
            settings.cloud = old_cloud
            self.error.setText(exc.user_text())
            return False
        self.error.clear()
        self.applied.emit()
        self.appearance_changed.emit(settings.appearance)
        if settings.language != old_language:
            self.language_changed.emit(settings.language)
        return True

    def _on_buttons_accepted(self) -> None:
        if self.apply():
            self.accept()

    # --- cloud ------------------------------------------------------------------------------

    def _cloud_tab(self) -> QWidget:
        page = QWidget()
        cloud = self.steward.settings.cloud
        intro = QLabel(
            tr(
                "Steward answers with the model on this computer. Optionally, an "
                "OpenAI-compatible endpoint can answer what the local model cannot. "
                "Nothing is sent anywhere until you switch this on; cloud answers are "
                "marked ☁ in the conversation."
            ),
            wordWrap=True,
        )
        self.cloud_enabled = QCheckBox(tr("&Use a cloud endpoint"))
        self.cloud_enabled.setChecked(cloud.enabled)
        self.cloud_url = QLineEdit(cloud.base_url, placeholderText="https://api.example.com/v1")
        self.cloud_model = QLineEdit(cloud.model, placeholderText=tr("the model name it expects"))
        self.cloud_key = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.forget_key = QCheckBox(tr("Remove the stored key"))
        self.cloud_policy = QComboBox()
        for value, label in POLICY_LABELS.items():
            self.cloud_policy.addItem(tr(label), value)
        self.cloud_policy.setCurrentIndex(max(0, self.cloud_policy.findData(cloud.policy)))
        self.cloud_redact = QCheckBox(
            tr("Replace e-mail addresses, phone numbers and home-folder paths before sending")
        )
        self.cloud_redact.setChecked(cloud.redact)
        self.test_button = QPushButton(tr("&Test connection"))
        self.test_button.clicked.connect(self._on_test_clicked)
        self.test_result = QLabel(wordWrap=True)
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.test_result.setObjectName("cloudTestResult")
        # a result speaks of the endpoint it tested: changing it makes the result stale
        for field in (self.cloud_url, self.cloud_model, self.cloud_key):
            field.textChanged.connect(self.test_result.clear)
        form = QFormLayout()
        form.addRow(tr("Base URL:"), self.cloud_url)
        form.addRow(tr("Model:"), self.cloud_model)
        form.addRow(tr("API key:"), self.cloud_key)
        form.addRow("", self.forget_key)
        form.addRow(tr("When:"), self.cloud_policy)
        form.addRow("", self.cloud_redact)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.test_result, 1)
        layout = QVBoxLayout(page)
        layout.addWidget(intro)
        layout.addWidget(self.cloud_enabled)
        layout.addLayout(form)
        layout.addLayout(test_row)
        layout.addStretch(1)
        self._update_key_hint(stored=bool(SecretStore(self.steward).get(CLOUD_KEY)))
        return page

    def _update_key_hint(self, *, stored: bool) -> None:
        self.cloud_key.clear()
        self.cloud_key.setPlaceholderText(
            tr("stored in your keyring or encrypted history; type to replace")
            if stored
            else tr("none stored (leave empty if the endpoint needs none)")
        )
        self.forget_key.setChecked(False)
        self.forget_key.setVisible(stored)

    def _cloud_values(self) -> tuple[CloudSettings, str | None]:
        """The cloud settings as filled in, and the API key to store (None: keep the stored
        one, "": remove it). UsageError when switched on without a usable endpoint."""
        cloud = dataclasses.replace(
            self.steward.settings.cloud,
            enabled=self.cloud_enabled.isChecked(),
            base_url=self.cloud_url.text().strip(),
            model=self.cloud_model.text().strip(),
            policy=self.cloud_policy.currentData(),
            redact=self.cloud_redact.isChecked(),
        )
        if cloud.enabled:  # switched off, what is typed is kept as it is, and checked when on
            cloud.base_url = validate_base_url(cloud.base_url)
        if cloud.enabled and not cloud.model:
            raise UsageError(tr("Give the model name the cloud endpoint expects."))
        typed = self.cloud_key.text().strip()
        api_key = typed or ("" if self.forget_key.isChecked() else None)
        return cloud, api_key

    def _endpoint_typed(self) -> tuple[str, str, str]:
        return self.cloud_url.text(), self.cloud_model.text(), self.cloud_key.text()

    @async_slot()
    async def _on_test_clicked(self) -> None:
        try:
            cloud, typed = self._cloud_values()
            if not cloud.base_url:
                raise UsageError(tr("Give the endpoint's base URL first."))
            cloud.base_url = validate_base_url(cloud.base_url)
        except KnownError as exc:
            self.test_result.setText(exc.user_text())
            return
        self.test_button.setEnabled(False)
        self.test_result.setText(tr("Testing…"))
        tested = self._endpoint_typed()
        loop = asyncio.get_running_loop()
        try:
            stored = await loop.run_in_executor(None, SecretStore(self.steward).get, CLOUD_KEY)
            key = typed if typed is not None else stored or ""
            ms = await check_cloud_endpoint(
                cloud,
                key,
                lambda r: self.test_result.setText(
                    tr("Testing: a one-word request to {0} ({1}), nothing of yours…").format(
                        r.host, r.model
                    )
                ),
            )
            result = tr("OK: {0} answered with {1} in {2:.0f} ms.").format(
                cloud_endpoint(cloud, "").host, cloud.model, ms
            )
        except KnownError as exc:
            result = exc.user_text()
        if shiboken6.isValid(self.test_button):  # the dialog may have been closed meanwhile
            self.test_button.setEnabled(True)
            if self._endpoint_typed() == tested:  # else it speaks of an endpoint no longer typed
                self.test_result.setText(result)

    # --- startup ----------------------------------------------------------------------------

    # --- privacy ----------------------------------------------------------------------------

    def _privacy_tab(self) -> QWidget:
        page = QWidget()
        paths = self.steward.paths
        where = QLabel(
            tr("Your encrypted history: {0}\nSettings: {1}\nLogs: {2}").format(
                paths.database, paths.settings_file, paths.logs
            ),
            wordWrap=True,
        )
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key_status = QLabel(wordWrap=True)
        self.recovery_button = QPushButton(tr("Show the recovery key…"))
        self.backup_button = QPushButton(tr("Back up now"))
        self.passphrase_button = QPushButton()
        self.lock_button = QPushButton(tr("Lock now"))
        self.erase_button = QPushButton(tr("Erase all data…"))
        layout = QVBoxLayout(page)
        layout.addWidget(where)
        layout.addWidget(self.key_status)
        for button, slot in (
            (self.recovery_button, self._on_recovery_clicked),
            (self.backup_button, self._on_backup_clicked),
            (self.passphrase_button, self._on_passphrase_clicked),
            (self.lock_button, self._on_lock_clicked),
            (self.erase_button, self._on_erase_clicked),
        ):
            button.clicked.connect(slot)
            layout.addWidget(button)
        self.use_keyring = QPushButton(tr("Keep the key in the system keyring instead"))
        self.use_keyring.clicked.connect(self._on_use_keyring_clicked)
        layout.addWidget(self.use_keyring)
        self.resume_box = SavedStatesBox(self.steward)
        layout.addWidget(self.resume_box)
        layout.addStretch(1)
        self._update_key_status()
        return page

    def _update_key_status(self) -> None:
        passphrase = self.steward.keys.uses_passphrase()
        self.passphrase_button.setText(
            tr("Change the passphrase…")
            if passphrase
            else tr("Protect it with a passphrase instead…")
        )
        self.key_status.setText(
            tr("The database key is protected by your passphrase.")
            if passphrase
            else tr("The database key is kept in the system keyring.")
        )
        self.use_keyring.setVisible(passphrase and keyring_info().usable)

    async def _check_passphrase(self, typed: str) -> str | None:
        """The reason ``typed`` is refused as the current passphrase (None: it is right);
        scrypt runs off the GUI thread."""
        try:
            await asyncio.get_running_loop().run_in_executor(
                None, self.steward.keys.check_passphrase, typed
            )
        except KnownError as exc:
            return exc.user_text()
        return None

    def _on_recovery_clicked(self) -> None:
        """Asks first: the passphrase where one protects the key; where the system keyring
        keeps it (the login already unlocked it), an explicit confirmation."""
        if self.steward.keys.uses_passphrase():
            from app.ui.unlock import PassphraseDialog

            dialog = PassphraseDialog(purpose="confirm", check=self._check_passphrase, parent=self)
            dialog.accepted.connect(self._show_recovery_key)
            dialog.open()
            return
        confirm = QMessageBox(
            QMessageBox.Icon.Warning,
            tr("Show the recovery key — Steward"),
            tr(
                "The recovery key opens your history and its backups on its own, without "
                "the keyring. Show it only where nobody else can see your screen."
            ),
            QMessageBox.StandardButton.Cancel,
            self,
        )
        confirm.setObjectName("recoveryConfirm")
        show = confirm.addButton(tr("Show"), QMessageBox.ButtonRole.AcceptRole)
        confirm.setDefaultButton(QMessageBox.StandardButton.Cancel)
        confirm.buttonClicked.connect(
            lambda button: self._show_recovery_key() if button is show else None
        )
        confirm.open()

    def _show_recovery_key(self) -> None:
        from app.ui.recovery_key import RecoveryKeyDialog

        assert self.steward.key is not None
        dialog = RecoveryKeyDialog(format_recovery_key(self.steward.key), first=False, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    @async_slot()
    async def _on_backup_clicked(self) -> None:
        try:
            dest, count = await asyncio.get_running_loop().run_in_executor(
                None, self.steward.backup
            )
        except KnownError as exc:
            self.error.setText(exc.user_text())
            return
        self.error.clear()
        tell(
            self,
            "backupDone",
            tr("Backup — Steward"),
            tr("Backed up {0} messages to\n{1}\n(encrypted, and checked by reopening it).").format(
                count, dest
            ),
        )

    def _on_passphrase_clicked(self) -> None:
        """Change the passphrase (the current one is asked first), or move the key from the
        keyring to a new passphrase."""
        from app.ui.unlock import PassphraseDialog

        change = self.steward.keys.uses_passphrase()
        dialog = PassphraseDialog(
            purpose="change" if change else "set",
            check=self._check_passphrase if change else None,
            parent=self,
        )

        def chosen() -> None:
            assert self.steward.key is not None
            key, phrase = self.steward.key, dialog.passphrase.text()
            self._key_task = asyncio.ensure_future(
                self._move_key(lambda: self.steward.keys.set_passphrase(key, phrase), changed=True)
            )

        dialog.accepted.connect(chosen)
        dialog.open()

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
            SecretStore(self.steward).relocate(SECRET_NAMES)

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
        ask = QInputDialog(self)
        ask.setObjectName("eraseConfirm")
        ask.setWindowTitle(tr("Erase all data — Steward"))
        ask.setLabelText(
            tr(
                "This deletes every conversation, workflow and run, the database key and "
                "the backups, for good.\nType “{0}” to confirm:"
            ).format(ERASE_WORD)
        )
        ask.setOkButtonText(tr("Erase"))

        def answered(text: str) -> None:
            if text.strip().lower() == ERASE_WORD:
                self.erase_requested.emit()
                self.accept()
            else:
                self.error.setText(tr("Nothing was erased: the confirmation did not match."))

        ask.textValueSelected.connect(answered)
        ask.open()


__all__ = ["ModelSettings", "SettingsDialog"]
