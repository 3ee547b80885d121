"""Downloading model files over real networks: resumable, verified, cancellable.

A download writes ``NAME.part`` next to the destination, with a sidecar ``NAME.part.json``
saying where the bytes come from and what they must add up to (URL, size, SHA-256) and how
many are done. It survives what real networks and laptops do:

- a dropped connection, a killed process or a machine that slept: the next attempt (or the
  next ``steward models pull``) asks for the rest with an HTTP ``Range`` request; a server
  that ignores ``Range`` (200 instead of 206) starts the file again from the first byte;
- a stall: no byte for ``stall_timeout`` seconds ends the connection and opens another;
- up to ``retries`` failed attempts in a row, waiting longer (and a random part longer)
  after each one; any bytes received reset the count;
- cancelling (Ctrl+C, the Pause or Cancel button) stops within one network read; the part
  file stays for a later resume unless the download is discarded.

The SHA-256 is computed while the bytes arrive (on resume, over the bytes already there
first). The file becomes the destination only when size and hash match (an atomic rename);
otherwise it is deleted and the reason given. The expected size and hash come from the
caller (``--sha256``) or from the server: Hugging Face answers a ``HEAD`` on a large file's
``/resolve/`` URL with ``X-Linked-Size`` and ``X-Linked-Etag`` (the SHA-256) before
redirecting to its CDN. Free space for the rest of the file plus 10% is checked first.

TLS is always verified, against the operating system's trust store (``truststore``) plus an
optional CA file for networks that inspect TLS; ``HTTPS_PROXY``/``NO_PROXY`` are honoured,
and a proxy can be set explicitly.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import random
import shutil
import ssl
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx

from app.core.errors import KnownError, NotFoundError, StorageError, UsageError
from app.core.settings import DownloadSettings

HUB_HOST = "huggingface.co"
CHUNK = 1 << 20
SIDECAR_EVERY_S = 1.0  # how often the sidecar's "done" is brought up to date
SPACE_MARGIN = 1.10  # free space needed: the rest of the file plus 10%


class DownloadError(KnownError):
    """The file could not be downloaded or did not verify; nothing was installed."""


class HubTokenNeededError(DownloadError):
    """The server wants an access token (401/403)."""


Verification = Literal["hub", "given", "unverified"]


@dataclass(frozen=True)
class DownloadOptions:
    stall_timeout: float = 30.0  # seconds without a byte before reconnecting
    connect_timeout: float = 15.0
    retries: int = 10  # failed attempts in a row before giving up
    backoff_s: float = 1.0  # first wait; doubles after each failure, with jitter
    backoff_max_s: float = 60.0
    ca_file: str = ""  # an extra CA certificate (PEM), for TLS-inspecting networks
    proxy: str = ""  # empty: HTTPS_PROXY / HTTP_PROXY / NO_PROXY from the environment
    mirror: str = ""  # a host with the hub's URL layout, used instead of huggingface.co
    token: str = ""  # a hub access token, sent to the hub (or its mirror) only


@dataclass(frozen=True)
class Expected:
    """What the finished file must be: its size and SHA-256 (hex), where known."""

    size: int | None
    sha256: str | None
    verification: Verification


@dataclass
class Progress:
    done: int
    total: int | None
    bytes_per_s: float = 0.0
    reconnects: int = 0
    resumed_from: int = 0
    note: str = ""  # "reconnecting in 2 s (connection dropped)" and the like

    @property
    def seconds_left(self) -> float | None:
        if self.total is None or self.bytes_per_s <= 0:
            return None
        return max(0, self.total - self.done) / self.bytes_per_s


@dataclass
class Sidecar:
    url: str
    size: int | None
    sha256: str | None
    verification: Verification
    done: int = 0
    started: float = field(default_factory=time.time)

    @classmethod
    def read(cls, path: Path) -> Sidecar | None:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            return cls(**raw)
        except (OSError, ValueError, TypeError):
            return None

    def write(self, path: Path) -> None:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(asdict(self)), encoding="utf-8")
        os.replace(tmp, path)


@dataclass(frozen=True)
class Downloaded:
    path: Path
    size: int
    sha256: str
    verification: Verification
    downloaded_bytes: int  # bytes received over the network (more than size after restarts)
    reconnects: int


def destination_for(url: str, folder: Path) -> Path:
    """Where the file at ``url`` goes in ``folder``: its own name, which must be a .gguf."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"{url!r} is not an http(s) URL of a GGUF file.")
    name = unquote(parts.path.rsplit("/", 1)[-1])
    if not name.lower().endswith(".gguf") or name.lower() == ".gguf":
        raise UsageError(f"The URL must end with the name of a .gguf file, not {name!r}.")
    return folder / name


