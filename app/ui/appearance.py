"""Light and dark: follow the system live, or keep the one the user chose.

"system" keeps the platform's own style and palette and follows its colour scheme as it
changes (``QStyleHints.colorSchemeChanged``). Where the platform reports no scheme (plain X11
without a desktop theme), the palette's window colour decides. An explicit "light" or "dark"
uses the Fusion style with Steward's palette, which looks the same on every platform.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from app.ui.render import Theme


def dark_palette() -> QPalette:
    p = QPalette()
    roles = QPalette.ColorRole
    colours = {
        roles.Window: "#1e2227",
        roles.WindowText: "#e6edf3",
        roles.Base: "#0d1117",
        roles.AlternateBase: "#161b22",
        roles.ToolTipBase: "#161b22",
        roles.ToolTipText: "#e6edf3",
        roles.PlaceholderText: "#8d96a0",
        roles.Text: "#e6edf3",
        roles.Button: "#2b3138",
        roles.ButtonText: "#e6edf3",
        roles.BrightText: "#ff7b72",
        roles.Link: "#58a6ff",
        roles.Highlight: "#1f6feb",
        roles.HighlightedText: "#ffffff",
        roles.Light: "#3d444d",
        roles.Midlight: "#30363d",
        roles.Mid: "#22272e",
        roles.Dark: "#0b0e12",
        roles.Shadow: "#000000",
    }
    for role, colour in colours.items():
        p.setColor(role, QColor(colour))
    disabled = QPalette.ColorGroup.Disabled
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        p.setColor(disabled, role, QColor("#6e7681"))
    return p


class Appearance(QObject):
    """Applies the chosen appearance to the application and announces the chat theme."""

    changed = Signal(object)  # Theme

    def __init__(self, app: QApplication, choice: str = "system") -> None:
        super().__init__(app)
        self.app = app
        self.choice = "system"
        self._platform_style = app.style().name()
        self.theme = self._system_theme(app.styleHints().colorScheme())
        app.styleHints().colorSchemeChanged.connect(self._on_color_scheme_changed)
        self.apply(choice)

    def apply(self, choice: str) -> None:
        """Use ``choice`` ("system", "light" or "dark") now, in every window."""
        self.choice = choice
        app = self.app
        if choice == "system":
            if app.style().name() != self._platform_style:
                app.setStyle(self._platform_style)
            app.setPalette(app.style().standardPalette())
            theme = self._system_theme(app.styleHints().colorScheme())
        else:
            if app.style().name() != "fusion":
                app.setStyle("Fusion")
            dark = choice == "dark"
            app.setPalette(dark_palette() if dark else app.style().standardPalette())
            theme = Theme.dark_theme() if dark else Theme.light()
        self._use(theme)

    def _system_theme(self, scheme: Qt.ColorScheme) -> Theme:
        if scheme == Qt.ColorScheme.Unknown:
            dark = self.app.palette().color(QPalette.ColorRole.Window).lightness() < 128
        else:
            dark = scheme == Qt.ColorScheme.Dark
        return Theme.dark_theme() if dark else Theme.light()

    def _on_color_scheme_changed(self, scheme: Qt.ColorScheme) -> None:
        if self.choice == "system":
            self._use(self._system_theme(scheme))

    def _use(self, theme: Theme) -> None:
        if theme != self.theme:
            self.theme = theme
            self.changed.emit(theme)
