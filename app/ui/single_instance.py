"""One running Steward per data folder. A later launch hands its request (show the window,
open the quick prompt, ask a prompt, quit) to the running one over a local socket and exits.

The socket lives where only this user can create anything: the user's runtime folder
(``$XDG_RUNTIME_DIR``, owned by the user, mode 0700), else a private folder inside
Steward's data folder, else (when that path is too long for a socket) a folder
``/tmp/steward-UID`` that Steward makes with mode 0700 and uses only while it is this
user's, unshared and not a link. Before sending anything, the client checks that the
process listening is this user's (the peer's credentials), so a socket another user
managed to put in the way receives nothing. On Windows the pipe name includes the user's
SID, and Qt restricts the pipe to the user's access.

The server reads at most :data:`MAX_REQUEST` bytes a connection and answers every request,
a malformed one with ``error``; nothing a client sends can raise in the app.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import stat
import struct
import sys
import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

CONNECT_S = 0.5
REPLY_S = 3.0
MAX_REQUEST = 64 * 1024
ACTIONS = ("show", "quick", "ask", "quit")
_SUN_PATH_MAX = 100  # sockaddr_un holds 104 (macOS) or 108 (Linux) bytes


class UnsafeSocketFolder(RuntimeError):
    pass


def _digest(data_folder: Path) -> str:
    return hashlib.sha256(str(data_folder.resolve()).encode()).hexdigest()[:16]


def private_folder(folder: Path, *, create: bool) -> Path:
    """``folder``, made (mode 0700) when missing, if it is a real folder owned by this user
    that no one else can write to; else UnsafeSocketFolder."""
    if create:
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=0o700, parents=False)
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafeSocketFolder(f"{folder} is a link or not a folder")
    if info.st_uid != os.getuid():
        raise UnsafeSocketFolder(f"{folder} belongs to another user")
    if stat.S_IMODE(info.st_mode) & 0o077:
        raise UnsafeSocketFolder(f"{folder} can be used by other users")
    return folder


def socket_path(data_folder: Path) -> str:
    """Where this data folder's instance listens (a path on POSIX, a pipe name on Windows)."""
    name = f"steward-{_digest(data_folder)}"
    if sys.platform == "win32":
        return f"{name}-{_windows_user_sid()}"
    candidates: list[tuple[Path, bool]] = []
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isabs(runtime):
        candidates.append((Path(runtime), False))
    candidates.append((data_folder / "run", True))
    candidates.append((Path(tempfile.gettempdir()) / f"steward-{os.getuid()}", True))
    problems = []
    for folder, create in candidates:
        path = str(folder / name)
        if len(path.encode()) > _SUN_PATH_MAX:
            continue
        try:
            private_folder(folder, create=create)
        except (OSError, UnsafeSocketFolder) as exc:
            problems.append(str(exc))
            continue
        return path
    raise UnsafeSocketFolder(
        "no private folder for Steward's single-instance socket: " + "; ".join(problems)
    )


if sys.platform == "win32":

    def _windows_user_sid() -> str:
        """This user's SID (``S-1-5-21-…``) from the process token; the pipe name holds it,
        so another user's pipe can never have this name."""
        import ctypes
        from ctypes import wintypes

        advapi32 = ctypes.WinDLL("advapi32", use_last_error=True)
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        token = wintypes.HANDLE()
        if not advapi32.OpenProcessToken(kernel32.GetCurrentProcess(), 0x0008, ctypes.byref(token)):
            raise ctypes.WinError(ctypes.get_last_error())
        try:
            size = wintypes.DWORD()
            advapi32.GetTokenInformation(token, 1, None, 0, ctypes.byref(size))  # TokenUser
            buffer = ctypes.create_string_buffer(size.value)
            if not advapi32.GetTokenInformation(token, 1, buffer, size, ctypes.byref(size)):
                raise ctypes.WinError(ctypes.get_last_error())
            sid = ctypes.cast(buffer, ctypes.POINTER(ctypes.c_void_p))[0]  # TOKEN_USER.User.Sid
            text = wintypes.LPWSTR()
            if not advapi32.ConvertSidToStringSidW(ctypes.c_void_p(sid), ctypes.byref(text)):
                raise ctypes.WinError(ctypes.get_last_error())
            try:
                return str(text.value)
            finally:
                kernel32.LocalFree(text)
        finally:
            kernel32.CloseHandle(token)


