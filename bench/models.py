"""Models: the memory estimate shown before a download against the peak resident memory
measured while each model the tests have answers (tests/peak_rss.py, a child process per
measurement), and the time from switching the chat to another model to the first token of
the next answer."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bench.table import Row

MiB = 1 << 20
SWITCH_TARGET_S = 2.0  # two 100 MB models on this machine's CPU


def _memory_rows(folder: Path, quick: bool) -> list[Row]:
    from app.core.llm.fit import Shape, estimate
    from app.core.llm.gguf_info import read_gguf
    from app.core.llm.model_files import embedded_model_path
    from tests.gguf_models import HELD_OUT, PHI3, QWEN2, QWEN3, write_random_model
    from tests.peak_rss import measure

    embedded = embedded_model_path()
    assert embedded is not None
    cases = [("embedded (llama)", embedded, 2048), ("embedded (llama)", embedded, 8192)]
    if not quick:
        for label, shape, n_ctx in (
            ("random qwen2", QWEN2, 2048),
            ("random phi3", PHI3, 8192),
            ("random qwen3", QWEN3, 8192),
            ("random qwen2, held out", HELD_OUT, 4096),
        ):
            path = write_random_model(folder / f"{label.replace(' ', '-')}.gguf", shape)
            cases.append((label, path, n_ctx))
    rows = []
    for label, path, n_ctx in cases:
        est = estimate(Shape.of(read_gguf(path)), n_ctx).total
        measured = measure(path, n_ctx)
        ratio = est / measured
        rows.append(
            Row(
                f"memory estimate ÷ peak RSS, {label}, {n_ctx // 1024}k context",
                "0.85–1.15",
                f"{ratio:.3f} ({est / MiB:.0f} vs {measured / MiB:.0f} MiB)",
                0.85 <= ratio <= 1.15,
            )
        )
    return rows


async def _switch_seconds(home: Path, other: Path, rounds: int) -> list[float]:
    from app.core.assistant import Token
    from app.core.paths import resolve_paths
    from app.core.steward import Steward
    from app.session import Failed, Session

    paths = resolve_paths(home).ensure()
    session = Session(steward=Steward(paths, ask_passphrase=lambda _new: "benchmark passphrase"))
    library = session.models()
    library.add(other)
    models = [library.find("embedded"), library.find(other.stem.lower())]
    times = []
    try:
        await session.load_engine()
        async for _ in session.submit("Say hello.", drafting=False):
            pass
        for n in range(rounds):
            started = time.perf_counter()
            await session.use_model(models[(n + 1) % 2])
            async for event in session.submit("Say hello.", drafting=False):
                if isinstance(event, Failed):
                    raise event.error
                if isinstance(event, Token):
                    times.append(time.perf_counter() - started)
                    break
    finally:
        await session.aclose()
    return times


def run(quick: bool) -> list[Row]:
    from app.core.llm.model_files import embedded_model_path

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = _memory_rows(folder, quick)
        embedded = embedded_model_path()
        assert embedded is not None
        other = folder / "Other-Model.gguf"
        other.write_bytes(embedded.read_bytes().replace(b"Smollm2 135M", b"Smollm2 COPY"))
        times = asyncio.run(_switch_seconds(folder / "home", other, 3 if quick else 9))
    median = statistics.median(times)
    rows.append(
        Row(
            "switch the chat's model → first token of the next answer (median)",
            f"≤ {SWITCH_TARGET_S:.1f} s",
            f"{median:.2f} s ({len(times)} switches)",
            median <= SWITCH_TARGET_S,
        )
    )
    return rows
