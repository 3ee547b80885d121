"""What a screen reader hears: every interactive widget of Steward's windows has a name.

Run in the same survey as the control coverage (after each UI test's body, its windows still
open). A button is named by its text or accessible name; a field, list or choice by its
accessible name or the label that is its buddy (a combo box's current item is not a name:
"Qwen2.5 7B" says nothing of what is chosen). Qt's standard dialogs (file, message, input)
name their own parts, and the parts of composite widgets (a spin box's line edit, a combo
box's list) are named through the widget that holds them.
"""

from __future__ import annotations

from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QFileDialog,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QScrollBar,
    QTextEdit,
    QWidget,
)

INTERACTIVE = (
    QAbstractButton,
    QLineEdit,
    QTextEdit,
    QPlainTextEdit,
    QComboBox,
    QAbstractItemView,
    QAbstractSpinBox,
    QAbstractSlider,
)
QT_DIALOGS = (QFileDialog, QMessageBox, QInputDialog)
COMPOSITE = (QComboBox, QAbstractSpinBox, QFileDialog, QLineEdit)  # (a line edit's clear button)


def _steward_window(widget: QWidget) -> str | None:
    """The Steward class of ``widget``'s window (or named window), None for Qt's own."""
    window = widget.window()
    if isinstance(window, QT_DIALOGS):
        return None
    kind = type(window)
    if kind.__module__.startswith("app.ui"):
        return kind.__name__
    return f"{kind.__name__}[{window.objectName()}]" if window.objectName() else None


def _inside_composite(widget: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, COMPOSITE):
            return True
        parent = parent.parentWidget()
    return False


def _buddies() -> set[int]:
    return {
        id(label.buddy())
        for label in QApplication.allWidgets()
        if isinstance(label, QLabel) and label.buddy() is not None
    }


def unnamed_widgets() -> set[str]:
    """``Window/Class[objectName]`` for each visible interactive widget without a name."""
    found: set[str] = set()
    buddies = _buddies()
    for widget in QApplication.allWidgets():
        if not isinstance(widget, INTERACTIVE) or isinstance(widget, (QScrollBar, QHeaderView)):
            continue
        if not widget.isVisible() or _inside_composite(widget):
            continue
        window = _steward_window(widget)
        if window is None:
            continue
        if isinstance(widget, QAbstractButton):
            interface = QAccessible.queryAccessibleInterface(widget)
            named = bool(interface and interface.text(QAccessible.Text.Name).strip())
        else:
            named = bool(widget.accessibleName().strip()) or id(widget) in buddies
        if not named:
            found.add(f"{window}/{type(widget).__name__}[{widget.objectName()}]")
    return found
