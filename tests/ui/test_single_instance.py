"""The single-instance socket: it lives where only this user can create anything, the client
checks who listens before it sends a byte, and the server answers every request, a
malformed or oversized one included. The attacks run as a throwaway second user made by
the test (the tests run as root in CI)."""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import socket
import stat
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.ui import single_instance
from app.ui.single_instance import (
    MAX_REQUEST,
    InstanceServer,
    UnsafeSocketFolder,
    forward,
    parse_request,
    socket_path,
)

OTHER_USER = "steward-test-other"
SQUATTER = r"""
import os, socket, sys
path, log = sys.argv[1], sys.argv[2]
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(path)
os.chmod(path, 0o777)
server.listen(5)
print("listening", flush=True)
while True:
    conn, _ = server.accept()
    conn.settimeout(2)
    try:
        data = conn.recv(65536)
    except OSError:
        data = b""
    with open(log, "ab") as out:
        out.write(data)
    try:
        conn.sendall(b"ok\n")
    except OSError:
        pass
    conn.close()
"""


@pytest.fixture
def runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "rt"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder))
    return folder


def test_the_socket_is_in_the_users_runtime_folder(runtime: Path, tmp_path: Path) -> None:
    path = Path(socket_path(tmp_path / "data"))
    assert path.parent == runtime


def test_without_a_runtime_folder_the_socket_is_in_a_private_folder_of_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    data = tmp_path / "d"
    data.mkdir(mode=0o700)
    path = Path(socket_path(data))
    assert path.parent == data / "run"
    assert stat.S_IMODE(os.lstat(data / "run").st_mode) == 0o700


def test_a_runtime_folder_others_can_write_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(shared))
    data = tmp_path / "d"
    data.mkdir(mode=0o700)
    assert Path(socket_path(data)).parent == data / "run"


@pytest.fixture(scope="module")
def other_user() -> Iterator[pwd.struct_passwd]:
    if os.getuid() != 0:
        pytest.skip("creating a second user needs root (CI runs as root)")
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", OTHER_USER],
        check=False,
        capture_output=True,
    )
    yield pwd.getpwnam(OTHER_USER)
    subprocess.run(["userdel", OTHER_USER], check=False, capture_output=True)


def as_user(user: pwd.struct_passwd, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            "setpriv",
            f"--reuid={user.pw_uid}",
            f"--regid={user.pw_gid}",
            "--clear-groups",
            "/usr/bin/python3",
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_folder_squatted_by_another_user_is_refused(
    other_user: pwd.struct_passwd, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # no runtime folder, and a data folder so deep that its socket path would be too long:
    # the last resort is /tmp/steward-UID, which the other user made first
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setattr(single_instance.tempfile, "gettempdir", lambda: str(tmp_path))
    squatted = tmp_path / f"steward-{os.getuid()}"
    squatted.mkdir(mode=0o777)
    os.chown(squatted, other_user.pw_uid, other_user.pw_gid)
    squatted.chmod(0o777)
    deep = tmp_path / ("x" * 90) / "data"
    deep.mkdir(parents=True)
    with pytest.raises(UnsafeSocketFolder, match="belongs to another user"):
        socket_path(deep)
    assert forward(deep, {"action": "ask", "prompt": "private"}) is False
    assert list(squatted.iterdir()) == []


def test_a_listener_of_another_user_is_sent_nothing(
    other_user: pwd.struct_passwd, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the other user listens at the very path this user's client uses (as if it had won
    # a race for a shared location); the socket file is even made to look like ours
    shared = Path(tempfile.mkdtemp(prefix="steward-test-"))  # reachable by the other user
    shared.chmod(0o777)
    path = shared / "steward.sock"
    log = shared / "received"
    log.touch()
    log.chmod(0o666)
    squatter = as_user(other_user, "-c", SQUATTER, str(path), str(log))
    try:
        assert squatter.stdout is not None
        assert squatter.stdout.readline().strip() == "listening", squatter.stderr
        os.chown(path, os.getuid(), os.getgid())  # owned by us, listened to by them
        monkeypatch.setattr(single_instance, "socket_path", lambda data: str(path))
        assert forward(tmp_path / "data", {"action": "ask", "prompt": "my private prompt"}) is False
        # a control: the same squatter does receive from a client that does not check
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as naive:
            naive.connect(str(path))
            naive.sendall(b"probe\n")
            naive.recv(16)
        deadline = time.monotonic() + 10
        while b"probe" not in log.read_bytes():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert b"my private prompt" not in log.read_bytes()
    finally:
        squatter.kill()
        squatter.communicate()
        shutil.rmtree(shared)


def test_parse_errors_are_answered_never_raised() -> None:
    assert parse_request(b'{"action": "ask", "prompt": "hi"}') == {"action": "ask", "prompt": "hi"}
    for bad in (
        b"[" * 100_000,
        b"not json",
        b'{"action": "rm"}',
        b"[]",
        b'{"action": "ask", "prompt": 5}',
    ):
        assert parse_request(bad) is None


def send_raw(path: str, payload: bytes) -> bytes:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(10)
        client.connect(path)
        with contextlib.suppress(OSError):  # the server may close once it has read its limit
            client.sendall(payload)
        with client.makefile("rb") as reader:
            return reader.readline(16)


def exchange(qtbot: QtBot, path: str, payload: bytes) -> bytes:
    """Send from a thread (the server answers on this thread's event loop)."""
    replies: list[bytes] = []
    thread = threading.Thread(target=lambda: replies.append(send_raw(path, payload)))
    thread.start()
    qtbot.waitUntil(lambda: bool(replies), timeout=10_000)
    thread.join()
    return replies[0]


def test_the_server_answers_oversized_nested_and_valid_requests(
    qtbot: QtBot, runtime: Path, tmp_path: Path
) -> None:
    server = InstanceServer(tmp_path / "data")
    assert server.listen()
    received: list[dict[str, Any]] = []
    server.request_received.connect(received.append)
    try:
        for payload, answer in (
            (b"x" * (MAX_REQUEST + 10), b"error\n"),
            (b"[" * 50_000 + b"\n", b"error\n"),
            (json.dumps({"action": "ask", "prompt": "hello"}).encode() + b"\n", b"ok\n"),
        ):
            assert exchange(qtbot, server.name, payload) == answer
        assert received == [{"action": "ask", "prompt": "hello"}]
        # and a running instance takes a forwarded request from this user
        took: list[bool] = []
        thread = threading.Thread(
            target=lambda: took.append(forward(tmp_path / "data", {"action": "show"}))
        )
        thread.start()
        qtbot.waitUntil(lambda: bool(took), timeout=10_000)
        thread.join()
        assert took == [True] and received[-1] == {"action": "show"}
    finally:
        server.close()
