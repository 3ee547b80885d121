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

The work runs on a thread of its own, over http.client (app.core.llm.http_fetch): TLS is
always verified, against the operating system's trust store plus an optional CA file for
networks that inspect TLS; ``HTTPS_PROXY``/``NO_PROXY`` are honoured, and a proxy can be set
explicitly.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import http.client
import json
import os
import queue
import random
import shutil
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

from app.core.errors import KnownError, StorageError, UsageError
from app.core.llm.http_fetch import Transport
from app.core.llm.hub import (
    NETWORK_ERRORS,
    DownloadError,
    DownloadOptions,
    Expected,
    HubTokenNeededError,
    ServerTroubleError,
    Verification,
    auth_headers,
    make_transport,
    mirrored,
    network_error,
    probe,
    reason,
    refused,
)
from app.core.settings import DownloadSettings
from app.language import _t

CHUNK = 256 << 10  # the most one network read returns (larger reads were slower here)
WRITE_BACK_EVERY = 32 << 20
SIDECAR_EVERY_S = 1.0  # how often the sidecar's "done" is brought up to date
SPACE_MARGIN = 1.10  # free space needed: the rest of the file plus 10%


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
        raise UsageError(_t("{0!r} is not an http(s) URL of a GGUF file.").format(url))
    name = unquote(parts.path.rsplit("/", 1)[-1])
    if not name.lower().endswith(".gguf") or name.lower() == ".gguf":
        raise UsageError(
            _t("The URL must end with the name of a .gguf file, not {0!r}.").format(name)
        )
    return folder / name


def checked_sha256(value: str | None) -> str | None:
    """A SHA-256 the user typed, normalised; None for none."""
    value = (value or "").strip().lower()
    if not value:
        return None
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise UsageError(_t("The SHA-256 must be 64 hexadecimal digits."))
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


class _Stopped(Exception):
    """Pause or cancel reached the download's thread."""


class _Restart(Exception):
    """The server will not continue where the part file ends: ask for the whole file."""


