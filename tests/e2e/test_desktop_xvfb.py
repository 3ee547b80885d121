"""The real desktop app in a real X server (Xvfb): real key events through xdotool,
screenshots kept under test-artifacts/, the result checked through the CLI."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, run_steward, steward_env
from tests.e2e.history import write_history

ARTIFACTS = ROOT / "test-artifacts"


def x(display: str, *args: str) -> None:
    subprocess.run(["xdotool", *args], env=dict(os.environ, DISPLAY=display), check=True)


def settled(display: str, timeout: float = 5.0) -> None:
    """Wait until the screen stops changing (two captures in a row are the same), at most
    ``timeout`` (a streaming answer never settles; the picture is taken anyway)."""
    previous = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        raw = subprocess.run(
            ["import", "-window", "root", "rgb:-"],
            env=dict(os.environ, DISPLAY=display),
            capture_output=True,
        ).stdout
        digest = hashlib.sha256(raw).digest()
        if raw and digest == previous:
            return
        previous = digest


def screenshot(display: str, name: str, *, settle: bool = True) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    if settle:
        settled(display)
    path = ARTIFACTS / name
    for _ in range(10):  # the X server may still be settling
        done = subprocess.run(
            ["import", "-window", "root", str(path)],
            env=dict(os.environ, DISPLAY=display),
            capture_output=True,
        )
        if done.returncode == 0:
            return path
        wait_for(lambda: Path(f"/tmp/.X11-unix/X{display[1:]}").exists(), timeout=5)
    raise AssertionError(f"screenshot failed: {done.stderr.decode()}")


def primary_button(display: str, top: int = 110, bottom: int = 500) -> tuple[int, int] | None:
    """Where the window's primary button between ``top`` and ``bottom`` is drawn (a card's
    Approve and save: the accent colour in runs as wide as a button, right of the sidebar),
    found on a screenshot; None while there is none. The layout may move it, the colour
    stays."""
    from PySide6.QtGui import QColor, QImage

    from app.ui.render import Theme

    accent = QColor(Theme.light().accent)
    shot = ARTIFACTS / "find-primary-button.png"
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(
        ["import", "-window", "root", str(shot)], env=dict(os.environ, DISPLAY=display), check=True
    )
    image = QImage(str(shot))
    rows: list[tuple[int, int]] = []  # (y, middle x) of each row holding a wide accent run
    for y in range(top, min(bottom, image.height()), 2):
        run_start, x = None, 300
        while x < image.width():
            if image.pixelColor(x, y) == accent:
                run_start = x if run_start is None else run_start
            elif run_start is not None:
                if x - run_start >= 40:
                    rows.append((y, (run_start + x) // 2))
                run_start = None
            x += 1
    if not rows:
        return None
    return rows[len(rows) // 2][1], rows[len(rows) // 2][0]


def wait_for(condition, timeout: float = 60.0, *, fail: bool = True) -> bool:  # type: ignore[no-untyped-def]
    """Wait until ``condition()`` holds; at the timeout, fail (or with ``fail=False`` say
    False)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            assert not fail, "timed out"
            return False
        time.sleep(0.2)
    return True


def trace_file(env: dict[str, str]) -> Path:
    """Where the app started with ``env`` writes its milestones ($STEWARD_TRACE)."""
    return Path(env["STEWARD_HOME"]) / "trace.log"


def marks(env: dict[str, str], name: str) -> int:
    """How often the app has reached milestone ``name`` (painted, listed, automations,
    opened, window_answered, answered, model_loaded, quit)."""
    path = trace_file(env)
    if not path.exists():
        return 0
    return sum(1 for line in path.read_text().splitlines() if line.split(" ", 1)[0] == name)


def wait_mark(env: dict[str, str], name: str, count: int = 1, timeout: float = 120) -> None:
    wait_for(lambda: marks(env, name) >= count, timeout=timeout)


