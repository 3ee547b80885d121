"""The log holds no content: after a chat, a workflow whose notification quotes a private
file, a step that fails on a missing file and an HTTP step to 127.0.0.1 with user info and a
query string — all with the detailed log switched on — no line of any log file holds a
canary, and the files are readable by their owner only."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from tests.conftest import run_steward
from tests.unit.automations.http_server import serve

CANARIES = {
    "chat": "CANARY-CHAT-quokka",
    "private": "CANARY-PRIVATE-narwhal",
    "missing": "CANARY-MISSING-axolotl",
    "name": "CANARY-WORKFLOW-pangolin",
    "user": "canaryuser",
    "secret": "CANARY-PASSWORD-okapi",
    "query": "CANARY-QUERY-tapir",
}


def test_no_log_line_holds_content(tmp_path: Path) -> None:
    home, user = tmp_path / "home", tmp_path / "user"
    notes = user / "Notes"
    notes.mkdir(parents=True)
    (notes / "private.txt").write_text(f"my diary: {CANARIES['private']}")
    env = {"HOME": str(user)}
    chat = run_steward("--verbose", "ask", f"Say hello to {CANARIES['chat']}", home=home, **env)
    assert chat.returncode == 0, chat.stderr
    with serve() as server:
        url = (
            f"http://{CANARIES['user']}:{CANARIES['secret']}@127.0.0.1:{server.port}"
            f"/x?token={CANARIES['query']}"
        )
        doc = {
            "steward_workflow": 1,
            "name": f"Diary {CANARIES['name']}",
            "trigger": {"type": "manual"},
            "steps": [
                {"id": "r", "action": "files.read", "params": {"path": "~/Notes/private.txt"}},
                {
                    "id": "n",
                    "action": "notify.show",
                    "params": {"title": "Diary", "body": "{{steps.r.output}}"},
                },
                {"id": "h", "action": "http.get", "params": {"url": url}},
                {
                    "id": "m",
                    "action": "files.read",
                    "params": {"path": f"~/Notes/{CANARIES['missing']}.txt"},
                },
            ],
            "permissions": [
                {"kind": "files.read", "scope": "~/Notes"},
                {"kind": "notify"},
                {"kind": "network", "scope": "127.0.0.1"},
            ],
        }
        path = tmp_path / "wf.json"
        path.write_text(json.dumps(doc))
        created = run_steward("--verbose", "automations", "create", str(path), home=home, **env)
        assert created.returncode == 0, created.stderr
        ran = run_steward(
            "--verbose", "automations", "run", doc["name"], "--yes-to-approvals", home=home, **env
        )
        assert server.requests, "the HTTP step reached the server"
    assert ran.returncode != 0  # the last step fails: the file is missing
    assert CANARIES["missing"] in ran.stdout + ran.stderr  # the user is told, in the terminal
    logs = sorted((home / "logs").glob("steward.log*"))
    assert logs, "a log was written"
    text = "\n".join(p.read_text(encoding="utf-8") for p in logs)
    assert "run " in text or "model loaded" in text  # the log is not simply empty
    for what, canary in CANARIES.items():
        assert canary not in text, f"the log holds the {what} canary"
    for log in logs:
        assert stat.S_IMODE(os.stat(log).st_mode) == 0o600
