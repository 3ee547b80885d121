"""Plan requests of the set with a model and judge every answer.

``python -m tests.requests.run [--model PATH] [--only DIM] [--lang en|zh]`` plans the
development part and prints every answer that is not right, with the reasons: the part rules
and prompts are changed by. The test part's answers are only ever counted (by ``make bench``),
never printed one by one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.requests.score import judge, load


@dataclass
class Answer:
    case: dict[str, Any]
    outcome: str
    reasons: list[str]
    clear: bool  # a valid workflow, or a question/refusal with a text
    seconds: float
    kind: str = ""
    text: str = ""
    workflow: dict[str, Any] | None = field(default=None, repr=False)


def plan_all(path: Path, cases: list[dict[str, Any]], shapes: str = "fixed") -> list[Answer]:
    """Plan every case with the model at ``path`` (the built-in plugins; a 4,096-token context,
    as the app; the draft's shape ``shapes``, the model's setting planner_shapes) and judge
    each answer."""
    from app.automations.builtins import MODULES
    from app.automations.planner import Planner, engine_generate_json
    from app.automations.plugins import load_plugins
    from app.automations.workflow import validate
    from app.core.llm.engine import LocalEngine
    from app.core.llm.model_files import ModelRef
    from app.core.settings import ModelSettings

    registry = load_plugins(builtins=MODULES, entry_points=False)
    engine = LocalEngine(ModelRef("requests", path.stem, path), ModelSettings(n_ctx=4096))
    planner = Planner(
        registry, engine_generate_json(engine), shapes="free" if shapes == "free" else "fixed"
    )
    answers: list[Answer] = []

    async def go() -> None:
        await engine.load()
        for case in cases:
            started = time.perf_counter()
            plan = await planner.plan(case["request"])
            seconds = time.perf_counter() - started
            valid = plan.workflow is not None and validate(plan.workflow, registry)[0] is not None
            verdict = judge(case, plan.kind, plan.workflow, plan.text, valid)
            clear = valid or (plan.workflow is None and bool(plan.text.strip()))
            answers.append(
                Answer(
                    case,
                    verdict.outcome,
                    verdict.reasons,
                    clear,
                    seconds,
                    plan.kind,
                    plan.text,
                    plan.workflow,
                )
            )

    try:
        asyncio.run(go())
    finally:
        engine.close()
    return answers


def _summary(answer: Answer) -> str:
    if answer.workflow is None:
        return f"{answer.kind}: {answer.text}"
    steps = [s.get("action") for s in answer.workflow.get("steps", [])]
    trigger = json.dumps(answer.workflow.get("trigger"), ensure_ascii=False)
    return f"workflow {trigger} {' → '.join(map(str, steps))}"


def main(argv: list[str] | None = None) -> int:
    from app.core.llm.model_files import embedded_model_path

    parser = argparse.ArgumentParser(prog="python -m tests.requests.run")
    parser.add_argument("--model", type=Path, help="a GGUF file (default: the embedded model)")
    parser.add_argument("--only", help="one dimension")
    parser.add_argument("--lang", choices=("en", "zh"))
    parser.add_argument("--shapes", choices=("fixed", "free"), default="fixed")
    args = parser.parse_args(argv)
    cases = [
        c
        for c in load("dev")
        if (args.only is None or c["dim"] == args.only) and args.lang in (None, c["lang"])
    ]
    model = args.model or embedded_model_path()
    if model is None:
        print("no embedded model: run make setup", file=sys.stderr)
        return 2
    answers = plan_all(model, cases, args.shapes)
    for answer in answers:
        if answer.outcome not in ("exact", "right"):
            case = answer.case
            print(f"{case['id']} [{case['dim']}] {answer.outcome}: {case['request']}")
            print(f"    got {_summary(answer)}")
            for reason in answer.reasons:
                print(f"    - {reason}")
    counts = Counter(a.outcome for a in answers)
    print(", ".join(f"{k} {v}" for k, v in counts.most_common()), f"of {len(answers)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
