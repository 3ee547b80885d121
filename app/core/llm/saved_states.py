"""Conversation states kept on disk, encrypted, so that a conversation answers as fast after a
restart as it did before it.

After an answer, the engine hands over the state of that conversation's sequence (its KV
cache, from ``llama_state_seq_get_data``: no logits) with the token ids it holds. It is
written here off the answering thread, one file per conversation:

    MAGIC | nonce (12 bytes) | AES-GCM(token count, token ids, state) with its tag

The AES-GCM key is derived (HKDF-SHA256) from the database key, so a state is as private as
the history it came from: nothing is ever written in the clear, not even a temporary file
(the ciphertext is made in memory and written to a ``.partial`` file that is renamed when
whole; a crash leaves only ``.partial`` files, which are never read and are removed next
time). The associated data binds a file to its conversation and to everything the state
depends on (the model file's SHA-256, the context size, the cache types, the llama.cpp
build): a state made under anything else fails authentication and is a miss, as is a
damaged or truncated file. A miss costs only the time to read the conversation again; it is
never a wrong answer, since the next answer starts from the tokens the state holds and
evaluates whatever differs.

File names are a keyed hash of the conversation id (the folder does not list which
conversations exist to someone without the key). The states share a size limit; the least
recently used go first. A file ``key-check`` notes which key the states were made with: if
the database key changes, every state is dropped.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import shutil
import struct
import threading
import time
from array import array
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from app.core.llm.model_state import Saved

log = logging.getLogger(__name__)

MAGIC = b"STEWARD-CONVERSATION-STATE-1\n"
NONCE = 12
SUFFIX = ".state"
KEY_CHECK = "key-check"
MODEL_DIGESTS = "model-digests.json"  # SHA-256 of model files, by path, size and time
DEFAULT_LIMIT_MB = 512


def _derive(key: bytes, purpose: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(key)


@dataclass(frozen=True)
class Usage:
    """What the saved states take on disk."""

    states: int
    size: int  # bytes

    def describe(self, limit_mb: int) -> str:
        return (
            f"{self.states} conversation state(s), {self.size / 2**20:.1f} MB of "
            f"{limit_mb} MB (encrypted)"
        )


def usage(folder: Path) -> Usage:
    """The states in ``folder`` (no key needed: only their number and size)."""
    sizes = [p.stat().st_size for p in _states_in(folder)]
    return Usage(len(sizes), sum(sizes))


def remove_all(folder: Path) -> Usage:
    """Delete every saved state (and what was being written); returns what was removed."""
    removed = usage(folder)
    shutil.rmtree(folder, ignore_errors=True)
    return removed


def _states_in(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.iterdir() if p.suffix == SUFFIX]
    except OSError:
        return []


class SavedStates:
    """The encrypted conversation states in ``folder``, for the database key ``key``."""

    def __init__(self, folder: Path, key: bytes, limit_mb: int = DEFAULT_LIMIT_MB) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self.folder = folder
        self.limit = max(0, limit_mb) * 2**20
        self._aead = AESGCM(_derive(key, b"steward conversation states: content"))
        self._names = _derive(key, b"steward conversation states: names")
        self._lock = threading.Lock()
        self._writer: ThreadPoolExecutor | None = None
        self._pending: dict[str, tuple[Path, str, Saved]] = {}  # the newest state to write, each
        self._digests: dict[str, Future[str]] = {}
        self._last_use = 0
        self.hits = 0  # states read back (for the log and the tests)
        # test seam: called with the partial file's path just before it is renamed into place
        self.before_replace: Callable[[Path], None] | None = None
        self._settle()

    # --- the folder -----------------------------------------------------------------------

    def _settle(self) -> None:
        """Make the folder (owner only), drop states made with another key, and remove what
        an interrupted write left."""
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        check = hmac.new(self._names, b"key-check", hashlib.sha256).hexdigest()
        marker = self.folder / KEY_CHECK
        with contextlib.suppress(OSError):
            if marker.read_text().strip() != check:
                log.info("the database key changed: saved conversation states dropped")
                for path in _states_in(self.folder):
                    path.unlink(missing_ok=True)
        for partial in self.folder.glob("*.partial"):
            partial.unlink(missing_ok=True)
        if not marker.exists():
            self._write_atomically(marker, check.encode())

    def _path(self, conversation: str) -> Path:
        name = hmac.new(self._names, conversation.encode(), hashlib.sha256).hexdigest()[:40]
        return self.folder / (name + SUFFIX)

    def usage(self) -> Usage:
        return usage(self.folder)

    # --- reading --------------------------------------------------------------------------

    def load(self, conversation: str, model: Path, context: str) -> Saved | None:
        """The state saved for ``conversation`` with ``model`` and ``context`` (the context
        size, cache types and llama.cpp build), or None: none saved, made with another model,
        context or key, damaged or truncated (such a file is removed). Also None while the
        model file's digest is still being computed (a model not used with a state before)."""
        from cryptography.exceptions import InvalidTag

        digest = self.model_digest(model)
        if not digest.done() or digest.exception() is not None:
            return None
        binding = f"{digest.result()} {context}"
        path = self._path(conversation)
        with self._lock:
            waiting = self._pending.get(conversation)
        if waiting is not None and waiting[:2] == (model, context):
            return waiting[2]  # written in a moment: the same state
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        head = len(MAGIC) + NONCE
        try:
            if raw[: len(MAGIC)] != MAGIC:
                raise ValueError("not a state file")
            nonce, sealed = raw[len(MAGIC) : head], raw[head:]
            plain = self._aead.decrypt(nonce, sealed, _bound(conversation, binding))
            (count,) = struct.unpack_from("<I", plain)
            tokens = array("i")
            tokens.frombytes(plain[4 : 4 + 4 * count])
            if len(tokens) != count:
                raise ValueError("truncated")
        except (InvalidTag, ValueError, struct.error):
            log.info("a saved conversation state did not match (other model, context or damage)")
            path.unlink(missing_ok=True)
            return None
        self._used(path)
        self.hits += 1
        log.info("conversation state read: %d tokens need not be read again", count)
        return Saved(tokens.tolist(), memoryview(plain)[4 + 4 * count :])

    # --- writing --------------------------------------------------------------------------

    def save(self, conversation: str, model: Path, context: str, saved: Saved) -> Future[None]:
        """Write ``saved`` for ``conversation`` (made with ``model`` and ``context``, as for
        ``load``) in the background; a newer state for the same conversation, handed over
        before this one is written, replaces it."""
        self.model_digest(model)  # started now if it is not known yet
        with self._lock:
            self._pending[conversation] = (model, context, saved)
            if self._writer is None:
                self._writer = ThreadPoolExecutor(1, thread_name_prefix="steward-states")
            return self._writer.submit(self._write_pending, conversation)

    def _write_pending(self, conversation: str) -> None:
        with self._lock:
            job = self._pending.get(conversation)
        if job is None:
            return  # written already (a later save's job came first) or forgotten
        model, context, saved = job
        try:
            binding = f"{self.model_digest(model).result()} {context}"
        except Exception as exc:  # the model file is gone or unreadable
            log.info("conversation state not kept: %s", exc)
            self._drop_pending(conversation, job)
            return
        tokens = array("i", saved.tokens).tobytes()
        plain = b"".join((struct.pack("<I", len(saved.tokens)), tokens, saved.data))
        nonce = os.urandom(NONCE)
        sealed = self._aead.encrypt(nonce, plain, _bound(conversation, binding))
        del plain
        with self._lock:
            if self._pending.get(conversation) is not job:
                return  # forgotten meanwhile, or a newer state will be written
        try:
            path = self._path(conversation)
            self._write_atomically(path, MAGIC + nonce + sealed)
            self._used(path)
        except OSError as exc:
            log.info("conversation state not kept: %s", exc)
        finally:
            self._drop_pending(conversation, job)
        self._prune()

    def _drop_pending(self, conversation: str, job: tuple[Path, str, Saved]) -> None:
        with self._lock:
            if self._pending.get(conversation) is job:
                del self._pending[conversation]

    def _write_atomically(self, path: Path, data: bytes) -> None:
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            if self.before_replace is not None and path.suffix == SUFFIX:
                self.before_replace(partial)
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise

    def _used(self, path: Path) -> None:
        """Mark ``path`` as the most recently used state (by its modification time, set from
        a fine clock: the file system's own may give two writes in a row the same time)."""
        with self._lock:
            self._last_use = max(time.time_ns(), self._last_use + 1)
            when = self._last_use
        with contextlib.suppress(OSError):
            os.utime(path, ns=(when, when))

    def _prune(self) -> None:
        """Delete the least recently used states until all fit the limit."""
        entries = []
        for path in _states_in(self.folder):
            with contextlib.suppress(OSError):
                stat = path.stat()
                entries.append((stat.st_mtime_ns, stat.st_size, path))
        entries.sort()
        total = sum(size for _, size, _ in entries)
        for _, size, path in entries:
            if total <= self.limit:
                break
            path.unlink(missing_ok=True)
            total -= size

    def flush(self, timeout: float | None = None) -> None:
        """Wait until every state handed over is written."""
        with self._lock:
            writer = self._writer
        if writer is not None:
            writer.submit(lambda: None).result(timeout)

    # --- forgetting -----------------------------------------------------------------------

    def forget(self, conversation: str) -> None:
        """Delete ``conversation``'s state (the conversation was deleted)."""
        with self._lock:
            self._pending.pop(conversation, None)
        self.flush()  # a write already under way ends first, then its file goes
        self._path(conversation).unlink(missing_ok=True)

    def clear(self) -> Usage:
        """Delete every state; returns what was removed."""
        with self._lock:
            self._pending.clear()
        self.flush()
        removed = usage(self.folder)
        for path in _states_in(self.folder):
            path.unlink(missing_ok=True)
        return removed

    def close(self) -> None:
        """Finish the writes handed over, then stop the writer."""
        with self._lock:
            writer, self._writer = self._writer, None
        if writer is not None:
            writer.shutdown(wait=True)

    # --- what a state is bound to ---------------------------------------------------------

    def model_digest(self, model: Path) -> Future[str]:
        """The SHA-256 of the model file, remembered by path, size and modification time:
        read from that note at once, or (a model not seen before) computed in the background,
        since hashing a multi-gigabyte file takes a while."""
        stat = model.stat()
        where = f"{model.resolve()}\n{stat.st_size}\n{stat.st_mtime_ns}"
        with self._lock:
            known = self._digests.get(where)
            if known is None:
                known = self._digests[where] = Future()
                noted = self._noted_digests().get(where)
                if isinstance(noted, str):
                    known.set_result(noted)
                else:
                    threading.Thread(
                        target=self._digest, args=(where, known), name="steward-digest", daemon=True
                    ).start()
        return known

    def _noted_digests(self) -> dict[str, object]:
        try:
            noted = json.loads((self.folder / MODEL_DIGESTS).read_text())
        except (OSError, ValueError):
            return {}
        return noted if isinstance(noted, dict) else {}

    def _digest(self, where: str, result: Future[str]) -> None:
        path = where.split("\n", 1)[0]
        try:
            with open(path, "rb") as f:
                digest = hashlib.file_digest(f, "sha256").hexdigest()
            with self._lock:  # other files of the same path are older versions: not kept
                noted = {k: v for k, v in self._noted_digests().items() if k.split("\n")[0] != path}
                noted[where] = digest
                self._write_atomically(self.folder / MODEL_DIGESTS, json.dumps(noted).encode())
            result.set_result(digest)
        except Exception as exc:  # an unreadable model: no state is saved or read
            result.set_exception(exc)


def _bound(conversation: str, binding: str) -> bytes:
    return MAGIC + json.dumps([conversation, binding]).encode()


__all__ = ["DEFAULT_LIMIT_MB", "SavedStates", "Usage", "remove_all", "usage"]
