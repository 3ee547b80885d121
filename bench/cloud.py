"""Cloud figures: streaming overhead of Steward's client against a plain httpx loop, and the
time from "local model failed" to the first cloud token. Both read a server on 127.0.0.1
(tests/fault_server.py) that answers at once and replays stream chunks as fast as it can."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from app.core.assistant import Assistant, CloudRoute, Token
from app.core.errors import ModelError
from app.core.llm.cloud import CloudClient, CloudEndpoint
from app.core.llm.engine import SamplingParams, TokenEvent
from app.core.llm.prompt import ChatMessage
from app.core.settings import CloudSettings
from app.core.store.database import open_database
from bench.table import Row
from tests.fault_server import FaultServer

MESSAGES = [ChatMessage("user", "stream please")]


async def plain_httpx(base: str, model: str) -> float:
    """Chunks/s of the simplest correct reader: httpx lines, JSON per data line."""
    body = {"model": model, "messages": [m.as_dict() for m in MESSAGES], "stream": True}
    async with httpx.AsyncClient(timeout=30) as client:
        t0 = time.perf_counter()
        n = 0
        async with client.stream("POST", f"{base}/chat/completions", json=body) as response:
            async for line in response.aiter_lines():
                if line.startswith("data:") and line[5:].strip() != "[DONE]":
                    chunk = json.loads(line[5:])
                    if chunk["choices"] and chunk["choices"][0]["delta"].get("content"):
                        n += 1
        return n / (time.perf_counter() - t0)


async def steward_client(base: str, model: str) -> float:
    client = CloudClient(CloudEndpoint(base, model))
    try:
        t0 = time.perf_counter()
        text = []
        async for event in client.stream_chat(MESSAGES, SamplingParams()):
            if isinstance(event, TokenEvent):
                text.append(event.text)
        elapsed = time.perf_counter() - t0
        assert len("".join(text)) == client.received_chunks  # every chunk's text arrived
        return client.received_chunks / elapsed
    finally:
        await client.aclose()


async def escalation_ms(base: str, rounds: int) -> list[float]:
    """From the moment the local model is found missing to the first cloud token shown."""
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(Path(tmp) / "bench.db", os.urandom(32))
        settings = CloudSettings(enabled=True, base_url=base, model="ok")
        for _ in range(rounds):
            client = CloudClient(CloudEndpoint(base, "ok"))
            assistant = Assistant(
                db,
                None,
                cloud=CloudRoute(client, settings),
                allow_cloud=True,
                local_error=ModelError("no local model"),
            )
            t0 = time.perf_counter()
            first = None
            async for event in assistant.ask("hello", params=SamplingParams(max_tokens=8)):
                if isinstance(event, Token) and first is None:
                    first = (time.perf_counter() - t0) * 1000
            assert first is not None
            times.append(first)
            assistant.close()
            await client.aclose()
        db.close()
    return times


def run(quick: bool) -> list[Row]:
    chunks = 1000 if quick else 5000
    rounds = 1 if quick else 7
    model = f"replay-{chunks}"
    with FaultServer() as server:
        ours, plain = [], []
        for _ in range(rounds):  # interleaved
            plain.append(asyncio.run(plain_httpx(server.base_url, model)))
            ours.append(asyncio.run(steward_client(server.base_url, model)))
        escalation = asyncio.run(escalation_ms(server.base_url, 3 if quick else 15))
    s, p = statistics.median(ours), statistics.median(plain)
    worst = max(escalation)
    return [
        Row(
            f"cloud stream chunks/s: Steward client / plain httpx ({chunks:,} chunks)",
            ">= 0.97",
            f"{s / p:.3f} ({s:,.0f} vs {p:,.0f} chunks/s)",
            s / p >= 0.97,
        ),
        Row(
            "local failed -> first cloud token (server answers at once)",
            "<= 100 ms",
            f"{statistics.median(escalation):.1f} ms median, {worst:.1f} ms worst",
            worst <= 100,
        ),
    ]