def checked_sha256(value: str | None) -> str | None:
    """A SHA-256 the user typed, normalised; None for none."""
    value = (value or "").strip().lower()
    if not value:
        return None
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise UsageError("The SHA-256 must be 64 hexadecimal digits.")
    return value


def options_from(settings: DownloadSettings, token: str = "") -> DownloadOptions:
    return DownloadOptions(
        stall_timeout=settings.stall_timeout,
        retries=settings.retries,
        ca_file=settings.ca_file,
        proxy=settings.proxy,
        mirror=settings.mirror,
        token=token,
    )


def part_paths(dest: Path) -> tuple[Path, Path]:
    """The part file and its sidecar for ``dest``."""
    return dest.with_name(dest.name + ".part"), dest.with_name(dest.name + ".part.json")


def mirrored(url: str, mirror: str) -> str:
    """``url`` on the mirror when it is a hub URL and a mirror is set (same path layout)."""
    if not mirror:
        return url
    parts = urlsplit(url)
    if parts.hostname != HUB_HOST:
        return url
    base = urlsplit(mirror if "://" in mirror else f"https://{mirror}")
    path = base.path.rstrip("/") + parts.path
    return urlunsplit((base.scheme, base.netloc, path, parts.query, ""))


def ssl_context(ca_file: str = "") -> ssl.SSLContext:
    """The operating system's trust store, plus ``ca_file`` when given."""
    import truststore

    context = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if ca_file:
        try:
            context.load_verify_locations(cafile=ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise DownloadError(
                f"The CA certificate file {ca_file} cannot be used: {exc}.",
                hint="Set ca_file under [downloads] in the settings file to a PEM certificate.",
            ) from exc
    return context


def make_client(options: DownloadOptions) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        verify=ssl_context(options.ca_file),
        proxy=options.proxy or None,
        trust_env=True,
        follow_redirects=True,
        timeout=httpx.Timeout(
            connect=options.connect_timeout,
            read=options.stall_timeout,
            write=options.stall_timeout,
            pool=options.connect_timeout,
        ),
    )


def _auth(url: str, options: DownloadOptions) -> dict[str, str]:
    """The token goes to the hub or its mirror only, never to another host."""
    if not options.token:
        return {}
    host = urlsplit(url).hostname
    hubs = {HUB_HOST, urlsplit(mirrored(f"https://{HUB_HOST}/", options.mirror)).hostname}
    return {"Authorization": f"Bearer {options.token}"} if host in hubs else {}


