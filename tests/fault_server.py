"""A small OpenAI-compatible chat-completions server on 127.0.0.1 that misbehaves on demand,
for faults a real server will not produce when asked. The requested model name picks the
behaviour; every request is recorded (headers and body) for assertions."""

from __future__ import annotations

import datetime as dt
import json
import ssl
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


def chunk(text: str | None = None, finish: str | None = None) -> bytes:
    delta = {"content": text} if text is not None else {}
    body = {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return b"data: " + json.dumps(body).encode() + b"\n\n"


class _Handler(BaseHTTPRequestHandler):
    server: FaultServer  # type: ignore[assignment]
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def _json(
        self, code: int, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _stream_start(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

    def _send(self, data: bytes) -> None:
        self.wfile.write(data)
        self.wfile.flush()

    def do_GET(self) -> None:
        self._json(200, {"object": "list", "data": [{"id": "fault-server"}]})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        model = str(body.get("model", "ok"))
        srv = self.server
        with srv.lock:
            srv.requests.append({"headers": dict(self.headers), "body": body})
            srv.counts[model] += 1
            count = srv.counts[model]
        if (refusal := _refusal(model, count)) is not None:
            return self._json(*refusal)
        if model == "slow":
            time.sleep(2.0)
        self._stream_start()
        if model.startswith("replay-"):
            payload = chunk("x")
            data = payload * int(model.split("-", 1)[1])
            self._send(data + chunk(finish="stop") + b"data: [DONE]\n\n")
            return
        if model == "drip":
            for _ in range(400):
                self._send(chunk("tick "))
                time.sleep(0.05)
        if model == "echo":  # repeats the last user message, to check redaction round trips
            last = [m for m in body.get("messages", []) if m.get("role") == "user"][-1]["content"]
            for i in range(0, len(last), 7):
                self._send(chunk(last[i : i + 7]))
        else:
            for word in ("Hello", " from", " the", " cloud", "."):
                self._send(chunk(word))
        if model == "disconnect":
            return  # the connection closes with no end of stream
        if model == "malformed":
            self._send(b"data: {this is not json\n\n")
            return
        self._send(chunk(finish="stop"))
        self._send(
            b'data: {"choices": [], "usage": {"prompt_tokens": 11, "completion_tokens": 5}}\n\n'
        )
        self._send(b"data: [DONE]\n\n")


def _refusal(model: str, count: int) -> tuple[int, dict[str, Any], dict[str, str]] | None:
    """The error a fault model answers with (this time), if it does."""
    if model == "unauthorized":
        return 401, {"error": {"message": "Incorrect API key provided"}}, {}
    if model == "missing":
        return 404, {"error": {"message": f"The model {model} does not exist"}}, {}
    if model == "ratelimit-always" or (model == "ratelimit-once" and count == 1):
        return 429, {"error": {"message": "Rate limit"}}, {"Retry-After": "1"}
    if model == "error500" or (model == "error500-once" and count == 1):
        return 500, {"error": {"message": "internal"}}, {}
    return None


class FaultServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, tls_dir: Path | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.requests: list[dict[str, Any]] = []
        self.counts: Counter[str] = Counter()
        scheme = "http"
        if tls_dir is not None:
            cert, key = self_signed_certificate(tls_dir)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(cert, key)
            self.socket = ctx.wrap_socket(self.socket, server_side=True)
            scheme = "https"
        self.base_url = f"{scheme}://127.0.0.1:{self.server_address[1]}/v1"
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    write_pem(cert, key, cert_path, key_path)
    return cert_path, key_path


def write_pem(cert: Any, key: Any, cert_path: Path, key_path: Path) -> None:
    """A certificate and its private key (unencrypted) as PEM files."""
    from cryptography.hazmat.primitives import serialization

    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
