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

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import pluggy

from app.automations.safefs import GrantedTree, LinkRefused, OutsideGrant
from app.language import N_, _t

PROJECT = "steward"
ENTRY_POINT_GROUP = "steward.automations"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

PermissionKind = Literal[
    "files.read", "files.write", "network", "process.run", "clipboard", "notify", "model", "mcp"
]
PERMISSION_KINDS: tuple[PermissionKind, ...] = (
    "files.read",
    "files.write",
    "network",
    "process.run",
    "clipboard",
    "notify",
    "model",
    "mcp",  # the tools of one MCP server (its name is the scope); only those tools ask for it
)
# kinds that act on the world: a step needing one asks the user first (unless approved)
NEEDS_APPROVAL: frozenset[PermissionKind] = frozenset(
    {"files.write", "network", "process.run", "mcp"}
)
# kinds scoped by a parameter: the folder (files), the URL's host (network), the program
SCOPED: frozenset[PermissionKind] = frozenset(
    {"files.read", "files.write", "network", "process.run"}
)

Schema = Mapping[str, Any]
FileKind = Literal["files.read", "files.write"]


@dataclass(frozen=True)
class Permission:
    """What an action needs. ``param`` names the parameter that scopes it: the path whose
    folder must be granted (files), the URL whose host must be granted (network), or the
    program (process.run); unscoped kinds have none. ``scope`` is a scope fixed by the
    action itself: the server of an MCP tool."""

    kind: PermissionKind
    param: str | None = None
    scope: str = ""

    @property
    def needs_approval(self) -> bool:
        return self.kind in NEEDS_APPROVAL


class ActionContext(Protocol):
    """What an action may use while it runs, given by the runner.

    File actions work through :meth:`granted`, call :meth:`preserve` before they change a
    path and :meth:`trash` instead of deleting, so ``steward automations undo RUN`` can put
    everything back. The model,
    notifications and the clipboard come from the front end (the desktop app or the CLI);
    each needs the matching permission on the action.
    """

    @property
    def run_id(self) -> str: ...

    @property
    def cancelled(self) -> bool: ...

    def log(self, message: str) -> None: ...

    def granted(self, path: Path, kind: FileKind) -> GrantedTree:
        """The granted folder (of this kind; a write grant also allows reading) that holds
        ``path``, for using ``path`` without following links; PermissionError when none
        does or the action did not declare ``kind``."""

    def preserve(self, path: Path) -> None:
        """Record ``path`` as it is now (or that it does not exist) before changing it."""

    def trash(self, path: Path) -> Path:
        """Move ``path`` to Steward's trash (restorable by undo); returns where it went."""

    async def generate(self, prompt: str, *, system: str = "", max_tokens: int = 256) -> str:
        """The local model's answer to ``prompt`` (permission ``model``)."""

    async def notify(self, title: str, body: str) -> None:
        """A desktop notification, or a log line when headless (permission ``notify``)."""

    async def read_clipboard(self) -> str:
        """The clipboard's text (permission ``clipboard``; needs the desktop app)."""

    async def write_clipboard(self, text: str) -> None:
        """Put text on the clipboard (permission ``clipboard``; needs the desktop app)."""


ActionFunction = Callable[[ActionContext, dict[str, Any]], Awaitable[Any]]
Describe = Callable[[dict[str, Any]], str]
Fire = Callable[[dict[str, Any]], None]
# a trigger's watcher: runs until cancelled, calling fire(data) each time the trigger fires
TriggerWatch = Callable[[dict[str, Any], Fire], Awaitable[None]]
Check = Callable[[dict[str, Any]], list[str]]
# what a dry run may use as the trigger's event (the trigger's parameters in; data or None)
Sample = Callable[[dict[str, Any]], "dict[str, Any] | None"]


