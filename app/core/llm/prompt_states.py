"""Evaluated prompt prefixes kept on disk between runs.

Reading a long fixed prompt (the planner's ~1,200-token system prompt and examples) is most
of what a new `steward automations plan` process spends on a 2-core machine. The model's
state after that prefix (its KV cache, through ``llama_state_get_data``) is written here
once and read back by the next process, which then only reads the request itself.

Only prompts that are the same for every request are kept, and nothing of the user's is in
them: the planner's prefix holds Steward's instructions, its worked examples and the
installed actions' descriptions. A state is found by a key over everything it depends on:
the model file (path, size and modification time; hashing a multi-gigabyte file at every
start would cost more than it saves), llama-cpp-python's version (its bundled llama.cpp), the
context settings, and the prefix's exact tokens, so a change to any of them (a plugin
installed, a new prompt, another model) simply misses. Each file carries a SHA-256 of its
state: a damaged or altered file is ignored and removed, never loaded.

An install can bring the state of its own planner prompt with it (``prepared``: a read-only
folder, made when the install is built by ``scripts/prepare_prompt_states.py``), so that even
the first `steward automations plan` after installing reads it. Those states are found by
the same key, with the embedded model known by its file name and size rather than by where
it was installed (``portable``): the same wheel's file, wherever it was unpacked. A user's
own plugin changes the prompt, so their first draft after installing one evaluates it and
keeps its state in the user's cache as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import struct
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from app.core.llm import model_state

log = logging.getLogger(__name__)

MAGIC = b"STEWARD-PROMPT-STATE-1\n"
KEEP = 6  # states kept (the newest by use); a model switch or a new plugin makes a new one
MIN_TOKENS = 64  # a shorter fixed start is not worth a file


class PromptStates:
    """The states of evaluated prompt prefixes for one model and context, in ``folder``."""

    def __init__(
        self,
        folder: Path,
        model: Path,
        context: str,
        keep: int = KEEP,
        *,
        prepared: Path | None = None,
        portable: bool = False,
    ) -> None:
        self.folder = folder
        self.prepared = prepared
        self.keep = keep
        import llama_cpp

        stat = model.stat()
        where = (model.name,) if portable else (str(model.resolve()), str(stat.st_mtime_ns))
        self._identity = "\n".join((*where, str(stat.st_size), llama_cpp.__version__, context))

    def _path(self, tokens: Sequence[int]) -> Path:
        digest = hashlib.sha256(self._identity.encode())
        digest.update(struct.pack(f"<{len(tokens)}i", *tokens))
        return self.folder / f"{digest.hexdigest()[:32]}.state"

    def load(self, tokens: Sequence[int]) -> bytes | None:
        """The state after evaluating exactly ``tokens`` (kept here, else prepared by the
        install), or None."""
        name = self._path(tokens).name
        data = _read(self.folder / name, own=True)
        if data is None and self.prepared is not None:
            data = _read(self.prepared / name, own=False)
        return data

    def save(self, tokens: Sequence[int], data: bytes) -> None:
        """Keep ``data`` as the state after ``tokens`` (atomically; errors only logged:
        the cache is an optimisation)."""
        path = self._path(tokens)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.partial")
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(MAGIC + hashlib.sha256(data).digest() + data)
            os.replace(partial, path)
            self._prune()
        except OSError as exc:
            log.info("prompt state not kept: %s", exc)

    def use(self, llm: Any, fixed: str, tokens: list[int], cancelled: Callable[[], bool]) -> int:
        """Put the state after the prompt's fixed start (``fixed``: the fixed messages as
        rendered alone) into ``llm``'s KV cache: already there (same process), read from
        here, or evaluated now and kept for the next process. ``tokens`` is the whole prompt.
        Returns how many tokens it evaluated (0 unless the state had to be made)."""
        alone = llm.tokenize(fixed.encode("utf-8"), add_bos=False, special=True)
        # the part the whole prompt shares with the fixed messages alone (which may end in
        # the opener of an answer the whole prompt does not have there)
        n = int(llm.longest_token_prefix(alone, tokens))
        if n < MIN_TOKENS or n >= len(tokens) or model_state.holds(llm, tokens[:n]):
            return 0
        prefix = tokens[:n]
        data = self.load(prefix)
        if data is not None and model_state.put(llm, model_state.Saved(prefix, data)):
            return 0
        llm.reset()  # not kept yet (or a state this build cannot read): evaluated now
        started = time.perf_counter()
        try:
            llm.eval(prefix)
        except RuntimeError:  # llama.cpp's abort callback: the answer was stopped
            if not cancelled():
                raise
        if cancelled() or llm.n_tokens != n:
            return int(llm.n_tokens)
        saved = model_state.take(llm)
        self.save(prefix, bytes(saved.data))
        log.info(
            "fixed prompt of %d tokens evaluated in %.2f s and kept (%d KB)",
            n,
            time.perf_counter() - started,
            len(saved.data) // 1024,
        )
        return n

    def _prune(self) -> None:
        states = sorted(self.folder.glob("*.state"), key=lambda p: p.stat().st_mtime_ns)
        for old in states[: max(0, len(states) - self.keep)]:
            old.unlink(missing_ok=True)


def _read(path: Path, *, own: bool) -> bytes | None:
    """A state file's data if it is whole; a damaged one of our own is removed (a prepared
    one is the install's, read-only: only ignored)."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    head = len(MAGIC) + 32
    data = raw[head:]
    if raw[: len(MAGIC)] != MAGIC or hashlib.sha256(data).digest() != raw[len(MAGIC) : head]:
        log.warning("prompt state %s is damaged; %s", path, "removed" if own else "ignored")
        if own:
            path.unlink(missing_ok=True)
        return None
    if own:
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: kept longest
    return data


def prepared_folder() -> Path | None:
    """Where this install keeps the prompt states it was built with: in the frozen app, the
    bundle's ``prompt-states``; otherwise ``share/steward/prompt-states`` under the Python
    environment's prefix. ``STEWARD_PREPARED_STATES`` names another folder (empty: none)."""
    chosen = os.environ.get("STEWARD_PREPARED_STATES")
    if chosen is not None:
        return Path(chosen) if chosen else None
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        return Path(bundle) / "prompt-states"
    return Path(sys.prefix) / "share" / "steward" / "prompt-states"


__all__ = ["PromptStates", "prepared_folder"]