class _Digest:
    """SHA-256 of the bytes given, computed on a thread of its own while the next bytes are
    read and written (hashlib lets other threads run while it hashes a block)."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=64)  # at most 16 MB
        self._thread: threading.Thread | None = None

    def update(self, data: bytes) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="steward-sha256", daemon=True)
            self._thread.start()
        self._queue.put(data)

    def _work(self) -> None:
        while (data := self._queue.get()) is not None:
            self._hash.update(data)

    def close(self) -> None:
        """Wait for the bytes given so far to be hashed."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def hexdigest(self) -> str:
        self.close()
        return self._hash.hexdigest()


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
        self._hasher = _Digest()
        self._sidecar: Sidecar | None = None
        self._sidecar_saved = 0.0  # when the sidecar's "done" was last written (monotonic)
        self._speed: list[tuple[float, int]] = []  # (when, received) over the last seconds
        self._told = 0.0
        self._stop = threading.Event()
        self._transport: Transport | None = None

    async def run(self) -> Downloaded:
        """The verified file. The work runs on a thread of its own (reading, hashing and
        writing never hold up the caller's loop); cancelling stops it within one read."""
        self._stop.clear()
        work = asyncio.ensure_future(asyncio.to_thread(self.run_blocking))
        try:
            return await asyncio.shield(work)
        except asyncio.CancelledError:
            self.stop()
            with contextlib.suppress(_Stopped, KnownError):
                await work  # the thread is done with the part file before this returns
            raise

    def stop(self) -> None:
        """Stop from any thread: the part file stays (``discard`` drops it)."""
        self._stop.set()
        if self._transport is not None:
            self._transport.abort()

    def run_blocking(self) -> Downloaded:
        """``run`` on the calling thread; ``stop`` from another ends it with _Stopped."""
        self._transport = transport = make_transport(self.options)
        try:
            expected = probe(transport, self.url, self.options, self.sha256)
            self._sidecar = self._resume_or_start(expected)
            self._check_space(self._sidecar)
            self._hash_part()
            self.progress = Progress(self.progress.done, expected.size)
            self.progress.resumed_from = self.progress.done
            self.on_progress(self.progress)
            try:
                self._until_complete(transport)
            finally:
                self._save_sidecar()
            return self._finish(expected)
        finally:
            self._hasher.close()
            transport.close()

    def _until_complete(self, transport: Transport) -> None:
        failures = 0
        while True:
            self._check_stop()
            before = self.progress.done
            try:
                if self._attempt(transport):
                    return
            except _Restart:
                self._restart()
            except NETWORK_ERRORS as exc:
                self._check_stop()  # a stop ends the connection: not a network failure
                if isinstance(exc, ssl.SSLCertVerificationError):
                    raise network_error(self.url, exc) from exc
                failures = 1 if self.progress.done > before else failures + 1
                self._give_up_after(failures, exc)
                self._wait(failures, exc)

    def _check_stop(self) -> None:
        if self._stop.is_set():
            raise _Stopped

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
                _t(
                    "Not enough free space in {0}: the download needs {1} (the rest of the "
                    "file and 10%), {2} is free."
                ).format(self.dest.parent, human_size(needed), human_size(free)),
                hint=_t("Free some space, or choose another models folder."),
            )

    def _hash_part(self) -> None:
        """Hash the bytes already in the part file (a resumed download)."""
        self._hasher.close()
        self._hasher = _Digest()
        done = 0
        with self.part.open("rb") as f:
            while block := f.read(4 << 20):
                self._hasher.update(block)
                done += len(block)
        self.progress.done = done

    def _restart(self) -> None:
        with self.part.open("r+b") as f:
            f.truncate(0)
        self._hasher.close()
        self._hasher = _Digest()
        self.progress.done = 0

    def _attempt(self, transport: Transport) -> bool:
        """One connection: append what it sends. True when the file is complete."""
        done, size = self.progress.done, self.progress.total
        headers = auth_headers(self.url, self.options) | {"Accept-Encoding": "identity"}
        if done:
            headers["Range"] = f"bytes={done}-"
        response, _ = transport.request("GET", self.url, headers)
        with contextlib.closing(response):
            status = response.status
            problem = refused(status, self.url)
            if problem is not None:
                raise problem
            if status == 416:
                if done and done == size:
                    return True  # it was all here already
                raise _Restart
            if status >= 500 or status == 429:
                raise ServerTroubleError(f"the server answered {status}")
            if status >= 400:
                raise DownloadError(_t("The server answered {0} for {1}.").format(status, self.url))
            if status == 200 and done:
                self._restart()  # the server ignores Range: this is the whole file again
            elif status == 206 and _range_start(response.getheader("Content-Range")) != done:
                raise _Restart
            self._body(response)
        if size is not None and self.progress.done < size:
            raise http.client.IncompleteRead(b"", size - self.progress.done)
        return True

    def _body(self, response: http.client.HTTPResponse) -> None:
        with self.part.open("ab") as f:
            try:
                # what each read brings, at once: a fuller buffer would be lost when the
                # connection drops
                written_back = self.progress.done
                while chunk := response.read1(CHUNK):
                    self._check_stop()
                    try:
                        f.write(chunk)
                    except OSError as exc:
                        raise self._write_error(exc) from exc
                    self._hasher.update(chunk)
                    self.progress.done += len(chunk)
                    self.received += len(chunk)
                    if self.progress.done - written_back >= WRITE_BACK_EVERY:
                        _start_write_back(f, written_back, self.progress.done)
                        written_back = self.progress.done
                    self._tell()
                self._check_stop()
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
        if now - self._sidecar_saved >= SIDECAR_EVERY_S:
            self._save_sidecar()
            self._sidecar_saved = now
        self._told = now
        self.on_progress(self.progress)

    def _save_sidecar(self) -> None:
        if self._sidecar is not None and self.sidecar_path.exists():
            self._sidecar.done = self.progress.done
            with contextlib.suppress(OSError):
                self._sidecar.write(self.sidecar_path)

    def _give_up_after(self, failures: int, exc: BaseException) -> None:
        self.progress.reconnects += 1
        if failures > self.options.retries:
            raise DownloadError(
                _t(
                    "The download stopped after {0} failed attempts in a row ({1}); the {2} "
                    "received are kept."
                ).format(self.options.retries, reason(exc), human_size(self.progress.done)),
                hint=_t("Run the same download again to resume it."),
            ) from exc

    def _wait(self, failures: int, exc: BaseException) -> None:
        base = min(self.options.backoff_max_s, self.options.backoff_s * 2 ** (failures - 1))
        wait = base * random.uniform(0.5, 1.0)  # jitter: clients that failed together
        self.progress.note = f"reconnecting in {wait:.0f} s ({reason(exc)})"
        self.on_progress(self.progress)
        self._stop.wait(wait)
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
                _t("The downloaded file was discarded: {0}.").format(problem),
                hint=_t(
                    "The server sent other bytes than it announced; try again later, or check "
                    "the hash you gave."
                ),
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
            _t("The download could not be written to {0}: {1}.").format(
                self.part.parent, exc.strerror or exc
            ),
            hint=_t(
                "Free some space or choose another models folder; what was received is "
                "kept for a resume."
            ),
        )


def _start_write_back(f: BinaryIO, start: int, end: int) -> None:
    """Have the system start writing ``start:end`` to disk now (Linux: DONTNEED starts the
    write-back of dirty pages without waiting for it), so the fsync before the file is
    installed does not write the whole file at the end while the network waits."""
    if not hasattr(os, "posix_fadvise"):
        return
    with contextlib.suppress(OSError):
        f.flush()
        os.posix_fadvise(f.fileno(), start, end - start, os.POSIX_FADV_DONTNEED)


def _range_start(content_range: str | None) -> int | None:
    # "bytes 100-199/1000"
    if not content_range or not content_range.startswith("bytes "):
        return None
    try:
        return int(content_range[6:].split("-", 1)[0])
    except ValueError:
        return None


def human_size(n: float) -> str:
    value = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"


__all__ = [
    "Download",
    "DownloadError",
    "DownloadOptions",
    "Downloaded",
    "Expected",
    "HubTokenNeededError",
    "Progress",
    "checked_sha256",
    "destination_for",
    "human_size",
    "mirrored",
    "options_from",
    "part_paths",
]
