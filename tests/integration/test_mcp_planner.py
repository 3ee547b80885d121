"""Drafting with tools of MCP servers, with the embedded model and mcp-server-time's real
listing: a request that says what a tool does (not its id) gets it, a question it answers is
offered as a one-click action, and a request that does not ask for it never gets it."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.automations.builtins import MODULES
from app.automations.mcp.config import ServerConfig
from app.automations.mcp.toolbox import Toolbox
from app.automations.planner import Planner, engine_generate_json
from app.automations.plugins import Registry, load_plugins
from app.core.llm.engine import LocalEngine
from app.core.paths import resolve_paths
from tests.integration.test_engine import make_engine
from tests.mcp_servers import MemorySecrets

TIMEOUT = 300


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    paths = resolve_paths(tmp_path_factory.mktemp("mcp-planner")).ensure()
    toolbox = Toolbox(paths, MemorySecrets())
    toolbox.store.add(
        ServerConfig("time", command=str(Path(sys.executable).parent / "mcp-server-time"))
    )
    asyncio.run(toolbox.set_enabled("time", True))
    asyncio.run(toolbox.list_tools("time"))
    registry = load_plugins(builtins=MODULES, entry_points=False)
    toolbox.attach(registry)
    yield registry
    toolbox.close()


@pytest.fixture(scope="module")
def planner(registry: Registry, model_path: Path) -> Iterator[Planner]:
    engine: LocalEngine = make_engine(model_path, n_ctx=4096)
    yield Planner(registry, engine_generate_json(engine))
    engine.close()


def test_a_request_saying_what_the_tool_does_gets_it(planner: Planner) -> None:
    request = "Every hour, notify me of the current time in Asia/Shanghai"
    result = asyncio.run(asyncio.wait_for(planner.plan(request), TIMEOUT))
    assert result.kind == "workflow" and result.workflow is not None, result.text
    steps = result.workflow["steps"]
    assert [s["action"] for s in steps] == ["mcp.time.get_current_time", "notify.show"]
    assert steps[0]["params"] == {"timezone": "Asia/Shanghai"}
    assert "{{steps.get_current_time.output}}" in str(steps[1]["params"])
    assert {"kind": "mcp", "scope": "time"} in result.workflow["permissions"]
    assert "Timesheet" not in str(result.workflow)  # not the worked example's words


def test_a_question_the_tool_answers_is_offered_as_one_click(planner: Planner) -> None:
    offered = asyncio.run(
        asyncio.wait_for(planner.propose("What is the current time in Asia/Tokyo?"), TIMEOUT)
    )
    assert offered is not None and offered.workflow is not None
    (step,) = offered.workflow["steps"]
    assert step["action"] == "mcp.time.get_current_time"
    assert step["params"] == {"timezone": "Asia/Tokyo"}


def test_a_request_not_asking_for_the_tool_never_gets_it(planner: Planner) -> None:
    request = "Every weekday at 9 remind me to stretch"
    result = asyncio.run(asyncio.wait_for(planner.plan(request), TIMEOUT))
    assert result.workflow is not None
    assert not any(s["action"].startswith("mcp.") for s in result.workflow["steps"])
    assert asyncio.run(planner.propose("hello, how are you?")) is None
