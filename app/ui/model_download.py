"""Settings › Model › Download a model…: paste the URL of a GGUF file and watch it arrive.

The download (app.core.llm.download) runs on its own thread with its own event loop, so the
hashing and writing never touch the window's thread; progress comes back as signals. Pause
keeps the part file (Download again, now or after a restart, resumes it); Cancel deletes it;
closing the dialog pauses. A finished file can be used at once ("Use this model").
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import KnownError
from app.core.llm.download import (
    Download,
    Downloaded,
    DownloadOptions,
    Progress,
    checked_sha256,
    destination_for,
    human_size,
    options_from,
    part_paths,
)
from app.core.llm.library import ModelLibrary
from app.core.paths import Paths
from app.core.steward import HUB_TOKEN, SecretStore, Steward
from app.ui.i18n import QT_TR_NOOP, tr

log = logging.getLogger(__name__)

VERIFIED = {
    "hub": QT_TR_NOOP("verified by the hub"),
    "given": QT_TR_NOOP("verified against the SHA-256 you gave"),
    "unverified": QT_TR_NOOP("unverified: the server gave no hash"),
}


class DownloadWorker(QObject):
    """One download on a thread of its own; every signal arrives on the window's thread."""

    progressed = Signal(object)  # a Progress snapshot
    succeeded = Signal(object)  # Downloaded
    failed = Signal(str)
    stopped = Signal(bool)  # True: the part file was deleted (Cancel), False: kept (Pause)

    def __init__(
        self,
        download: Download,
        parent: QObject | None = None,
        record: Callable[[Downloaded], object] | None = None,
    ) -> None:
        super().__init__(parent)
        self.download = download
        self.record = record  # lists the finished file (on this worker's thread)
        download.on_progress = lambda p: self.progressed.emit(dataclasses.replace(p))
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Future[Downloaded] | None = None
        self._started = threading.Event()
        self._discard = False
        self._thread = threading.Thread(target=self._run, name="steward-download", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, *, discard: bool) -> None:
        """Pause (``discard=False``) or cancel; ``stopped`` follows within one network read."""
        self._discard = discard
        self._started.wait(5)
        if self._loop is not None and self._task is not None:
            self._loop.call_soon_threadsafe(self._task.cancel)

    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        async def main() -> Downloaded:
            self._loop = asyncio.get_running_loop()
            self._task = asyncio.ensure_future(self.download.run())
            self._started.set()
            return await self._task

        try:
            done = asyncio.run(main())
            if self.record is not None:
                self.record(done)
        except asyncio.CancelledError:
            if self._discard:
                self.download.discard()
            self.stopped.emit(self._discard)
        except KnownError as exc:
            self.failed.emit(exc.user_text())
        except Exception as exc:  # a bug: say so, keep the window alive
            log.exception("download failed")
            self.failed.emit(
                tr("The download failed unexpectedly ({0}).").format(type(exc).__name__)
            )
        else:
            self.succeeded.emit(done)
        finally:
            self._started.set()


