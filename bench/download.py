"""Model downloads against a hub on 127.0.0.1 (tests/hub_server.py, in this process; the
downloads run in child processes): throughput against curl from the same server, and the
bytes sent again when the connection drops five times."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.table import Row

ROOT = Path(__file__).resolve().parents[1]

PULL = r"""
import asyncio, json, sys, time
from pathlib import Path
from app.core.llm.download import Download, DownloadOptions
url, dest = sys.argv[1], Path(sys.argv[2])
download = Download(url, dest, options=DownloadOptions(backoff_s=0.05, backoff_max_s=0.2))
started = time.perf_counter()
done = asyncio.run(download.run())
print(json.dumps({"seconds": time.perf_counter() - started, "size": done.size,
                  "reconnects": done.reconnects}))
"""


def _pull(url: str, dest: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", PULL, url, str(dest)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(out.stdout)
    dest.unlink()
    return result


def _curl(url: str, dest: Path) -> float:
    started = time.perf_counter()
    subprocess.run(["curl", "-sS", "-L", "-o", str(dest), url], check=True)
    took = time.perf_counter() - started
    dest.unlink()
    return took


def run(quick: bool) -> list[Row]:
    from tests.hub_server import HubServer

    size = (32 if quick else 512) << 20
    rounds = 1 if quick else 5
    data = os.urandom(size)
    with tempfile.TemporaryDirectory() as tmp, HubServer() as hub:
        dest = Path(tmp) / "model.gguf"
        hub.add("model.gguf", data)
        url = hub.resolve_url("model.gguf")
        ours: list[float] = []
        theirs: list[float] = []
        for n in range(rounds):  # alternate who goes first
            sides = [
                lambda: ours.append(_pull(url, dest)["seconds"]),
                lambda: theirs.append(_curl(url, dest)),
            ]
            for side in sides if n % 2 == 0 else reversed(sides):
                side()
        ratio = statistics.median(c / s for s, c in zip(ours, theirs, strict=True))
        mb = size / (1 << 20)
        hub.add("dropped.gguf", data, drop_at=[size * k // 6 for k in range(1, 6)])
        before = hub.sent
        dropped = _pull(hub.resolve_url("dropped.gguf"), dest)
        again = (hub.sent - before - size) / size
    return [
        Row(
            f"download throughput: steward / curl, same local server ({mb:.0f} MB file, "
            "SHA-256 and fsync included)",
            ">= 0.9",
            f"{ratio:.2f} (median of {rounds}; {mb / statistics.median(ours):.0f} vs "
            f"{mb / statistics.median(theirs):.0f} MB/s)",
            ratio >= 0.9,
        ),
        Row(
            "download: bytes sent again after 5 dropped connections",
            "<= 1% of the file",
            f"{again:.2%} ({dropped['reconnects']:.0f} reconnects)",
            again <= 0.01 and dropped["reconnects"] == 5,
        ),
    ]