def start_desktop(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    """The real desktop app, its output captured to check for tracebacks; it writes its
    milestones to trace_file(env), which the tests wait on."""
    return subprocess.Popen(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env=dict(env, STEWARD_TRACE=str(trace_file(env))),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def visible(display: str, name: str) -> bool:
    """A visible window whose title matches ``name`` (a regex)."""
    found = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--name", name],
        env=dict(os.environ, DISPLAY=display),
        capture_output=True,
        text=True,
    )
    return bool(found.stdout.strip())


def desktop_command(env: dict[str, str], *args: str) -> int:
    """`steward ARGS`, which hands its request to the running app."""
    return subprocess.run(
        [sys.executable, "-m", "app", *args], cwd=ROOT, env=env, timeout=30
    ).returncode


def ended_cleanly(app: subprocess.Popen[bytes]) -> tuple[int, bytes]:
    """Wait for the app to end (killing it if it does not) and return its status and output."""
    try:
        out, _ = app.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        app.kill()
        out, _ = app.communicate()
    return app.returncode, out


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


def driven(app: subprocess.Popen[bytes], env: dict[str, str], result: Path) -> dict[str, Any]:
    """Once the app's in-process driver has written ``result`` (what it saw): quit the app,
    which must end cleanly, and return what the driver saw (it must have seen no error)."""
    try:
        wait_for(lambda: result.exists() or app.poll() is not None, timeout=900)
        assert desktop_command(env, "--quit") == 0
        assert wait_for(lambda: app.poll() is not None, timeout=20, fail=False), "did not quit"
    finally:
        status, out = ended_cleanly(app)
    assert status == 0 and b"Traceback" not in out, out.decode()
    seen: dict[str, Any] = json.loads(result.read_text())
    assert "error" not in seen, seen.get("error")
    return seen


def test_first_run_by_keyboard_only(display: str, window_manager: None, home: Path) -> None:
    """Start, create the passphrase, keep the recovery key (stray keys leave it on screen),
    ask, start a new conversation, stop an answer, search, open Settings and quit; start
    again, unlock and quit: every step with the keyboard, in the real app under a window
    manager (as on a desktop)."""
    env = steward_env(home, DISPLAY=display, STEWARD_PASSPHRASE="", QT_QPA_PLATFORM="xcb")
    # seeded sampling: the story asked below then runs to the token limit (the 135M model
    # otherwise sometimes ends it after a sentence, before Stop can be pressed)
    for key, value in (("seed", "2"), ("temperature", "0.9")):
        assert run_steward("settings", "set", key, value, home=home).returncode == 0
    app = start_desktop(env)
    try:
        wait_for(lambda: visible(display, "Set a passphrase"))
        screenshot(display, "desktop-1-passphrase.png")
        x(display, "type", "--delay", "20", "xvfb passphrase 1")
        x(display, "key", "Tab")
        x(display, "type", "--delay", "20", "xvfb passphrase 1")
        x(display, "key", "Return")
        wait_for(lambda: visible(display, "Your recovery key"))
        # a person who starts typing loses nothing: Return, Space, Escape and letters
        # leave the only unasked showing of the key on screen
        x(display, "key", "Return", "space", "Escape")
        x(display, "type", "hello")
        screenshot(display, "desktop-2-recovery-key.png")
        assert visible(display, "Your recovery key")
        x(display, "key", "Tab", "Tab", "Tab", "space")  # Copy, Save…, I have written it down
        wait_for(lambda: not visible(display, "Your recovery key"))
        wait_mark(env, "listed")
        x(display, "type", "--delay", "15", "Write a haiku about lighthouses.")
        x(display, "key", "Return")
        wait_mark(env, "window_answered")
        screenshot(display, "desktop-3-answer.png")
        opened = marks(env, "opened")
        x(display, "key", "ctrl+n")  # a new conversation, so the story is its first message
        wait_mark(env, "opened", opened + 1)
        x(display, "type", "--delay", "15", "Write a very long story about a lighthouse.")
        x(display, "key", "Return")
        # the answer's row appears with its first token: stop right then, mid-answer
        wait_for(lambda: answers_in(home, "xvfb passphrase 1") == 2, timeout=120)
        x(display, "key", "Escape")  # Stop
        wait_mark(env, "window_answered", 2)  # the stopped answer is finished (and saved)
        screenshot(display, "desktop-4-stopped.png")
        x(display, "key", "ctrl+f")  # to the search field
        x(display, "type", "--delay", "15", "haiku")
        wait_mark(env, "searched_1")  # one conversation holds the word
        screenshot(display, "desktop-5-search.png")
        x(display, "key", "ctrl+comma")
        wait_for(lambda: visible(display, "Settings"))
        screenshot(display, "desktop-6-settings.png")
        x(display, "key", "Escape")
        wait_for(lambda: not visible(display, "Settings"))
        x(display, "key", "ctrl+q")
        assert wait_for(lambda: app.poll() is not None, timeout=30, fail=False), "did not quit"
    finally:
        status, out = ended_cleanly(app)
    assert status == 0 and b"Traceback" not in out, out.decode()
    env_cli = {"STEWARD_PASSPHRASE": "xvfb passphrase 1"}
    convs = json.loads(run_steward("history", "list", "--json", home=home, **env_cli).stdout)
    by_title = {c["title"]: c["id"] for c in convs}
    assert set(by_title) == {
        "Write a haiku about lighthouses.",
        "Write a very long story about a lighthouse.",
    }

    def roles(title: str) -> list[tuple[str, str]]:
        shown = json.loads(
            run_steward("history", "show", by_title[title], "--json", home=home, **env_cli).stdout
        )
        assert all(m["content"] for m in shown["messages"])
        return [(m["role"], m["status"]) for m in shown["messages"]]

    assert roles("Write a haiku about lighthouses.") == [
        ("user", "complete"),
        ("assistant", "complete"),
    ]
    assert roles("Write a very long story about a lighthouse.") == [
        ("user", "complete"),
        ("assistant", "partial"),
    ]

    # started again: unlocked with the keyboard alone (the passphrase, Return), then quit
    listed = marks(env, "listed")
    again = start_desktop(env)
    try:
        wait_for(lambda: visible(display, "Unlock Steward"))
        x(display, "type", "--delay", "20", "xvfb passphrase 1")
        x(display, "key", "Return")
        wait_mark(env, "listed", listed + 1)
        screenshot(display, "desktop-1b-unlocked.png")
        x(display, "key", "ctrl+q")
        assert wait_for(lambda: again.poll() is not None, timeout=30, fail=False), "did not quit"
    finally:
        status, out = ended_cleanly(again)
    assert status == 0 and b"Traceback" not in out, out.decode()


@pytest.fixture
def tray_host(display: str) -> Iterator[None]:
    """trayer as the system tray, so QSystemTrayIcon.isSystemTrayAvailable() is true."""
    assert shutil.which("trayer"), "trayer is installed by scripts/setup-system.sh"
    proc = subprocess.Popen(
        ["trayer", "--edge", "top", "--align", "right", "--widthtype", "request", "--height", "24"],
        env=dict(os.environ, DISPLAY=display),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(lambda: tray_owned(display), timeout=60)
    yield
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:  # a busy machine: a tray slow to go is not a failure
        proc.kill()
        proc.wait()


def tray_owned(display: str) -> bool:
    """A system tray is there: the X selection a tray icon looks for has an owner (what
    Qt's QSystemTrayIcon.isSystemTrayAvailable() checks)."""
    from Xlib import display as xdisplay

    try:
        conn = xdisplay.Display(display)
    except Exception:
        return False
    try:
        atom = conn.intern_atom(f"_NET_SYSTEM_TRAY_S{conn.get_default_screen()}")
        return bool(conn.get_selection_owner(atom))
    finally:
        conn.close()


def test_tray_single_instance_quick_prompt_and_quit(
    display: str, tray_host: None, home: Path
) -> None:
    env = steward_env(home, DISPLAY=display, QT_QPA_PLATFORM="xcb")
    # a first run without passphrase prompts: the database is made headless first
    assert run_steward("history", "list", home=home).returncode == 0
    app = start_desktop(env)
    try:
        wait_mark(env, "listed")  # started and listening
        shown = subprocess.run(
            [sys.executable, "-m", "app"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            timeout=30,
        )
        assert shown.returncode == 0  # handed to the running instance, which raised its window
        screenshot(display, "desktop-5-with-tray.png")
        second = subprocess.run(
            [sys.executable, "-m", "app", "--ask", "What colour is the sky?"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            timeout=30,
        )
        assert second.returncode == 0  # handed over and acknowledged
        assert app.poll() is None  # the first instance took it; no second app
        wait_for(
            lambda: bool(
                json.loads(
                    run_steward("history", "search", "colour sky", "--json", home=home).stdout
                )
            ),
            timeout=60,
        )
        wait_mark(env, "answered")
        screenshot(display, "desktop-6-quick-prompt.png")
        x(display, "key", "Escape")  # hides the quick prompt
        quit_ = subprocess.run(
            [sys.executable, "-m", "app", "--quit"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            timeout=30,
        )
        assert quit_.returncode == 0
        out, _ = app.communicate(timeout=30)
    finally:
        if app.poll() is None:
            app.kill()
            app.communicate()
    assert app.returncode == 0, out.decode()
    assert b"Traceback" not in out
    # a stale socket after a crash never blocks the next start
    listed = marks(env, "listed")
    crashed = start_desktop(env)
    wait_mark(env, "listed", listed + 1)  # listening (its socket is there)
    crashed.kill()
    crashed.communicate()
    again = start_desktop(env)
    try:
        wait_mark(env, "listed", listed + 2)
        assert again.poll() is None  # it started (it did not forward to the dead socket)
        assert (
            subprocess.run(
                [sys.executable, "-m", "app", "--quit"], cwd=ROOT, env=env, timeout=30
            ).returncode
            == 0
        )
        assert ended_cleanly(again)[0] == 0
    finally:
        if again.poll() is None:
            again.kill()
            again.communicate()


def test_global_hotkey_opens_the_quick_prompt(display: str, home: Path) -> None:
    env = steward_env(home, DISPLAY=display, QT_QPA_PLATFORM="xcb")
    assert run_steward("history", "list", home=home).returncode == 0  # database made first
    app = start_desktop(env)

    def quick_prompt_visible() -> bool:
        return visible(display, "Steward quick prompt")

    try:
        wait_mark(env, "listed")
        assert not quick_prompt_visible()
        x(display, "key", "ctrl+alt+space")
        wait_for(quick_prompt_visible, timeout=60)
        x(display, "type", "--delay", "15", "Name a bird.")
        x(display, "key", "Return")
        wait_for(
            lambda: bool(
                json.loads(run_steward("history", "search", "bird", "--json", home=home).stdout)
            ),
            timeout=60,
        )
        screenshot(display, "desktop-7-hotkey-quick-prompt.png")
        assert desktop_command(env, "--quit") == 0
    finally:
        status, out = ended_cleanly(app)
    assert status == 0 and b"Traceback" not in out


def test_start_minimized_to_the_tray(display: str, tray_host: None, home: Path) -> None:
    env = steward_env(home, DISPLAY=display, QT_QPA_PLATFORM="xcb")
    assert run_steward("history", "list", home=home).returncode == 0

    def main_window_visible() -> bool:
        return visible(display, "^Steward$")

    app = start_desktop(env, "--minimized")
    try:
        wait_mark(env, "listed")
        assert app.poll() is None and not main_window_visible()  # only the tray icon
        assert desktop_command(env) == 0
        wait_for(main_window_visible, timeout=60)
        assert desktop_command(env, "--quit") == 0
    finally:
        status, out = ended_cleanly(app)
    assert status == 0 and b"Traceback" not in out


def fill_long_history(home: Path, messages: int) -> None:
    """A conversation of ``messages`` messages (prose, lists and code) and a few short ones."""
    write_history(home, messages)


def test_long_history_dark_theme_and_settings(display: str, home: Path) -> None:
    fill_long_history(home, 2_000)
    assert run_steward("settings", "set", "appearance", "dark", home=home).returncode == 0
    env = steward_env(home, DISPLAY=display, QT_QPA_PLATFORM="xcb")
    app = start_desktop(env)
    try:
        wait_for(lambda: visible(display, "^Steward$"), timeout=60)
        wait_mark(env, "listed")
        x(display, "mousemove", "131", "97", "click", "1")  # the long conversation (newest)
        wait_mark(env, "opened")
        screenshot(display, "desktop-8-dark-long-conversation.png")
        # the mouse wheel up past the top: earlier pages come in as the top is reached
        x(display, "mousemove", "620", "250")
        for _ in range(6):
            x(display, "click", "--repeat", "15", "--delay", "25", "4")
            settled(display)  # the earlier page is in before the wheel turns on
        screenshot(display, "desktop-9-dark-scrolled-back.png")
        x(display, "mousemove", "195", "638", "click", "1")  # Settings (right of Automations)
        wait_for(lambda: visible(display, "Settings"), timeout=60)
        screenshot(display, "desktop-10-settings-model.png")
        x(display, "key", "ctrl+Tab")  # Privacy
        x(display, "key", "ctrl+Tab")  # Cloud
        screenshot(display, "desktop-11-settings-cloud.png")
        x(display, "key", "Escape")
        assert desktop_command(env, "--quit") == 0
    finally:
        status, out = ended_cleanly(app)
    assert status == 0 and b"Traceback" not in out, out.decode()


def cli_json(home: Path, *args: str) -> object:
    done = run_steward(*args, "--json", home=home, STEWARD_PASSPHRASE="correct horse battery")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_request_to_workflow_approve_trigger_and_history(display: str, home: Path) -> None:
    """Type a request, approve the review card, let the trigger fire, see the run."""
    fill_long_history(home, 4)
    user = home / "user"
    (user / "inbox").mkdir(parents=True)
    env = steward_env(home, DISPLAY=display, QT_QPA_PLATFORM="xcb", HOME=str(user))
    app = start_desktop(env)
    try:
        wait_for(lambda: visible(display, "^Steward$"), timeout=60)
        wait_mark(env, "automations")  # the automations (and the planner) start after the window
        x(
            display,
            "type",
            "--delay",
            "10",
            "When a text file lands in ~/inbox, summarize it into ~/Notes/summaries.md",
        )
        x(display, "key", "Return")
        # drafting takes as long as the machine needs: until the card is there, a click at
        # its button's place lands on the empty chat above the composer and does nothing
        deadline = time.monotonic() + 240
        while not cli_json(home, "automations", "list"):  # a draft is not saved until approved
            assert time.monotonic() < deadline, "no review card to approve"
            screenshot(display, "planner-1-review-card.png")
            where = primary_button(display)  # the card's Approve and save, once it is there
            if where is not None:
                x(display, "mousemove", str(where[0]), str(where[1]), "click", "1")
            wait_for(lambda: bool(cli_json(home, "automations", "list")), timeout=3, fail=False)
        assert len(cli_json(home, "automations", "list")) == 1
        screenshot(display, "planner-2-approved.png")
        [saved] = cli_json(home, "automations", "list")
        assert saved["enabled"] and saved["trigger"].startswith("When a file matching *.txt")
        assert saved["trigger"].endswith("in ~/inbox")
        (user / "inbox" / "meeting.txt").write_text(
            "The team agreed to ship the beta on Friday. Anna writes the release notes."
        )
        wait_for(lambda: bool(cli_json(home, "automations", "history")), timeout=60)
        wait_for(
            lambda: cli_json(home, "automations", "history")[0]["status"] != "running", timeout=60
        )
        [record] = cli_json(home, "automations", "history")
        assert record["status"] == "succeeded", cli_json(
            home, "automations", "history", record["id"]
        )
        assert (user / "Notes" / "summaries.md").read_text().strip()
        x(display, "mousemove", "68", "638", "click", "1")  # Automations
        wait_for(lambda: visible(display, "Automations"), timeout=60)
        screenshot(display, "planner-3-run-in-history.png")
        assert desktop_command(env, "--quit") == 0
    finally:
        status, out = ended_cleanly(app)
    assert status == 0 and b"Traceback" not in out, out.decode()


CHINESE_REQUEST = "~/inbox 里出现新的文本文件时，把它移到 ~/归档"


def test_a_request_in_chinese_is_drafted_reviewed_in_chinese_approved_and_runs(
    display: str, home: Path, tmp_path: Path
) -> None:
    """The real app on Xvfb (a CJK font installed by set-up), driven from inside its process
    (tests/e2e/drive_chinese.py): a request typed in Chinese gives a review card written in
    Chinese; approved, the folder watch fires on a new file and the run moves it."""
    user = home / "user"
    (user / "inbox").mkdir(parents=True)
    dropped = user / "inbox" / "会议.txt"
    result = tmp_path / "seen.json"
    ARTIFACTS.mkdir(exist_ok=True)
    env = steward_env(
        home, DISPLAY=display, STEWARD_PASSPHRASE="", QT_QPA_PLATFORM="xcb", HOME=str(user)
    )
    app = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.e2e.drive_chinese",
            str(result),
            str(ARTIFACTS),
            CHINESE_REQUEST,
            str(dropped),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    seen = driven(app, env, result)
    assert seen["typed"] == CHINESE_REQUEST
    card = seen["card"]
    assert seen["kind"] == "workflow", card
    # the card speaks Chinese: its labels, the trigger, the steps and the permissions
    for words in (
        "你的请求",
        "工作流草稿",
        "何时",
        "当 ~/inbox 里有匹配 *.txt 的文件出现时",
        "步骤",
    ):
        assert words in card, (words, card)
    assert "移到 ~/归档/" in card and "修改 ~/inbox 里的文件" in card, card
    assert "When" not in card and "Steps" not in card, card
    assert seen["buttons"] == [True, True]
    # the panel says the trigger in the one wording (the app's own language, English)
    assert seen["panel_when"] == "When a file matching *.txt appears in ~/inbox"
    assert seen["last_result"] == "Succeeded"
    assert not dropped.exists() and (user / "归档" / "会议.txt").read_text() == "本周会议记录"
    history = run_steward(
        "automations", "history", "--json", home=home, HOME=str(user),
        STEWARD_PASSPHRASE="xvfb passphrase 2",
    )  # fmt: skip
    [record] = json.loads(history.stdout)
    assert record["status"] == "succeeded"


def test_desktop_correctness_in_a_real_window(display: str, home: Path, tmp_path: Path) -> None:
    """The real app on Xvfb, driven from inside its process (tests/e2e/drive_desktop.py):
    send after a pause, the length limit marked and continued, a new conversation starting
    empty, delete through its confirmation, lock and unlock, a folder watch dry-run on the
    file that is there, an edit into /etc refused and cancelled (asked first)."""
    user = home / "user"
    inbox = user / "inbox"
    inbox.mkdir(parents=True)
    (inbox / "report.txt").write_text("quarterly numbers")
    workflow = tmp_path / "sort.json"
    workflow.write_text(
        json.dumps(
            {
                "steward_workflow": 1,
                "name": "Sort new text files",
                "trigger": {
                    "type": "folder_watch",
                    "folder": "~/inbox",
                    "pattern": "*.txt",
                    "events": ["created"],
                },
                "steps": [
                    {
                        "id": "move",
                        "action": "files.move",
                        "params": {"source": "{{trigger.path}}", "destination": "~/Sorted/"},
                    }
                ],
                "permissions": [
                    {"kind": "files.write", "scope": "~/inbox"},
                    {"kind": "files.write", "scope": "~/Sorted"},
                ],
            }
        )
    )
    cli = {"HOME": str(user), "STEWARD_PASSPHRASE": "xvfb passphrase 2"}
    result, shots = tmp_path / "seen.json", ARTIFACTS
    ARTIFACTS.mkdir(exist_ok=True)
    env = steward_env(
        home, DISPLAY=display, STEWARD_PASSPHRASE="", QT_QPA_PLATFORM="xcb", HOME=str(user)
    )
    # greedy and short: the first answer stops at the length limit
    for key, value in (("max_tokens", "24"), ("temperature", "0")):
        assert run_steward("settings", "set", key, value, home=home).returncode == 0
    app = subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.drive_desktop", str(result), str(shots)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        # the workflow goes in once the history exists (the app creates it)
        wait_for(lambda: (home / "data" / "steward.db").exists() or app.poll() is not None)
        assert app.poll() is None
        added = run_steward("automations", "create", str(workflow), home=home, **cli)
        assert added.returncode == 0, added.stderr
    except BaseException:
        ended_cleanly(app)
        raise
    # quit while locked with the unlock dialog open: the process still ends, cleanly
    seen = driven(app, env, result)
    assert seen["key_after_stray_keys"] and seen["key_copied"]
    assert seen["cut_off_shown"] and seen["composer_after_new"] == ""
    assert seen["deleted"] == "Give me three tips for growing tomatoes."
    assert seen["left"] == "Name one planet." and seen["locked_view_empty"] and seen["unlocked"]
    assert "Nothing was changed." in seen["dry_run_message"], seen["dry_run_message"]
    assert "report.txt" in seen["dry_run_details"] and seen["last_result"] == "Never run"
    assert not seen["sensitive_save_enabled"]
    assert "is refused" in seen["sensitive_problems"] and seen["form_closed"]
    assert seen["left_asking"]
    assert (inbox / "report.txt").exists() and not (user / "Sorted").exists()
    convs = json.loads(run_steward("history", "list", "--json", home=home, **cli).stdout)
    assert [c["title"] for c in convs] == ["Name one planet."]
    [listed] = json.loads(run_steward("automations", "list", "--json", home=home, **cli).stdout)
    shown = run_steward("automations", "show", listed["id"], "--json", home=home, **cli)
    # the edit was cancelled: the workflow is as it was
    assert json.loads(shown.stdout)["document"]["steps"][0]["params"]["destination"] == "~/Sorted/"
    assert seen["continued"] == {"answers": 1, "longer": True}