class ModelDownloadDialog(QDialog):
    """Paste a URL, download with progress, pause/resume/cancel, then use the model."""

    use_model = Signal(str)  # the path of the downloaded model
    succeeded = Signal()  # a download finished and was verified (it is in the model list)

    def __init__(self, paths: Paths, options: DownloadOptions, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName("modelDownload")
        self.setWindowTitle(tr("Download a model"))
        self.paths = paths
        self.folder = folder = paths.ensure().models
        self.options = options
        self.worker: DownloadWorker | None = None
        self.downloaded: Path | None = None
        self.catalog_name = ""  # the catalog's name for the file, when it came from there
        self.url = QLineEdit(placeholderText="https://huggingface.co/…/resolve/main/….gguf")
        self.sha256 = QLineEdit(placeholderText=tr("optional: the file's SHA-256"))
        self.download_button = _button(tr("Download"), "downloadButton")
        self.download_button.clicked.connect(self._on_download_clicked)
        self.progress = QProgressBar(textVisible=True)
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.status = QLabel(wordWrap=True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.pause_button = _button(tr("Pause"), "pauseButton")
        self.pause_button.clicked.connect(self._on_pause_clicked)
        self.cancel_button = _button(tr("Cancel download"), "cancelDownloadButton")
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.use_button = _button(tr("Use this model"), "useModelButton")
        self.use_button.clicked.connect(self._on_use_clicked)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        for widget, text in (
            (self.url, tr("The address of a .gguf file")),
            (self.sha256, tr("Given, the file is checked against it before it is used")),
            (self.download_button, tr("Download into Steward's models folder; it can resume")),
            (self.pause_button, tr("Pause the download, or go on from where it stopped")),
            (self.cancel_button, tr("Stop the download and delete what was downloaded")),
            (self.use_button, tr("Answer with the downloaded model from now on")),
            (buttons.button(QDialogButtonBox.StandardButton.Close), tr("Close this window")),
        ):
            widget.setToolTip(text)
        form = QFormLayout()
        form.addRow(tr("URL:"), self.url)
        form.addRow(tr("SHA-256:"), self.sha256)
        row = QHBoxLayout()
        for button in (self.download_button, self.pause_button, self.cancel_button):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.use_button)
        layout = QVBoxLayout(self)
        note = QLabel(
            tr(
                "The file goes to {0}. It is used only once its size and SHA-256 match; a "
                "paused or interrupted download resumes where it stopped."
            ).format(folder),
            wordWrap=True,
        )
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(row)
        layout.addWidget(buttons)
        self.resize(620, self.sizeHint().height())
        self._show_state("idle")

    # --- states -----------------------------------------------------------------------------

    def _show_state(self, state: str) -> None:
        """idle, running, paused or done: which buttons can be pressed."""
        running = state == "running"
        self.url.setEnabled(not running)
        self.sha256.setEnabled(not running)
        self.download_button.setEnabled(state in ("idle", "done"))
        self.pause_button.setEnabled(state in ("running", "paused"))
        self.pause_button.setText(tr("Resume") if state == "paused" else tr("Pause"))
        self.cancel_button.setEnabled(state in ("running", "paused"))
        self.use_button.setEnabled(self.downloaded is not None)

    def _on_download_clicked(self) -> None:
        self.catalog_name = ""
        self._start()

    def start(self, url: str, name: str = "") -> None:
        """Download ``url`` now (a catalog entry: ``name`` is what the model list calls it)."""
        self.url.setText(url)
        self.sha256.clear()
        self.catalog_name = name
        self.setWindowTitle(tr("Download {0}").format(name) if name else tr("Download a model"))
        self._start()

    def _start(self) -> None:
        try:
            dest = destination_for(self.url.text(), self.folder)
            sha256 = checked_sha256(self.sha256.text())
        except KnownError as exc:
            self.status.setText(exc.user_text())
            return
        self.downloaded = None
        if dest.exists():
            self.downloaded = dest
            self.progress.setValue(1000)
            self.status.setText(tr("Already downloaded: {0}").format(dest))
            self._show_state("done")
            return
        resuming = part_paths(dest)[0].exists()
        self.status.setText(tr("Resuming…") if resuming else tr("Connecting…"))
        download = Download(self.url.text().strip(), dest, sha256=sha256, options=self.options)
        url, name = self.url.text().strip(), self.catalog_name

        def record(done: Downloaded) -> None:
            ModelLibrary(self.paths).record_download(
                done.path,
                sha256=done.sha256,
                verification=done.verification,
                source=url,
                name=name,
            )

        self.worker = worker = DownloadWorker(download, self, record)
        worker.progressed.connect(self._on_progressed)
        worker.succeeded.connect(self._on_succeeded)
        worker.failed.connect(self._on_failed)
        worker.stopped.connect(self._on_stopped)
        worker.start()
        self._show_state("running")

    def _on_pause_clicked(self) -> None:
        if self.worker is not None and self.worker.running():
            self.status.setText(tr("Pausing…"))
            self.worker.stop(discard=False)
        else:
            self._start()  # Resume: the same URL again picks up the part file

    def _on_cancel_clicked(self) -> None:
        if self.worker is not None and self.worker.running():
            self.worker.stop(discard=True)
            return
        try:  # paused: nothing runs, the part file is deleted here
            dest = destination_for(self.url.text(), self.folder)
        except KnownError:
            return
        Download(self.url.text().strip(), dest).discard()
        self._on_stopped(True)

    def _on_use_clicked(self) -> None:
        if self.downloaded is not None:
            self.use_model.emit(str(self.downloaded))
            self.accept()

    # --- what the worker says ---------------------------------------------------------------

    def _on_progressed(self, progress: Progress) -> None:
        if progress.total:
            self.progress.setValue(int(1000 * progress.done / progress.total))
            text = tr("{0} of {1}").format(human_size(progress.done), human_size(progress.total))
        else:
            self.progress.setRange(0, 0)  # size unknown: a busy bar
            text = human_size(progress.done)
        if progress.bytes_per_s:
            text += f" · {human_size(progress.bytes_per_s)}/s"
        left = progress.seconds_left
        if left is not None and left >= 1:
            text += tr(" · {0} left").format(_duration(left))
        if progress.resumed_from:
            text += tr(" · resumed at {0}").format(human_size(progress.resumed_from))
        if progress.note:
            text += f" · {progress.note}"
        self.status.setText(text)

    def _on_succeeded(self, done: Downloaded) -> None:
        self.downloaded = done.path
        self.progress.setRange(0, 1000)
        self.progress.setValue(1000)
        self.status.setText(
            tr("Downloaded {0} ({1}, {2}).\nSHA-256 {3}").format(
                done.path.name, human_size(done.size), tr(VERIFIED[done.verification]), done.sha256
            )
        )
        self._show_state("done")
        self.succeeded.emit()

    def _on_failed(self, message: str) -> None:
        self.progress.setRange(0, 1000)
        self.status.setText(message)
        self._show_state("idle")

    def _on_stopped(self, discarded: bool) -> None:
        if discarded:
            self.progress.setValue(0)
            self.status.setText(tr("Cancelled; the partial file was deleted."))
            self._show_state("idle")
        else:
            self.status.setText(
                tr("Paused; what arrived is kept. Resume now, or Download the same URL later.")
            )
            self._show_state("paused")

    def busy(self) -> bool:
        return self.worker is not None and self.worker.running()

    def reject(self) -> None:
        if self.busy():
            assert self.worker is not None
            self.worker.stop(discard=False)  # closing pauses: nothing is lost
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.busy():
            assert self.worker is not None
            self.worker.stop(discard=False)
        super().closeEvent(event)


async def make_download_dialog(steward: Steward, parent: QWidget) -> ModelDownloadDialog:
    """The download dialog, with the hub token if one is stored (read off this thread)."""
    secrets = SecretStore(steward)
    try:
        token = await asyncio.get_running_loop().run_in_executor(None, secrets.get, HUB_TOKEN)
    except KnownError:
        token = None
    options = options_from(steward.settings.downloads, token or "")
    return ModelDownloadDialog(steward.paths, options, parent)


def _button(text: str, name: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)  # one name whatever its label says (Pause / Resume)
    return button


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
