"""The Models window ("Manage models…" in the chat's model picker): every model Steward can
answer with — its size, whether it fits this machine's memory, where its file is — and what
can be done with them: use one, delete a download or forget a model found elsewhere, add a
file (or drop it here), find the models other apps keep, download one.

Reading headers, estimating memory, scanning folders and hashing run off the GUI thread.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QTreeWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import KnownError
from app.core.llm.discovery import default_roots
from app.core.llm.download import human_size
from app.core.llm.fit import Shape, estimate, explain, machine_memory, verdict
from app.core.llm.gguf_info import read_gguf
from app.core.llm.library import MISSING_FIX, ModelRecord
from app.core.llm.templates import FORMATS
from app.core.llm.templates import check as check_template
from app.language import _t
from app.ui.catalog_view import CatalogView
from app.ui.dialogs import choose_file, confirm
from app.ui.i18n import QT_TR_NOOP, tr
from app.ui.model_download import VERIFIED, ModelDownloadDialog
from app.ui.qt_async import async_slot
from app.ui.trees import add_row, current_key, finish, select_key

if TYPE_CHECKING:
    from app.core.steward import Steward
    from app.ui.session_models import SessionModels

COLUMNS = (QT_TR_NOOP("Model"), QT_TR_NOOP("Size"), QT_TR_NOOP("Memory"), QT_TR_NOOP("Where"))


@dataclass(frozen=True)
class Facts:
    """What the window shows about one model (computed off the GUI thread)."""

    record: ModelRecord
    verdict: str  # Fits / Tight / Won't fit, or "" when the file cannot be read
    detail: str  # the lines shown when it is selected


def describe(record: ModelRecord, steward: Steward) -> Facts:
    lines = [f"{record.path}", f"{record.where}"]
    if record.verification:
        lines[-1] += ", " + tr(VERIFIED[record.verification])
    if record.sha256:
        lines.append(f"SHA-256 {record.sha256}")
    if record.missing:
        lines.append(tr("The file is gone: {0}.").format(MISSING_FIX.format(id=record.id)))
        return Facts(record, "", "\n".join(lines))
    try:
        info = read_gguf(record.file)
    except KnownError as exc:
        lines.append(exc.user_text())
        return Facts(record, "", "\n".join(lines))
    values = steward.settings.model_settings(record.model_id)
    est = estimate(Shape.of(info), values.n_ctx)
    memory = machine_memory()
    lines.append(
        tr("{0} · trained for {1:,} tokens of context").format(
            info.architecture, info.context_length
        )
    )
    lines.append(tr("Memory: {0}").format(explain(est, memory)))
    if values.chat_format:
        lines.append(
            tr("Chat format: {0} ({1}).").format(values.chat_format, FORMATS[values.chat_format][1])
        )
    else:
        result = check_template(info.chat_template, info.bos_text, info.eos_text)
        lines.append(
            tr("Chat template: from the file, checked.")
            if result.status == "ok"
            else tr("Chat template: {0}; choosing the model asks for a format.").format(
                result.problem
            )
        )
    return Facts(record, verdict(est.total, memory), "\n".join(lines))


class ModelsWindow(QDialog):
    def __init__(self, session: SessionModels, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("modelsWindow")
        self.setWindowTitle(tr("Models — Steward"))
        self.setAcceptDrops(True)
        self.facts: dict[str, Facts] = {}
        self.active_id = ""
        self._loading: asyncio.Future[None] | None = None
        self._adding: set[asyncio.Future[ModelRecord | None]] = set()
        self.download_dialog: ModelDownloadDialog | None = None
        self.tabs = QTabWidget()
        self.list = QTreeWidget()
        self.list.setObjectName("modelsList")
        self.list.setAccessibleName(tr("Models on this computer"))
        self.list.setHeaderLabels([tr(c) for c in COLUMNS])
        self.list.setRootIsDecorated(False)
        self.list.setAlternatingRowColors(True)
        self.list.currentItemChanged.connect(lambda *_: self._show_selected())
        self.list.itemDoubleClicked.connect(lambda *_: self._on_use_clicked())
        self.detail = QLabel(wordWrap=True)
        self.detail.setObjectName("modelDetail")
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = QLabel(wordWrap=True)
        self.status.setObjectName("modelsStatus")
        self.use_button = _button(tr("Use"), "useModelButton", self._on_use_clicked)
        self.remove_button = _button(tr("Remove"), "removeModelButton", self._on_remove_clicked)
        self.add_button = _button(tr("Add a file…"), "addModelFileButton", self._on_add_clicked)
        self.scan_button = _button(
            tr("Find models on this computer"), "scanModelsButton", self._on_scan_clicked
        )
        self.download_button = _button(
            tr("Download…"), "downloadModelButton", lambda: self.tabs.setCurrentIndex(1)
        )
        self.scan_button.setToolTip(
            tr(
                "Looks where the Hugging Face cache, LM Studio, GPT4All, Jan and Ollama "
                "keep models. Found models stay where they are: nothing is copied."
            )
        )
        for widget, text in (
            (self.list, tr("Each model's size, what it needs, and whether it is in use")),
            (self.use_button, tr("Answer with the chosen model from now on")),
            (
                self.remove_button,
                tr("Take the chosen model off the list; a downloaded one is deleted"),
            ),
            (self.add_button, tr("Add a .gguf file; it is used where it is")),
            (self.download_button, tr("Models to download, checked before use")),
        ):
            widget.setToolTip(text)
        row = QHBoxLayout()
        for button in (self.use_button, self.remove_button):
            row.addWidget(button)
        row.addStretch(1)
        for button in (self.add_button, self.scan_button, self.download_button):
            row.addWidget(button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        close.button(QDialogButtonBox.StandardButton.Close).setToolTip(tr("Close this window"))
        installed = QWidget()
        page = QVBoxLayout(installed)
        page.addWidget(
            QLabel(
                tr(
                    "The models Steward can answer with. Drop a .gguf file here to add it; it "
                    "is used where it is."
                ),
                wordWrap=True,
            )
        )
        page.addWidget(self.list, 1)
        page.addWidget(self.detail)
        page.addLayout(row)
        self.catalog = CatalogView()
        self.catalog.download_requested.connect(self._on_catalog_download)
        self.catalog.url_requested.connect(self._on_url_download)
        self.tabs.setObjectName("modelsTabs")
        self.tabs.addTab(installed, tr("On this computer"))
        self.tabs.addTab(self.catalog, tr("Download"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status)
        layout.addWidget(close)
        self.resize(820, 580)
        self._show_selected()

    async def shut(self) -> None:
        """Close, cancelling what is being read or added (the session is closing); a
        download in progress pauses (its window closes with this one)."""
        pending = [t for t in (self._loading, *self._adding) if t is not None and not t.done()]
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if not shiboken6.isValid(self):
            return  # deleted while its work was being cancelled: nothing left to close
        if self.download_dialog is not None and shiboken6.isValid(self.download_dialog):
            self.download_dialog.reject()
        self.close()

    # --- the list -------------------------------------------------------------------------

    def reload(self) -> asyncio.Future[None]:
        """Read the list again (off the GUI thread) and show it; await it to know it is."""
        self._loading = asyncio.ensure_future(self._reload())
        return self._loading

    async def _reload(self) -> None:
        core = self.session.core
        if core is None:
            return
        steward = core.steward

        def read() -> tuple[list[Facts], str]:
            active = core.active_model()
            return [describe(r, steward) for r in core.models().all()], active.id if active else ""

        facts, active_id = await asyncio.get_running_loop().run_in_executor(None, read)
        if shiboken6.isValid(self):
            self._show(facts, active_id)
            downloaded = {f.record.file.name for f in facts if f.record.origin == "downloaded"}
            self.catalog.show_catalog(steward.settings.model_settings().n_ctx, downloaded)

    def _show(self, facts: list[Facts], active_id: str) -> None:
        keep = current_key(self.list)
        self.facts = {f.record.id: f for f in facts}
        self.active_id = active_id
        self.list.clear()
        for fact in facts:
            record = fact.record
            name = record.name + (tr("  (in use)") if record.id == active_id else "")
            size = tr("missing") if record.missing else human_size(record.size)
            cells = [name, size, _t(fact.verdict) if fact.verdict else "", record.where]
            add_row(self.list, cells, record.id, keep=keep).setToolTip(0, record.path)
        finish(self.list)
        self._show_selected()

    def selected(self) -> ModelRecord | None:
        fact = self.facts.get(current_key(self.list) or "")
        return fact.record if fact is not None else None

    def select(self, model_id: str) -> None:
        select_key(self.list, model_id)

    def _show_selected(self) -> None:
        record = self.selected()
        self.detail.setText(self.facts[record.id].detail if record is not None else "")
        self.use_button.setEnabled(
            record is not None and not record.missing and record.id != self.active_id
        )
        self.remove_button.setEnabled(record is not None and record.origin != "embedded")
        if record is not None and record.origin == "downloaded":
            self.remove_button.setText(tr("Delete"))
        else:
            self.remove_button.setText(tr("Remove from list"))

    # --- actions --------------------------------------------------------------------------

    @async_slot()
    async def _on_use_clicked(self) -> None:
        record = self.selected()
        if record is None or record.missing:
            return
        self.status.setText(tr("Loading {0}…").format(record.name))
        if await self.session.switch_model(record.id) and shiboken6.isValid(self):
            self.status.setText(tr("Steward now answers with {0}.").format(record.name))
        elif shiboken6.isValid(self):
            self.status.setText(self.session.window.banner.text())

    @async_slot()
    async def _on_remove_clicked(self) -> None:
        record = self.selected()
        core = self.session.core
        if record is None or core is None:
            return
        if record.origin == "downloaded":
            question = tr("Delete {0}? Its file ({1}) is deleted.").format(
                record.name, human_size(record.size)
            )
            do = tr("Delete")
        else:
            question = tr(
                "Remove {0} from the list? Its file stays where it is ({1}); a search for "
                "models will not list it again."
            ).format(record.name, record.path)
            do = tr("Remove from list")
        box = QMessageBox(
            QMessageBox.Icon.Question, tr("Remove a model — Steward"), question, parent=self
        )
        box.setObjectName("confirmRemoveModel")
        if not await confirm(box, do):
            return
        was_active = record.id == self.active_id
        loop = asyncio.get_running_loop()
        try:
            said = await loop.run_in_executor(None, lambda: core.models().remove(record))
        except KnownError as exc:
            self.status.setText(exc.user_text())
            return
        if was_active:
            await self.session.switch_model("embedded")
            said += tr(" Steward answers with the embedded model again.")
        if shiboken6.isValid(self):
            self.status.setText(said)
        await self.session.refresh_models()

    @async_slot()
    async def _on_add_clicked(self) -> None:
        path = await choose_file(
            self, "addModelFileDialog", tr("Add a model"), tr("GGUF models (*.gguf);;All files (*)")
        )
        if path is not None and shiboken6.isValid(self):
            await self.add_file(path)

    async def add_file(self, path: Path) -> ModelRecord | None:
        """List the GGUF at ``path`` where it is; a file that is not a model is said so."""
        core = self.session.core
        if core is None:
            return None
        loop = asyncio.get_running_loop()
        try:
            record, new = await loop.run_in_executor(None, lambda: core.models().add(path))
        except KnownError as exc:
            self.status.setText(exc.user_text())
            return None
        self.status.setText(
            tr("Added {0}; it is used where it is.").format(record.name)
            if new
            else tr("{0} is in the list already, as {1}.").format(path, record.name)
        )
        await self.session.refresh_models()
        self.select(record.id)
        return record

    @async_slot()
    async def _on_scan_clicked(self) -> None:
        core = self.session.core
        if core is None:
            return
        self.scan_button.setEnabled(False)
        self.status.setText(tr("Looking for models in other apps' folders…"))
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(None, lambda: core.models().scan(default_roots()))
        except KnownError as exc:
            self.status.setText(exc.user_text())
            return
        finally:
            if shiboken6.isValid(self):
                self.scan_button.setEnabled(True)
        found = len(result.added)
        text = (tr("Found {0} new models") if found != 1 else tr("Found 1 new model")).format(found)
        if result.known:
            text += tr("; {0} listed already").format(result.known)
        self.status.setText(text + tr(". They stay where they are."))
        await self.session.refresh_models()

    @async_slot(str, str)
    async def _on_catalog_download(self, url: str, name: str) -> None:
        dialog = await self._download_dialog()
        if dialog is not None:
            dialog.start(url, name)

    @async_slot()
    async def _on_url_download(self) -> None:
        await self._download_dialog()

    async def _download_dialog(self) -> ModelDownloadDialog | None:
        """The download window (one at a time: it holds the download in progress)."""
        from app.ui.model_download import make_download_dialog

        core = self.session.core
        if core is None:
            return None
        dialog = self.download_dialog
        if dialog is None or not shiboken6.isValid(dialog):
            dialog = await make_download_dialog(core.steward, self)
            dialog.use_model.connect(self._use_downloaded)
            dialog.finished.connect(lambda _code: self.reload())
            dialog.succeeded.connect(lambda: self.reload())
            self.download_dialog = dialog
        dialog.show()
        dialog.raise_()
        return dialog

    @async_slot(str)
    async def _use_downloaded(self, path: str) -> None:
        record = await self.add_file(Path(path))
        if record is not None:
            await self.session.switch_model(record.id)

    # --- dropping a file ------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_models(event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = dropped_models(event.mimeData().urls())
        if paths:
            event.acceptProposedAction()
            for path in paths:
                task = asyncio.ensure_future(self.add_file(path))
                self._adding.add(task)
                task.add_done_callback(self._adding.discard)


def dropped_models(urls: list[QUrl]) -> list[Path]:
    """The .gguf files among dropped ``urls``."""
    return [
        Path(url.toLocalFile())
        for url in urls
        if url.isLocalFile() and url.toLocalFile().lower().endswith(".gguf")
    ]


def _button(text: str, name: str, slot: object) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.clicked.connect(slot)
    return button


__all__ = ["Facts", "ModelsWindow", "describe", "dropped_models"]
