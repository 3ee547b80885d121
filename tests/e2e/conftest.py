"""Fixtures of the tests that drive the real app in a real X server."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_desktop_xvfb import wait_for


@pytest.fixture
def display() -> Iterator[str]:
    """A fresh Xvfb on a random free display number, ready when yielded.

    A random high number (not "the first free one") keeps a display from being reused
    while the previous server on it is still going away.
    """
    for tool in ("Xvfb", "xdotool", "import"):
        assert shutil.which(tool), f"{tool} is installed by scripts/setup-system.sh"
    rng = random.Random()
    number = next(
        n for n in rng.sample(range(100, 900), 50) if not Path(f"/tmp/.X{n}-lock").exists()
    )
    name = f":{number}"
    server = subprocess.Popen(
        ["Xvfb", name, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(
            lambda: (
                subprocess.run(
                    ["xdotool", "getdisplaygeometry"],
                    env=dict(os.environ, DISPLAY=name),
                    capture_output=True,
                ).returncode
                == 0
            ),
            timeout=20,
        )
        yield name
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:  # a busy machine: a server slow to go is not a failure
            server.kill()
            server.wait()


@pytest.fixture
def window_manager(display: str) -> Iterator[None]:
    """A window manager on the display (openbox), so windows are activated as on a desktop:
    window shortcuts (Ctrl+F, Ctrl+Q…) need an active window."""
    assert shutil.which("openbox"), "openbox is installed by scripts/setup-system.sh"
    # what it says goes to a file (a pipe nobody reads could fill up)
    with tempfile.TemporaryFile() as said:

        def start() -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                ["openbox", "--sm-disable"],
                env=dict(os.environ, DISPLAY=display),
                stdout=subprocess.DEVNULL,
                stderr=said,
            )

        manager = start()
        try:
            # once more if it ended before announcing itself; what it said, on a failure
            ended = lambda: manager.poll() is not None  # noqa: E731
            wait_for(lambda: _manager_ready(display) or ended(), timeout=30)
            if ended():
                manager = start()
                if not wait_for(lambda: _manager_ready(display), timeout=30, fail=False):
                    said.seek(0)
                    raise AssertionError(f"openbox did not start: {said.read().decode()[-2000:]}")
            yield
        finally:
            manager.terminate()
            try:
                manager.wait(timeout=10)
            except subprocess.TimeoutExpired:
                manager.kill()
                manager.wait()


def _manager_ready(display: str) -> bool:
    """The window manager has announced itself on the root window."""
    found = subprocess.run(
        ["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"],
        env=dict(os.environ, DISPLAY=display),
        capture_output=True,
        text=True,
    )
    return "window id" in found.stdout
