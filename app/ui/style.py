"""Steward's look: the palette and style sheet made from a Theme, and the icons.

One language of design for every window: soft surfaces, rounded fields and buttons, one
accent colour for the main action of a window (``primary`` property), the focus always
visible as an accent ring, the conversation list as a sidebar. Every colour comes from the
Theme, whose text/background pairs are checked for contrast (tests/unit/ui).

Icons are Lucide's (ISC licence, assets/icons/LICENSE), drawn in the theme's text colour.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QWidget

from app.ui.render import Theme


def palette(theme: Theme) -> QPalette:
    p = QPalette()
    roles = QPalette.ColorRole
    colours = {
        roles.Window: theme.window,
        roles.WindowText: theme.text,
        roles.Base: theme.surface,
        roles.AlternateBase: theme.assistant_bg,
        roles.ToolTipBase: theme.surface,
        roles.ToolTipText: theme.text,
        roles.PlaceholderText: theme.muted,
        roles.Text: theme.text,
        roles.Button: theme.surface,
        roles.ButtonText: theme.text,
        roles.BrightText: theme.error,
        roles.Link: theme.link,
        roles.LinkVisited: theme.link,
        roles.Highlight: theme.accent,
        roles.HighlightedText: theme.accent_text,
        roles.Light: theme.hover,
        roles.Midlight: theme.border,
        roles.Mid: theme.border,
        roles.Dark: theme.border,
        roles.Shadow: "#000000",
    }
    for role, colour in colours.items():
        p.setColor(role, QColor(colour))
    disabled = QPalette.ColorGroup.Disabled
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        p.setColor(disabled, role, QColor(theme.muted))
    return p


def style_sheet(theme: Theme) -> str:
    t = theme
    return f"""
QWidget {{ font-size: 10pt; }}
QMainWindow, QDialog {{ background: {t.window}; }}
QToolTip {{ color: {t.text}; background: {t.surface}; border: 1px solid {t.border};
    padding: 4px; }}
QWidget#sidebar {{ background: {t.sidebar}; border-right: 1px solid {t.border}; }}
QLabel#conversationTitle {{ font-size: 13pt; font-weight: 600; }}
QLabel#backendBadge {{ color: {t.muted}; border: 1px solid {t.border}; border-radius: 9px;
    padding: 1px 8px; }}
QLabel[role="muted"], QLabel#searchStatus {{ color: {t.muted}; }}
QLabel[role="error"] {{ color: {t.error}; }}
QLabel#emptyTitle {{ font-size: 18pt; font-weight: 600; }}
QPushButton {{ color: {t.text}; background: {t.surface}; border: 1px solid {t.border};
    border-radius: 6px; padding: 5px 12px; min-height: 18px; }}
QPushButton:hover {{ background: {t.hover}; }}
QPushButton:pressed {{ background: {t.selection}; }}
QPushButton:disabled {{ color: {t.muted}; background: {t.window}; }}
QPushButton:focus, QToolButton:focus {{ border: 2px solid {t.accent}; padding: 4px 11px; }}
QPushButton[primary="true"] {{ color: {t.accent_text}; background: {t.accent};
    border: 1px solid {t.accent}; font-weight: 600; }}
QPushButton[primary="true"]:hover {{ background: {t.link if t.dark else t.accent}; }}
QPushButton[primary="true"]:focus {{ border: 2px solid {t.text}; }}
QPushButton[flat="true"] {{ border: 1px solid transparent; background: transparent; }}
QPushButton[flat="true"]:hover {{ background: {t.hover}; }}
QPushButton[flat="true"]:focus {{ border: 2px solid {t.accent}; }}
QPushButton[suggestion="true"] {{ text-align: left; padding: 10px 14px; border-radius: 10px; }}
QDialogButtonBox {{ dialogbuttonbox-buttons-have-icons: 0; }}
QComboBox, QSpinBox, QDoubleSpinBox {{ padding: 3px 6px; }}
QLineEdit, QPlainTextEdit, QTextEdit {{
    color: {t.text}; background: {t.surface}; border: 1px solid {t.border};
    border-radius: 6px; padding: 4px 6px; selection-background-color: {t.accent};
    selection-color: {t.accent_text}; }}
