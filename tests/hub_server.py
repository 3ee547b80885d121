"""A model hub on 127.0.0.1 for download tests: files in the hub's URL layout, with the hub's
headers, and the faults real networks produce, on demand.

``/{repo}/resolve/{revision}/{file}`` answers like Hugging Face does for a large file: a
``HEAD`` or ``GET`` gets a 302 to the file's content URL with ``X-Linked-Size`` and
``X-Linked-Etag`` (its SHA-256); ``/content/{sha256}`` serves the bytes with ``Range``
support. ``/plain/{file}`` serves a file with only ``Content-Length`` (no hash header), as
any web server would. Faults are set per file on :class:`HubFile`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import re
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@dataclass
class HubFile:
    data: bytes
    # faults, consumed as they happen
    drop_at: list[int] = field(default_factory=list)  # byte offsets where the connection drops
    stall_at: list[int] = field(default_factory=list)  # offsets where the server goes quiet
    stall_s: float = 3600.0
    ignore_range: bool = False  # always 200 with the whole file
    serve_instead: bytes | None = None  # other bytes than announced (a corrupt mirror)
    status: int | None = None  # answer every request with this status
    start_delay_s: float = 0.0  # before the first byte of each response
    bytes_per_s: float = 0.0  # 0: as fast as possible
    needs_token: str = ""  # a bearer token the hub wants (401 without, 403 when wrong)

    sha256: str = field(init=False)

    def __post_init__(self) -> None:
        self.sha256 = hashlib.sha256(self.data).hexdigest()  # once: files are large


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]


class _Handler(BaseHTTPRequestHandler):
    server: HubServer  # type: ignore[assignment]
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def do_HEAD(self) -> None:
        self._serve(body=False)

    def do_GET(self) -> None:
        self._serve(body=True)

    def _serve(self, *, body: bool) -> None:
        hub = self.server
        with hub.lock:
            hub.requests.append(Request(self.command, self.path, dict(self.headers)))
        resolve = re.fullmatch(r"/(.+)/resolve/([^/]+)/([^/]+)", self.path)
        content = re.fullmatch(r"/content/([0-9a-f]{64})/([^/]+)", self.path)
        plain = re.fullmatch(r"/plain/([^/]+)", self.path)
        name = (
            resolve.group(3)
            if resolve
            else content.group(2)
            if content
            else plain.group(1)
            if plain
            else ""
        )
        hub_file = hub.files.get(name)
        if hub_file is None:
            return self._empty(404)
        if hub_file.needs_token:
            auth = self.headers.get("Authorization", "")
            if not auth:
                return self._empty(401)
            if auth != f"Bearer {hub_file.needs_token}":
                return self._empty(403)
        if hub_file.status is not None:
            return self._empty(hub_file.status)
        if resolve:
            self.send_response(302)
            self.send_header("Location", f"/content/{hub_file.sha256}/{name}")
            self.send_header("X-Linked-Size", str(len(hub_file.data)))
            self.send_header("X-Linked-Etag", f'"{hub_file.sha256}"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        self._content(hub_file, body=body)
        return None

    def _empty(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _content(self, hub_file: HubFile, *, body: bool) -> None:
        data = hub_file.serve_instead if hub_file.serve_instead is not None else hub_file.data
        start, status = 0, 200
        wanted = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range", ""))
        if wanted and not hub_file.ignore_range:
            start = int(wanted.group(1))
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status = 206
        self.send_response(status)
        self.send_header("Content-Length", str(len(data) - start))
        self.send_header("Accept-Ranges", "none" if hub_file.ignore_range else "bytes")
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.end_headers()
        if not body:
            return
        if hub_file.start_delay_s:
            time.sleep(hub_file.start_delay_s)
        self._send_body(hub_file, data, start)

    def _send_body(self, hub_file: HubFile, data: bytes, start: int) -> None:
        position, step = start, 64 * 1024
        began = time.monotonic()
        while position < len(data):
            end = min(len(data), position + step)
            with self.server.lock:
                drop = next((at for at in hub_file.drop_at if position <= at < end), None)
                stall = next((at for at in hub_file.stall_at if position <= at < end), None)
                if drop is not None:
                    hub_file.drop_at.remove(drop)
                if stall is not None:
                    hub_file.stall_at.remove(stall)
            cut = drop if drop is not None else stall
            if cut is not None:
                self.wfile.write(data[position:cut])
                self.wfile.flush()
                self.server.sent += cut - position
                if stall is not None:
                    self.server.wait_or_stop(hub_file.stall_s)
                self.close_connection = True
                return
            self.wfile.write(data[position:end])
            self.server.sent += end - position
            position = end
            if hub_file.bytes_per_s:
                ahead = (position - start) / hub_file.bytes_per_s - (time.monotonic() - began)
                if ahead > 0:
                    self.server.wait_or_stop(ahead)
            if self.server.stopping.is_set():
                self.close_connection = True
                return


class HubServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, tls: tuple[Path, Path] | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.files: dict[str, HubFile] = {}
        self.requests: list[Request] = []
        self.sent = 0  # body bytes written
        self.stopping = threading.Event()
        scheme = "http"
        if tls is not None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            self.socket = ctx.wrap_socket(self.socket, server_side=True)
            scheme = "https"
        self.base_url = f"{scheme}://127.0.0.1:{self.server_address[1]}"
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def add(self, name: str, data: bytes, **faults: Any) -> HubFile:
        hub_file = HubFile(data, **faults)
        self.files[name] = hub_file
        return hub_file

    def resolve_url(self, name: str, repo: str = "steward-tests/models") -> str:
        return f"{self.base_url}/{repo}/resolve/main/{name}"

    def plain_url(self, name: str) -> str:
        return f"{self.base_url}/plain/{name}"

    def wait_or_stop(self, seconds: float) -> None:
        self.stopping.wait(seconds)

    def __enter__(self) -> HubServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()


def private_ca(folder: Path) -> tuple[Path, tuple[Path, Path]]:
    """A certificate authority and a server certificate for 127.0.0.1 signed by it:
    (the CA's PEM, (server cert, server key))."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    from tests.fault_server import write_pem

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Steward test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = folder / "ca.pem", folder / "server.pem", folder / "key.pem"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    write_pem(cert, key, cert_path, key_path)
    return ca_path, (cert_path, key_path)
