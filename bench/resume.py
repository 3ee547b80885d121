"""Instant resume: the time to the first token of turn 21 of a conversation asked in a new
process (its state read from the encrypted saved states), against the same turn in the
process that held the conversation and against a new process with no saved state; the disk
size of a state per 1,000 tokens; the time to write one, off the answering thread.

Every TTFT is measured from the request, after the model has loaded, through the real store,
keyring-less passphrase path and engine (Steward, Assistant), each new process a real one."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from app.core.assistant import Assistant, Finished
from app.core.llm import model_state
from app.core.llm.engine import SamplingParams
from app.core.llm.saved_states import usage
from app.core.steward import Steward
from bench.table import Row

ROOT = Path(__file__).resolve().parents[1]
SYSTEM = "You are a helpful assistant."
PARAMS = SamplingParams(temperature=0.0, max_tokens=24)
# equal-length user messages (the same token count each turn)
QUESTIONS = [
    f"Question number {i:02d}: tell me one short fact about the number {i:02d}." for i in range(21)
]

# turn 21 in a process of its own: the model loaded first, then the request timed
TURN = r"""
import asyncio, json, sys, threading
from app.core.assistant import Assistant, Finished
from app.core.llm.engine import SamplingParams
from app.core.steward import Steward
conv, text = sys.argv[1:3]
steward = Steward()
db = steward.open_store()
engine = steward.engine()
engine.load_sync()
assistant = Assistant(db, engine, system_prompt="You are a helpful assistant.")
async def go():
    async for ev in assistant.ask(text, conversation_id=conv, cancel=threading.Event(),
                                  params=SamplingParams(temperature=0.0, max_tokens=24)):
        if isinstance(ev, Finished):
            return ev.stats
stats = asyncio.run(go())
assistant.close(); engine.close(); steward.close()
print(json.dumps({"ttft_ms": stats.ttft_ms, "cached": stats.cached_tokens}))
"""


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}
    env.update(
        STEWARD_HOME=str(home),
        STEWARD_PASSPHRASE="benchmark passphrase",
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    return env


def _new_process_turn(home: Path, conv: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", TURN, conv, QUESTIONS[20]],
        cwd=ROOT,
        env=_env(home),
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


async def _ask(assistant: Assistant, text: str, conv: str | None) -> tuple[str, Finished]:
    done = None
    async for ev in assistant.ask(
        text, conversation_id=conv, params=PARAMS, cancel=threading.Event()
    ):
        if isinstance(ev, Finished):
            done = ev
    assert done is not None
    return done.message.conversation_id, done


def run(quick: bool) -> list[Row]:
    before = dict(os.environ)
    try:
        return _run(quick)
    finally:
        os.environ.clear()
        os.environ.update(before)


def _run(quick: bool) -> list[Row]:
    turns = 6 if quick else 20
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        os.environ.update(_env(home))
        steward = Steward()
        db = steward.open_store()
        engine = steward.engine()
        engine.load_sync()
        assistant = Assistant(db, engine, system_prompt=SYSTEM)
        conv: str | None = None
        for text in QUESTIONS[:turns]:
            conv, last = asyncio.run(_ask(assistant, text, conv))
        assert conv is not None and steward.states is not None
        steward.states.flush()
        folder = steward.paths.saved_states
        snapshot = Path(tmp) / "after-turn-20"
        shutil.copytree(folder, snapshot)  # the state as it was after turn 20
        state_size = usage(folder).size
        state_tokens = last.stats.prompt_tokens + last.stats.completion_tokens
        # the time to write a state (encrypt and write, on the writer thread), and the copy
        # out of llama.cpp that stays on the engine's thread
        llm = engine._llm  # the engine is idle: nothing else uses the model now
        started = time.perf_counter()
        saved = model_state.take_sequence(llm)
        take_s = time.perf_counter() - started
        started = time.perf_counter()
        steward.states.save("bench-write", engine.model.path, engine._cache._context, saved)
        steward.states.flush()
        write_s = time.perf_counter() - started
        steward.states.forget("bench-write")
        # turn 21 in the same process
        _, same = asyncio.run(_ask(assistant, QUESTIONS[20], conv))
        with db.transaction():  # forget turn 21: the conversation has 20 turns again
            db.delete_messages_from(conv, db.messages(conv)[-2].seq)
        assistant.close()
        engine.close()
        steward.close()
        shutil.rmtree(folder)
        shutil.copytree(snapshot, folder)  # as it was after turn 20
        resumed = _new_process_turn(home, conv)
        _drop_last_turn()
        for state in folder.glob("*.state"):  # no saved state (the rest of the folder stays)
            state.unlink()
        empty = _new_process_turn(home, conv)
    same_ms, new_ms, empty_ms = same.stats.ttft_ms, resumed["ttft_ms"], empty["ttft_ms"]
    per_k = state_size / state_tokens * 1000 / 2**20
    n = turns + 1
    return [
        Row(
            f"TTFT turn {n} in a new process / same process",
            "<= 1.5",
            f"{new_ms / same_ms:.2f} ({new_ms:.0f} vs {same_ms:.0f} ms; "
            f"{resumed['cached']:.0f} tokens read from the saved state)",
            new_ms <= 1.5 * same_ms,
        ),
        Row(
            f"TTFT turn {n} in a new process / from an empty cache",
            "<= 0.2",
            f"{new_ms / empty_ms:.3f} ({new_ms:.0f} vs {empty_ms:.0f} ms)",
            new_ms <= 0.2 * empty_ms,
        ),
        Row(
            "saved state on disk per 1,000 tokens (embedded model)",
            "reported",
            f"{per_k:.1f} MB ({state_size / 2**20:.1f} MB for {state_tokens} tokens)",
            True,
        ),
        Row(
            "saving a state: encrypt + write (writer thread) / copy (engine thread)",
            "off the answering thread",
            f"{write_s * 1000:.0f} ms / {take_s * 1000:.0f} ms ({state_tokens} tokens)",
            True,
        ),
    ]


def _drop_last_turn() -> None:
    """Open the store again (as a front end would) and forget the conversation's last turn."""
    steward = Steward()
    try:
        db = steward.open_store()
        conv = db.conversations(limit=1)[0].id
        with db.transaction():
            db.delete_messages_from(conv, db.messages(conv)[-2].seq)
    finally:
        steward.close()


__all__ = ["run"]
