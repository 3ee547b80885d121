"""Quit really quits, in the real app on Xvfb: the window goes at once, the answer in
progress is stopped and its partial text kept, the running workflow is cancelled and
recorded so, the process ends; and a `steward` started right after the quit opens its own
window and takes over the automations."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import PASSPHRASE, ROOT, run_steward, steward_env
from tests.e2e.test_desktop_xvfb import (
    cli_json,
    ended_cleanly,
    screenshot,
    start_desktop,
    visible,
    wait_for,
)

# a folder watch whose run takes long (a program that waits): it is running when Steward quits
SLOW_RUN = {
    "steward_workflow": 1,
    "name": "Long wait",
    "trigger": {"type": "folder_watch", "folder": "~/inbox", "pattern": "*.txt", "catch_up": True},
    "steps": [
        {
            "id": "wait",
            "action": "process.run",
            "params": {"program": "sleep", "args": ["600"], "timeout_s": 900},
        }
    ],
    "permissions": [
        {"kind": "files.read", "scope": "~/inbox"},
        {"kind": "process.run", "scope": "sleep"},
    ],
}


def approve(home: Path, workflow_id: str) -> None:
    """Approve the workflow as it is (what its review card's Approve does)."""
    from app.automations.history import History
    from app.core.paths import resolve_paths
    from app.core.secrets import KeyManager
    from app.core.store.database import open_database

    paths = resolve_paths(home)
    key = KeyManager(paths, lambda new: PASSPHRASE).unlock(create=False).key
    db = open_database(paths.database, key)
    try:
        history = History(db)
        stored = history.workflow(workflow_id)  # an id prefix finds it
        history.approve(stored.id, stored.document)
        assert history.workflow(stored.id).approved_now
    finally:
        db.close()


def runs(home: Path) -> list[dict[str, object]]:
    return cli_json(home, "automations", "history")  # type: ignore[return-value]


def test_quit_ends_everything_and_a_new_steward_takes_over(
    display: str, home: Path, tmp_path: Path
) -> None:
    user = home / "user"
    (user / "inbox").mkdir(parents=True)
    env = steward_env(home, DISPLAY=display, QT_QPA_PLATFORM="xcb", HOME=str(user))
    document = tmp_path / "slow.json"
    document.write_text(json.dumps(SLOW_RUN))
    created = run_steward("automations", "create", str(document), home=home, HOME=str(user))
    assert created.returncode == 0, created.stderr
    approve(home, created.stdout.split(" as ")[1][:8])
    assert run_steward("settings", "set", "max_tokens", "1500", home=home).returncode == 0
    # caught up at start: the watch handles a file that came while Steward was not running
    (user / "inbox" / "trip.txt").write_text("We walked along the coast to the old lighthouse.")
    first = start_desktop(env)
    second: subprocess.Popen[bytes] | None = None
    try:
        wait_for(lambda: visible(display, "^Steward$"), timeout=60)
        asked = subprocess.run(
            [sys.executable, "-m", "app", "--ask", "Write a very long story about the sea."],
            cwd=ROOT,
            env=env,
            timeout=60,
        )
        assert asked.returncode == 0
        wait_for(lambda: bool(runs(home)) and runs(home)[0]["status"] == "running", timeout=120)
        wait_for(lambda: bool(answers(home)), timeout=120)  # the answer has begun
        screenshot(display, "quit-1-before.png", settle=False)  # an answer streams
        quit_ = subprocess.run(
            [sys.executable, "-m", "app", "--quit"], cwd=ROOT, env=env, timeout=60
        )
        assert quit_.returncode == 0
        # right after the quit: a new Steward opens its own window (it is not handed to the
        # one going away)
        second = start_desktop(env)
        wait_for(lambda: first.poll() is not None, timeout=60)
        status, out = ended_cleanly(first)
        assert status == 0 and b"Traceback" not in out, out.decode()
        wait_for(lambda: visible(display, "^Steward$"), timeout=60)
        assert second.poll() is None
        screenshot(display, "quit-2-new-steward.png")
        [cancelled] = runs(home)
        assert cancelled["status"] == "cancelled", cancelled
        [answer] = answers(home)
        assert answer["status"] == "partial" and answer["content"]
        # the new Steward runs the automations: a new file starts a run there
        (user / "inbox" / "walk.txt").write_text("A short walk in the rain.")
        wait_for(lambda: len(runs(home)) == 2, timeout=120)
        assert runs(home)[0]["workflow"] == "Long wait" and runs(home)[0]["status"] == "running"
        assert (
            subprocess.run(
                [sys.executable, "-m", "app", "--quit"], cwd=ROOT, env=env, timeout=60
            ).returncode
            == 0
        )
        status, out = ended_cleanly(second)
        assert status == 0 and b"Traceback" not in out, out.decode()
    finally:
        for app in (first, second):
            if app is not None and app.poll() is None:
                app.kill()
                app.communicate()


def answers(home: Path) -> list[dict[str, object]]:
    """The quick prompt's answers, from its one conversation."""
    convs = cli_json(home, "history", "list")
    assert isinstance(convs, list)
    found = []
    for conv in convs:
        shown = cli_json(home, "history", "show", str(conv["id"]))
        assert isinstance(shown, dict)
        found += [m for m in shown["messages"] if m["role"] == "assistant"]
    return found
