"""Questions asked without blocking the event loop."""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import QMessageBox


async def ask_three_ways(box: QMessageBox, once: str, always: str, refuse: str) -> int:
    """Add the buttons "once", "always" and "refuse" (the default, and what Escape and closing
    mean), show the box window-modal without blocking, and return 0, 1 or 2 for the choice."""
    buttons = [
        box.addButton(once, QMessageBox.ButtonRole.AcceptRole),
        box.addButton(always, QMessageBox.ButtonRole.AcceptRole),
        box.addButton(refuse, QMessageBox.ButtonRole.RejectRole),
    ]
    box.setDefaultButton(buttons[2])
    box.setEscapeButton(buttons[2])
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    box.finished.connect(lambda _code: done.done() or done.set_result(None))
    box.open()
    try:
        await done
    finally:
        box.deleteLater()
    clicked = box.clickedButton()
    return buttons.index(clicked) if clicked in buttons else 2
