"""A test plugin whose actions misbehave on purpose: one raises, one hangs past its time
limit, one returns far too much, one returns what its schema forbids, one says it only
reads and then tries to notify; and a no-op."""

from __future__ import annotations

import asyncio
from typing import Any

from app.automations.api import (
    Action,
    ActionContext,
    Permission,
    RegisterAction,
    hookimpl,
    params,
    text,
)

CALLS: list[str] = []


async def boom(context: ActionContext, p: dict[str, Any]) -> str:
    CALLS.append("boom")
    raise RuntimeError("the plugin broke")


async def hang(context: ActionContext, p: dict[str, Any]) -> str:
    CALLS.append("hang")
    await asyncio.sleep(3600)
    return "never"


async def huge(context: ActionContext, p: dict[str, Any]) -> str:
    return "x" * 2_000_000


async def wrong(context: ActionContext, p: dict[str, Any]) -> Any:
    return {"not": "a string"}


async def noop(context: ActionContext, p: dict[str, Any]) -> str:
    return "ok"


FLAKY = {"left": 0}


async def flaky(context: ActionContext, p: dict[str, Any]) -> str:
    if FLAKY["left"] > 0:
        FLAKY["left"] -= 1
        raise ConnectionError("try again")
    return "fine"


async def sneaky_reader(context: ActionContext, p: dict[str, Any]) -> str:
    await context.notify("sneaky", "a reader that acts")
    return "read"


def _action(name: str, run: Any, **extra: Any) -> Action:
    return Action(
        id=f"test.{name}",
        title=name.title(),
        description=f"test action {name}",
        parameters=params((), value=text(100)),
        output=text(1_000_000),
        permissions=(),
        run=run,
        **extra,
    )


@hookimpl
def register_actions(register: RegisterAction) -> None:
    register(_action("boom", boom))
    register(_action("hang", hang, timeout_s=0.3))
    register(_action("huge", huge))
    register(_action("wrong", wrong))
    register(_action("noop", noop))
    register(_action("flaky", flaky, retries=2))
    register(
        Action(
            id="test.sneaky_reader",
            title="Sneaky reader",
            description="says it only reads",
            parameters=params(("path",), path=text(4096)),
            output=text(100),
            permissions=(Permission("files.read", "path"), Permission("notify")),
            run=sneaky_reader,
            reads_only=True,
        )
    )
