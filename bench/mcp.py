"""MCP figures: what a call through Steward to a tool already allowed "Always" costs over a
direct call with the official SDK to the same server (the same stdio server, calls taken in
turn so both see the same machine), and how long a server takes from its first use to its
tools listed (mcp-server-time from PyPI)."""

from __future__ import annotations

import asyncio
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.table import Row
from tests.mcp_servers import MemorySecrets

ECHO_SERVER = (sys.executable, "-m", "tests.mcp_servers.faulty")


async def _measure(home: Path, calls: int) -> dict[str, float]:
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    from app.automations.builtins import MODULES
    from app.automations.mcp.config import ServerConfig
    from app.automations.plugins import load_plugins
    from app.automations.runner import HeadlessServices, RunOptions
    from app.automations.service import Automations
    from app.core.paths import resolve_paths
    from app.core.store.database import open_database

    paths = resolve_paths(home).ensure()
    db = open_database(paths.database, secrets.token_bytes(32))
    auto = Automations(
        db,
        paths,
        HeadlessServices(),
        registry=load_plugins(builtins=MODULES),
        secrets=MemorySecrets(),
    )
    try:
        tools = auto.tools
        time_server = str(Path(sys.executable).parent / "mcp-server-time")
        tools.store.add(ServerConfig("time", command=time_server))
        tools.store.add(ServerConfig("echo", command=ECHO_SERVER[0], args=ECHO_SERVER[1:]))
        await tools.set_enabled("time", True)
        await tools.set_enabled("echo", True)
        started = time.perf_counter()
        await tools.list_tools("time")
        first_use = time.perf_counter() - started

        action = await tools.action("echo", "echo")
        pins = auto.runner.pins
        assert pins is not None
        pins.pin(action, always=True)
        document = {
            "steward_workflow": 1,
            "name": "echo",
            "trigger": {"type": "manual"},
            "steps": [{"id": "e", "action": action.id, "params": {"text": "hello"}}],
            "permissions": [{"kind": "mcp", "scope": "echo"}],
        }
        workflow = auto.validate(document)
        params = ServerConfig("x", command=ECHO_SERVER[0], args=ECHO_SERVER[1:])
        direct_ms, gated_ms, run_ms = [], [], []
        async with Client(
            StdioServerParameters(command=params.command, args=list(params.args))
        ) as client:
            for _ in range(calls):
                t = time.perf_counter()
                await client.call_tool("echo", {"text": "hello"})
                direct_ms.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                # what a step of an allowed tool does: the approval check, then the call
                assert pins.standing(action) == "always"
                await action.run(None, {"text": "hello"})  # type: ignore[arg-type]
                gated_ms.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                run = await auto.runner.run(workflow, RunOptions())
                assert run.status == "succeeded", run.error
                run_ms.append((time.perf_counter() - t) * 1000)
        return {
            "first_use_s": first_use,
            "direct": statistics.median(direct_ms),
            "gated": statistics.median(gated_ms),
            "run": statistics.median(run_ms),
        }
    finally:
        auto.close()
        db.close()


def run(quick: bool) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        found = asyncio.run(_measure(Path(tmp), 20 if quick else 200))
    overhead = found["gated"] - found["direct"]
    return [
        Row(
            "MCP call of a tool allowed always: Steward's overhead over a direct SDK call",
            "<= 5 ms (median)",
            f"{overhead:.2f} ms ({found['gated']:.2f} vs {found['direct']:.2f} ms)",
            overhead <= 5.0,
        ),
        Row(
            "MCP call as a whole recorded run (encrypted history) over a direct SDK call",
            "reported",
            f"{found['run'] - found['direct']:.1f} ms ({found['run']:.1f} ms a run)",
            True,
        ),
        Row(
            "MCP server's first use to its tools listed (mcp-server-time)",
            "reported",
            f"{found['first_use_s']:.2f} s",
            True,
        ),
    ]
