"""A tool of an MCP server in the real desktop app (Xvfb): the request says what the tool
does ("the current time"), not its id; the review card shows the draft with the server's
permission; approved there, run, recorded, and shown in the automations panel."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from tests.conftest import run_steward, steward_env
from tests.e2e.test_desktop_xvfb import (
    cli_json,
    desktop_command,
    ended_cleanly,
    primary_button,
    screenshot,
    start_desktop,
    visible,
    wait_for,
    wait_mark,
    x,
)

REQUEST = "Every hour, notify me of the current time in Asia/Shanghai"


def test_a_workflow_with_a_tool_of_an_mcp_server_drafted_approved_and_run(
    display: str, home: Path
) -> None:
    server = str(Path(sys.executable).parent / "mcp-server-time")
    for args in (("add", "time", "--", server), ("enable", "time", "--yes")):
        done = run_steward("mcp", *args, home=home)
        assert done.returncode == 0, done.stderr
    env = steward_env(home, DISPLAY=display, QT_QPA_PLATFORM="xcb")
    app = start_desktop(env)
    try:
        wait_for(lambda: visible(display, "^Steward$"), timeout=60)
        wait_mark(env, "automations")
        x(display, "type", "--delay", "10", REQUEST)
        x(display, "key", "Return")
        deadline = time.monotonic() + 240
        while not cli_json(home, "automations", "list"):
            assert time.monotonic() < deadline, "no review card to approve"
            screenshot(display, "mcp-1-review-card.png")
            where = primary_button(display)  # the card's Approve and save, once it is there
            if where is not None:
                x(display, "mousemove", str(where[0]), str(where[1]), "click", "1")
            wait_for(lambda: bool(cli_json(home, "automations", "list")), timeout=3, fail=False)
        [saved] = cli_json(home, "automations", "list")
        shown = cli_json(home, "automations", "show", saved["id"])
        steps = shown["document"]["steps"]
        assert steps[0]["action"] == "mcp.time.get_current_time"
        assert steps[0]["params"] == {"timezone": "Asia/Shanghai"}
        assert {"kind": "mcp", "scope": "time"} in shown["document"]["permissions"]
        run = run_steward("automations", "run", saved["id"], "--json", home=home)
        assert run.returncode == 0, run.stderr  # approved in the card: nothing is asked
        [record] = cli_json(home, "automations", "history")
        assert record["status"] == "succeeded"
        steps_run = cli_json(home, "automations", "history", record["id"])["steps"]
        assert '"timezone": "Asia/Shanghai"' in steps_run[0]["output"]
        x(display, "mousemove", "68", "638", "click", "1")  # Automations
        wait_for(lambda: visible(display, "Automations"), timeout=60)
        screenshot(display, "mcp-2-run-in-panel.png")
        assert desktop_command(env, "--quit") == 0
    finally:
        status, out = ended_cleanly(app)
    assert status == 0 and b"Traceback" not in out, out.decode()
