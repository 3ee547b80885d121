"""Planner figures with the embedded model, over the request set in
tests/data/planner_requests.json: wall time per request (model load excluded, the first
request included), the valid-or-clear rate, the share of unambiguous requests that give a
valid workflow, and how many drafts have exactly the expected action sequence."""

from __future__ import annotations

import asyncio
import json
import statistics
import time

from bench.llm import ROOT
from bench.table import Row

CASES = ROOT / "tests" / "data" / "planner_requests.json"


def run(quick: bool) -> list[Row]:
    from app.automations.builtins import MODULES
    from app.automations.planner import Planner, engine_generate_json
    from app.automations.plugins import load_plugins
    from app.automations.workflow import validate
    from app.core.llm.engine import LocalEngine
    from app.core.llm.model_files import ModelRef, embedded_model_path
    from app.core.settings import ModelSettings

    cases = json.loads(CASES.read_text())
    if quick:
        cases = cases[::6]
    registry = load_plugins(builtins=MODULES, entry_points=False)
    path = embedded_model_path()
    assert path is not None, "the embedded model is installed by make setup"
    engine = LocalEngine(ModelRef("embedded", "SmolLM2-135M", path), ModelSettings(n_ctx=4096))
    planner = Planner(registry, engine_generate_json(engine))
    times: list[float] = []
    clear = valid = exact = 0
    unambiguous = [c for c in cases if c["expect"] == "workflow"]

    async def go() -> None:
        nonlocal clear, valid, exact
        await engine.load()
        for case in cases:
            started = time.perf_counter()
            result = await planner.plan(case["request"])
            times.append(time.perf_counter() - started)
            if result.kind == "workflow" and result.workflow is not None:
                ok = validate(result.workflow, registry)[0] is not None
                clear += ok
                if case["expect"] == "workflow" and ok:
                    valid += 1
                    actions = [s["action"] for s in result.workflow["steps"]]
                    exact += actions == case["actions"]
            elif result.text and result.workflow is None:
                clear += 1

    try:
        asyncio.run(go())
    finally:
        engine.close()
    median, worst = statistics.median(times), max(times)
    n, u = len(cases), len(unambiguous)
    return [
        Row(
            f"planner wall time per request, embedded model ({n} requests)",
            "median <= 5 s, worst <= 15 s",
            f"median {median:.2f} s, worst {worst:.2f} s",
            median <= 5 and worst <= 15,
        ),
        Row(
            "planner: valid workflow or clear question/refusal",
            "100%",
            f"{clear}/{n} ({clear / n:.0%})",
            clear == n,
        ),
        Row(
            "planner: unambiguous requests giving a valid workflow",
            ">= 60%",
            f"{valid}/{u} ({valid / max(u, 1):.0%})",
            valid >= 0.6 * u,
        ),
        Row(
            "planner: drafts with exactly the expected actions (SmolLM2-135M)",
            "reported",
            f"{exact}/{u} ({exact / max(u, 1):.0%})",
            True,
        ),
    ]
