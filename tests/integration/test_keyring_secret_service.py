"""The keyring path against a real Secret Service (gnome-keyring in a private D-Bus session)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

SCENARIO = Path(__file__).with_name("keyring_scenario.py")


@pytest.mark.slow
def test_keyring_path_with_gnome_keyring(tmp_path: Path) -> None:
    for tool in ("dbus-run-session", "gnome-keyring-daemon"):
        assert shutil.which(tool), f"{tool} is installed by scripts/setup-system.sh"
    result = subprocess.run(
        ["dbus-run-session", "--", sys.executable, str(SCENARIO), str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "keyring scenario passed" in result.stdout
