"""Fixtures of the tests that drive the real app in a real X server."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
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
