"""Model figures: decode rate through `steward ask` vs llama-cpp-python, time to first token
across turns, and switching between conversations. Latencies are measured in one process
through the core API."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from app.core.assistant import Assistant, Finished, Started
from app.core.llm.engine import LocalEngine, SamplingParams
from app.core.llm.model_files import ModelRef, embedded_model_path
from app.core.settings import ModelSettings
from app.core.store.database import open_database
from bench.table import Row

ROOT = Path(__file__).resolve().parents[1]
PROMPT = "Write a long, detailed essay about the history of the Roman Empire."
SYSTEM = "You are a helpful assistant."

# llama-cpp-python used directly, two ways: its lowest-level token loop (Llama.generate, the
# strictest baseline) and its streaming chat completion API. Same model, context, batch,
# threads, prompt and greedy sampling as Steward's run.
DIRECT = r"""
import json, sys, time
from llama_cpp import Llama
path, prompt, system, max_tokens, n_ctx, mode = sys.argv[1:7]
max_tokens, n_ctx = int(max_tokens), int(n_ctx)
import os
threads = os.cpu_count() or 1  # Steward's default; llama-cpp-python's own default is half
llm = Llama(model_path=path, n_ctx=n_ctx, n_batch=512, n_threads=threads,
            n_threads_batch=threads, verbose=False)
msgs = [{"role": "system", "content": system}, {"role": "user", "content": prompt}]
stamps = []
if mode == "generate":
    from llama_cpp import llama_chat_format, llama_cpp as C
    m = llm._model
    fmt = llama_chat_format.Jinja2ChatFormatter(llm.metadata["tokenizer.chat_template"],
        m.token_get_text(llm.token_eos()), m.token_get_text(llm.token_bos()))
    tokens = llm.tokenize(fmt(messages=msgs).prompt.encode(), add_bos=False, special=True)
    for tok in llm.generate(tokens, temp=0.0, top_p=0.95, top_k=40, min_p=0.05, repeat_penalty=1.0):
        if C.llama_vocab_is_eog(m.vocab, tok):
            break
        llm.detokenize([tok])
        stamps.append(time.perf_counter())
        if len(stamps) >= max_tokens:
            break
else:
    for chunk in llm.create_chat_completion(msgs, temperature=0.0, top_p=0.95, top_k=40,
            min_p=0.05, repeat_penalty=1.0, max_tokens=max_tokens, stream=True):
        if chunk["choices"][0]["delta"].get("content"):
            stamps.append(time.perf_counter())
rate = (len(stamps) - 1) / (stamps[-1] - stamps[0])
print(json.dumps({"tokens_per_s": rate, "tokens": len(stamps)}))
"""


def _env(home: str) -> dict[str, str]:
    env = dict(os.environ, STEWARD_HOME=home, STEWARD_PASSPHRASE="benchmark passphrase")
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    return env


def ask_rate(home: str, max_tokens: int, prompt: str = PROMPT) -> float:
    """`steward ask`'s decode rate (tokens/s, as it reports it) for a greedy answer."""
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "ask",
            prompt,
            "--json",
            "--temperature",
            "0",
            "--max-tokens",
            str(max_tokens),
        ],
        cwd=ROOT,
        env=_env(home),
        capture_output=True,
        text=True,
        check=True,
    )
    return float(json.loads(out.stdout)["timings"]["tokens_per_s"])


