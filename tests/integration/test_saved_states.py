"""Conversation states saved on disk, encrypted, with the real embedded model: a conversation
asked in a new engine (a new process, as far as the model is concerned) reads its saved
state and answers exactly as an uninterrupted run; anything the state does not belong to (a
different model file, context size, key) or a damaged file is a miss with a correct answer;
nothing readable is ever on disk, not even while a state is being written; deleting the
conversation, erasing, locking and the size limit behave as the settings say."""

from __future__ import annotations

import asyncio
import secrets
import shutil
from array import array
from pathlib import Path

import pytest

from app.core.assistant import Assistant, Finished
from app.core.llm.engine import GenerationStats, LocalEngine, SamplingParams
from app.core.llm.model_files import ModelRef
from app.core.llm.prompt import ChatMessage
from app.core.llm.saved_states import MAGIC, SavedStates, usage
from app.core.settings import ModelSettings
from app.core.steward import Steward
from tests.conftest import run_steward

GREEDY = SamplingParams(temperature=0.0, max_tokens=24)
FIRST = [
    ChatMessage("system", "You are a helpful assistant."),
    ChatMessage("user", "Tell me about lighthouses and the people who kept them, long ago."),
]
REPLY = "And what did they eat out there?"


def make(
    model: Path, states: SavedStates | None, n_ctx: int = 2048, in_memory: int = 2
) -> LocalEngine:
    return LocalEngine(
        ModelRef("m", "m", model),
        ModelSettings(n_ctx=n_ctx),
        state_cache_entries=in_memory,
        saved_states=lambda: states,
    )


def ask(
    engine: LocalEngine, messages: list[ChatMessage], conversation: str = "conv-1"
) -> tuple[str, GenerationStats]:
    async def go() -> tuple[str, GenerationStats]:
        text = []
        stats = None
        async for event in engine.generate(
            messages, conversation=conversation, params=GREEDY, persist=True
        ):
            if hasattr(event, "text"):
                text.append(event.text)
            elif hasattr(event, "stats"):
                stats = event.stats
        assert stats is not None
        return "".join(text), stats

    return asyncio.run(go())


def second_turn(first_answer: str) -> list[ChatMessage]:
    return [*FIRST, ChatMessage("assistant", first_answer), ChatMessage("user", REPLY)]


def first_turn_in_its_own_engine(model: Path, states: SavedStates) -> str:
    engine = make(model, states)
    try:
        answer, _ = ask(engine, FIRST)
    finally:
        engine.close()
    states.flush()
    return answer


@pytest.fixture
def key() -> bytes:
    return secrets.token_bytes(32)


def test_a_new_engine_resumes_from_the_saved_state_and_answers_as_an_uninterrupted_run(
    model_path: Path, tmp_path: Path, key: bytes
) -> None:
    # uninterrupted: both turns in one engine
    whole = make(model_path, None)
    try:
        first, _ = ask(whole, FIRST)
        expected, uninterrupted = ask(whole, second_turn(first))
    finally:
        whole.close()

    states = SavedStates(tmp_path / "states", key)
    assert first_turn_in_its_own_engine(model_path, states) == first
    [kept] = [p for p in (tmp_path / "states").iterdir() if p.suffix == ".state"]
    assert kept.read_bytes().startswith(MAGIC) and kept.stat().st_mode & 0o077 == 0
    # as a new process: a new store on the same folder and key, a new engine
    resumed_engine = make(model_path, SavedStates(tmp_path / "states", key))
    try:
        again, resumed = ask(resumed_engine, second_turn(first))
    finally:
        resumed_engine.close()
    assert again == expected
    # the first turn was read from the state, not evaluated again: as in the one engine
    assert resumed.cached_tokens == uninterrupted.cached_tokens > 40
    assert resumed.evaluated_tokens == uninterrupted.evaluated_tokens


def test_switching_beyond_the_in_memory_cache_reads_the_saved_state(
    model_path: Path, tmp_path: Path, key: bytes
) -> None:
    states = SavedStates(tmp_path / "states", key)
    engine = make(model_path, states, in_memory=0)  # no conversation state kept in memory
    try:
        first, _ = ask(engine, FIRST, "a")
        ask(engine, [FIRST[0], ChatMessage("user", "Name a colour.")], "b")
        states.flush()
        assert states.hits == 0
        _, back = ask(engine, second_turn(first), "a")  # back to "a": from its saved state
    finally:
        engine.close()
    assert states.hits == 1 and back.cached_tokens > 40


def answer_without_state(model: Path, messages: list[ChatMessage], n_ctx: int = 2048) -> str:
    engine = make(model, None, n_ctx)
    try:
        return ask(engine, messages)[0]
    finally:
        engine.close()


