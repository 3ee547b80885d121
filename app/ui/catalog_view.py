"""The Models window's Download tab: the catalog (app.core.llm.catalog) with what each model
needs against this machine's memory now, shown before anything is downloaded."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.llm.catalog import CATALOG, CatalogEntry
from app.core.llm.download import human_size
from app.core.llm.fit import estimate, explain, machine_memory, verdict
from app.language import _t
from app.ui.i18n import QT_TR_NOOP, tr
from app.ui.trees import add_row, current_key, finish, select_key

COLUMNS = (
    QT_TR_NOOP("Model"),
    QT_TR_NOOP("Size"),
    QT_TR_NOOP("Memory"),
    QT_TR_NOOP("Licence"),
    QT_TR_NOOP("Languages"),
)


class CatalogView(QWidget):
    download_requested = Signal(str, str)  # the URL, and the catalog's name for the model
    url_requested = Signal()  # "Download from a URL…"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.n_ctx = 4096
        self.downloaded: set[str] = set()  # file names in the models folder
        self.list = QTreeWidget()
        self.list.setObjectName("catalogList")
        self.list.setAccessibleName(tr("Models to download"))
        self.list.setHeaderLabels([tr(c) for c in COLUMNS])
        self.list.setRootIsDecorated(False)
        self.list.setAlternatingRowColors(True)
        self.list.currentItemChanged.connect(lambda *_: self._show_selected())
        self.detail = QLabel(wordWrap=True)
        self.detail.setObjectName("catalogDetail")
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.detail.setOpenExternalLinks(True)
        self.download_button = QPushButton(tr("Download"))
        self.download_button.setObjectName("downloadCatalogButton")
        self.download_button.clicked.connect(self._on_download_clicked)
        self.url_button = QPushButton(tr("Download from a URL…"))
        self.url_button.setObjectName("downloadUrlButton")
        self.url_button.clicked.connect(self.url_requested.emit)
        self.list.setToolTip(tr("Models Steward knows, with what each needs from this computer"))
        self.download_button.setToolTip(tr("Download the chosen model; it is checked before use"))
        self.url_button.setToolTip(tr("Download a .gguf file from its address"))
        row = QHBoxLayout()
        row.addWidget(self.download_button)
        row.addStretch(1)
        row.addWidget(self.url_button)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                tr(
                    "Models anyone can download. The memory column compares what each needs "
                    "with what this computer has free now; the download is checked against "
                    "the hub's size and SHA-256 before it is used."
                ),
                wordWrap=True,
            )
        )
        layout.addWidget(self.list, 1)
        layout.addWidget(self.detail)
        layout.addLayout(row)

    def show_catalog(self, n_ctx: int, downloaded: set[str]) -> None:
        keep = current_key(self.list)
        self.n_ctx, self.downloaded = n_ctx, downloaded
        memory = machine_memory()
        self.list.clear()
        for entry in CATALOG:
            fit = verdict(estimate(entry.shape, n_ctx).total, memory)
            state = tr("downloaded") if entry.file in downloaded else _t(fit)
            named = [_t(language) for language in entry.languages[:3]]
            languages = tr(", ").join(named) + ("…" if len(entry.languages) > 3 else "")
            cells = [entry.name, human_size(entry.size_bytes), state, entry.license, languages]
            add_row(self.list, cells, entry.id, keep=keep)
        finish(self.list)
        self._show_selected()

    def selected(self) -> CatalogEntry | None:
        wanted = current_key(self.list)
        return next((e for e in CATALOG if e.id == wanted), None)

    def select(self, entry_id: str) -> None:
        select_key(self.list, entry_id)

    def _show_selected(self) -> None:
        entry = self.selected()
        self.download_button.setEnabled(entry is not None and entry.file not in self.downloaded)
        if entry is None:
            self.detail.clear()
            return
        est = estimate(entry.shape, self.n_ctx)
        sources = " · ".join(f'<a href="{url}">{what}</a>' for what, url in entry.sources.items())
        self.detail.setText(
            tr(
                "<b>{0}</b> ({1} parameters, {2}) — {3}<br>{4}<br>{5} · {6} · revision "
                "{7}<br><small>Sources: {8}</small>"
            ).format(
                entry.name,
                entry.parameters,
                entry.quantization,
                entry.good_for,
                explain(est, machine_memory()),
                entry.repo,
                entry.file,
                entry.revision[:12],
                sources,
            )
        )

    def _on_download_clicked(self) -> None:
        entry = self.selected()
        if entry is not None:
            self.download_requested.emit(entry.url, entry.name)


__all__ = ["CatalogView"]
