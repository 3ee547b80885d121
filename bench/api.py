"""The local API's figures: decode rate through the API (measured by the client, from the
streamed events) against Steward's own `steward ask`; the time to the first token through the
API against a direct call of the same engine, interleaved; and the decode rate of
llama-cpp-python's own server (`python -m llama_cpp.server`) with the same model, threads and
context, for reference."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from app.api.server import CONVERSATION, Api, ApiOptions, bind, serve
from app.core.llm.engine import SamplingParams, TokenEvent
from app.core.llm.model_files import embedded_model_path
from app.core.llm.prompt import ChatMessage
from app.session import Session
from bench.llm import PROMPT, ask_rate
from bench.table import Row

ROOT = Path(__file__).resolve().parents[1]

N_CTX = 2048
TOKEN = "stw-bench-token"


def _env(home: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}
    env.update(
        STEWARD_HOME=home,
        STEWARD_PASSPHRASE="benchmark passphrase",
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    return env


async def _stream_rate(url: str, headers: dict[str, str], body: dict[str, object]) -> float:
    """Tokens per second as the client sees them: from the first piece of text to the last
    (the tokens counted by the server's usage, or one per event when it sends none)."""
    stamps, tokens = [], 0
    async with (
        httpx.AsyncClient(timeout=600) as http,
        http.stream("POST", url, json=body, headers=headers) as answer,
    ):
        async for line in answer.aiter_lines():
            if not line.startswith("data: {"):
                continue
            event = json.loads(line[6:])
            if event.get("usage"):
                tokens = event["usage"]["completion_tokens"]
            for choice in event.get("choices", []):
                if choice["delta"].get("content"):
                    stamps.append(time.perf_counter())
    tokens = tokens or len(stamps)  # a server without usage in its stream: a token an event
    assert tokens > 1 and len(stamps) > 1, "too few events"
    return (tokens - 1) / (stamps[-1] - stamps[0])


def _llama_server(port: int) -> subprocess.Popen[bytes]:
    model = embedded_model_path()
    threads = str(os.cpu_count() or 1)  # Steward's default
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(model),
            "--model_alias",
            "smollm2",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            str(N_CTX),
            "--n_threads",
            threads,
            "--n_threads_batch",
            threads,
            "--n_batch",
            "512",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _wait_up(url: str, token: str = "") -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient() as http:
        for _ in range(600):
            try:
                if (await http.get(url, headers=headers)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


async def _cancel_latency(api: Api, url: str, headers: dict[str, str]) -> float:
    """ms from a client closing its stream mid-answer until the engine has stopped (the
    answer's generation ended: the model is free for the next request)."""
    body = {
        "model": "embedded",
        "messages": [{"role": "user", "content": "Write a very long story about the sea."}],
        "max_tokens": 2000,
        "stream": True,
    }
    async with httpx.AsyncClient(timeout=600) as http:
        async with http.stream("POST", url, json=body, headers=headers) as answer:
            lines = answer.aiter_lines()
            async for line in lines:
                if '"content"' in line and '"content": ""' not in line:
                    break
            left = time.perf_counter()
        # the engine runs one job at a time, in order: a job handed to it now runs once the
        # abandoned answer's generation has really ended
        engine = api.session.engine()
        assert engine is not None
        while api.busy:
            await asyncio.sleep(0.001)
        await engine.count_tokens([ChatMessage("user", "x")])
        return (time.perf_counter() - left) * 1000


async def _figures(home: str, quick: bool) -> dict[str, list[float]]:
    rounds = 3 if quick else 20
    os.environ.update(_env(home))
    session = Session()
    await session.load_engine()
    engine = session.engine()
    assert engine is not None
    options = ApiOptions(port=0)
    api = Api(session, TOKEN, options)
    sock = bind(options)
    ready = asyncio.Event()
    server = asyncio.ensure_future(serve(api, sock, ready))
    await ready.wait()
    url = f"http://127.0.0.1:{api.port}/v1/chat/completions"
    headers = {"Authorization": f"Bearer {TOKEN}"}
    messages = [{"role": "user", "content": PROMPT}]
    got: dict[str, list[float]] = {"api_ttft": [], "direct_ttft": []}
    short = {
        "model": "embedded",
        "messages": messages,
        "max_tokens": 2,
        "temperature": 0,
        "stream": True,
    }
    async with httpx.AsyncClient(timeout=600) as http:
        for _ in range(rounds):  # interleaved: a busy moment of the machine hits both
            started = time.perf_counter()
            async with http.stream("POST", url, json=short, headers=headers) as answer:
                lines = answer.aiter_lines()
                async for line in lines:
                    if '"content"' in line and '"content": ""' not in line:
                        got["api_ttft"].append((time.perf_counter() - started) * 1000)
                        break
                async for _line in lines:
                    pass
            started = time.perf_counter()
            first = None
            async for event in engine.generate(  # read to the end, as the API's answer is
                [ChatMessage("user", PROMPT)],
                conversation=CONVERSATION,
                params=SamplingParams(temperature=0.0, max_tokens=2),
            ):
                if isinstance(event, TokenEvent) and first is None:
                    first = time.perf_counter()
            assert first is not None
            got["direct_ttft"].append((first - started) * 1000)
    got["cancel_ms"] = [await _cancel_latency(api, url, headers) for _ in range(3 if quick else 9)]
    server.cancel()
    await asyncio.gather(server, return_exceptions=True)
    await session.aclose()
    return got


def run(quick: bool) -> list[Row]:
    before = dict(os.environ)
    rounds = 1 if quick else 5
    with tempfile.TemporaryDirectory() as home:
        (Path(home) / "config").mkdir(parents=True)
        (Path(home) / "config" / "settings.toml").write_text(
            f"[models.embedded]\nn_ctx = {N_CTX}\n"
        )
        try:
            got = asyncio.run(_figures(home, quick))
        finally:
            os.environ.clear()
            os.environ.update(before)
        max_tokens = 48 if quick else 200
        api, ask = _api_and_ask_rates(home, max_tokens, rounds)
    theirs = _llama_server_rate(max_tokens, rounds)
    api_rate, ask_rate = statistics.median(api), statistics.median(ask)
    overhead = [a - d for a, d in zip(got["api_ttft"], got["direct_ttft"], strict=True)]
    median_overhead = statistics.median(overhead)
    cancel = got["cancel_ms"]
    return [
        Row(
            f"engine stopped after a client leaves mid-stream, median of {len(cancel)}",
            "<= 100 ms",
            f"{statistics.median(cancel):.0f} ms (worst {max(cancel):.0f} ms: the token being "
            "computed is finished first)",
            statistics.median(cancel) <= 100,
        ),
        Row(
            "API decode tok/s (steward serve, client-side) / steward ask",
            ">= 0.95",
            f"{api_rate / ask_rate:.3f} ({api_rate:.1f} vs {ask_rate:.1f} tok/s; each: "
            f"{' '.join(f'{r:.0f}' for r in api)} vs {' '.join(f'{r:.0f}' for r in ask)})",
            api_rate >= 0.95 * ask_rate,
        ),
        Row(
            f"API TTFT overhead vs a direct engine call, median of {len(overhead)} interleaved",
            "<= 10 ms",
            f"{median_overhead:.1f} ms ({statistics.median(got['api_ttft']):.0f} vs "
            f"{statistics.median(got['direct_ttft']):.0f} ms)",
            median_overhead <= 10,
        ),
        Row(
            "API decode tok/s / python -m llama_cpp.server (same model, threads, context)",
            "reported",
            f"{api_rate / theirs:.3f} ({api_rate:.1f} vs {theirs:.1f} tok/s)",
            True,
        ),
    ]


def _body(model: str, max_tokens: int) -> dict[str, object]:
    return {
        "model": model,
        "messages": [{"role": "user", "content": PROMPT}],
        "max_tokens": max_tokens,
        "temperature": 0,
        "stream": True,
        "stream_options": {"include_usage": True},
    }


def _api_and_ask_rates(home: str, max_tokens: int, rounds: int) -> tuple[list[float], ...]:
    """Decode rates through `steward serve` (a process of its own, as a user runs it; the
    client in this one) and of `steward ask`, taken in turn."""
    token = subprocess.run(  # made now, before the server would make it
        [sys.executable, "-m", "app", "serve", "--show-token"],
        cwd=ROOT,
        env=_env(home),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(port)],
        cwd=ROOT,
        env=_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    api: list[float] = []
    ask: list[float] = []
    try:
        base = f"http://127.0.0.1:{port}/v1"
        asyncio.run(_wait_up(f"{base}/models", token))
        for _ in range(rounds):
            headers = {"Authorization": f"Bearer {token}"}
            body = _body("embedded", max_tokens)
            api.append(asyncio.run(_stream_rate(f"{base}/chat/completions", headers, body)))
            ask.append(ask_rate(home, max_tokens, PROMPT))
    finally:
        proc.terminate()
        proc.wait(30)
    return api, ask


def _llama_server_rate(max_tokens: int, rounds: int) -> float:
    port = _free_port()
    proc = _llama_server(port)
    try:
        base = f"http://127.0.0.1:{port}/v1"
        asyncio.run(_wait_up(f"{base}/models"))
        return statistics.median(
            asyncio.run(_stream_rate(f"{base}/chat/completions", {}, _body("smollm2", max_tokens)))
            for _ in range(rounds)
        )
    finally:
        proc.terminate()
        proc.wait(30)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


__all__ = ["run"]
