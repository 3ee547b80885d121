"""Automation figures: plugin discovery at start with 20 extra plugins in the user folder
(each loaded in a fresh process, so module imports are counted, as at a real start)."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
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
from app.automations.plugins import load_plugins
started = time.perf_counter()
registry = load_plugins(user_folder=Path(sys.argv[1]))
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
            assert result["actions"] >= 100
            times.append(result["ms"])
    median = statistics.median(times)
    return [
        Row(
            "plugin discovery at start: 20 extra plugins (100 actions) in the user folder",
            "<= 100 ms",
            f"median {median:.1f} ms, worst {max(times):.1f} ms",
            max(times) <= 100,
        )
    ]
