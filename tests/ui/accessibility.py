"""What a screen reader hears, what a Chinese reader reads, what fits at a larger scale.

Every interactive widget of Steward's windows has a name and a description
(``unnamed_widgets``); in zh_CN no
text is in Latin letters only, but names and units (``untranslated``); no one-line label or
button is wider than its room (``clipped``).

Run in the same survey as the control coverage (after each UI test's body, its windows still
open). A button is named by its text or accessible name; a field, list or choice by its
accessible name or the label that is its buddy (a combo box's current item is not a name:
"Qwen2.5 7B" says nothing of what is chosen). Qt's standard dialogs (file, message, input)
name their own parts, and the parts of composite widgets (a spin box's line edit, a combo
box's list) are named through the widget that holds them.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollBar,
    QTabBar,
    QTextBrowser,
    QTextEdit,
    QTreeWidget,
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
    """``Window/Class[objectName]: what is missing`` for each visible interactive widget
    without a name, or without a description (what it does, beyond its name: the
    accessible description, or else the tooltip, which is what Qt gives a screen reader)."""
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
        interface = QAccessible.queryAccessibleInterface(widget)
        if isinstance(widget, QAbstractButton):
            named = bool(interface and interface.text(QAccessible.Text.Name).strip())
        else:
            named = bool(widget.accessibleName().strip()) or id(widget) in buddies
        described = bool(interface and interface.text(QAccessible.Text.Description).strip())
        missing = [what for what, ok in (("name", named), ("description", described)) if not ok]
        if missing:
            key = f"{window}/{type(widget).__name__}[{widget.objectName()}]"
            found.add(f"{key}: no {' and no '.join(missing)}")
    return found


# --- what a window says, in the chosen language -------------------------------------------

# words that stay as they are in Chinese: the product, formats, units, keys, protocol names
KEPT_WORDS = {
    "steward",
    "mcp",
    "api",
    "json",
    "gguf",
    "sha-256",
    "cron",
    "top",
    "p",
    "mb",
    "gb",
    "kb",
    "ms",
    "s",
    "english",
    "ctrl",
    "shift",
    "enter",
    "esc",
    "alt",
    "space",
    "tab",
    "http",
    "https",
    "url",
    "id",
    "chatml",
    "pdf",
    "txt",
    "cpu",
    "ram",
    "token",
    "tok",
}
# text views that show what people and models wrote, in whatever language they wrote it
WRITTEN_BY_PEOPLE = {"chatView", "quickAnswer"}
LATIN = re.compile(r"[A-Za-z]")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def kept_as_is(text: str, names: set[str]) -> bool:
    """A text that has no Chinese form: line by line, a name (model, file, server), an
    address, a command line, a path, a number with its unit, or only the words above
    (around a name, the words must still be these)."""
    lines = [line for line in text.replace("&", "").splitlines() if line.strip()]
    return all(_kept_line(line.strip(), names) for line in lines)


def _kept_line(plain: str, names: set[str]) -> bool:
    if re.match(r"^(https?://|~?/|uvx |npx |[A-Z_]+=)", plain) or "{" in plain:
        return True
    for name in sorted(names, key=len, reverse=True):  # (a name inside another first)
        if name:
            plain = plain.replace(name, " ")
    if not plain.strip():
        return True
    words = re.findall(r"[A-Za-z][A-Za-z0-9.-]*", plain)
    return all(word.lower().strip(".-") in KEPT_WORDS for word in words)


def shown_texts(widget: QWidget) -> list[str]:
    """Every text ``widget`` shows or says: its text, placeholder, title, tooltip and the
    names a screen reader reads; a list's columns, a choice's items, a tab's labels."""
    texts = [widget.toolTip(), widget.accessibleName(), widget.accessibleDescription()]
    if widget.isWindow():
        texts.append(widget.windowTitle())
    if isinstance(widget, (QLabel, QAbstractButton)):
        texts.append(widget.text())
    if isinstance(widget, QLineEdit):
        texts.append(widget.placeholderText())
    if isinstance(widget, (QPlainTextEdit, QTextEdit)):
        texts.append(widget.placeholderText())
    if isinstance(widget, QTextBrowser) and widget.objectName() not in WRITTEN_BY_PEOPLE:
        texts += widget.toPlainText().splitlines()  # what Steward writes there (details)
    if isinstance(widget, QGroupBox):
        texts.append(widget.title())
    if isinstance(widget, QComboBox):
        texts += [widget.itemText(i) for i in range(widget.count())]
    if isinstance(widget, QTabBar):
        texts += [widget.tabText(i) for i in range(widget.count())]
    if isinstance(widget, QTreeWidget):
        header = widget.headerItem()
        columns = header.columnCount()
        texts += [header.text(i) for i in range(columns)]
        items = [widget.topLevelItem(n) for n in range(min(widget.topLevelItemCount(), 50))]
        texts += [item.text(i) for item in items for i in range(columns) if item is not None]
    return [re.sub(r"<[^>]+>", " ", t) for t in texts if t]


def untranslated(windows: list[QWidget], names: set[str]) -> set[str]:
    """``Window/Class: text`` for each visible text in Latin letters only (no Chinese)."""
    found: set[str] = set()
    for window in windows:
        for widget in [window, *window.findChildren(QWidget)]:
            if not widget.isVisible():
                continue
            for text in shown_texts(widget):
                if LATIN.search(text) and not CJK.search(text) and not kept_as_is(text, names):
                    found.add(f"{type(window).__name__}/{type(widget).__name__}: {text!r}")
    return found


def clipped(windows: list[QWidget]) -> set[str]:
    """``Window/Class: text`` for each visible one-line label or button whose text is wider
    than the room it has (cut off, or drawn over its neighbour). Layouts settle first, as
    they do before the next paint (a window grows to the minimum a new card needs)."""
    for window in windows:
        if (layout := window.layout()) is not None:
            layout.activate()
    found: set[str] = set()
    for window in windows:
        for widget in window.findChildren(QWidget):
            if not widget.isVisible():
                continue
            if widget.property("elides"):
                continue  # ends in "…" by design (a long conversation title)
            if isinstance(widget, QLabel) and not widget.wordWrap():
                text, room = widget.text(), widget.contentsRect().width()
                if "<" in text or "\n" in text or widget.textFormat() == Qt.TextFormat.RichText:
                    continue
            elif isinstance(widget, QPushButton):
                text = widget.text()
                icon = widget.iconSize().width() + 4 if not widget.icon().isNull() else 0
                room = widget.contentsRect().width() - icon - 8
                if "\n" in text:
                    continue
            else:
                continue
            needed = widget.fontMetrics().horizontalAdvance(text.replace("&", ""))
            if text and needed > room + 1:
                found.add(f"{type(window).__name__}/{type(widget).__name__}: {text!r}")
    return found
