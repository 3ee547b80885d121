"""The only module a Steward plugin imports.

A plugin is a module (or package) with functions marked ``@hookimpl`` that register what it
offers::

    from app.automations.api import Action, Permission, hookimpl

    @hookimpl
    def register_actions(register):
        register(Action(
            id="example.shout",
            title="Shout",
            description="Upper-case a text.",
            parameters={"type": "object", "properties": {
                "text": {"type": "string", "maxLength": 2000}}, "required": ["text"]},
            output={"type": "string", "maxLength": 2000},
            permissions=(),
            run=shout,
        ))

    async def shout(context, params):
        return params["text"].upper()

Every string in a parameter or output schema is bounded (``maxLength`` or ``enum``): a
workflow drafted by a small model must not be able to produce text without end, and a
plugin whose schema allows it is refused with the place named. See docs/plugins.md.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import pluggy

PROJECT = "steward"
ENTRY_POINT_GROUP = "steward.automations"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

PermissionKind = Literal[
    "files.read", "files.write", "network", "process.run", "clipboard", "notify", "model"
]
PERMISSION_KINDS: tuple[PermissionKind, ...] = (
    "files.read",
    "files.write",
    "network",
    "process.run",
    "clipboard",
    "notify",
    "model",
)
# kinds that act on the world: a step needing one asks the user first (unless approved)
NEEDS_APPROVAL: frozenset[PermissionKind] = frozenset({"files.write", "network", "process.run"})
# kinds scoped by a parameter: the folder (files), the URL's host (network), the program
SCOPED: frozenset[PermissionKind] = frozenset(
    {"files.read", "files.write", "network", "process.run"}
)

Schema = Mapping[str, Any]


@dataclass(frozen=True)
class Permission:
    """What an action needs. ``param`` names the parameter that scopes it: the path whose
    folder must be granted (files), the URL whose host must be granted (network), or the
    program (process.run); unscoped kinds have none."""

    kind: PermissionKind
    param: str | None = None

    @property
    def needs_approval(self) -> bool:
        return self.kind in NEEDS_APPROVAL


class ActionContext(Protocol):
    """What an action may use while it runs, given by the runner."""

    @property
    def cancelled(self) -> bool: ...

    def log(self, message: str) -> None: ...


ActionFunction = Callable[[ActionContext, dict[str, Any]], Awaitable[Any]]


@dataclass(frozen=True)
class Action:
    """One kind of step a workflow can contain."""

    id: str
    title: str
    description: str
    parameters: Schema
    output: Schema
    permissions: tuple[Permission, ...]
    run: ActionFunction
    timeout_s: float = 30.0
    retries: int = 0  # how often the runner may run it again after a failure (idempotent only)
    plugin: str = field(default="", compare=False)  # filled in by the registry

    @property
    def needs_approval(self) -> bool:
        return any(p.needs_approval for p in self.permissions)


@dataclass(frozen=True)
class Trigger:
    """One way a workflow can start (manual, a schedule, a folder watch, …)."""

    id: str
    title: str
    description: str
    parameters: Schema
    plugin: str = field(default="", compare=False)


RegisterAction = Callable[[Action], None]
RegisterTrigger = Callable[[Trigger], None]


class Hooks:
    """The hook specifications plugins implement (register-callback style, as in llm)."""

    @hookspec
    def register_actions(self, register: RegisterAction) -> None:
        """Call ``register(Action(...))`` for each action the plugin offers."""

    @hookspec
    def register_triggers(self, register: RegisterTrigger) -> None:
        """Call ``register(Trigger(...))`` for each trigger the plugin offers."""


__all__ = [
    "ENTRY_POINT_GROUP",
    "NEEDS_APPROVAL",
    "PERMISSION_KINDS",
    "Action",
    "ActionContext",
    "ActionFunction",
    "Hooks",
    "Permission",
    "PermissionKind",
    "RegisterAction",
    "RegisterTrigger",
    "Schema",
    "Trigger",
    "hookimpl",
    "hookspec",
]
