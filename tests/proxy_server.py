"""A forward HTTP proxy on 127.0.0.1 (absolute-URI requests and CONNECT tunnels), recording
what it forwarded, for proxy settings that must really be used."""

from __future__ import annotations

import select
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


class _Handler(BaseHTTPRequestHandler):
    server: ForwardProxy  # type: ignore[assignment]
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def _forward(self) -> None:
        with self.server.lock:
            self.server.forwarded.append(f"{self.command} {self.path}")
        target = urlsplit(self.path)
        upstream = socket.create_connection((target.hostname, target.port or 80))
        path = target.path + (f"?{target.query}" if target.query else "")
        head = [f"{self.command} {path} HTTP/1.1"]
        for name, value in self.headers.items():
            if name.lower() not in ("proxy-connection", "connection", "keep-alive"):
                head.append(f"{name}: {value}")
        head.append("Connection: close")
        upstream.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            upstream.sendall(self.rfile.read(length))
        # the client must not reuse its connection to the proxy: say so in the response head
        head_bytes = b""
        while b"\r\n\r\n" not in head_bytes:
            data = upstream.recv(1 << 16)
            if not data:
                break
            head_bytes += data
        status, _, rest = head_bytes.partition(b"\r\n")
        kept = b"\r\n".join(
            line for line in rest.split(b"\r\n") if not line.lower().startswith(b"connection:")
        )
        self.connection.sendall(status + b"\r\nConnection: close\r\n" + kept)
        self._pipe(upstream)
        self.close_connection = True

    do_GET = do_HEAD = do_POST = _forward

    def do_CONNECT(self) -> None:
        with self.server.lock:
            self.server.forwarded.append(f"CONNECT {self.path}")
        host, _, port = self.path.rpartition(":")
        upstream = socket.create_connection((host, int(port)))
        self.send_response(200, "Connection established")
        self.end_headers()
        self._pipe(upstream, both_ways=True)
        self.close_connection = True

    def _pipe(self, upstream: socket.socket, *, both_ways: bool = False) -> None:
        sockets = [upstream, self.connection] if both_ways else [upstream]
        try:
            while True:
                readable, _, _ = select.select(sockets, [], [], 30)
                if not readable:
                    return
                for sock in readable:
                    data = sock.recv(1 << 16)
                    if not data:
                        return
                    (self.connection if sock is upstream else upstream).sendall(data)
        except OSError:
            return
        finally:
            upstream.close()


class ForwardProxy(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.forwarded: list[str] = []
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def __enter__(self) -> ForwardProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
