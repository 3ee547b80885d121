"""`steward automations`, `steward plugins` and `steward daemon` as a user runs them: real
child processes, a real encrypted database, real files under a temporary HOME."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from app.core.llm.prompt_states import prepared_folder
from tests.conftest import ROOT, Result, run_steward, steward_env

EXAMPLES = ROOT / "examples" / "workflows"
PLUGIN = ROOT / "examples" / "plugins" / "steward-wordcount"


@pytest.fixture
def user(tmp_path: Path) -> Path:
    folder = tmp_path / "user"
    (folder / "Downloads").mkdir(parents=True)
    (folder / "Notes").mkdir()
    return folder


def steward(*args: str, home: Path, user: Path, **env: str) -> Result:
    return run_steward(*args, home=home, HOME=str(user), **env)


def test_examples_can_be_created_as_they_are(home: Path, user: Path) -> None:
    for path in sorted(EXAMPLES.glob("*.json")):
        result = steward("automations", "create", str(path), home=home, user=user)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("Saved “")
    listed = json.loads(steward("automations", "list", "--json", home=home, user=user).stdout)
    assert len(listed) == len(list(EXAMPLES.glob("*.json")))
    morning = next(w for w in listed if w["name"] == "Morning journal")
    assert morning["trigger"] == "Every weekday at 08:30" and morning["next_run"]
    assert all(w["enabled"] and not w["approved"] and w["last_status"] is None for w in listed)


def test_an_invalid_workflow_is_explained_and_never_saved(
    home: Path, user: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "steward_workflow": 1,
                "name": "Bad",
                "trigger": {"type": "schedule", "cron": "99 * * * *"},
                "steps": [
                    {
                        "id": "w",
                        "action": "files.write",
                        "params": {"path": "/etc/cron.d/x", "text": "x"},
                    }
                ],
                "permissions": [{"kind": "files.write", "scope": "~/Notes"}],
            }
        )
    )
    for command in ("validate", "create"):
        result = steward("automations", command, str(bad), home=home, user=user)
        assert result.returncode == 3
        assert "The workflow is not valid (2 problems); nothing was run or saved" in result.stderr
        assert "trigger: '99 * * * *' is not a valid cron expression" in result.stderr
        assert "steps[0].params.path: path '/etc/cron.d/x' is outside the granted folders" in (
            result.stderr
        )
    broken = tmp_path / "broken.json"
    broken.write_text('{"steward_workflow": 1,')
    result = steward("automations", "create", str(broken), home=home, user=user)
    assert result.returncode == 3 and "is not JSON" in result.stderr
    assert "No workflows yet" in steward("automations", "list", home=home, user=user).stdout


def test_run_approve_history_and_undo(home: Path, user: Path) -> None:
    downloads = user / "Downloads"
    for name in ("a.pdf", "b.pdf", "keep.txt"):
        (downloads / name).write_text(name)
    before = sorted(p.name for p in downloads.iterdir())
    created = steward(
        "automations", "create", str(EXAMPLES / "tidy-downloads.json"), home=home, user=user
    )
    wid = created.stdout.split(" as ")[1][:8]

    dry = steward("automations", "run", wid, "--dry-run", home=home, user=user)
    assert dry.returncode == 0, dry.stderr
    # the listing (it only reads) ran for real: the dry run names each PDF it would move
    assert "Dry run finished; nothing was changed" in dry.stdout
    for name in ("a.pdf", "b.pdf"):
        assert f"would move {downloads / name} to {downloads / 'PDFs'}/" in dry.stdout
    assert sorted(p.name for p in downloads.iterdir()) == before

    # no terminal to ask: the moving step is not run
    unattended = steward("automations", "run", wid, home=home, user=user)
    assert unattended.returncode == 5
    assert "approval_required" in unattended.stderr and "--yes-to-approvals" in unattended.stderr
    assert sorted(p.name for p in downloads.iterdir()) == before

    ran = steward("automations", "run", wid, "--yes-to-approvals", "--json", home=home, user=user)
    assert ran.returncode == 0, ran.stderr
    record = json.loads(ran.stdout)
    assert record["status"] == "succeeded"
    assert sorted(p.name for p in (downloads / "PDFs").iterdir()) == ["a.pdf", "b.pdf"]

    history = json.loads(
        steward("automations", "history", wid, "--json", home=home, user=user).stdout
    )
    assert [h["status"] for h in history] == ["succeeded", "approval_required", "succeeded"]
    assert history[2]["dry_run"] is True
    shown = steward("automations", "history", record["id"][:8], home=home, user=user)
    assert "2. [ok] move (files.move" in shown.stdout and "PDFs/a.pdf" in shown.stdout

    undone = steward("automations", "undo", record["id"][:8], home=home, user=user)
    assert undone.returncode == 0, undone.stderr
    assert sorted(p.name for p in downloads.iterdir() if p.is_file()) == before
    again = steward("automations", "undo", record["id"][:8], home=home, user=user)
    assert again.returncode == 2 and "already undone" in again.stderr


def test_edit_enable_disable_delete_show(home: Path, user: Path, tmp_path: Path) -> None:
    created = steward(
        "automations", "create", str(EXAMPLES / "start-of-day.json"), home=home, user=user
    )
    wid = created.stdout.split(" as ")[1][:8]
    assert (
        steward("automations", "disable", wid, home=home, user=user)
        .stdout.strip()
        .endswith("is disabled.")
    )
    shown = json.loads(steward("automations", "show", wid, "--json", home=home, user=user).stdout)
    assert shown["enabled"] is False and shown["document"]["name"] == "Open tasks at start"
    steward("automations", "enable", wid, home=home, user=user)
    document = json.loads((EXAMPLES / "start-of-day.json").read_text())
    document["steps"][-1]["params"]["path"] = "~/Notes/open-tasks.md"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(document))
    edited = steward("automations", "edit", wid, str(changed), home=home, user=user)
    assert "asks for approval again" in edited.stdout
    missing = steward("automations", "show", "nothing-like-it", home=home, user=user)
    assert missing.returncode == 3 and "No workflow 'nothing-like-it'" in missing.stderr
    deleted = steward("automations", "delete", wid, home=home, user=user)
    assert "its run history stays" in deleted.stdout
    assert json.loads(steward("automations", "list", "--json", home=home, user=user).stdout) == []


def _install_plugin(target: Path, tmp_path: Path) -> None:
    source = tmp_path / "plugin-src"
    shutil.copytree(PLUGIN, source)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(source),
        ],
        check=True,
        capture_output=True,
    )


@pytest.mark.parametrize("how", ["entry point", "user folder"])
def test_the_example_plugin_installed_both_ways_runs_in_a_workflow(
    home: Path, user: Path, tmp_path: Path, how: str
) -> None:
    (user / "Notes" / "journal.md").write_text("Garden garden seeds. Garden tools; seeds.\n")
    env: dict[str, str] = {}
    if how == "entry point":
        target = tmp_path / "site"
        _install_plugin(target, tmp_path)
        env["PYTHONPATH"] = str(target)
    else:
        folder = home / "data" / "plugins"
        folder.mkdir(parents=True)
        shutil.copytree(PLUGIN / "steward_wordcount", folder / "steward_wordcount")
    plugins = json.loads(steward("plugins", "list", "--json", home=home, user=user, **env).stdout)
    names = {p["name"]: p["actions"] for p in plugins["plugins"]}
    key = "wordcount" if how == "entry point" else "steward_wordcount"
    assert names[key] == ["wordcount.count", "wordcount.top_words"]
    assert plugins["problems"] == []
    workflow = PLUGIN / "example-workflow.json"
    created = steward("automations", "create", str(workflow), home=home, user=user, **env)
    assert created.returncode == 0, created.stderr
    wid = created.stdout.split(" as ")[1][:8]
    ran = steward("automations", "run", wid, "--json", home=home, user=user, **env)
    assert ran.returncode == 0, ran.stderr
    steps = {s["step"]: s for s in json.loads(ran.stdout)["steps"]}
    assert steps["count"]["output"] == {"words": 6, "lines": 1, "characters": 42}
    assert steps["top"]["output"] == ["garden", "seeds", "tools"]
    assert 'notification: Journal: 6 words; most used: ["garden", "seeds", "tools"]' in ran.stderr


def test_a_broken_user_plugin_is_named_and_the_rest_still_work(home: Path, user: Path) -> None:
    folder = home / "data" / "plugins"
    folder.mkdir(parents=True)
    (folder / "broken.py").write_text("import not_a_module_anywhere\n")
    result = steward("plugins", "list", home=home, user=user)
    assert result.returncode == 0
    assert (
        "problem: plugin broken: ModuleNotFoundError: No module named 'not_a_module_anywhere'"
        in (result.stderr)
    )
    assert "app.automations.builtins.files: files.append" in result.stdout


def _read_until(proc: subprocess.Popen[str], done: Callable[[str], bool], timeout: float) -> str:
    """What the process printed, read without blocking, until ``done`` holds (or time is up)."""
    import selectors

    assert proc.stdout is not None
    os.set_blocking(proc.stdout.fileno(), False)
    text = ""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        while not done(text) and time.monotonic() < deadline:
            if selector.select(timeout=0.2):
                text += proc.stdout.read() or ""
    return text


def test_daemon_runs_start_workflows_refuses_a_second_and_never_runs_unapproved_steps(
    home: Path, user: Path, tmp_path: Path
) -> None:
    hello = tmp_path / "hello.json"
    hello.write_text(
        json.dumps(
            {
                "steward_workflow": 1,
                "name": "Hello",
                "trigger": {"type": "app_start"},
                "steps": [
                    {
                        "id": "n",
                        "action": "notify.show",
                        "params": {"title": "Hi", "body": "daemon up"},
                    }
                ],
                "permissions": [{"kind": "notify"}],
            }
        )
    )
    writer = tmp_path / "writer.json"
    writer.write_text(
        json.dumps(
            {
                "steward_workflow": 1,
                "name": "Writer",
                "trigger": {"type": "app_start"},
                "steps": [
                    {
                        "id": "w",
                        "action": "files.write",
                        "params": {"path": "~/Notes/daemon.txt", "text": "x"},
                    }
                ],
                "permissions": [{"kind": "files.write", "scope": "~/Notes"}],
            }
        )
    )
    for path in (hello, writer):
        assert steward("automations", "create", str(path), home=home, user=user).returncode == 0
    env = steward_env(home, HOME=str(user))
    daemon = subprocess.Popen(
        [sys.executable, "-m", "app", "daemon"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        text = _read_until(daemon, lambda t: "Hello:" in t and "Writer:" in t, timeout=60)
        assert "Steward daemon: 2 enabled workflows" in text
        assert "Hello: succeeded" in text
        assert "Writer: approval_required" in text
        assert not (user / "Notes" / "daemon.txt").exists()
        second = steward("daemon", home=home, user=user)
        assert second.returncode == 3
        assert "Another Steward (the desktop app or a daemon) already runs the automations" in (
            second.stderr
        )
    finally:
        daemon.send_signal(signal.SIGTERM)
        out, err = daemon.communicate(timeout=30)
    assert daemon.returncode == 0, err
    assert "Steward daemon stopped." in out
    assert "notification: Hi: daemon up" in err
    assert "notification: Steward: Writer needs your approval" in err


def test_a_bad_edit_keeps_the_saved_workflow(home: Path, user: Path, tmp_path: Path) -> None:
    created = steward(
        "automations", "create", str(EXAMPLES / "morning-journal.json"), home=home, user=user
    )
    wid = created.stdout.split(" as ")[1][:8]
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"steward_workflow": 1, "name": "Broken", "trigger": {"type": "x"}, "steps": []})
    )
    result = steward("automations", "edit", wid, str(bad), home=home, user=user)
    assert result.returncode == 3
    assert "trigger.type: unknown trigger 'x'" in result.stderr
    assert "steps: must be a list of at least one step" in result.stderr
    missing = steward("automations", "edit", wid, str(tmp_path / "nope.json"), home=home, user=user)
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    shown = json.loads(steward("automations", "show", wid, "--json", home=home, user=user).stdout)
    assert shown["document"] == json.loads((EXAMPLES / "morning-journal.json").read_text())


def test_the_terminal_asks_before_a_step_that_changes_files(home: Path, user: Path) -> None:
    """In a terminal, Steward asks; "a" approves the workflow as it is, so the next run
    (without a terminal) goes ahead without asking."""
    import os
    import pty

    (user / "Downloads" / "x.pdf").write_text("x")
    created = steward(
        "automations", "create", str(EXAMPLES / "tidy-downloads.json"), home=home, user=user
    )
    wid = created.stdout.split(" as ")[1][:8]
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "automations", "run", wid],
        cwd=ROOT,
        env=steward_env(home, HOME=str(user)),
        stdin=follower,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    os.close(follower)
    os.write(leader, b"a\n")
    _, err = proc.communicate(timeout=60)
    os.close(leader)
    assert proc.returncode == 0, err
    assert "Step 2 of “Tidy PDFs in Downloads” asks for approval:" in err
    assert f"Move {user}/Downloads/x.pdf to {user}/Downloads/PDFs/" in err
    assert (user / "Downloads" / "PDFs" / "x.pdf").exists()
    (user / "Downloads" / "y.pdf").write_text("y")
    again = steward("automations", "run", wid, home=home, user=user)
    assert again.returncode == 0, again.stderr
    assert (user / "Downloads" / "PDFs" / "y.pdf").exists()


def test_plan_prints_a_draft_a_question_or_a_refusal_and_saves_only_when_approved(
    home: Path, user: Path, tmp_path: Path
) -> None:
    # no state brought by the install (see test_the_first_plan_reads_the_installs_prompt_state)
    none = tmp_path / "no-prepared-states"

    def plan(*args: str, answer: str | None = None) -> Result:
        return steward(
            "automations",
            "plan",
            *args,
            home=home,
            user=user,
            input=answer,
            STEWARD_PREPARED_STATES=str(none),
        )

    refused = plan("Email me a summary of ~/Notes every day at 6 pm", "--json")
    assert refused.returncode == 0, refused.stderr
    assert json.loads(refused.stdout)["kind"] == "refusal"
    assert "I can't send email" in json.loads(refused.stdout)["text"]
    asked = plan("Tidy up my files", "--json")
    assert asked.returncode == 0 and json.loads(asked.stdout)["kind"] == "question"

    request = "Move the PDFs in ~/Downloads into ~/Downloads/PDFs"
    drafted = plan(request, "--json")
    assert drafted.returncode == 0, drafted.stderr
    out = json.loads(drafted.stdout)
    assert out["kind"] == "workflow" and set(out) == {"kind", "workflow"}
    document = tmp_path / "draft.json"
    document.write_text(json.dumps(out["workflow"]))
    valid = steward("automations", "validate", str(document), home=home, user=user)
    assert valid.returncode == 0, valid.stderr

    # the planner's fixed prompt was evaluated once and kept (the next process reads it: the
    # same draft, see tests/integration/test_prompt_states.py); nothing else is kept there
    states = list((home / "cache" / "prompt-states").iterdir())
    assert len(states) == 1 and states[0].suffix == ".state"
    shown = plan(request)
    assert list((home / "cache" / "prompt-states").iterdir()) == states
    assert "Draft: “" in shown.stdout and "When: By hand (Run now)" in shown.stdout
    assert "1. List *.pdf in ~/Downloads" in shown.stdout
    assert "! change files in ~/Downloads" in shown.stdout
    kept = plan(request, "--save", answer="n\n")
    assert kept.returncode == 0 and "Not saved." in kept.stderr
    listed = steward("automations", "list", "--json", home=home, user=user)
    assert json.loads(listed.stdout) == []
    saved = plan(request, "--save", answer="y\n")
    assert saved.returncode == 0 and "Saved “" in saved.stderr, saved.stderr
    [workflow] = json.loads(steward("automations", "list", "--json", home=home, user=user).stdout)
    assert workflow["enabled"]
    (user / "Downloads" / "a.pdf").write_bytes(b"%PDF")
    ran = steward(
        "automations", "run", workflow["id"], home=home, user=user
    )  # approved: no question
    assert ran.returncode == 0, ran.stderr
    assert (user / "Downloads" / "PDFs" / "a.pdf").exists()


def test_the_first_plan_reads_the_installs_prompt_state(home: Path, user: Path) -> None:
    """`make setup` (and the package build) prepare the planner prompt's state for this
    install (scripts/prepare_prompt_states.py): a new Steward home's first draft reads it and
    keeps nothing of its own, so it does not evaluate the ~1,200-token prompt."""
    prepared = prepared_folder()
    assert prepared is not None and list(prepared.glob("*.state")), "run `make setup`"
    drafted = steward(
        "automations", "plan", "--json", "Every day at 9 remind me to stretch",
        home=home, user=user,
    )  # fmt: skip
    assert drafted.returncode == 0, drafted.stderr
    assert json.loads(drafted.stdout)["kind"] == "workflow"
    assert not (home / "cache" / "prompt-states").exists()


def test_the_daemon_stops_a_workflow_the_moment_it_is_disabled_or_deleted(
    home: Path, user: Path, tmp_path: Path
) -> None:
    inbox = user / "inbox"
    inbox.mkdir()

    def watcher(name: str) -> Path:
        path = tmp_path / f"{name}.json"
        path.write_text(
            json.dumps(
                {
                    "steward_workflow": 1,
                    "name": name,
                    "trigger": {"type": "folder_watch", "folder": "~/inbox", "pattern": "*.txt"},
                    "steps": [
                        {
                            "id": "n",
                            "action": "notify.show",
                            "params": {"title": name, "body": "saw {{trigger.name}}"},
                        }
                    ],
                    "permissions": [{"kind": "files.read", "scope": "~/inbox"}, {"kind": "notify"}],
                }
            )
        )
        created = steward("automations", "create", str(path), home=home, user=user)
        assert created.returncode == 0, created.stderr
        return path

    for name in ("Disabled", "Deleted", "Sentinel"):
        watcher(name)
    daemon = subprocess.Popen(
        [sys.executable, "-m", "app", "daemon"],
        cwd=ROOT,
        env=steward_env(home, HOME=str(user)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        text = _read_until(daemon, lambda t: "Steward daemon: 3 enabled" in t, timeout=60)
        # the watchers start on their own threads: write until each workflow has seen a file
        for attempt in range(600):
            if all(f"notification: {n}: saw probe.txt" in text for n in ("Disabled", "Deleted")):
                break
            if attempt % 20 == 0:
                (inbox / "probe.txt").write_text(str(attempt))
            text += _read_until(daemon, lambda t: False, timeout=0.1)
        assert "notification: Sentinel: saw probe.txt" in text
        for command, name in (("disable", "Disabled"), ("delete", "Deleted")):
            changed = steward("automations", command, name, home=home, user=user)
            assert changed.returncode == 0, changed.stderr
        # committed: a file that arrives now is seen by the sentinel only
        (inbox / "after.txt").write_text("after")
        text += _read_until(daemon, lambda t: "Sentinel: saw after.txt" in t, timeout=60)
        assert "notification: Sentinel: saw after.txt" in text
        text += _read_until(daemon, lambda t: False, timeout=1.5)  # their watchers were dropped
        assert "Disabled: saw after.txt" not in text
        assert "Deleted: saw after.txt" not in text
    finally:
        daemon.send_signal(signal.SIGTERM)
        out, _ = daemon.communicate(timeout=30)
    assert "Disabled: saw after.txt" not in out and "Deleted: saw after.txt" not in out


def test_the_terminal_chat_drafts_a_workflow_and_saves_it_only_when_told(
    home: Path, user: Path
) -> None:
    """`steward chat` routes a message through the session as the window does: a request for
    an automation is drafted (not answered), shown as the review text, and saved only after
    a yes; chatting goes on in the same session."""
    request = "Move the PDFs in ~/Downloads into ~/Downloads/PDFs"

    def chat(lines: str) -> Result:
        return steward("chat", "--max-tokens", "16", home=home, user=user, input=lines)

    declined = chat(f"{request}\nn\n/quit\n")
    assert declined.returncode == 0, declined.stderr
    assert "Draft: “" in declined.stdout and "1. List *.pdf in ~/Downloads" in declined.stdout
    assert "! change files in ~/Downloads" in declined.stdout
    assert "not saved" in declined.stderr
    listed = steward("automations", "list", "--json", home=home, user=user)
    assert json.loads(listed.stdout) == []
    accepted = chat(f"{request}\ny\nSay hello.\n/quit\n")
    assert accepted.returncode == 0, accepted.stderr
    assert "saved “" in accepted.stderr, accepted.stderr
    [workflow] = json.loads(steward("automations", "list", "--json", home=home, user=user).stdout)
    assert (
        workflow["enabled"] and workflow["approved"] and workflow["trigger"] == "By hand (Run now)"
    )
    # the request was drafted, not chatted; the next message was answered and stored
    conversations = json.loads(steward("history", "list", "--json", home=home, user=user).stdout)
    assert [c["title"] for c in conversations] == ["Say hello."]
