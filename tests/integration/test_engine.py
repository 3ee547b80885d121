"""The local engine with the real embedded model."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest

from app.core.errors import ContextOverflowError, ModelError
from app.core.llm.engine import (
    DoneEvent,
    GenerationStats,
    LocalEngine,
    SamplingParams,
    TokenEvent,
    TrimmedEvent,
)
from app.core.llm.model_files import ModelRef
from app.core.llm.prompt import ChatMessage
from app.core.settings import ModelSettings

SYSTEM = ChatMessage("system", "You are a helpful assistant.")
GREEDY = SamplingParams(temperature=0.0, max_tokens=24)


def make_engine(model_path: Path, **settings: object) -> LocalEngine:
    return LocalEngine(
        ModelRef("embedded", "embedded", model_path),
        ModelSettings(**settings),  # type: ignore[arg-type]
        state_cache_entries=2,
    )


async def collect(engine: LocalEngine, messages, key="c", params=GREEDY, cancel=None):
    text, other = [], []
    async for ev in engine.generate(messages, conversation=key, params=params, cancel=cancel):
        if isinstance(ev, TokenEvent):
            text.append(ev.text)
        else:
            other.append(ev)
    done = [e for e in other if isinstance(e, DoneEvent)]
    assert len(done) == 1
    return "".join(text), done[0].stats, [e for e in other if isinstance(e, TrimmedEvent)]


@pytest.fixture
def engine(model_path: Path):
    eng = make_engine(model_path, n_ctx=2048)
    yield eng
    eng.close()


def test_streams_an_answer_and_reports_stats(engine: LocalEngine) -> None:
    async def go() -> tuple[str, GenerationStats]:
        info = await engine.load()
        assert info.n_ctx == 2048 and info.n_params > 100_000_000
        text, stats, _ = await collect(engine, [SYSTEM, ChatMessage("user", "Name a colour.")])
        return text, stats

    text, stats = asyncio.run(go())
    assert text.strip()
    assert 0 < stats.completion_tokens <= GREEDY.max_tokens
    assert stats.prompt_tokens > 10 and stats.tokens_per_s > 0 and stats.ttft_ms > 0


def test_greedy_output_is_reproducible(engine: LocalEngine) -> None:
    msgs = [SYSTEM, ChatMessage("user", "Count from one to five.")]

    async def go() -> tuple[str, str]:
        a, _, _ = await collect(engine, msgs, key="x")
        b, _, _ = await collect(engine, msgs, key="y")
        return a, b

    a, b = asyncio.run(go())
    assert a == b


def test_next_turn_reuses_the_cached_prefix(engine: LocalEngine) -> None:
    async def go() -> tuple[GenerationStats, GenerationStats]:
        history = [SYSTEM, ChatMessage("user", "Tell me about the sea. " * 20)]
        answer, first, _ = await collect(engine, history)
        history += [ChatMessage("assistant", answer), ChatMessage("user", "And rivers?")]
        _, second, _ = await collect(engine, history)
        return first, second

    first, second = asyncio.run(go())
    assert first.cached_tokens == 0
    # everything up to the previous prompt is reused; only the answer tail and the new turn run
    assert second.cached_tokens >= first.prompt_tokens
    assert second.evaluated_tokens <= first.completion_tokens + 20


def test_stop_between_tokens_within_100_ms(engine: LocalEngine) -> None:
    async def go() -> tuple[float, GenerationStats, int]:
        cancel = threading.Event()
        stopped_at = 0.0
        stats = None
        deliveries = after_stop = 0
        params = SamplingParams(temperature=0.8, max_tokens=1000, seed=7)
        messages = [SYSTEM, ChatMessage("user", "Write a very long story about a dragon.")]
        async for ev in engine.generate(messages, conversation="s", params=params, cancel=cancel):
            if isinstance(ev, TokenEvent):
                deliveries += 1
                after_stop += cancel.is_set()
                if deliveries == 4:
                    cancel.set()
                    stopped_at = time.perf_counter()
            elif isinstance(ev, DoneEvent):
                stats = ev.stats
        assert stats is not None
        return time.perf_counter() - stopped_at, stats, after_stop

    latency, stats, after_stop = asyncio.run(go())
    assert stats.finish_reason == "cancelled"
    assert latency < 0.1
    # after the cancel the engine makes at most the token in progress: what follows the
    # stop is at most that and what was already on its way (one wake-up's worth)
    assert after_stop <= 2
    assert stats.completion_tokens < 1000


def test_stop_while_a_long_prompt_is_processed(engine: LocalEngine) -> None:
    async def go() -> tuple[float, float, GenerationStats]:
        await engine.load()
        cancel = threading.Event()
        long_prompt = ChatMessage("user", "The quick brown fox jumps over the lazy dog. " * 170)
        task = asyncio.ensure_future(collect(engine, [long_prompt], cancel=cancel))
        await asyncio.sleep(0.15)  # well inside prompt processing (about 1,700 tokens)
        cancel.set()
        t0 = time.perf_counter()
        text, stats, _ = await task
        return time.perf_counter() - t0, len(text), stats

    latency, produced, stats = asyncio.run(go())
    assert stats.finish_reason == "cancelled" and produced == 0
    assert latency < 0.1


def test_history_longer_than_context_is_trimmed_not_an_error(model_path: Path) -> None:
    engine = make_engine(model_path, n_ctx=512)

    async def go():
        history = [SYSTEM]
        for i in range(30):
            history += [
                ChatMessage("user", f"Question {i}: what is {i} plus {i}? Explain briefly."),
                ChatMessage(
                    "assistant", f"{i} plus {i} is {2 * i}. Adding a number to itself doubles it."
                ),
            ]
        history.append(ChatMessage("user", "Thanks. One more?"))
        params = SamplingParams(temperature=0.0, max_tokens=32)
        _, first, trimmed = await collect(engine, history, params=params)
        history += [ChatMessage("assistant", "Sure."), ChatMessage("user", "Great.")]
        _, second, trimmed2 = await collect(engine, history, params=params)
        return first, trimmed, second, trimmed2

    try:
        first, trimmed, second, trimmed2 = asyncio.run(go())
    finally:
        engine.close()
    assert trimmed and trimmed[0].dropped_messages > 0 and trimmed[0].n_ctx == 512
    assert first.prompt_tokens + 32 <= 512
    # trimmed in a chunk: the next turn keeps the same start, so the prefix stays cached
    assert trimmed2[0].dropped_messages == trimmed[0].dropped_messages
    assert second.cached_tokens >= first.prompt_tokens - 1


def test_very_long_history_is_trimmed_from_the_newest_turns(model_path: Path) -> None:
    engine = make_engine(model_path, n_ctx=512)
    history = [SYSTEM]
    for i in range(5_000):
        history += [ChatMessage("user", f"Note {i}."), ChatMessage("assistant", f"Noted {i}.")]
    history.append(ChatMessage("user", "Which note came last?"))

    async def go():
        return await collect(engine, history, params=SamplingParams(max_tokens=16))

    try:
        _, stats, trimmed = asyncio.run(go())
    finally:
        engine.close()
    kept = len(history) - 1 - trimmed[0].dropped_messages
    # as many of the newest turns as fill about TRIM_TARGET of the room, starting at a question
    assert 20 < kept < 200 and history[1 + trimmed[0].dropped_messages].role == "user"
    assert stats.prompt_tokens + 16 <= 512


def test_single_message_larger_than_context_is_a_clear_error(model_path: Path) -> None:
    engine = make_engine(model_path, n_ctx=512)

    async def go():
        await collect(engine, [ChatMessage("user", "word " * 2000)])

    try:
        with pytest.raises(ContextOverflowError, match="too long for the local model"):
            asyncio.run(go())
    finally:
        engine.close()


def test_switching_conversations_restores_cached_state(model_path: Path) -> None:
    engine = make_engine(model_path, n_ctx=2048)

    async def go():
        a = [SYSTEM, ChatMessage("user", "Describe mountains. " * 40)]
        b = [SYSTEM, ChatMessage("user", "Describe deserts. " * 40)]
        ans_a, first_a, _ = await collect(engine, a, key="A")
        await collect(engine, b, key="B")
        a += [ChatMessage("assistant", ans_a), ChatMessage("user", "Shorter please.")]
        _, back_a, _ = await collect(engine, a, key="A")
        return first_a, back_a

    try:
        first_a, back_a = asyncio.run(go())
    finally:
        engine.close()
    assert back_a.cached_tokens >= first_a.prompt_tokens


@pytest.mark.parametrize("kind", ["missing", "not-gguf", "truncated"])
def test_broken_model_file_is_a_clear_error(model_path: Path, tmp_path: Path, kind: str) -> None:
    bad = tmp_path / f"{kind}.gguf"
    if kind == "not-gguf":
        bad.write_bytes(b"<html>Not a model</html>" * 100)
    elif kind == "truncated":
        with model_path.open("rb") as src:
            bad.write_bytes(src.read(2_000_000))
    engine = LocalEngine(ModelRef(str(bad), bad.name, bad), ModelSettings())
    try:
        with pytest.raises(ModelError) as info:
            engine.load_sync()
    finally:
        engine.close()
    assert str(bad) in info.value.user_text()


def test_tokens_stream_in_several_deliveries_not_at_the_end(
    engine: LocalEngine, model_path: Path
) -> None:
    """Coalesced wake-ups hand the text over as the answer is made: several deliveries, the
    first long before the last, each one event holding every token made since the last one
    (so the layers above take a step per wake-up, not per token). How soon each arrives is
    a figure for `make bench`: "token delivery gap"."""

    async def go() -> tuple[list[tuple[float, str]], GenerationStats]:
        await engine.load()
        deliveries: list[tuple[float, str]] = []  # (when, text)
        stats = None
        params = SamplingParams(temperature=0.0, max_tokens=60)
        loop = asyncio.get_running_loop()
        async for ev in engine.generate(
            [SYSTEM, ChatMessage("user", "Describe a forest.")], conversation="w", params=params
        ):
            if isinstance(ev, TokenEvent):
                deliveries.append((loop.time(), ev.text))
            elif isinstance(ev, DoneEvent):
                stats = ev.stats
        assert stats is not None
        return deliveries, stats

    deliveries, stats = asyncio.run(go())
    assert len(deliveries) >= 3  # streamed, not delivered at the end
    assert deliveries[-1][0] - deliveries[0][0] > 0.1
    assert len(deliveries) < stats.completion_tokens  # tokens were handed over together
    # the same answer from an engine of its own: this one's KV cache would hold the prompt,
    # and reading only its last token again gives logits that differ in the last bits from
    # reading the prompt in one batch (enough to tip a near tie on some llama.cpp builds)
    fresh = make_engine(model_path, n_ctx=2048)
    try:
        greedy, _, _ = asyncio.run(
            collect(
                fresh,
                [SYSTEM, ChatMessage("user", "Describe a forest.")],
                params=SamplingParams(temperature=0.0, max_tokens=60),
            )
        )
    finally:
        fresh.close()
    assert "".join(text for _, text in deliveries) == greedy  # nothing lost or repeated


def test_closing_twice_returns_at_once_and_a_closed_engine_refuses_work(model_path: Path) -> None:
    """aclose() then close() (the desktop's quit does both): the second returns at once; a
    job for a stopped worker is refused, never left waiting (it made quitting take 10 s)."""
    engine = make_engine(model_path, n_ctx=512)

    async def go() -> None:
        await engine.load()
        await engine.aclose()

    asyncio.run(go())
    started = time.monotonic()
    engine.close()
    assert time.monotonic() - started < 1.0
    with pytest.raises(RuntimeError, match="stopped"):
        asyncio.run(engine.load())