def decode_rate(quick: bool) -> list[Row]:
    model = embedded_model_path()
    assert model is not None
    max_tokens = 64 if quick else 256
    rounds = 1 if quick else 5
    rates: dict[str, list[float]] = {"steward": [], "generate": [], "chat": []}
    with tempfile.TemporaryDirectory() as home:
        # settings identical to the direct runs: same context, batch, threads and sampling
        (Path(home) / "config").mkdir(parents=True)
        (Path(home) / "config" / "settings.toml").write_text(
            f'[models.embedded]\nn_ctx = 2048\nsystem_prompt = "{SYSTEM}"\n'
        )
        for _ in range(rounds):  # interleaved, so drift on a shared machine hits all three
            rates["steward"].append(ask_rate(home, max_tokens))
            for mode in ("generate", "chat"):
                out = subprocess.run(
                    [
                        sys.executable,
                        "-c",
                        DIRECT,
                        str(model),
                        PROMPT,
                        SYSTEM,
                        str(max_tokens),
                        "2048",
                        mode,
                    ],
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                rates[mode].append(json.loads(out.stdout)["tokens_per_s"])
    s, g, c = (statistics.median(rates[k]) for k in ("steward", "generate", "chat"))
    return [
        Row(
            "decode tok/s: steward ask / llama-cpp-python Llama.generate",
            ">= 0.97",
            f"{s / g:.3f} ({s:.1f} vs {g:.1f} tok/s)",
            s / g >= 0.97,
        ),
        Row(
            "decode tok/s: steward ask / llama-cpp-python chat completion",
            ">= 0.97",
            f"{s / c:.3f} ({s:.1f} vs {c:.1f} tok/s)",
            s / c >= 0.97,
        ),
    ]


async def _ttft(assistant: Assistant, text: str, conv: str | None, params: SamplingParams):
    started = finished = None
    async for ev in assistant.ask(
        text, conversation_id=conv, params=params, cancel=threading.Event()
    ):
        if isinstance(ev, Started):
            started = ev
        elif isinstance(ev, Finished):
            finished = ev
    assert started and finished
    return started.conversation.id, finished.stats.ttft_ms


def ttft_figures(quick: bool) -> list[Row]:
    path = embedded_model_path()
    assert path is not None
    ref = ModelRef("embedded", "embedded", path)
    settings = ModelSettings(n_ctx=4096)
    params = SamplingParams(temperature=0.0, max_tokens=24)
    turns = 20
    # equal-length user messages (same token count each turn)
    messages = [
        f"Question number {i:02d}: tell me one short fact about the number {i:02d}."
        for i in range(turns)
    ]

    async def go() -> tuple[float, float, float, float, float]:
        with tempfile.TemporaryDirectory() as tmp:
            db = open_database(Path(tmp) / "bench.db", os.urandom(32))
            engine = LocalEngine(ref, settings, state_cache_entries=2)
            await engine.load()
            assistant = Assistant(db, engine, system_prompt=SYSTEM)
            conv = None
            ttfts = []
            for text in messages:
                conv, t = await _ttft(assistant, text, conv, params)
                ttfts.append(t)
            # the same turn 20, evaluated from an empty cache
            cold_engine = LocalEngine(ref, settings, state_cache_entries=0)
            await cold_engine.load()
            cold = Assistant(db, cold_engine, system_prompt=SYSTEM)
            with db.transaction():  # forget the last turn, then ask it again from nothing
                last = db.messages(conv)[-2]
                db.delete_messages_from(conv, last.seq)
            _, cold_t = await _ttft(cold, messages[-1], conv, params)
            cold_engine.close()
            # switching: two conversations, alternate, measure right after each switch
            conv_a, conv_b = conv, None
            first_b = None
            switch = []
            rounds = 2 if quick else 5
            for i in range(rounds):
                conv_b, t_b = await _ttft(
                    assistant, f"Other topic {i:02d}: name one colour, please.", conv_b, params
                )
                if first_b is None:
                    first_b = t_b
                else:
                    switch.append(t_b)
                _, t_a = await _ttft(assistant, messages[i % turns], conv_a, params)
                switch.append(t_a)
            engine.close()
            assistant.close()
            cold.close()
            db.close()
            return ttfts[0], ttfts[-1], cold_t, statistics.median(switch), max(switch)

    t1, t20, cold20, switch_median, switch_max = asyncio.run(go())
    return [
        Row(
            "TTFT turn 20 / turn 1",
            "<= 1.5",
            f"{t20 / t1:.2f} ({t20:.0f} vs {t1:.0f} ms)",
            t20 <= 1.5 * t1,
        ),
        Row(
            "TTFT turn 20 / same turn from empty cache",
            "<= 0.10",
            f"{t20 / cold20:.3f} ({t20:.0f} vs {cold20:.0f} ms)",
            t20 <= 0.1 * cold20,
        ),
        Row(
            "TTFT right after a conversation switch / turn 1",
            "<= 2.0",
            f"{switch_median / t1:.2f} median, {switch_max / t1:.2f} worst "
            f"({switch_median:.0f} ms)",
            switch_max <= 2 * t1,
        ),
    ]


def delivery_gaps(quick: bool) -> list[Row]:
    """How long a made token waits before the loop sees it: the engine coalesces wake-ups
    (wake_interval), so no gap should be much beyond the interval plus one token's compute."""
    model = embedded_model_path()
    assert model is not None
    engine = LocalEngine(
        ModelRef("embedded", "SmolLM2-135M-Instruct", model),
        ModelSettings(n_ctx=2048, max_tokens=200, temperature=0.0),
    )

    async def go() -> list[float]:
        from app.core.llm.engine import TokenEvent
        from app.core.llm.prompt import ChatMessage

        await engine.load()
        gaps: list[float] = []
        for _ in range(1 if quick else 3):
            last = None
            params = SamplingParams(temperature=0.0, max_tokens=200)
            async for ev in engine.generate(
                [ChatMessage("system", SYSTEM), ChatMessage("user", PROMPT)],
                conversation="gaps",
                params=params,
            ):
                now = asyncio.get_running_loop().time()
                if isinstance(ev, TokenEvent):
                    if last is not None:
                        gaps.append(now - last)
                    last = now
        return gaps

    try:
        gaps = sorted(asyncio.run(go()))
    finally:
        engine.close()
    p90 = gaps[int(len(gaps) * 0.9)]
    bound = engine.wake_interval + 0.035
    return [
        Row(
            "token delivery gap, 90th percentile (wake-ups coalesced every "
            f"{engine.wake_interval * 1000:.0f} ms)",
            f"<= {bound * 1000:.0f} ms",
            f"{p90 * 1000:.0f} ms (max {gaps[-1] * 1000:.0f} ms, {len(gaps)} gaps)",
            p90 <= bound,
        )
    ]


def run(quick: bool) -> list[Row]:
    return [*decode_rate(quick), *ttft_figures(quick), *delivery_gaps(quick)]
