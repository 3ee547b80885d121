"""The `steward` command, run as a user would: real child processes, real model, real database."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.paths import resolve_paths
from app.core.secrets import format_recovery_key, parse_recovery_key
from tests.conftest import ROOT, run_steward, steward_env

FAST = ("--max-tokens", "12", "--temperature", "0")


def recovery_key_from(stderr: str) -> str:
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip().count("-") == 10]
    assert lines, stderr
    return lines[0]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_ask_streams_stores_and_prints_json(home: Path) -> None:
    first = run_steward("ask", "Name a fruit.", *FAST, home=home)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip()
    key = recovery_key_from(first.stderr)  # shown once, when the database is created
    assert parse_recovery_key(key)

    listed = run_steward("history", "list", "--json", home=home)
    [conv] = json.loads(listed.stdout)
    again = run_steward(
        "ask", "And a vegetable?", "--conversation", conv["id"], "--json", *FAST, home=home
    )
    assert again.returncode == 0, again.stderr
    out = json.loads(again.stdout)
    assert set(out) == {
        "conversation_id",
        "message_id",
        "content",
        "model",
        "backend",
        "status",
        "usage",
        "timings",
    }
    assert out["conversation_id"] == conv["id"] and out["backend"] == "local"
    # 12 tokens may end the answer or cut it: the status says which
    cut = out["usage"]["completion_tokens"] >= 12
    assert out["status"] == ("length" if cut else "complete") and out["content"]
    assert out["usage"]["completion_tokens"] > 0 and out["usage"]["prompt_tokens"] > 0
    assert out["timings"]["tokens_per_s"] > 0 and out["timings"]["ttft_ms"] > 0
    assert "Recovery key" not in again.stderr  # only shown at creation

    shown = json.loads(run_steward("history", "show", conv["id"][:8], "--json", home=home).stdout)
    roles = [(m["role"], m["backend"]) for m in shown["messages"]]
    assert roles == [("user", "local"), ("assistant", "local")] * 2
    statuses = [m["status"] for m in shown["messages"]]
    assert statuses[0] == statuses[2] == "complete"
    assert statuses[3] == out["status"] and statuses[1] in ("complete", "length")
    assert all(m["model"] for m in shown["messages"])


def test_history_commands(home: Path, tmp_path: Path) -> None:
    assert run_steward("ask", "Tell me about zeppelins", *FAST, home=home).returncode == 0
    [conv] = json.loads(run_steward("history", "list", "--json", home=home).stdout)
    hits = json.loads(run_steward("history", "search", "zeppelin", "--json", home=home).stdout)
    assert hits and hits[0]["conversation_id"] == conv["id"]
    text = run_steward("history", "show", conv["id"], home=home).stdout
    assert "zeppelins" in text and "local" in text

    md = run_steward("history", "export", conv["id"], "--format", "md", home=home)
    assert md.returncode == 0 and "# Tell me about zeppelins" in md.stdout
    out = tmp_path / "conv.json"
    assert (
        run_steward(
            "history", "export", conv["id"], "--format", "json", "-o", str(out), home=home
        ).returncode
        == 0
    )
    imported = run_steward("history", "import", str(out), "--json", home=home)
    assert imported.returncode == 0, imported.stderr
    [copy] = json.loads(imported.stdout)
    assert len(json.loads(run_steward("history", "list", "--json", home=home).stdout)) == 2

    deleted = run_steward("history", "delete", copy["id"], "--json", home=home)
    assert json.loads(deleted.stdout) == {"deleted": copy["id"]}
    assert [
        c["id"] for c in json.loads(run_steward("history", "list", "--json", home=home).stdout)
    ] == [conv["id"]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ask", ""), "prompt is empty"),
        (("ask", "   "), "prompt is empty"),
        (("ask", "hi", "--bogus"), "unrecognized arguments"),
        (("history",), "required"),
        (("history", "export", "x", "--format", "pdf"), "invalid choice"),
        (("ask", "hi", "--temperature", "9"), "--temperature"),
        (("frobnicate",), "invalid choice"),
        (("--quick", "history", "list"), "--quick is for the desktop app"),
        (("--no-model", "ask", "hi"), "--no-model is for the desktop app"),
        (("--ask", "  "), "--ask needs a prompt"),
        (("--quick", "--quit"), "not allowed with"),
        (("settings", "set", "appearance", "purple"), "appearance must be one of"),
    ],
)
def test_bad_arguments_one_line_exit_2(home: Path, args: tuple[str, ...], message: str) -> None:
    result = run_steward(*args, home=home)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_desktop_without_a_display_points_to_the_terminal_chat(home: Path) -> None:
    result = run_steward(home=home, DISPLAY="", WAYLAND_DISPLAY="", QT_QPA_PLATFORM="")
    assert result.returncode == 2
    assert "no display" in result.stderr and "steward chat" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (home / "data").exists() or not any((home / "data").iterdir())


def test_unknown_conversation_and_bad_import_exit_3(home: Path, tmp_path: Path) -> None:
    result = run_steward("history", "show", "deadbeef", home=home)
    assert result.returncode == 3 and "No conversation" in result.stderr
    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    result = run_steward("history", "import", str(bad), home=home)
    assert result.returncode == 2 and "not a JSON file" in result.stderr


def test_missing_model_is_clear_and_history_keeps_working(home: Path, tmp_path: Path) -> None:
    assert run_steward("ask", "Remember the word pelican", *FAST, home=home).returncode == 0
    missing = tmp_path / "nope.gguf"
    result = run_steward("ask", "hello", "--model", str(missing), home=home)
    assert result.returncode == 3
    assert str(missing) in result.stderr and "Traceback" not in result.stderr
    # the history is intact and usable without a model
    hits = json.loads(run_steward("history", "search", "pelican", "--json", home=home).stdout)
    assert hits
    doctor = run_steward("doctor", "--model", str(missing), "--json", home=home)
    assert doctor.returncode == 4
    report = json.loads(doctor.stdout)
    assert not report["ok"]
    assert {c["check"]: c["ok"] for c in report["checks"]} == {
        "folders": True,
        "keyring": True,
        "database": True,
        "resume": True,
        "model": False,
        "cloud": True,
    }
    assert "off (nothing leaves this machine)" in report["checks"][-1]["detail"]


def test_doctor_all_good(home: Path) -> None:
    result = run_steward("doctor", home=home)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "model" in result.stdout and "keyring" in result.stdout


def test_wrong_passphrase_leaves_database_untouched(home: Path) -> None:
    assert run_steward("ask", "hello", *FAST, home=home).returncode == 0
    db = home / "data" / "steward.db"
    before = digest(db)
    result = run_steward("history", "list", home=home, STEWARD_PASSPHRASE="not the passphrase")
    assert result.returncode == 3 and "Wrong passphrase" in result.stderr
    assert digest(db) == before
    assert run_steward("history", "list", home=home).returncode == 0


def test_no_keyring_and_no_passphrase_stops_clearly(home: Path) -> None:
    result = run_steward("ask", "hello", home=home, STEWARD_PASSPHRASE="")
    assert result.returncode == 3
    assert "No keyring" in result.stderr and "STEWARD_PASSPHRASE" in result.stderr
    assert not (home / "data" / "steward.db").exists()


def test_backup_restore_and_recover(home: Path, tmp_path: Path) -> None:
    created = run_steward("ask", "Remember the word albatross", *FAST, home=home)
    recovery = recovery_key_from(created.stderr)
    backup = tmp_path / "copy.db"
    result = run_steward("backup", str(backup), home=home)
    assert result.returncode == 0 and "Backed up 2 messages" in result.stdout
    assert b"albatross" not in backup.read_bytes()
    auto = run_steward("backup", home=home)
    assert auto.returncode == 0 and list((home / "data" / "backups").glob("steward-*.db"))

    assert run_steward("ask", "A later message about kestrels", *FAST, home=home).returncode == 0
    wrong = format_recovery_key(bytes(32))
    refused = run_steward("restore", str(backup), home=home, STEWARD_RECOVERY_KEY=wrong)
    assert refused.returncode == 3 and "wrong key" in refused.stderr
    assert json.loads(run_steward("history", "search", "kestrels", "--json", home=home).stdout)

    restored = run_steward("restore", str(backup), home=home, STEWARD_RECOVERY_KEY=recovery)
    assert restored.returncode == 0, restored.stderr
    assert "Restored 2 messages" in restored.stdout and "kept" in restored.stdout
    assert json.loads(run_steward("history", "search", "albatross", "--json", home=home).stdout)
    assert not json.loads(run_steward("history", "search", "kestrels", "--json", home=home).stdout)

    # a lost passphrase/keyring: the recovery key alone unlocks again
    meta = home / "data" / "steward.db.json"
    meta.unlink()
    locked = run_steward("history", "list", home=home)
    assert locked.returncode == 3 and "steward recover" in locked.stderr
    recovered = run_steward(
        "recover", home=home, STEWARD_RECOVERY_KEY=recovery, STEWARD_PASSPHRASE="new passphrase 2"
    )
    assert recovered.returncode == 0, recovered.stderr
    listed = run_steward(
        "history", "list", "--json", home=home, STEWARD_PASSPHRASE="new passphrase 2"
    )
    assert listed.returncode == 0 and len(json.loads(listed.stdout)) == 1
    shown = run_steward("recovery-key", home=home, STEWARD_PASSPHRASE="new passphrase 2")
    assert shown.stdout.strip() == recovery


def test_chat_session_survives_ctrl_c(home: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "chat", "--max-tokens", "400", "--temperature", "0.8"],
        cwd=ROOT,
        env=steward_env(home),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdin and proc.stdout
        proc.stdin.write("Write a long poem about autumn leaves.\n")
        proc.stdin.flush()
        seen = ""
        while "steward> " not in seen:  # the answer has begun
            seen += proc.stdout.read(1)
        proc.stdout.read(20)  # some of the answer streamed
        os.kill(proc.pid, signal.SIGINT)  # stops this answer, not the session
        seen = ""
        while "you> " not in seen:  # stopped: the chat asks for the next message
            seen += proc.stdout.read(1)
        proc.stdin.write("Say hi.\n/quit\n")
        proc.stdin.flush()
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 0, err
    assert "partial answer was saved" in err
    shown = json.loads(run_steward("history", "list", "--json", home=home).stdout)
    [conv] = shown
    msgs = json.loads(run_steward("history", "show", conv["id"], "--json", home=home).stdout)[
        "messages"
    ]
    # the last answer is sampled: it ends, or (rarely) runs to the 400-token limit and says so
    last = msgs[3]
    last_status = "length" if last["completion_tokens"] == 400 else "complete"
    assert [(m["role"], m["status"]) for m in msgs] == [
        ("user", "complete"),
        ("assistant", "partial"),
        ("user", "complete"),
        ("assistant", last_status),
    ]


def test_unexpected_error_writes_a_crash_report_without_content(home: Path) -> None:
    assert run_steward("ask", "secret-marker-9f2", *FAST, home=home).returncode == 0
    db = home / "data" / "steward.db"
    # a database damaged behind Steward's back on a page it cannot decrypt
    data = bytearray(db.read_bytes())
    data[5000:5100] = bytes(100)
    db.write_bytes(bytes(data))
    result = run_steward("history", "search", "secret", home=home)
    assert result.returncode in (1, 3)
    assert "Traceback" not in result.stderr
    for report in (home / "logs").rglob("*"):
        if report.is_file():
            assert b"secret-marker-9f2" not in report.read_bytes()


def test_settings_command_changes_what_ask_uses(home: Path, tmp_path: Path) -> None:
    assert run_steward("settings", "set", "max_tokens", "5", home=home).returncode == 0
    assert run_steward("settings", "set", "temperature", "0", home=home).returncode == 0
    shown = json.loads(run_steward("settings", "show", "--json", home=home).stdout)
    assert shown["max_tokens"] == 5 and shown["temperature"] == 0.0
    out = json.loads(run_steward("ask", "Tell me a long story.", "--json", home=home).stdout)
    assert out["usage"]["completion_tokens"] <= 5
    bad = run_steward("settings", "set", "model_path", str(tmp_path / "none.gguf"), home=home)
    assert bad.returncode == 3 and "does not exist" in bad.stderr
    assert (
        json.loads(run_steward("settings", "show", "--json", home=home).stdout)["model_path"] == ""
    )
    wrong = run_steward("settings", "set", "n_ctx", "lots", home=home)
    assert wrong.returncode == 2 and "whole number" in wrong.stderr
    assert run_steward("settings", "reset", home=home).returncode == 0
    assert (
        json.loads(run_steward("settings", "show", "--json", home=home).stdout)["max_tokens"] == 512
    )


def test_ask_reads_piped_text_before_the_prompt(home: Path) -> None:
    notes = "Notes: the review moved to Thursday at 15:00 in room 12.\n"
    out = run_steward(
        "ask", "When is the review?", "--json", "--max-tokens", "8", home=home, input=notes
    )
    assert out.returncode == 0, out.stderr
    conv = json.loads(out.stdout)["conversation_id"]
    shown = json.loads(run_steward("history", "show", conv, "--json", home=home).stdout)
    assert shown["messages"][0]["content"] == notes.strip() + "\n\nWhen is the review?"
    alone = run_steward("ask", "--json", "--max-tokens", "4", home=home, input="Say hi.\n")
    assert alone.returncode == 0, alone.stderr  # the piped text alone is the prompt
    too_long = run_steward("ask", "Summarize this", home=home, input="word " * 20_000)
    assert too_long.returncode == 3, too_long.stderr
    assert "too long for the local model" in too_long.stderr and "tokens" in too_long.stderr


def test_text_that_is_not_utf8_is_refused_with_one_clear_line(home: Path) -> None:
    assert run_steward("ask", "Say hi.", "--max-tokens", "4", home=home).returncode == 0
    before = run_steward("history", "list", "--json", home=home).stdout

    def steward_bytes(*args: bytes, input: bytes | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable.encode(), b"-m", b"app", *args],
            cwd=ROOT,
            env=steward_env(home),
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            timeout=120,
        )

    piped = steward_bytes(b"ask", b"Summarize", input=b"caf\xe9 au lait\n")
    argument = steward_bytes(b"ask", b"bad \xff byte")
    chat = steward_bytes(b"chat", input=b"hi \xff\n")
    for result, words in (
        (piped, b"The text piped in is not valid UTF-8 (byte 0xE9 at byte 4)"),
        (argument, b"The prompt is not valid UTF-8 text (byte 0xFF"),
        (chat, b"that line is not valid UTF-8 text (byte 0xFF"),
    ):
        assert result.returncode == 2, result.stderr
        assert words in result.stderr and b"unexpected error" not in result.stderr
    assert len(piped.stderr.decode().strip().splitlines()) == 1
    assert run_steward("history", "list", "--json", home=home).stdout == before  # nothing stored


@pytest.mark.parametrize(
    "args", [("models", "list"), ("models", "available"), ("settings", "show")]
)
def test_output_into_a_closed_pipe_stops_quietly(home: Path, args: tuple[str, ...]) -> None:
    """`steward models list | head -1`: the reader is gone before Steward writes; it stops
    with 141 (as shell tools do), no "unexpected error", no crash report."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "app", *args],
            cwd=ROOT,
            env=steward_env(home),
            stdin=subprocess.DEVNULL,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert proc.returncode == 141, proc.stderr
    assert proc.stderr == ""
    assert not list((resolve_paths(home).logs / "crashes").glob("*"))