# what a step does with data, in the order a drafted workflow has them: it reads something
# (a file, a folder's listing, a web page, the clipboard, a program's output), transforms a
# text, changes files, stores a text, sends it away, or tells the user
Role = Literal["source", "transform", "chore", "store", "send", "tell"]
ROLES: tuple[Role, ...] = ("source", "transform", "chore", "store", "send", "tell")
# what a source reads: the thing the request names that calls for it
Reads = Literal["file", "folder", "url", "clipboard", "program"]
# a notes file is a file too, and also what people name by a word ("my journal")
PathKind = Literal["file", "folder", "notes"]


class Said:
    """``SAID``: in ``Planning.fills``, the words of the request that asked (to the end of
    their clause, places said as "it"): {"instruction": SAID} makes "translate it into English"
    the instruction of a step the request asked for with "translate"."""

    def __repr__(self) -> str:
        return "SAID"


SAID = Said()


@dataclass(frozen=True)
class Ask:
    """Something a request can ask for ("moving files") and the words that ask for it, one
    regular expression per language. English phrases are matched against the request as the
    word reader reads it (a Chinese request in the reader's English), other languages against
    the request as written. Paths are taken out of the request before matching and so are web
    addresses, unless ``with_addresses`` (the phrase is about an address: "fetch https://…")."""

    name: str
    phrases: Mapping[str, str]
    with_addresses: bool = False


@dataclass(frozen=True)
class Planning:
    """How the planner drafts steps of an action (every action can have one; the built-ins
    use nothing else; docs/plugins.md explains each field).

    ``step`` is a step's id in a drafted workflow ("move") and what the model writes for such
    a step unless ``term`` says otherwise (the built-ins' terms are their ids: the words the
    embedded model drafts best with). ``role`` is its place in the flow of data; ``asks`` what
    a request asks for when it wants this action (the first: what it is for; an ask several
    actions share is one object); ``only_when_asked`` keeps it out of a draft unless its first
    ask is in the words (moving, deleting, sending); ``reads`` what a source reads (a file, a
    folder's listing, a web address, …); ``paths`` which path parameters name a file and which
    a folder; ``fills`` parameter values a step gets, by ask, when it would fail as drafted
    ({"a summary by the model": {"task": "summarize"}}; ``SAID`` stands for the words that
    asked); ``offers`` optional parameters the
    model may fill only when an ask is in the words."""

    step: str
    role: Role
    asks: tuple[Ask, ...] = ()
    # what the model writes for a step of this action and reads in its prompt (default: the
    # step name); unique among installed actions
    term: str = ""
    only_when_asked: bool = False
    reads: Reads | None = None
    paths: Mapping[str, PathKind] = field(default_factory=dict)
    fills: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    offers: Mapping[str, str] = field(default_factory=dict)


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
    # it only reads (inside the workflow's grants) and changes nothing: a dry run runs it for
    # real, so the steps after it show what they would do with the real data
    reads_only: bool = False
    # one line saying what a step with these (resolved) parameters would do, for dry runs
    # and approval questions; without it, the title and the parameters are shown
    describe: Describe | None = field(default=None, compare=False)
    # the same line in other languages, by language code ("zh"): a review card is written in
    # the language of the request it was drafted from; a missing language falls back to English
    describe_in: Mapping[str, Describe] = field(default_factory=dict, compare=False)
    # how the planner drafts it; without, the planner offers it only when the request uses a
    # word of its title, and a step of it is named after its id
    planning: Planning | None = field(default=None, compare=False)
    # meaning checks beyond the schema (a step that would fail when it runs): the problems
    check: Check | None = field(default=None, compare=False)
    plugin: str = field(default="", compare=False)  # filled in by the registry

    @property
    def needs_approval(self) -> bool:
        return any(p.needs_approval for p in self.permissions)

    @property
    def term(self) -> str:
        """What the model writes for a step of this action (its planning term)."""
        if self.planning is not None:
            return self.planning.term or self.planning.step
        return self.step_id

    @property
    def step_id(self) -> str:
        """The id a drafted step of this action gets ("move"; "move_2" for a second one)."""
        if self.planning is not None:
            return self.planning.step
        return re.sub(r"[^a-z0-9_]", "_", self.id)

    @property
    def role(self) -> Role:
        """Its role in a data flow; without planning hints, read from its permissions."""
        if self.planning is not None:
            return self.planning.role
        kinds = {p.kind for p in self.permissions}
        if kinds & {"files.write", "network", "process.run", "clipboard"}:
            return "send" if kinds & {"network", "clipboard"} else "store"
        return "tell" if "notify" in kinds else "source"

    def path_kind(self, param: str) -> PathKind | None:
        """Whether a path parameter names a file or a folder (None: either, or unknown)."""
        return self.planning.paths.get(param) if self.planning is not None else None


