"""Automations against real parts: a real encrypted database, real files in temporary
folders, the real plugin loader with the built-ins."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.automations.builtins import MODULES
from app.automations.plugins import Registry, load_plugins
from app.automations.runner import HeadlessServices
from app.automations.service import Automations
from app.core.paths import Paths, resolve_paths
from app.core.store.database import open_database

TEST_PLUGIN = "tests.unit.automations.misbehaving"


@pytest.fixture(scope="session")
def registry() -> Registry:
    loaded = load_plugins(builtins=(*MODULES, TEST_PLUGIN), entry_points=False)
    assert loaded.problems == []
    return loaded


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    return resolve_paths(tmp_path / "home").ensure()


class EchoModel:
    """Stands in for the model where a test needs its answer to be exactly the input (the
    real model's path is tested in test_model_step)."""

    def __init__(self) -> None:
        self.prompts: list[str] = []

    async def __call__(self, prompt: str, *, system: str, max_tokens: int) -> str:
        self.prompts.append(prompt)
        return prompt.split("<input>\n", 1)[-1].rsplit("\n</input>", 1)[0]


@pytest.fixture
def services() -> HeadlessServices:
    return HeadlessServices(EchoModel())


@pytest.fixture
def auto(paths: Paths, registry: Registry, services: HeadlessServices) -> Iterator[Automations]:
    db = open_database(paths.database, secrets.token_bytes(32))
    yield Automations(db, paths, services, registry=registry)
    db.close()


@pytest.fixture
def granted(tmp_path: Path) -> Path:
    """A folder a test's workflow is granted."""
    folder = tmp_path / "granted"
    folder.mkdir()
    return folder


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside it that no workflow is granted, holding a secret."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_text("secret")
    return folder


@pytest.fixture
def work(tmp_path: Path) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


def workflow(
    steps: list[dict[str, Any]],
    permissions: list[dict[str, str]] | None = None,
    trigger: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "steward_workflow": 1,
        "name": extra.pop("name", "test workflow"),
        "trigger": trigger or {"type": "manual"},
        "steps": steps,
        "permissions": permissions or [],
        **extra,
    }


def step(step_id: str, action: str, **params: Any) -> dict[str, Any]:
    return {"id": step_id, "action": action, "params": params}


async def yes(request: Any) -> str:
    return "once"


async def no(request: Any) -> str:
    return "deny"
