"""Settings › Privacy: the encrypted conversation states that let a conversation answer at
once after a restart (app.core.llm.saved_states): how much room they may take, what they take
now, and a button that empties them."""

from __future__ import annotations

from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout

from app.core.llm.saved_states import remove_all, usage
from app.core.settings import COUNT_LIMITS
from app.core.steward import Steward
from app.ui.i18n import tr


class SavedStatesBox(QGroupBox):
    def __init__(self, steward: Steward) -> None:
        super().__init__(tr("Resume conversations at once"))
        self.steward = steward
        about = QLabel(
            tr(
                "After each answer, the model's working state for that conversation is "
                "kept on this computer, encrypted with your history's key, so that it "
                "answers at once after Steward restarts. Deleting a conversation deletes "
                "its state."
            ),
            wordWrap=True,
        )
        self.limit = QSpinBox()
        self.limit.setRange(0, COUNT_LIMITS["saved_states_mb"])
        self.limit.setSingleStep(128)
        self.limit.setSuffix(tr(" MB"))
        self.limit.setSpecialValueText(tr("Keep none"))
        self.limit.setValue(steward.settings.saved_states_mb)
        self.limit.setAccessibleName(tr("Room for saved conversation states"))
        self.limit.setAccessibleDescription(
            tr("The most disk space the saved states may take; the least recently used go first.")
        )
        label = QLabel(tr("&Room on disk:"))
        label.setBuddy(self.limit)
        self.used = QLabel()
        self.used.setObjectName("savedStatesUsage")
        self.empty_button = QPushButton(tr("Empty now"))
        self.empty_button.setObjectName("emptyStatesButton")
        self.empty_button.setAccessibleDescription(
            tr("Delete every saved conversation state; conversations are read again next time.")
        )
        self.empty_button.clicked.connect(self._on_empty_clicked)
        row = QHBoxLayout()
        row.addWidget(label)
        row.addWidget(self.limit)
        row.addWidget(self.used, 1)
        row.addWidget(self.empty_button)
        layout = QVBoxLayout(self)
        layout.addWidget(about)
        layout.addLayout(row)
        self.refresh()

    def refresh(self) -> None:
        now = usage(self.steward.paths.saved_states)
        self.used.setText(
            tr("Now: {0} conversation{1}, {2:.1f} MB").format(
                now.states, "" if now.states == 1 else "s", now.size / 2**20
            )
        )
        self.empty_button.setEnabled(now.states > 0)

    def apply(self) -> None:
        """Into the settings (saved by the dialog) and, at once, the open history's states."""
        self.steward.settings.saved_states_mb = self.limit.value()
        if self.steward.states is not None:
            self.steward.states.limit = self.limit.value() * 2**20

    def _on_empty_clicked(self) -> None:
        if self.steward.states is not None:
            self.steward.states.clear()  # after a write under way, so none is left behind
        else:
            remove_all(self.steward.paths.saved_states)
        self.refresh()


__all__ = ["SavedStatesBox"]
