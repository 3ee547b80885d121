"""The model picker at the top of the chat, and the dialog that asks for a chat format.

The picker lists the session's models (app.core.llm.library): the one answering is
selected; a model whose file is gone is shown, greyed, with "missing"; the last entry opens
the Models window. Choosing one emits ``chosen`` with its id: the desktop session switches
(Session.use_model) and tells the picker how it went.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.core.llm.library import ModelRecord
from app.core.llm.templates import FORMATS, TemplateCheck, preview
from app.ui.i18n import tr

MANAGE = "__manage__"


class ModelPicker(QComboBox):
    chosen = Signal(str)  # a model's id
    manage_requested = Signal()

    def retranslate(self) -> None:
        self.setAccessibleName(tr("Model"))
        self.setToolTip(tr("The model that writes the answers (each answer records its model)"))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelPicker")
        self.retranslate()
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.setEnabled(False)
        self.active_id = ""
        self.activated.connect(self._on_activated)

    def show_models(self, models: list[ModelRecord], active_id: str) -> None:
        """The list, with ``active_id`` selected ("" when the model in use is not listed)."""
        self.blockSignals(True)
        self.clear()
        for record in models:
            label = tr("{0} (missing)").format(record.name) if record.missing else record.name
            self.addItem(label, record.id)
            tip = f"{record.where} · {record.path}"
            self.setItemData(self.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
            if record.missing:
                item = self._model().item(self.count() - 1)
                item.setEnabled(False)
        if active_id and self.findData(active_id) < 0:
            active_id = ""
        if not active_id:
            self.addItem(tr("a file chosen with --model"), "")
        self.insertSeparator(self.count())
        self.addItem(tr("Manage models…"), MANAGE)
        self.active_id = active_id
        self.setCurrentIndex(self.findData(active_id))
        self.blockSignals(False)
        self.setEnabled(True)

    def _model(self) -> QStandardItemModel:
        model = self.model()
        assert isinstance(model, QStandardItemModel)
        return model

    def select(self, model_id: str) -> None:
        """Show ``model_id`` as the one answering (after a switch, or to undo a choice)."""
        self.active_id = model_id
        self.blockSignals(True)
        self.setCurrentIndex(self.findData(model_id))
        self.blockSignals(False)

    def _on_activated(self, index: int) -> None:
        data = self.itemData(index)
        if data == MANAGE:
            self.select(self.active_id)
            self.manage_requested.emit()
        elif data and data != self.active_id:
            self.chosen.emit(str(data))


class ChatFormatDialog(QDialog):
    """A model without a working chat template: the user picks a known format, seeing the
    same three-turn conversation as each format would give it to the model."""

    def __init__(self, model_name: str, result: TemplateCheck, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName("chatFormatDialog")
        self.setWindowTitle(tr("Choose a chat format"))
        intro = QLabel(
            tr(
                "<b>{0}</b> cannot be used as it is: {1}. Models are trained on one way "
                "of marking who says what; choose the one its page names (most recent "
                "models use ChatML or their family's own). Steward remembers the choice "
                "for this model."
            ).format(model_name, result.problem),
            wordWrap=True,
        )
        intro.setTextFormat(Qt.TextFormat.RichText)
        self.formats = QListWidget()
        self.formats.setObjectName("chatFormats")
        for name, (_function, description) in FORMATS.items():
            item = QListWidgetItem(f"{name} — {description}")
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.formats.addItem(item)
        self.preview = QPlainTextEdit(readOnly=True)
        self.preview.setObjectName("chatFormatPreview")
        self.preview.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.formats.currentRowChanged.connect(self._show_preview)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(tr("Use this format"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.formats)
        layout.addWidget(QLabel(tr("What the model would read:")))
        layout.addWidget(self.preview, 1)
        layout.addWidget(buttons)
        self.formats.setCurrentRow(0)
        self.resize(640, 560)

    @property
    def format_name(self) -> str:
        item = self.formats.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else ""

    def _show_preview(self, _row: int) -> None:
        self.preview.setPlainText(preview(self.format_name) if self.format_name else "")


async def ask_chat_format(model_name: str, result: TemplateCheck, parent: QWidget) -> str:
    """The format the user chose for ``model_name``; "" if they cancelled."""
    from app.ui.dialogs import result_of

    dialog = ChatFormatDialog(model_name, result, parent)
    accepted = await result_of(dialog) == QDialog.DialogCode.Accepted
    return dialog.format_name if accepted else ""


__all__ = ["MANAGE", "ChatFormatDialog", "ModelPicker", "ask_chat_format"]