def _sha256_header(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip().removeprefix("W/").strip('"').lower()
    if len(value) == 64 and all(c in "0123456789abcdef" for c in value):
        return value
    return None


def _refused(response: httpx.Response, url: str) -> KnownError | None:
    """The error for a status no retry can fix, or None."""
    status = response.status_code
    if status in (401, 403):
        return HubTokenNeededError(
            f"The server refused the download ({status}): {url} needs an access token.",
            hint="Store one with `steward models token` (it is kept with your other secrets), or "
            "accept the model's terms on its page first.",
        )
    if status in (404, 410):
        return NotFoundError(f"There is no file at {url} (the server answered {status}).")
    return None


async def probe(
    client: httpx.AsyncClient, url: str, options: DownloadOptions, sha256: str | None = None
) -> Expected:
    """The size and hash the file must have: ``sha256`` if given, else the hub's headers,
    else the size the server reports (unverified)."""
    headers = _auth(url, options) | {"Accept-Encoding": "identity"}
    try:
        first = await client.head(url, headers=headers, follow_redirects=False)
        final = first
        if first.is_redirect:
            final = await client.head(url, headers=headers, follow_redirects=True)
    except httpx.HTTPError as exc:
        raise _network_error(url, exc) from exc
    for response in (first, final):
        refused = _refused(response, url)
        if refused is not None:
            raise refused
    if final.status_code >= 400:
        raise DownloadError(f"The server answered {final.status_code} for {url}.")
    linked_size = first.headers.get("X-Linked-Size")
    hub_hash = _sha256_header(first.headers.get("X-Linked-Etag"))
    length = final.headers.get("Content-Length")
    size = int(linked_size) if linked_size else int(length) if length else None
    if sha256:
        return Expected(size, sha256.lower(), "given")
    if hub_hash:
        return Expected(size, hub_hash, "hub")
    return Expected(size, None, "unverified")


def _network_error(url: str, exc: Exception) -> DownloadError:
    host = urlsplit(url).netloc
    if isinstance(exc, httpx.ConnectError) and "CERTIFICATE_VERIFY_FAILED" in str(exc):
        return DownloadError(
            f"The certificate of {host} is not trusted by this computer.",
            hint="On a network that inspects TLS, add your organisation's CA certificate "
            "file as ca_file under [downloads] in the settings file.",
        )
    if isinstance(exc, httpx.ProxyError):
        return DownloadError(f"The proxy refused the connection to {host}: {exc}.")
    return DownloadError(
        f"{host} cannot be reached ({type(exc).__name__}: {exc or 'no answer'}).",
        hint="Check the connection, or set a mirror or a proxy under [downloads] in the "
        "settings file.",
    )


class _Restart(Exception):
    """The server will not continue where the part file ends: ask for the whole file."""


class Download:
    """One file from ``url`` to ``dest`` (see the module docs). ``run`` returns it verified;
    cancelling the task running it leaves the part file for a resume (``discard`` drops it)."""

    def __init__(
        self,
        url: str,
        dest: Path,
        *,
        sha256: str | None = None,
        options: DownloadOptions | None = None,
        on_progress: Callable[[Progress], None] | None = None,
    ) -> None:
        self.options = options or DownloadOptions()
        self.url = mirrored(url, self.options.mirror)
        self.dest = dest
        self.sha256 = sha256.lower() if sha256 else None
        self.on_progress = on_progress or (lambda _p: None)
        self.part, self.sidecar_path = part_paths(dest)
        self.progress = Progress(0, None)
        self.received = 0  # bytes over the network in this run (more than the file after restarts)
        self._hasher = hashlib.sha256()
        self._sidecar: Sidecar | None = None
        self._speed: list[tuple[float, int]] = []  # (when, received) over the last seconds
        self._told = 0.0

    async def run(self) -> Downloaded:
        async with make_client(self.options) as client:
            expected = await probe(client, self.url, self.options, self.sha256)
            self._sidecar = self._resume_or_start(expected)
            self._check_space(self._sidecar)
            self._hash_part()
            self.progress = Progress(self.progress.done, expected.size)
            self.progress.resumed_from = self.progress.done
            self.on_progress(self.progress)
            failures = 0
            try:
                while True:
                    before = self.progress.done
                    try:
                        if await self._attempt(client):
                            break
                    except _Restart:
                        self._restart()
                    except (httpx.TransportError, httpx.RemoteProtocolError) as exc:
                        if "CERTIFICATE_VERIFY_FAILED" in str(exc):
                            raise _network_error(self.url, exc) from exc
                        failures = 1 if self.progress.done > before else failures + 1
                        self._give_up_after(failures, exc)
                        await self._wait(failures, exc)
            finally:
                self._save_sidecar()
            return self._finish(expected)

    # --- steps ------------------------------------------------------------------------------

    def _resume_or_start(self, expected: Expected) -> Sidecar:
        """The sidecar of a part file for the same source and content, else a fresh one (an
        old part for something else is deleted)."""
        old = Sidecar.read(self.sidecar_path)
        if (
            old is not None
            and self.part.exists()
            and (old.url, old.size, old.sha256) == (self.url, expected.size, expected.sha256)
        ):
            return old
        self.dest.parent.mkdir(parents=True, exist_ok=True)
        self.part.write_bytes(b"")
        sidecar = Sidecar(self.url, expected.size, expected.sha256, expected.verification)
        sidecar.write(self.sidecar_path)
        return sidecar

    def _check_space(self, sidecar: Sidecar) -> None:
        if sidecar.size is None:
            return
        needed = int((sidecar.size - self.part.stat().st_size) * SPACE_MARGIN)
        free = shutil.disk_usage(self.dest.parent).free
        if needed > free:
            raise StorageError(
                f"Not enough free space in {self.dest.parent}: the download needs "
                f"{human_size(needed)} (the rest of the file and 10%), {human_size(free)} is free.",
                hint="Free some space, or choose another models folder.",
            )

    def _hash_part(self) -> None:
        """Hash the bytes already in the part file (a resumed download)."""
        self._hasher = hashlib.sha256()
        done = 0
        with self.part.open("rb") as f:
            while block := f.read(CHUNK * 4):
                self._hasher.update(block)
                done += len(block)
        self.progress.done = done

    def _restart(self) -> None:
        with self.part.open("r+b") as f:
            f.truncate(0)
        self._hasher = hashlib.sha256()
        self.progress.done = 0

    async def _attempt(self, client: httpx.AsyncClient) -> bool:
        """One connection: append what it sends. True when the file is complete."""
        done, size = self.progress.done, self.progress.total
        headers = _auth(self.url, self.options) | {"Accept-Encoding": "identity"}
        if done:
            headers["Range"] = f"bytes={done}-"
        async with client.stream("GET", self.url, headers=headers) as response:
            status = response.status_code
            refused = _refused(response, self.url)
            if refused is not None:
                raise refused
            if status == 416:
                if done and done == size:
                    return True  # it was all here already
                raise _Restart
            if status >= 500 or status == 429:
                raise httpx.RemoteProtocolError(f"the server answered {status}")
            if status >= 400:
                raise DownloadError(f"The server answered {status} for {self.url}.")
            if status == 200 and done:
                self._restart()  # the server ignores Range: this is the whole file again
            elif status == 206 and _range_start(response.headers.get("Content-Range")) != done:
                raise _Restart
            await self._body(response)
        if size is not None and self.progress.done < size:
            raise httpx.RemoteProtocolError("the connection ended before the file did")
        return True

    async def _body(self, response: httpx.Response) -> None:
        with self.part.open("ab") as f:
            try:
                # each network read as it comes: a buffer of several would be lost on a drop
                async for chunk in response.aiter_raw():
                    try:
                        f.write(chunk)
                    except OSError as exc:
                        raise self._write_error(exc) from exc
                    self._hasher.update(chunk)
                    self.progress.done += len(chunk)
                    self.received += len(chunk)
                    self._tell()
            finally:
                with contextlib.suppress(OSError):
                    f.flush()

    def _tell(self, *, now: float | None = None) -> None:
        """Progress to the caller at most 10 times a second; the sidecar once a second."""
        now = time.monotonic() if now is None else now
        if now - self._told < 0.1:
            return
        self._speed.append((now, self.received))
        while len(self._speed) > 2 and now - self._speed[0][0] > 3.0:
            self._speed.pop(0)
        first_at, first_bytes = self._speed[0]
        if now > first_at:
            self.progress.bytes_per_s = (self.received - first_bytes) / (now - first_at)
        if int(now) != int(self._told):
            self._save_sidecar()
        self._told = now
        self.on_progress(self.progress)

    def _save_sidecar(self) -> None:
        if self._sidecar is not None and self.sidecar_path.exists():
            self._sidecar.done = self.progress.done
            with contextlib.suppress(OSError):
                self._sidecar.write(self.sidecar_path)

    def _give_up_after(self, failures: int, exc: Exception) -> None:
        self.progress.reconnects += 1
        if failures > self.options.retries:
            raise DownloadError(
                f"The download stopped after {self.options.retries} failed attempts in a row "
                f"({_reason(exc)}); the {human_size(self.progress.done)} received are kept.",
                hint="Run the same download again to resume it.",
            ) from exc

    async def _wait(self, failures: int, exc: Exception) -> None:
        base = min(self.options.backoff_max_s, self.options.backoff_s * 2 ** (failures - 1))
        wait = base * random.uniform(0.5, 1.0)  # jitter: clients that failed together
        self.progress.note = f"reconnecting in {wait:.0f} s ({_reason(exc)})"
        self.on_progress(self.progress)
        await asyncio.sleep(wait)
        self.progress.note = ""

    def _finish(self, expected: Expected) -> Downloaded:
        size = self.part.stat().st_size
        digest = self._hasher.hexdigest()
        problem = None
        if expected.size is not None and size != expected.size:
            problem = f"it has {size:,} bytes instead of {expected.size:,}"
        elif expected.sha256 is not None and digest != expected.sha256:
            problem = f"its SHA-256 is {digest}, not the expected {expected.sha256}"
        if problem is not None:
            self.discard()
            raise DownloadError(
                f"The downloaded file was discarded: {problem}.",
                hint="The server sent other bytes than it announced; try again later, or "
                "check the hash you gave.",
            )
        with self.part.open("rb+") as f:
            os.fsync(f.fileno())
        os.replace(self.part, self.dest)
        self.sidecar_path.unlink(missing_ok=True)
        self.progress.done = size
        self.on_progress(self.progress)
        return Downloaded(
            self.dest, size, digest, expected.verification, self.received, self.progress.reconnects
        )

    def discard(self) -> None:
        """Forget the part file (Cancel, as opposed to Pause)."""
        self._sidecar = None
        self.part.unlink(missing_ok=True)
        self.sidecar_path.unlink(missing_ok=True)

    def _write_error(self, exc: OSError) -> StorageError:
        return StorageError(
            f"The download could not be written to {self.part.parent}: {exc.strerror or exc}.",
            hint="Free some space or choose another models folder; what was received is kept "
            "for a resume.",
        )


def _range_start(content_range: str | None) -> int | None:
    # "bytes 100-199/1000"
    if not content_range or not content_range.startswith("bytes "):
        return None
    try:
        return int(content_range[6:].split("-", 1)[0])
    except ValueError:
        return None


def _reason(exc: Exception) -> str:
    if isinstance(exc, httpx.ReadTimeout):
        return "no data for a while"
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return "cannot connect"
    text = str(exc)
    if text.startswith("the server answered"):
        return text
    return "connection dropped"


def human_size(n: float) -> str:
    value = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"
