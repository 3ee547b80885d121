"""A global hotkey for the quick prompt, where the platform allows one.

X11 (Linux desktops on Xorg): Ctrl+Alt+Space, grabbed on the root window with python-xlib.
Elsewhere (Wayland, Windows, macOS) there is no grab here; the user binds the command
`steward --quick` to a keyboard shortcut in the desktop's own settings, which opens
the quick prompt of the running Steward (see docs/desktop.md).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QGuiApplication

from app.ui.i18n import tr

log = logging.getLogger(__name__)
HOTKEY_TEXT = "Ctrl+Alt+Space"


class GlobalHotkey(QObject):
    activated = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._display: Any = None
        self._thread: threading.Thread | None = None
        self.problem = ""

    def start(self) -> bool:
        """Grab the hotkey; False (with ``problem`` set) where that is not possible."""
        if QGuiApplication.platformName() != "xcb":
            self.problem = tr(
                "global hotkeys need X11 (this is {0}); bind `steward --quick` to a shortcut "
                "in your desktop's settings instead"
            ).format(QGuiApplication.platformName())
            return False
        try:
            from Xlib import XK, X, display
        except ImportError:
            self.problem = tr("python-xlib is not installed")
            return False
        errors: list[object] = []
        try:
            self._display = display.Display()
        except Exception as exc:  # no X connection
            self.problem = tr("cannot connect to the X server ({0})").format(exc)
            return False
        self._display.set_error_handler(lambda err, *_: errors.append(err))
        root = self._display.screen().root
        keycode = self._display.keysym_to_keycode(XK.string_to_keysym("space"))
        modifiers = X.ControlMask | X.Mod1Mask
        # the grab must also hold with Caps Lock and Num Lock on
        for extra in (0, X.LockMask, X.Mod2Mask, X.LockMask | X.Mod2Mask):
            root.grab_key(keycode, modifiers | extra, True, X.GrabModeAsync, X.GrabModeAsync)
        self._display.sync()
        if errors:
            self.problem = tr("{0} is already taken by another program").format(HOTKEY_TEXT)
            self._display.close()
            self._display = None
            return False
        self._thread = threading.Thread(target=self._listen, name="steward-hotkey", daemon=True)
        self._thread.start()
        log.info("global hotkey %s grabbed", HOTKEY_TEXT)
        return True

    def _listen(self) -> None:
        from Xlib import X

        while self._display is not None:
            try:
                event = self._display.next_event()
            except Exception:  # the display was closed: stop listening
                return
            if event.type == X.KeyPress:
                self.activated.emit()  # queued to the GUI thread

    def stop(self) -> None:
        display, self._display = self._display, None
        if display is not None:
            with contextlib.suppress(Exception):  # already gone with the X connection
                display.close()
