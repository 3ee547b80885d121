"""Small helpers for the lists of rows (QTreeWidget) the model windows show: each row keeps
an id in its first column's user data."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem


def add_row(tree: QTreeWidget, cells: list[str], key: str, *, keep: str | None) -> QTreeWidgetItem:
    """Append a row holding ``key``; it becomes the current row when ``key == keep``."""
    item = QTreeWidgetItem(cells)
    item.setData(0, Qt.ItemDataRole.UserRole, key)
    tree.addTopLevelItem(item)
    if keep is not None and key == keep:
        tree.setCurrentItem(item)
    return item


def finish(tree: QTreeWidget) -> None:
    """Columns fitted to their contents; the first row current when none is."""
    for column in range(tree.columnCount()):
        tree.resizeColumnToContents(column)
    first = tree.topLevelItem(0)
    if tree.currentItem() is None and first is not None:
        tree.setCurrentItem(first)


def current_key(tree: QTreeWidget) -> str | None:
    item = tree.currentItem()
    return None if item is None else str(item.data(0, Qt.ItemDataRole.UserRole))


def select_key(tree: QTreeWidget, key: str) -> None:
    for index in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(index)
        if item is not None and item.data(0, Qt.ItemDataRole.UserRole) == key:
            tree.setCurrentItem(item)


__all__ = ["add_row", "current_key", "finish", "select_key"]