def test_another_model_or_context_is_a_miss_with_a_correct_answer(
    model_path: Path, tmp_path: Path, key: bytes
) -> None:
    folder = tmp_path / "states"
    first = first_turn_in_its_own_engine(model_path, SavedStates(folder, key))
    # the same architecture and size, one weight changed: llama.cpp would take the state
    other = tmp_path / "other.gguf"
    shutil.copyfile(model_path, other)
    with other.open("r+b") as f:
        f.seek(-100, 2)
        byte = f.read(1)
        f.seek(-100, 2)
        f.write(bytes([byte[0] ^ 1]))
    for model, n_ctx in ((other, 2048), (model_path, 1024)):
        first_turn_in_its_own_engine(model_path, SavedStates(folder, key))  # kept again
        engine = make(model, SavedStates(folder, key), n_ctx)
        try:
            text, stats = ask(engine, second_turn(first))
        finally:
            engine.close()
        assert stats.cached_tokens == 0, (model, n_ctx)
        assert text == answer_without_state(model, second_turn(first), n_ctx)


@pytest.mark.parametrize("damage", ["flipped", "truncated", "other key"])
def test_a_damaged_state_or_another_key_is_a_miss_and_nothing_stale_is_left(
    model_path: Path, tmp_path: Path, key: bytes, damage: str
) -> None:
    folder = tmp_path / "states"
    first = first_turn_in_its_own_engine(model_path, SavedStates(folder, key))
    [kept] = folder.glob("*.state")
    raw = kept.read_bytes()
    if damage == "flipped":
        kept.write_bytes(raw[:-5000] + bytes([raw[-5000] ^ 0x40]) + raw[-4999:])
    elif damage == "truncated":
        kept.write_bytes(raw[: len(raw) // 2])
    states = SavedStates(folder, secrets.token_bytes(32) if damage == "other key" else key)
    if damage == "other key":  # the database key changed: every state is dropped at once
        assert not list(folder.glob("*.state"))
    engine = make(model_path, states)
    try:
        text, stats = ask(engine, second_turn(first))
    finally:
        engine.close()
    assert stats.cached_tokens == 0
    assert text == answer_without_state(model_path, second_turn(first))
    states.flush()
    # the damaged file went; the answer's own state replaced it
    [fresh] = folder.glob("*.state")
    assert fresh.read_bytes() != raw


def _needles(model_path: Path, marker: str, key: bytes) -> list[bytes]:
    """The marker as text and as the token ids a state would hold, and the key."""
    from llama_cpp import Llama

    llm = Llama(str(model_path), n_ctx=64, vocab_only=True, verbose=False)
    tokens = llm.tokenize(marker.encode(), add_bos=False)
    return [
        marker.encode(),
        marker.encode("utf-16-le"),
        array("i", tokens).tobytes(),
        array("i", tokens[1:-1]).tobytes(),  # inside a longer text the ends may differ
        key,
    ]


def _scan(home: Path, needles: list[bytes]) -> int:
    scanned = 0
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            scanned += 1
            for needle in needles:
                assert needle not in data, f"{needle[:12]!r}… found in {path}"
    return scanned


def test_nothing_readable_on_disk_even_while_a_state_is_written_and_delete_removes_it(
    model_path: Path, home: Path
) -> None:
    marker = "canaryword lighthouse 7c1e5b2a"
    steward = Steward()
    db = steward.open_store()
    assert steward.key is not None and steward.states is not None
    needles = _needles(model_path, marker, steward.key)
    seen_partial: list[int] = []

    def scan_while_writing(partial: Path) -> None:
        assert partial.exists() and partial.suffix == ".partial"
        seen_partial.append(_scan(home, needles))

    steward.states.before_replace = scan_while_writing
    engine = steward.engine(str(model_path))
    assistant = Assistant(db, engine)

    async def go(text: str, conversation: str | None = None) -> str:
        conv = conversation
        async for event in assistant.ask(text, conversation_id=conversation, params=GREEDY):
            if isinstance(event, Finished):
                conv = event.message.conversation_id
        assert conv is not None
        return conv

    try:
        conv = asyncio.run(go(f"Please repeat exactly: {marker}"))
        asyncio.run(go(f"Once more: {marker}", conv))
        steward.states.flush()
        assert len(seen_partial) == 2 and seen_partial[0] >= 4
        assert usage(steward.paths.saved_states).states == 1
        assert _scan(home, needles) >= 4
        # the conversation goes, and its state with it
        assistant.db_call_blocking(lambda: db.delete_conversation(conv))
        assert usage(steward.paths.saved_states).states == 0
    finally:
        assistant.close()
        engine.close()
        steward.close()
    assert steward.states is None  # locked: no store to read states from


def test_the_size_limit_keeps_the_most_recently_used(tmp_path: Path, key: bytes) -> None:
    """A unit check of the store's bookkeeping (states of made-up bytes; the real ones are
    tested above): 1 MB holds two 400 KB states, the least recently used goes."""
    from app.core.llm.model_state import Saved

    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF model stand-in")
    states = SavedStates(tmp_path / "states", key, limit_mb=1)
    state = Saved(list(range(100)), secrets.token_bytes(400_000))
    for name in ("a", "b"):
        states.save(name, model, "ctx", state)
        states.flush()
    assert states.load("a", model, "ctx") == state  # "a" is now the most recently used
    states.save("c", model, "ctx", state)
    states.flush()
    assert states.load("b", model, "ctx") is None
    assert states.load("a", model, "ctx") == state and states.load("c", model, "ctx") == state
    assert states.load("a", model, "other ctx") is None
    assert usage(tmp_path / "states").states == 1  # the mismatched one was removed
    nothing = SavedStates(tmp_path / "none", key, limit_mb=0)
    assert nothing.limit == 0  # the engine hands nothing to a store that keeps nothing


def test_sigkill_while_writing_leaves_no_state_that_could_load(tmp_path: Path, key: bytes) -> None:
    import os
    import signal
    import subprocess
    import sys

    from app.core.llm.model_state import Saved

    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF model stand-in")
    folder = tmp_path / "states"
    older = Saved([1, 2, 3], b"the older state")
    states = SavedStates(folder, key)
    states.save("conv", model, "ctx", older)
    states.close()
    child = (
        "import sys, threading\n"
        "from pathlib import Path\n"
        "from app.core.llm.saved_states import SavedStates\n"
        "from app.core.llm.model_state import Saved\n"
        f"states = SavedStates(Path({str(folder)!r}), bytes.fromhex({key.hex()!r}))\n"
        "def hold(partial):\n"
        "    print('writing', partial, flush=True)\n"
        "    threading.Event().wait()\n"
        "states.before_replace = hold\n"
        f"states.save('conv', Path({str(model)!r}), 'ctx', Saved([9] * 1000, bytes(10**7)))\n"
        "threading.Event().wait()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", child],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("writing"), line
        assert list(folder.glob("*.partial"))
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        if proc.stdout:
            proc.stdout.close()
    after = SavedStates(folder, key)
    assert not list(folder.glob("*.partial"))  # what the killed write left is gone
    assert after.load("conv", model, "ctx") == older  # the whole older state, never a part


def test_prune_cache_erase_and_doctor(home: Path, tmp_path: Path) -> None:
    """`steward history prune-cache` empties the saved states, `doctor` reports them, and
    `history delete` removes a conversation's state, all through the real command."""
    import json

    first = run_steward("ask", "Name a colour.", "--max-tokens", "8", "--json", home=home)
    assert first.returncode == 0, first.stderr
    conv = json.loads(first.stdout)["conversation_id"]
    folder = home / "cache" / "conversation-states"
    assert usage(folder).states == 1
    doctor = run_steward("doctor", home=home)
    assert "1 conversation state(s)" in doctor.stdout and "of 512 MB" in doctor.stdout
    assert run_steward("history", "delete", conv, home=home).returncode == 0
    assert usage(folder).states == 0
    second = run_steward("ask", "Name a fruit.", "--max-tokens", "8", home=home)
    assert second.returncode == 0 and usage(folder).states == 1
    pruned = run_steward("history", "prune-cache", "--json", home=home)
    assert json.loads(pruned.stdout)["removed_states"] == 1 and usage(folder).states == 0
    off = run_steward("settings", "set", "saved_states_mb", "0", home=home)
    assert off.returncode == 0
    assert run_steward("ask", "Name a tree.", "--max-tokens", "8", home=home).returncode == 0
    assert usage(folder).states == 0
    assert "off: no conversation state is saved" in run_steward("doctor", home=home).stdout


def test_erasing_everything_removes_the_saved_states(home: Path) -> None:
    from app.core.llm.model_state import Saved

    steward = Steward()
    steward.open_store()
    assert steward.states is not None
    model = home / "model.gguf"
    model.write_bytes(b"GGUF model stand-in")
    steward.states.save("conv", model, "ctx", Saved([1, 2], b"state"))
    steward.states.flush()
    assert usage(steward.paths.saved_states).states == 1
    steward.erase_all()
    assert not steward.paths.saved_states.exists() and steward.states is None
