"""Automation figures: plugin discovery at start with the built-ins and 20 extra plugins in
the user folder (each loaded in a fresh process, so module imports are counted, as at a real
start); the runner's overhead per step with a no-op action; writing a 100-step run's
history to the encrypted database."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.llm import ROOT
from bench.table import Row

PLUGIN = """
from app.automations.api import Action, Permission, Trigger, hookimpl

async def run(context, params):
    return params["text"]

@hookimpl
def register_actions(register):
    for n in range(5):
        register(Action(
            id=f"extra{index}.action{{n}}", title="Echo", description="Echo a text.",
            parameters={{"type": "object", "properties": {{
                "text": {{"type": "string", "maxLength": 1000}},
                "path": {{"type": "string", "maxLength": 4096}}}}}},
            output={{"type": "string", "maxLength": 1000}},
            permissions=(Permission("files.read", "path"),), run=run))

@hookimpl
def register_triggers(register):
    register(Trigger(id="extra{index}.trigger", title="Never", description="",
                     parameters={{"type": "object", "properties": {{}}}}))
"""

MEASURE = r"""
import json, sys, time
from pathlib import Path
from app.automations.builtins import MODULES
from app.automations.plugins import load_plugins
started = time.perf_counter()
registry = load_plugins(builtins=MODULES, user_folder=Path(sys.argv[1]))
elapsed = (time.perf_counter() - started) * 1000
assert not registry.problems, registry.problems
print(json.dumps({"ms": elapsed, "actions": len(registry.actions)}))
"""


def run(quick: bool) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "plugins"
        folder.mkdir()
        for index in range(20):
            (folder / f"extra{index}.py").write_text(PLUGIN.format(index=index))
        times = []
        for _ in range(1 if quick else 7):
            out = subprocess.run(
                [sys.executable, "-c", MEASURE, str(folder)],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            )
            result = json.loads(out.stdout)
            assert result["actions"] >= 118
            times.append(result["ms"])
    median = statistics.median(times)
    return [
        Row(
            "plugin discovery at start: the built-ins and 20 extra plugins (100 actions)",
            "<= 100 ms",
            f"median {median:.1f} ms, worst {max(times):.1f} ms",
            max(times) <= 100,
        ),
        *runner_rows(quick),
    ]


NOOP = """
from app.automations.api import Action, hookimpl, params

async def noop(context, p):
    return None

@hookimpl
def register_actions(register):
    register(Action(id="bench.noop", title="Nothing", description="Does nothing.",
                    parameters=params(), output={"type": "null"}, permissions=(), run=noop))
"""


def runner_rows(quick: bool) -> list[Row]:
    """Per-step overhead: a 100-step run of a no-op action through the runner (references,
    schema checks, permission checks, recording in the encrypted history) against awaiting
    the same action 100 times directly."""
    import asyncio
    import secrets

    from app.automations.builtins import MODULES
    from app.automations.history import RunRecord, StepRecord
    from app.automations.plugins import load_plugins
    from app.automations.runner import HeadlessServices
    from app.automations.service import Automations
    from app.core.paths import resolve_paths
    from app.core.store.database import new_id, now, open_database

    steps = 100
    rounds = 3 if quick else 15
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "plugins"
        folder.mkdir()
        (folder / "bench_noop.py").write_text(NOOP)
        registry = load_plugins(builtins=MODULES, user_folder=folder, entry_points=False)
        paths = resolve_paths(Path(tmp) / "home").ensure()
        db = open_database(paths.database, secrets.token_bytes(32))
        auto = Automations(db, paths, HeadlessServices(), registry=registry)
        document = {
            "steward_workflow": 1,
            "name": "no-ops",
            "trigger": {"type": "manual"},
            "steps": [{"id": f"s{n}", "action": "bench.noop", "params": {}} for n in range(steps)],
            "permissions": [],
        }
        stored = auto.create(document)
        action = registry.actions["bench.noop"].run

        async def direct() -> float:
            started = time.perf_counter()
            for _ in range(steps):
                await action(None, {})  # type: ignore[arg-type]
            return time.perf_counter() - started

        async def through_runner() -> float:
            started = time.perf_counter()
            record = await auto.run(stored)
            assert record.status == "succeeded", record.error
            return time.perf_counter() - started

        overheads = []
        for _ in range(rounds):
            plain = asyncio.run(direct())
            full = asyncio.run(through_runner())
            overheads.append((full - plain) / steps * 1000)

        writes = []
        for _ in range(rounds):
            run = RunRecord(
                id=new_id(),
                workflow_id=stored.id,
                workflow_name="no-ops",
                trigger="manual",
                started=now(),
                status="succeeded",
                duration_ms=1.0,
            )
            records = [
                StepRecord(
                    position=n,
                    step_id=f"s{n}",
                    action="bench.noop",
                    status="ok",
                    inputs={"text": "x" * 200},
                    output={"value": "y" * 2000},
                    attempts=1,
                    duration_ms=0.1,
                )
                for n in range(steps)
            ]
            started = time.perf_counter()
            auto.history.begin_run(run)
            auto.history.save_progress(run, records, [], finished=True)
            writes.append((time.perf_counter() - started) * 1000)
        db.close()
    per_step = statistics.median(overheads)
    write = statistics.median(writes)
    return [
        Row(
            "runner overhead per step (no-op action, 100 steps, history recorded)",
            "<= 2 ms",
            f"median {per_step:.3f} ms, worst {max(overheads):.3f} ms ({rounds} runs)",
            per_step <= 2,
        ),
        Row(
            "history of a 100-step run written to the encrypted database",
            "<= 200 ms",
            f"median {write:.1f} ms, worst {max(writes):.1f} ms",
            write <= 200,
        ),
    ]