@dataclass(frozen=True)
class Trigger:
    """One way a workflow can start (manual, a schedule, a folder watch, …)."""

    id: str
    title: str
    description: str
    parameters: Schema
    # what a run started by this trigger can refer to as {{trigger.NAME}}
    data: Schema = field(default_factory=lambda: {"type": "object", "properties": {}})
    permissions: tuple[Permission, ...] = ()
    # meaning checks beyond the schema (a cron expression parses, …): the problems found
    check: Check | None = field(default=None, compare=False)
    # None for triggers the scheduler handles itself (manual, schedule, app start)
    watch: TriggerWatch | None = field(default=None, compare=False)
    # an event a dry run can use, made from what is there now (a folder watch: the newest
    # matching file); None when there is none, and a dry run then shows the trigger's values
    # as known only when it fires
    sample: Sample | None = field(default=None, compare=False)
    # when it fires, in words ("Every weekday at 08:30"), from its parameters: the one wording
    # the review card, the automations panel and the terminal show; without it, the title
    describe: Describe | None = field(default=None, compare=False)
    describe_in: Mapping[str, Describe] = field(default_factory=dict, compare=False)
    plugin: str = field(default="", compare=False)


def in_thread(function: Callable[[ActionContext, dict[str, Any]], Any]) -> ActionFunction:
    """An action from a plain function that blocks (file I/O, parsing): it runs on a worker
    thread, so the desktop app stays responsive. A time limit still ends the step, but the
    function itself runs to its end, so keep such work bounded."""

    async def run(context: ActionContext, params: dict[str, Any]) -> Any:
        return await asyncio.to_thread(function, context, params)

    run.__name__ = run.__qualname__ = getattr(function, "__name__", "run")
    return run


def amount_of_text(value: Any, language: str = "en") -> str:
    """For a ``describe`` line: "12 characters" ("12 个字符" in Chinese), or, before a run has
    filled it in, the reference itself ("{{steps.read.output}}"), which review cards put into
    words."""
    if isinstance(value, str) and "{{" in value:
        return value
    return f"{len(str(value))} 个字符" if language == "zh" else f"{len(str(value))} characters"


def text(max_length: int, description: str = "", **extra: Any) -> dict[str, Any]:
    """A bounded string parameter (every string a workflow holds must be bounded)."""
    schema: dict[str, Any] = {"type": "string", "maxLength": max_length, **extra}
    if description:
        schema["description"] = description
    return schema


def integer(minimum: int, maximum: int, description: str = "", **extra: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer", "minimum": minimum, "maximum": maximum, **extra}
    if description:
        schema["description"] = description
    return schema


def params(required: tuple[str, ...] = (), **properties: Any) -> dict[str, Any]:
    """An object schema with these properties, no others, and the given ones required."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


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
    "N_",
    "PERMISSION_KINDS",
    "ROLES",
    "SAID",
    "SCOPED",
    "Action",
    "ActionContext",
    "ActionFunction",
    "Ask",
    "Check",
    "Describe",
    "FileKind",
    "Fire",
    "GrantedTree",
    "Hooks",
    "LinkRefused",
    "OutsideGrant",
    "PathKind",
    "Permission",
    "PermissionKind",
    "Planning",
    "Reads",
    "RegisterAction",
    "RegisterTrigger",
    "Role",
    "Sample",
    "Schema",
    "Trigger",
    "TriggerWatch",
    "_t",
    "amount_of_text",
    "hookimpl",
    "hookspec",
    "in_thread",
    "integer",
    "params",
    "text",
]