QLineEdit:focus, QPlainTextEdit:focus, QTextEdit:focus {{ border: 2px solid {t.accent};
    padding: 3px 5px; }}
QTextBrowser {{ border: none; background: {t.surface}; padding: 0; }}
QTextBrowser:focus {{ border: 2px solid {t.accent}; }}
QFrame#composerFrame {{ background: {t.surface}; border: 1px solid {t.border};
    border-radius: 12px; }}
QFrame#composerFrame QPlainTextEdit {{ border: 2px solid transparent; background: transparent;
    border-radius: 8px; padding: 3px; }}
QFrame#composerFrame QPlainTextEdit:focus {{ border: 2px solid {t.accent}; }}
QListWidget, QTreeWidget, QTableWidget {{ color: {t.text}; background: {t.surface};
    border: 1px solid {t.border}; border-radius: 6px; outline: none; }}
QListWidget:focus, QTreeWidget:focus, QTableWidget:focus {{ border: 2px solid {t.accent}; }}
QWidget#sidebar QListWidget {{ background: transparent; border: none; }}
QWidget#sidebar QListWidget:focus {{ border: 2px solid {t.accent}; border-radius: 6px; }}
QListWidget::item {{ padding: 7px 8px; border-radius: 6px; }}
QListWidget::item:hover, QTreeWidget::item:hover {{ background: {t.hover}; }}
QListWidget::item:selected, QTreeWidget::item:selected {{ color: {t.text};
    background: {t.selection}; }}
QHeaderView::section {{ color: {t.muted}; background: {t.window}; border: none;
    border-bottom: 1px solid {t.border}; padding: 4px 6px; }}
QTabWidget::pane {{ border: 1px solid {t.border}; border-radius: 6px; top: -1px; }}
QTabBar::tab {{ color: {t.muted}; padding: 6px 14px; border: none;
    border-bottom: 2px solid transparent; }}
QTabBar::tab:selected {{ color: {t.text}; border-bottom: 2px solid {t.accent}; }}
QTabBar::tab:focus {{ color: {t.text}; background: {t.hover}; }}
QCheckBox:focus, QRadioButton:focus {{ background: {t.hover}; border-radius: 4px; }}
QStatusBar {{ color: {t.muted}; }}
QStatusBar QLabel {{ color: {t.muted}; }}
QSplitter::handle {{ background: {t.border}; width: 1px; }}
QFrame#reviewCard, QFrame#actionCard {{ background: {t.assistant_bg};
    border: 1px solid {t.border}; border-left: 3px solid {t.accent}; border-radius: 10px; }}
QFrame#reviewCard QTextBrowser, QFrame#actionCard QTextBrowser {{ background: {t.surface};
    border: 1px solid {t.border}; border-radius: 6px; }}
"""


# the theme in use (Appearance sets it): what rich text is coloured with
current = Theme.light()


def error_colour() -> str:
    """The theme's colour for errors now, for rich text."""
    return current.error


def set_role(label: QWidget, role: str) -> None:
    """Draw ``label`` as ``role`` ("error", "muted" or "" for plain), now."""
    label.setProperty("role", role)
    label.style().unpolish(label)
    label.style().polish(label)


def assets_folder() -> Path:
    """Steward's assets (icons, translations): beside the sources, or in the frozen app."""
    here = Path(__file__).resolve()
    for folder in (here.parents[2] / "assets", Path(getattr(sys, "_MEIPASS", here)) / "assets"):
        if (folder / "icons").is_dir():
            return folder
    return here.parents[2] / "assets"


@cache
def _svg(name: str) -> str:
    return (assets_folder() / "icons" / f"{name}.svg").read_text(encoding="utf-8")


@cache
def icon(name: str, colour: str, size: int = 32) -> QIcon:
    """Lucide's ``name`` drawn in ``colour`` (the SVG's currentColor)."""
    data = QByteArray(_svg(name).replace("currentColor", colour).encode())
    renderer = QSvgRenderer(data)
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return QIcon(pixmap)


__all__ = ["assets_folder", "error_colour", "icon", "palette", "set_role", "style_sheet"]
