"""A real HTTP server on 127.0.0.1 for the tests, recording every request it gets."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Seen:
    method: str
    path: str
    host: str
    body: bytes


@dataclass
class Server:
    port: int
    requests: list[Seen] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def serve() -> Iterator[Server]:
    state = Server(0)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _record(self) -> bytes:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            state.requests.append(Seen(self.command, self.path, self.headers.get("host", ""), body))
            return body

        def _send(
            self, status: int, body: bytes, kind: str = "text/html; charset=utf-8", **headers: str
        ) -> None:
            self.send_response(status)
            self.send_header("content-type", kind)
            self.send_header("content-length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self._record()
            if self.path == "/page":
                self._send(200, b"<html><title>Steward test page</title><p>hello</p></html>")
            elif self.path == "/big":
                self._send(200, b"x" * 3_000_000, "application/octet-stream")
            elif self.path == "/slow":
                time.sleep(3)
                self._send(200, b"late")
            elif self.path == "/redirect":
                self._send(302, b"", Location="http://elsewhere.test/")
            else:
                self._send(404, b"not here")

        def do_POST(self) -> None:
            body = self._record()
            self._send(201, b"got " + body, "text/plain")

    class Quiet(ThreadingHTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            pass  # a client that gave up early (size and time limits) is expected here

    server = Quiet(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
