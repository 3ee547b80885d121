"""Light and dark: follow the system live, or keep the one the user chose.

"system" follows the platform's colour scheme as it changes
(``QStyleHints.colorSchemeChanged``); where the platform reports no scheme (plain X11 without
a desktop theme), the platform palette's window colour decides. Either way Steward draws with
its own look (app/ui/style.py: the Fusion style, Steward's palette and style sheet), the same
on every platform.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from app.ui import style
from app.ui.render import Theme
from app.ui.style import palette, style_sheet


class Appearance(QObject):
    """Applies the chosen appearance to the application and announces the chat theme."""

    changed = Signal(object)  # Theme

    def __init__(self, app: QApplication, choice: str = "system") -> None:
        super().__init__(app)
        self.app = app
        self.choice = "system"
        self._platform_dark = app.palette().color(QPalette.ColorRole.Window).lightness() < 128
        self.theme = Theme.light()
        app.styleHints().colorSchemeChanged.connect(self._on_color_scheme_changed)
        self._styled = self._fusion = False
        self.apply(choice)

    def apply(self, choice: str) -> None:
        """Use ``choice`` ("system", "light" or "dark") now, in every window."""
        self.choice = choice
        if choice == "system":
            theme = self._system_theme(self.app.styleHints().colorScheme())
        else:
            theme = Theme.dark_theme() if choice == "dark" else Theme.light()
        self._use(theme)

    def _system_theme(self, scheme: Qt.ColorScheme) -> Theme:
        if scheme == Qt.ColorScheme.Unknown:
            dark = self._platform_dark
        else:
            dark = scheme == Qt.ColorScheme.Dark
        return Theme.dark_theme() if dark else Theme.light()

    def _on_color_scheme_changed(self, scheme: Qt.ColorScheme) -> None:
        if self.choice == "system":
            self._use(self._system_theme(scheme))

    def _use(self, theme: Theme) -> None:
        if theme == self.theme and self._styled:
            return
        changed = theme != self.theme
        self.theme, self._styled = theme, True
        app = self.app
        if not self._fusion:
            app.setStyle("Fusion")  # (with a style sheet, style().name() no longer says which)
            self._fusion = True
        style.current = theme
        app.setPalette(palette(theme))
        app.setStyleSheet(style_sheet(theme))
        if changed:
            self.changed.emit(theme)
