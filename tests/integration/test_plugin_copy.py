"""Plugins plan like built-ins: a copy of the built-in files plugin, installed from the user
plugin folder under new ids (``myfiles.move`` for ``files.move``, …) in place of the built-in,
gives the same drafts.

The model only ever sees the step names and words the actions declare (``Action.planning``),
never an action id, and nothing the planner does depends on the order plugins load in (the
copy loads last, after every built-in). So, over the whole request set, the model is asked the
very same thing, byte for byte, with either plugin; what it answers is a function of what it is
asked, so the drafts are the same too. The first test checks exactly that for every request of
both parts (a stand-in that writes the first answer the draft's schema allows, so the drafts go
through compiling, the meaning checks and the repairs); the second plans a sample with the
embedded model itself and compares the workflows."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from app.automations.builtins import MODULES, asks, files
from app.automations.planner import Plan, Planner, engine_generate_json
from app.automations.plugins import Registry, load_plugins
from app.core.llm.engine import LocalEngine, SamplingParams
from app.core.llm.prompt import ChatMessage
from tests.integration.test_engine import make_engine
from tests.requests.score import load

FILES = "app.automations.builtins.files"


def install_copy(folder: Path) -> None:
    """The built-in files plugin's source as a user plugin (a package, its words beside it),
    every action id renamed from files.* to myfiles.*."""
    package = folder / "myfiles"
    package.mkdir(parents=True)
    source = Path(str(files.__file__)).read_text(encoding="utf-8")
    assert source.count('id="files.') == 7
    source = source.replace('id="files.', 'id="myfiles.')
    source = source.replace("from app.automations.builtins import asks", "from . import asks")
    (package / "__init__.py").write_text(source, encoding="utf-8")
    (package / "asks.py").write_text(
        Path(str(asks.__file__)).read_text(encoding="utf-8"), encoding="utf-8"
    )


@pytest.fixture(scope="module")
def registries(tmp_path_factory: pytest.TempPathFactory) -> tuple[Registry, Registry]:
    folder = tmp_path_factory.mktemp("plugins")
    install_copy(folder)
    builtin = load_plugins(builtins=MODULES, entry_points=False)
    copy = load_plugins(
        builtins=[m for m in MODULES if m != FILES], user_folder=folder, entry_points=False
    )
    assert copy.problems == [] and copy.plugins[-1] == "myfiles"
    assert sorted(a for a in copy.actions if a.startswith("myfiles.")) == sorted(
        "my" + a for a in builtin.actions if a.startswith("files.")
    )
    assert not any(a.startswith("files.") for a in copy.actions)
    return builtin, copy


def swapped_back(plan: Plan) -> dict[str, Any]:
    """What a plan says, with the copy's ids written as the built-in's."""
    said = json.dumps(
        {"kind": plan.kind, "text": plan.text, "workflow": plan.workflow, "repairs": plan.repairs},
        sort_keys=True,
        ensure_ascii=False,
    )
    return dict(json.loads(said.replace('"myfiles.', '"files.')))


def first_instance(schema: Any) -> Any:
    """The first value a JSON schema allows (first of each choice, shortest text)."""
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if "anyOf" in schema:
        return first_instance(schema["anyOf"][0])
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: first_instance(properties[name]) for name in schema.get("required", [])}
    if kind == "array":
        return [first_instance(item) for item in schema.get("prefixItems", [])]
    if kind == "string":
        return "Draft" if schema.get("minLength", 0) > 1 else "text"
    if kind == "integer":
        return schema.get("minimum", 0)
    if kind == "boolean":
        return False
    raise AssertionError(f"no instance for {schema}")


class StandIn:
    """Answers with the first draft the schema allows, and records everything it was asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[list[tuple[str, str]], str | None, int | None]] = []

    async def __call__(self, messages: list[ChatMessage], params: SamplingParams) -> str:
        self.asked.append(
            (
                [(m.role, m.content) for m in messages],
                params.json_schema,
                params.prefix_messages,
            )
        )
        assert params.json_schema is not None
        return json.dumps(first_instance(json.loads(params.json_schema)))


def test_the_model_is_asked_the_same_and_the_drafts_are_the_same_over_the_whole_set(
    registries: tuple[Registry, Registry],
) -> None:
    builtin, copy = registries
    cases = load("dev") + load("test")
    assert len(cases) >= 300
    results = []
    for registry in (builtin, copy):
        stand_in = StandIn()
        planner = Planner(registry, stand_in)
        plans = [asyncio.run(planner.plan(case["request"])) for case in cases]
        results.append((stand_in.asked, [swapped_back(p) for p in plans]))
    (asked_builtin, plans_builtin), (asked_copy, plans_copy) = results
    # the model's view: identical for every request and every retry
    assert len(asked_builtin) == len(asked_copy) > len(cases) / 2
    for before, after in zip(asked_builtin, asked_copy, strict=True):
        assert before == after
    assert not any("myfiles" in text for messages, _, _ in asked_copy for _, text in messages)
    # and what the planner made of the answers, request by request
    workflows = 0
    for case, before, after in zip(cases, plans_builtin, plans_copy, strict=True):
        assert before == after, case["request"]
        workflows += before["workflow"] is not None
    assert workflows > len(cases) / 3  # the drafts compared are real workflows, most of them


# requests the files plugin's actions do (listing, moving, copying, reading, writing); a sample
# of the development part, planned with the embedded model under both plugins
SAMPLE = (
    "Move the PDFs in ~/Downloads into ~/Downloads/PDFs",
    "When a text file lands in ~/Notes/inbox, summarize it into ~/Notes/summaries.md",
    "Every weekday at 8:30 read ~/Notes/todo.md and show it to me in a notification",
    "Copy every .jpg in ~/Pictures into ~/Backups/photos",
    "Every hour run `uptime` and append the output to ~/Notes/uptime.log",
    "When a new screenshot appears in ~/Desktop, move it to ~/Pictures/Screenshots",
)


@pytest.fixture(scope="module")
def fresh_engines(model_path: Path) -> Any:
    engines = [make_engine(model_path, n_ctx=4096), make_engine(model_path, n_ctx=4096)]
    yield engines
    for engine in engines:
        engine.close()


def test_the_embedded_model_drafts_the_same_with_the_copy(
    registries: tuple[Registry, Registry], fresh_engines: list[LocalEngine]
) -> None:
    plans = []
    for registry, engine in zip(registries, fresh_engines, strict=True):
        planner = Planner(registry, engine_generate_json(engine))

        async def plan_all(planner: Planner = planner) -> list[Plan]:
            return [await asyncio.wait_for(planner.plan(r), 120) for r in SAMPLE]

        plans.append(asyncio.run(plan_all()))
    builtin, copy = plans
    assert sum(p.workflow is not None for p in builtin) >= len(SAMPLE) - 1, builtin
    used = {s["action"] for p in copy if p.workflow for s in p.workflow["steps"]}
    assert {"myfiles.list", "myfiles.move", "myfiles.read"} <= used, used
    for request, before, after in zip(SAMPLE, builtin, copy, strict=True):
        assert swapped_back(before) == swapped_back(after), request
