"""One running Steward per data folder. A later launch hands its request (show the window,
open the quick prompt, ask a prompt, quit) to the running one over a local socket and exits.

The socket name derives from the resolved data folder, so two STEWARD_HOMEs are two
instances. A socket left behind by a crash is removed before listening, so it never blocks
a start.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

CONNECT_MS = 500
REPLY_MS = 3000


def socket_name(data_folder: Path) -> str:
    digest = hashlib.sha256(str(data_folder.resolve()).encode()).hexdigest()[:16]
    return f"steward-{digest}"


def forward(data_folder: Path, request: dict[str, Any]) -> bool:
    """Send ``request`` to a running instance; True when one took it."""
    socket = QLocalSocket()
    socket.connectToServer(socket_name(data_folder))
    if not socket.waitForConnected(CONNECT_MS):
        return False
    socket.write(json.dumps(request).encode() + b"\n")
    socket.flush()
    ok = socket.waitForReadyRead(REPLY_MS) and socket.readLine().data().strip() == b"ok"
    socket.disconnectFromServer()
    return bool(ok)


class InstanceServer(QObject):
    """Listens for requests from later launches."""

    request_received = Signal(dict)

    def __init__(self, data_folder: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = socket_name(data_folder)
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._on_server_new_connection)

    def listen(self) -> bool:
        QLocalServer.removeServer(self.name)  # a stale socket from a crash
        return self._server.listen(self.name)

    def close(self) -> None:
        self._server.close()

    def _on_server_new_connection(self) -> None:
        while (socket := self._server.nextPendingConnection()) is not None:
            socket.readyRead.connect(lambda s=socket: self._on_socket_ready_read(s))

    def _on_socket_ready_read(self, socket: QLocalSocket) -> None:
        if not socket.canReadLine():
            return
        try:
            request = json.loads(socket.readLine().data())
        except ValueError:
            request = None
        if isinstance(request, dict) and request.get("action") in ("show", "quick", "ask", "quit"):
            socket.write(b"ok\n")
            socket.flush()
            self.request_received.emit(request)
        else:
            socket.write(b"error\n")
        socket.disconnectFromServer()
