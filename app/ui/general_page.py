"""Settings › General: the look, the language, and how Steward starts."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from app.core import autostart
from app.core.settings import Settings
from app.ui.i18n import LANGUAGE_NAMES, QT_TR_NOOP, tr

APPEARANCE_LABELS = {
    "system": QT_TR_NOOP("Follow the system"),
    "light": QT_TR_NOOP("Light"),
    "dark": QT_TR_NOOP("Dark"),
}


class GeneralPage(QWidget):
    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings
        self.appearance = QComboBox()
        for value, label in APPEARANCE_LABELS.items():
            self.appearance.addItem(tr(label), value)
        self.appearance.setCurrentIndex(max(0, self.appearance.findData(settings.appearance)))
        self.language = QComboBox()
        self.language.setObjectName("languageChoice")
        for value, label in (("system", tr("Follow the system")), *LANGUAGE_NAMES.items()):
            self.language.addItem(label, value)
        self.language.setCurrentIndex(max(0, self.language.findData(settings.language)))
        appearance_row = QFormLayout()
        appearance_row.addRow(tr("&Appearance:"), self.appearance)
        appearance_row.addRow(tr("&Language:"), self.language)
        self.start_minimized = QCheckBox(tr("Start minimized to the tray (when there is a tray)"))
        self.start_minimized.setChecked(settings.start_minimized)
        self.launch_at_login = QCheckBox(tr("Launch Steward when I log in"))
        self.launch_at_login.setChecked(autostart.is_enabled())
        note = QLabel(wordWrap=True)
        if not autostart.supported():
            self.launch_at_login.setEnabled(False)
            note.setText(
                tr(
                    "On this system, add Steward to your login items yourself (see "
                    "docs/desktop.md)."
                )
            )
        layout = QVBoxLayout(self)
        layout.addLayout(appearance_row)
        layout.addSpacing(12)
        layout.addWidget(self.start_minimized)
        layout.addWidget(self.launch_at_login)
        layout.addWidget(note)
        layout.addStretch(1)

    def apply(self) -> None:
        """Into the settings (saved with the rest by the dialog); launch at login at once."""
        self.settings.appearance = str(self.appearance.currentData())
        self.settings.language = str(self.language.currentData())
        self.settings.start_minimized = self.start_minimized.isChecked()
        if autostart.supported() and self.launch_at_login.isChecked() != autostart.is_enabled():
            autostart.set_enabled(self.launch_at_login.isChecked())


__all__ = ["APPEARANCE_LABELS", "GeneralPage"]
