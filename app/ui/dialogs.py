"""Questions asked without blocking the event loop."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QMessageBox, QWidget

from app.ui.i18n import tr

T = TypeVar("T")


async def ask_three_ways(box: QMessageBox, once: str, always: str, refuse: str) -> int:
    """Add the buttons "once", "always" and "refuse" (the default, and what Escape and closing
    mean), show the box window-modal without blocking, and return 0, 1 or 2 for the choice."""
    return await _ask(
        box,
        [
            (once, QMessageBox.ButtonRole.AcceptRole),
            (always, QMessageBox.ButtonRole.AcceptRole),
            (refuse, QMessageBox.ButtonRole.RejectRole),
        ],
    )


async def confirm(box: QMessageBox, do: str, cancel: str = "Cancel") -> bool:
    """Ask with a button that does it (destructive) and one that does not (the default, and
    what Escape and closing mean), without blocking; True only for the first."""
    return (
        await _ask(
            box,
            [
                (do, QMessageBox.ButtonRole.DestructiveRole),
                (cancel, QMessageBox.ButtonRole.RejectRole),
            ],
        )
        == 0
    )


def settle(future: asyncio.Future[T], value: T) -> None:
    """Give ``future`` its result, unless it has one already (a dialog finishes once, but
    a quit may reject it after the person answered)."""
    if not future.done():
        future.set_result(value)


async def result_of(dialog: QDialog) -> int:
    """Open ``dialog`` window-modal without blocking the loop; its result code. Read what
    it holds at once: it is deleted once control returns to the loop."""
    return await _finished(dialog)


async def _finished(dialog: QDialog) -> int:
    """Open ``dialog`` window-modal without blocking the loop; its result code."""
    done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    dialog.finished.connect(lambda code: settle(done, code))
    dialog.open()
    try:
        return await done
    finally:
        dialog.deleteLater()


async def ask_text(
    parent: QWidget, name: str, title: str, label: str, text: str = "", ok: str = "OK"
) -> str | None:
    """One line of text from the user (None: cancelled), without blocking the loop."""
    dialog = QInputDialog(parent)
    dialog.setObjectName(name)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setTextValue(text)
    dialog.setOkButtonText(ok)
    accepted = await _finished(dialog) == QDialog.DialogCode.Accepted
    return dialog.textValue() if accepted else None


async def choose_file(parent: QWidget, name: str, title: str, filters: str) -> Path | None:
    """A file to open (None: cancelled), without blocking the loop."""
    dialog = QFileDialog(parent, title, str(Path.home()), filters)
    dialog.setObjectName(name)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
    if await _finished(dialog) != QDialog.DialogCode.Accepted or not dialog.selectedFiles():
        return None
    return Path(dialog.selectedFiles()[0])


async def choose_save_file(
    parent: QWidget, name: str, title: str, suggested: Path, filters: str
) -> Path | None:
    """Where to save a new file (None: cancelled), without blocking the loop; the dialog
    asks before replacing a file that exists."""
    dialog = QFileDialog(parent, title, str(suggested), filters)
    dialog.setObjectName(name)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    if await _finished(dialog) != QDialog.DialogCode.Accepted or not dialog.selectedFiles():
        return None
    return Path(dialog.selectedFiles()[0])


def tell(parent: QWidget, name: str, title: str, text: str) -> QMessageBox:
    """A message with OK, shown without blocking (and without waiting for it)."""
    box = QMessageBox(
        QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, parent
    )
    box.setObjectName(name)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


_asking: set[asyncio.Future[None]] = set()  # questions open now (kept until answered)


def reject_or_ask(dialog: QDialog, edited: bool, what: str) -> None:
    """What Cancel, Escape and closing do in an editor: close at once when nothing was
    changed; else ask (without blocking) whether to discard the changes to ``what``, and
    close only if so."""
    if not edited:
        QDialog.reject(dialog)
        return

    async def ask() -> None:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            tr("Discard changes? — Steward"),
            tr("Your changes to {0} are not saved.").format(what),
            parent=dialog,
        )
        box.setObjectName("discardEdits")
        if await confirm(box, tr("Discard changes"), tr("Keep editing")):
            QDialog.reject(dialog)

    _asking.add(task := asyncio.ensure_future(ask()))
    task.add_done_callback(_asking.discard)


async def _ask(box: QMessageBox, choices: list[tuple[str, QMessageBox.ButtonRole]]) -> int:
    """Show ``box`` with these buttons (the last is the default and the escape) window-modal
    without blocking the loop; the index of the button clicked (the last when closed)."""
    buttons = [box.addButton(text, role) for text, role in choices]
    box.setDefaultButton(buttons[-1])
    box.setEscapeButton(buttons[-1])
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    box.finished.connect(lambda _code: settle(done, None))
    box.open()
    try:
        await done
    finally:
        box.deleteLater()
    clicked = box.clickedButton()
    return buttons.index(clicked) if clicked in buttons else len(buttons) - 1
