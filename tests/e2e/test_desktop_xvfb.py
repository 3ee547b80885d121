"""The real desktop app in a real X server (Xvfb): real key events through xdotool,
screenshots kept under test-artifacts/, the result checked through the CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_steward, steward_env

ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture
def display() -> Iterator[str]:
    for tool in ("Xvfb", "xdotool", "import"):
        assert shutil.which(tool), f"{tool} is installed by scripts/setup-system.sh"
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    number = os.read(read, 16).decode().strip()
    os.close(read)
    try:
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def x(display: str, *args: str) -> None:
    subprocess.run(["xdotool", *args], env=dict(os.environ, DISPLAY=display), check=True)


def screenshot(display: str, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    for _ in range(10):  # the X server may still be settling
        done = subprocess.run(
            ["import", "-window", "root", str(path)],
            env=dict(os.environ, DISPLAY=display),
            capture_output=True,
        )
        if done.returncode == 0:
            return path
        time.sleep(0.3)
    raise AssertionError(f"screenshot failed: {done.stderr.decode()}")


def wait_for(condition, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def answers_in(home: Path, passphrase: str) -> int:
    """Assistant rows in the running app's database (read alongside it, as WAL allows)."""
    from app.core.paths import resolve_paths
    from app.core.secrets import KeyManager
    from app.core.store.database import connect

    paths = resolve_paths(home)
    key = KeyManager(paths, lambda new: passphrase).unlock(create=False).key
    conn = connect(paths.database, key)
    try:
        return int(
            conn.execute("SELECT count(*) FROM messages WHERE role = 'assistant'").fetchone()[0]
        )
    finally:
        conn.close()


def test_first_run_chat_and_stop_in_a_real_window(display: str, home: Path) -> None:
    env = steward_env(home, DISPLAY=display, STEWARD_PASSPHRASE="", QT_QPA_PLATFORM="xcb")
    app = subprocess.Popen(
        [sys.executable, "-m", "app", "desktop"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        time.sleep(4)  # the window and the passphrase dialog appear
        screenshot(display, "desktop-1-passphrase.png")
        x(display, "type", "--delay", "20", "xvfb passphrase 1")
        x(display, "key", "Tab")
        x(display, "type", "--delay", "20", "xvfb passphrase 1")
        x(display, "key", "Return")
        wait_for(lambda: (home / "data" / "steward.db").exists())
        time.sleep(2)
        screenshot(display, "desktop-2-recovery-key.png")
        x(display, "key", "Return")  # dismiss the recovery key
        time.sleep(0.5)
        x(display, "type", "--delay", "15", "Write a haiku about lighthouses.")
        x(display, "key", "Return")
        time.sleep(6)
        screenshot(display, "desktop-3-answer.png")
        x(display, "type", "--delay", "15", "Write a very long story about the sea.")
        x(display, "key", "Return")
        # the answer's row appears with its first token: stop right then, mid-answer
        wait_for(lambda: answers_in(home, "xvfb passphrase 1") == 2, timeout=30)
        x(display, "key", "Escape")  # Stop
        time.sleep(1.5)
        screenshot(display, "desktop-4-stopped.png")
    finally:
        app.terminate()
        out, _ = app.communicate(timeout=30)
    assert b"Traceback" not in out, out.decode()
    env_cli = {"STEWARD_PASSPHRASE": "xvfb passphrase 1"}
    hits = json.loads(
        run_steward("history", "search", "lighthouses", "--json", home=home, **env_cli).stdout
    )
    assert hits
    shown = json.loads(
        run_steward(
            "history", "show", hits[0]["conversation_id"], "--json", home=home, **env_cli
        ).stdout
    )
    roles = [(m["role"], m["status"]) for m in shown["messages"]]
    assert roles[:2] == [("user", "complete"), ("assistant", "complete")]
    assert roles[2:] == [("user", "complete"), ("assistant", "partial")]
    assert all(m["content"] for m in shown["messages"])
