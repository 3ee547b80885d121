from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from app.core import autostart
from app.core.settings import SettingsStore


def test_autostart_entry_starts_minimized_in_this_data_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("STEWARD_HOME", str(tmp_path / "home"))
    assert not autostart.is_enabled()
    entry = autostart.set_enabled(True)
    assert entry == tmp_path / "xdg" / "autostart" / "steward.desktop"
    text = entry.read_text()
    exec_line = next(line for line in text.splitlines() if line.startswith("Exec="))
    argv = shlex.split(exec_line[len("Exec=") :])
    assert argv[:2] == ["env", f"STEWARD_HOME={tmp_path / 'home'}"]
    assert argv[-1] == "--minimized" and "desktop" not in argv
    assert "Type=Application" in text and autostart.is_enabled()
    autostart.set_enabled(False)
    assert not entry.exists() and not autostart.is_enabled()


def test_start_minimized_is_kept_in_settings(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path / "settings.toml")
    settings = store.load()
    assert settings.start_minimized is False
    settings.start_minimized = True
    store.save(settings)
    assert store.load().start_minimized is True


@pytest.mark.parametrize(
    ("request_", "saved", "tray", "expected"),
    [
        ({"action": "show"}, False, True, False),
        ({"action": "show"}, True, True, True),
        ({"action": "show", "minimized": True}, False, True, True),
        ({"action": "show", "minimized": True}, True, False, False),  # no tray: show it
    ],
)
def test_starts_minimized_only_with_a_tray(tmp_path, request_, saved, tray, expected) -> None:
    from app.ui.app import starts_minimized

    store = SettingsStore(tmp_path / "settings.toml")
    settings = store.load()
    settings.start_minimized = saved
    store.save(settings)
    assert starts_minimized(request_, store, tray) is expected
