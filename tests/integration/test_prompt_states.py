"""A fixed prompt prefix evaluated once and read back by a later engine (a new process, as a
new `steward automations plan` is), with the real embedded model: the later engine does not
evaluate the prefix again and answers exactly as without the kept state; a damaged or
foreign state is never loaded; a prefix that changes (a plugin installed) is a new state."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest

from app.core.llm.engine import GenerationStats, LocalEngine, SamplingParams
from app.core.llm.model_files import ModelRef
from app.core.llm.prompt import ChatMessage
from app.core.llm.prompt_states import MAGIC, PromptStates
from app.core.settings import ModelSettings
from tests.integration.test_engine import collect

FIXED = [
    ChatMessage("system", "You turn requests into short lists of steps. " * 12),
    ChatMessage("user", "Request: water the plants"),
    ChatMessage("assistant", "1. fill the can 2. water each pot"),
]
KEPT = SamplingParams(temperature=0.0, max_tokens=16, prefix_messages=len(FIXED))


def engine(
    model_path: Path, folder: Path | None, prepared: Path | None = None, model_id: str = "embedded"
) -> LocalEngine:
    return LocalEngine(
        ModelRef(model_id, model_id, model_path),
        ModelSettings(n_ctx=2048),
        prompt_states=folder,
        prepared_states=prepared,
    )


def answer(
    model_path: Path,
    folder: Path | None,
    request: str,
    params: SamplingParams = KEPT,
    **where: Any,
) -> tuple[str, GenerationStats]:
    """One engine, one answer, closed: a process of its own as far as the model is concerned."""
    eng = engine(model_path, folder, **where)
    try:
        text, stats, _ = asyncio.run(
            collect(eng, [*FIXED, ChatMessage("user", f"Request: {request}")], params=params)
        )
    finally:
        eng.close()
    return text, stats


def test_a_later_engine_reads_the_kept_prefix_and_answers_the_same(
    model_path: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "prompt-states"
    _, plain_stats = answer(model_path, None, "tidy the desk")
    assert plain_stats.cached_tokens == 0 and not folder.exists()

    first, first_stats = answer(model_path, folder, "tidy the desk")
    [kept] = list(folder.glob("*.state"))
    assert kept.read_bytes().startswith(MAGIC) and kept.stat().st_mode & 0o077 == 0
    # the first engine evaluated everything (the prefix, kept, then the request)
    assert first_stats.cached_tokens == 0
    assert first_stats.prompt_tokens == plain_stats.prompt_tokens

    again, again_stats = answer(model_path, folder, "tidy the desk")
    # the same answer as the engine that made the state (which read the prefix, then the
    # request, as this one does; one that reads the prompt in other batches may differ in
    # the last bits of its logits, so the answer without a kept state is not the measure)
    assert again == first
    # the prefix was read, not evaluated: only the request's tokens were
    assert again_stats.cached_tokens > 100
    assert again_stats.evaluated_tokens < plain_stats.prompt_tokens - 100

    other, other_stats = answer(model_path, folder, "cook dinner")
    assert other_stats.cached_tokens == again_stats.cached_tokens  # the same prefix, read
    assert other == answer(model_path, tmp_path / "elsewhere", "cook dinner")[0]
    assert len(list(folder.glob("*.state"))) == 1


def test_a_damaged_state_is_removed_and_evaluated_again(model_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "prompt-states"
    expected, _ = answer(model_path, folder, "tidy the desk")
    [kept] = list(folder.glob("*.state"))
    data = bytearray(kept.read_bytes())
    data[-100] ^= 0xFF  # one byte of the model's state changed
    kept.write_bytes(bytes(data))
    text, stats = answer(model_path, folder, "tidy the desk")
    assert text == expected and stats.cached_tokens == 0  # not loaded: evaluated again
    [rewritten] = list(folder.glob("*.state"))
    assert rewritten.read_bytes() != bytes(data)


def test_the_state_an_install_brings_is_read_and_never_written(
    model_path: Path, tmp_path: Path
) -> None:
    """The first process after installing (an empty user cache) reads the prepared state;
    the embedded model is the same file wherever the install unpacked it."""
    prepared = tmp_path / "install" / "prompt-states"
    made, _ = answer(model_path, prepared, "tidy the desk")  # as scripts/prepare_… makes it
    [state] = list(prepared.glob("*.state"))
    before = state.read_bytes()
    prepared.chmod(0o555)  # the install's: read-only

    own = tmp_path / "user-cache"
    text, stats = answer(model_path, own, "tidy the desk", prepared=prepared)
    assert text == made and stats.cached_tokens > 100  # read, not evaluated
    assert not own.exists()  # nothing to keep: the install has it

    unpacked = tmp_path / "elsewhere" / model_path.name  # another place, another mtime
    unpacked.parent.mkdir()
    shutil.copyfile(model_path, unpacked)
    text, stats = answer(unpacked, own, "tidy the desk", prepared=prepared)
    assert text == made and stats.cached_tokens > 100 and not own.exists()
    # a model of the user's own is known by where it is: the install's state is not its
    text, stats = answer(unpacked, own, "tidy the desk", prepared=prepared, model_id="mine")
    assert stats.cached_tokens == 0 and len(list(own.glob("*.state"))) == 1

    # a damaged prepared state is ignored, left as it is, and the prompt evaluated
    prepared.chmod(0o755)
    state.write_bytes(before[:-100] + bytes(100))
    prepared.chmod(0o555)
    elsewhere = tmp_path / "other-cache"
    text, stats = answer(model_path, elsewhere, "tidy the desk", prepared=prepared)
    assert text == made and stats.cached_tokens == 0
    assert state.read_bytes() == before[:-100] + bytes(100)
    assert len(list(elsewhere.glob("*.state"))) == 1
    prepared.chmod(0o755)


def test_a_changed_prefix_or_model_file_is_a_new_state(model_path: Path, tmp_path: Path) -> None:
    states = PromptStates(tmp_path, model_path, "n_ctx=2048")
    states.save([1, 2, 3], b"state")
    assert states.load([1, 2, 3]) == b"state"
    assert states.load([1, 2, 4]) is None  # another prefix (e.g. a plugin's action added)
    assert PromptStates(tmp_path, model_path, "n_ctx=4096").load([1, 2, 3]) is None
    copy = tmp_path / "copy.gguf"
    copy.write_bytes(b"GGUF")
    assert PromptStates(tmp_path, copy, "n_ctx=2048").load([1, 2, 3]) is None


def test_only_the_newest_states_are_kept(model_path: Path, tmp_path: Path) -> None:
    states = PromptStates(tmp_path, model_path, "n_ctx=2048", keep=2)
    for n in range(4):
        states.save([n], bytes([n]))
    assert len(list(tmp_path.glob("*.state"))) == 2
    assert states.load([3]) == bytes([3]) and states.load([0]) is None


@pytest.mark.parametrize("prefix_messages", [0, 1])
def test_no_state_is_kept_without_a_fixed_prefix_worth_keeping(
    model_path: Path, tmp_path: Path, prefix_messages: int
) -> None:
    """Nothing is written unless the caller marks fixed messages, and not for a few tokens
    (the system message of one line)."""
    folder = tmp_path / "prompt-states"
    eng = engine(model_path, folder)
    params = SamplingParams(temperature=0.0, max_tokens=4, prefix_messages=prefix_messages)
    try:
        asyncio.run(
            collect(
                eng,
                [ChatMessage("system", "Be brief."), ChatMessage("user", "Hi")],
                params=params,
            )
        )
    finally:
        eng.close()
    assert not list(folder.glob("*.state"))
