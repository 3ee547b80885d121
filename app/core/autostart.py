"""Launch at login. Linux desktops: an XDG autostart entry. Windows and macOS are not handled
by this version (docs/desktop.md says what to do there)."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from app.core.errors import UsageError
from app.core.paths import HOME_ENV
from app.language import _t

ENTRY_NAME = "steward.desktop"


def supported() -> bool:
    return sys.platform.startswith("linux")


def autostart_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "autostart"


def command() -> list[str]:
    """The command that starts the desktop app minimized, for this installation."""
    if getattr(sys, "frozen", False):  # an installed bundle: its own executable
        cmd = [sys.executable, "--minimized"]
    else:
        cmd = [sys.executable, "-m", "app", "--minimized"]
    if home := os.environ.get(HOME_ENV):
        cmd = ["env", f"{HOME_ENV}={home}", *cmd]
    return cmd


def set_enabled(enabled: bool) -> Path:
    """Create or remove the autostart entry; returns its path."""
    if not supported():
        raise UsageError(_t("Launch at login is set up by Steward on Linux only in this version."))
    entry = autostart_dir() / ENTRY_NAME
    if enabled:
        entry.parent.mkdir(parents=True, exist_ok=True)
        entry.write_text(
            "[Desktop Entry]\n"
            "Type=Application\n"
            "Name=Steward\n"
            "Comment=Private, local-first assistant\n"
            f"Exec={shlex.join(command())}\n"
            "Icon=steward\n"
            "X-GNOME-Autostart-enabled=true\n"
            "NoDisplay=false\n",
            encoding="utf-8",
        )
    else:
        entry.unlink(missing_ok=True)
    return entry


def is_enabled() -> bool:
    return supported() and (autostart_dir() / ENTRY_NAME).exists()