def peer_uid(sock: socket.socket) -> int | None:
    """The user id of the process at the other end of a Unix socket (None: unknown)."""
    if hasattr(socket, "SO_PEERCRED"):  # Linux
        raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        return int(struct.unpack("3i", raw)[1])
    if sys.platform == "darwin":  # LOCAL_PEERCRED gives a struct xucred
        raw = sock.getsockopt(0, 0x001, 76)
        return int(struct.unpack_from("=II", raw)[1])
    return None


def forward(data_folder: Path, request: dict[str, Any]) -> bool:
    """Send ``request`` to a running instance; True when one took it. A socket whose
    listener is not this user's is never sent anything."""
    if sys.platform == "win32":
        return _forward_pipe(socket_path(data_folder), request)
    try:
        path = socket_path(data_folder)
    except UnsafeSocketFolder:
        return False
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return False
    if not stat.S_ISSOCK(info.st_mode) or info.st_uid != os.getuid():
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(CONNECT_S)
        try:
            sock.connect(path)
        except OSError:
            return False
        if peer_uid(sock) != os.getuid():
            return False
        sock.settimeout(REPLY_S)
        try:
            sock.sendall(json.dumps(request).encode() + b"\n")
            with sock.makefile("rb") as reader:
                reply = reader.readline(16)
        except OSError:
            return False
    return reply.strip() == b"ok"


def _forward_pipe(name: str, request: dict[str, Any]) -> bool:
    client = QLocalSocket()
    client.connectToServer(name)
    if not client.waitForConnected(int(CONNECT_S * 1000)):
        return False
    client.write(json.dumps(request).encode() + b"\n")
    client.flush()
    ok = (
        client.waitForReadyRead(int(REPLY_S * 1000))
        and bytes(client.readLine().data()).strip() == b"ok"
    )
    client.disconnectFromServer()
    return bool(ok)


def parse_request(line: bytes) -> dict[str, Any] | None:
    """A request from a later launch, or None for anything malformed."""
    try:
        request = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(request, dict) or request.get("action") not in ACTIONS:
        return None
    prompt = request.get("prompt")
    if prompt is not None and not isinstance(prompt, str):
        return None
    return request


class InstanceServer(QObject):
    """Listens for requests from later launches."""

    request_received = Signal(dict)

    def __init__(self, data_folder: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = socket_path(data_folder)
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._on_server_new_connection)
        self._buffers: dict[QLocalSocket, bytearray] = {}

    def listen(self) -> bool:
        QLocalServer.removeServer(self.name)  # a stale socket from a crash, in our own folder
        return self._server.listen(self.name)

    def close(self) -> None:
        self._server.close()

    def _on_server_new_connection(self) -> None:
        while (client := self._server.nextPendingConnection()) is not None:
            self._buffers[client] = bytearray()
            client.readyRead.connect(lambda c=client: self._on_client_ready_read(c))
            client.disconnected.connect(lambda c=client: self._buffers.pop(c, None))

    def _on_client_ready_read(self, client: QLocalSocket) -> None:
        buffer = self._buffers.get(client)
        if buffer is None:
            return
        buffer += client.read(MAX_REQUEST + 1 - len(buffer)).data()
        if b"\n" not in buffer:
            if len(buffer) > MAX_REQUEST:
                self._answer(client, None)
            return
        request = parse_request(bytes(buffer.split(b"\n", 1)[0]))
        self._answer(client, request)

    def _answer(self, client: QLocalSocket, request: dict[str, Any] | None) -> None:
        self._buffers.pop(client, None)
        client.write(b"ok\n" if request is not None else b"error\n")
        client.flush()
        client.disconnectFromServer()
        if request is not None:
            self.request_received.emit(request)
