"""The tools of enabled MCP servers as actions (``mcp.SERVER.TOOL``), and what the user
approved of them.

Each tool is an action that needs approval: its step asks (showing the server, the tool and
the complete arguments) unless the workflow it is in was approved, or the user chose
"Always" for this tool. Either way the approval is for the tool's definition as it was then
(its hash is pinned); when the server later describes the tool differently, every call of it
is blocked — and recorded as blocked — until the user has reviewed the change.

Which tools a server has is remembered from the last time it listed them (``mcp-tools.json``
in the data folder), so the actions are there before a server is started: it starts when a
step first calls it.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from app.automations.api import Action, ActionContext, Ask, Permission, Planning
from app.automations.mcp.config import ServerConfig, ServerStore
from app.automations.mcp.definitions import (
    OUTPUT_LIMIT,
    ToolDefinition,
    ToolProblem,
    clean,
    definitions,
    result_text,
    step_part,
)
from app.automations.mcp.hub import McpHub, ServerFailed, ToolChanged
from app.automations.plugins import PluginProblem, Registry, action_problems
from app.automations.step_context import StepFailed
from app.core.store.database import Database, now
from app.core.text import visible

if TYPE_CHECKING:
    from app.automations.intent import Capability

CACHE_NAME = "mcp-tools.json"


class ToolCallFailed(RuntimeError):
    """The tool answered with an error of its own (``isError``)."""


@dataclass(frozen=True)
class ToolAction(Action):
    """An action that calls a tool of an MCP server."""

    server: str = ""
    tool: str = ""
    identity: str = ""  # the server's (its command line or address, see ServerConfig)
    definition: ToolDefinition | None = None


def tool_of(action: Action) -> ToolAction | None:
    return action if isinstance(action, ToolAction) else None


# --- what the servers listed last ---------------------------------------------------------


class ToolCache:
    def __init__(self, data: Path) -> None:
        self.path = data / CACHE_NAME

    def read(self) -> dict[str, Any]:
        try:
            found = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return found if isinstance(found, dict) else {}

    def listing(
        self, server: ServerConfig, everything: dict[str, Any] | None = None
    ) -> list[dict[str, Any]] | None:
        """What ``server`` listed last (from ``everything`` when the file was read already)."""
        entry = (self.read() if everything is None else everything).get(server.name)
        if not isinstance(entry, dict) or entry.get("identity") != server.identity:
            return None  # never listed, or listed by what is now another server
        tools = entry.get("tools")
        return tools if isinstance(tools, list) else None

    def remember(self, server: ServerConfig, tools: list[dict[str, Any]]) -> None:
        everything = self.read()
        everything[server.name] = {"identity": server.identity, "listed": now(), "tools": tools}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".partial")
        partial.write_text(json.dumps(everything, ensure_ascii=False), encoding="utf-8")
        os.replace(partial, self.path)


# --- actions ------------------------------------------------------------------------------


def tool_action(server: ServerConfig, tool: ToolDefinition, hub: McpHub) -> ToolAction:
    name, remote = server.name, tool.name

    async def run(context: ActionContext, params: dict[str, Any]) -> str:
        try:
            result = await hub.call(name, remote, params, expected=tool.hash)
        except ToolChanged:
            # listed anew since this action was made: what was approved is not what runs
            raise StepFailed("blocked", blocked_reason_for(name, remote)) from None
        except ServerFailed as exc:
            raise RuntimeError(str(exc)) from None
        text = result_text(result)
        if result.get("isError") is True:
            raise ToolCallFailed(f"{remote} answered with an error: {clean(text, 500)}")
        return text

    def describe(params: dict[str, Any]) -> str:
        return f"{name} › {remote} with {json.dumps(params, ensure_ascii=False)}"

    return ToolAction(
        id=tool.action_id,
        planning=tool_planning(tool),
        title=f"{tool.title} ({name})",
        description=tool.description,
        parameters=tool.parameters(),
        output={"type": "string", "maxLength": OUTPUT_LIMIT + 100},
        permissions=(Permission("mcp", scope=name),),
        run=run,
        # the hub keeps the server's own limit (to start, and to answer); this one is the
        # runner's backstop over both
        timeout_s=2 * server.timeout_s + 5,
        describe=describe,
        plugin=f"mcp:{name}",
        server=name,
        tool=remote,
        identity=server.identity,
        definition=tool,
    )


# a tool's title starts with what it does, then what it does it to: "Get current time"
_LEADING_VERBS = frozenset(
    [
        "get",
        "list",
        "fetch",
        "read",
        "show",
        "find",
        "search",
        "query",
        "look",
        "retrieve",
        "return",
        "create",
        "make",
        "run",
        "call",
        "do",
    ]
)


def ask_phrase(tool: ToolDefinition) -> str:
    """How a request names what the tool is for: its title's words without a leading verb
    ("Get current time" → "current time"), or the whole title when that leaves one word
    ("Convert time"), as a regular expression (plurals and _/- between words allowed)."""
    words = re.findall(r"[a-z0-9]+", tool.title.lower()) or [tool.name.lower()]
    rest = words[1:] if words[0] in _LEADING_VERBS else words
    if len(rest) < 2:
        rest = words
    return r"\b" + r"[\s_-]+".join(re.escape(w) for w in rest) + r"s?\b"


def tool_planning(tool: ToolDefinition) -> Planning:
    """How the planner drafts a step of the tool: asked for by what it is for, never put in
    a draft the words do not ask it for; a tool that only reads is where data comes from,
    any other acts on the world."""
    step = step_part(tool.name)[:31]
    ask = Ask(f"using {tool.title} ({tool.server})", {"en": ask_phrase(tool)})
    return Planning(
        step=step,
        role="source" if tool.read_only else "send",
        asks=(ask,),
        term=tool.action_id,
        only_when_asked=True,
    )


def tool_asks(wants: Iterable[Capability], registry: Registry) -> set[str]:
    """The names of the asks in ``wants`` that only tools of MCP servers answer."""
    return {
        c.name
        for c in wants
        if c.actions
        and all(tool_of(registry.actions[a]) for a in c.actions if a in registry.actions)
    }


def add_tool_actions(registry: Registry, store: ServerStore, cache: ToolCache, hub: McpHub) -> None:
    """The tools of every enabled server that has listed them, as actions in ``registry``
    (tools that cannot be offered are named in its problems)."""
    for action_id in [a for a, action in registry.actions.items() if tool_of(action)]:
        del registry.actions[action_id]  # what servers offered before
    registry.problems[:] = [p for p in registry.problems if not p.plugin.startswith("mcp:")]
    listed = cache.read()
    for server in store.servers():
        if not server.enabled:
            continue
        for tool in definitions(server.name, cache.listing(server, listed) or []):
            try:
                action = tool_action(server, tool, hub)
            except ToolProblem as exc:
                registry.problems.append(PluginProblem(f"mcp:{server.name}", str(exc)))
                continue
            problems = action_problems(action)
            if action.id in registry.actions:
                problems.append(f"{action.id} is already an action")
            if problems:
                registry.problems += [PluginProblem(f"mcp:{server.name}", p) for p in problems]
                continue
            registry.actions[action.id] = action


# --- what the user approved ---------------------------------------------------------------

Standing = Literal["new", "pinned", "always", "changed"]


@dataclass(frozen=True)
class Pin:
    identity: str
    tool: str
    hash: str
    definition: str  # the definition as the user reviewed it (ToolDefinition.shown text)
    always: bool


class ToolPins:
    """The pinned definitions, in the encrypted database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def pin_of(self, identity: str, tool: str) -> Pin | None:
        row = self.db.conn.execute(
            "SELECT identity, tool, hash, definition, always FROM tool_pins "
            "WHERE identity = ? AND tool = ?",
            (identity, tool),
        ).fetchone()
        return Pin(row[0], row[1], row[2], row[3], bool(row[4])) if row else None

    def standing(self, action: ToolAction) -> Standing:
        assert action.definition is not None
        pin = self.pin_of(action.identity, action.tool)
        if pin is None:
            return "new"
        if pin.hash != action.definition.hash:
            return "changed"
        return "always" if pin.always else "pinned"

    def pin(self, action: ToolAction, *, always: bool | None = None) -> None:
        """Pin the tool's definition as it is now; ``always`` None keeps what it was."""
        assert action.definition is not None
        before = self.pin_of(action.identity, action.tool)
        keep = before.always if before is not None else False
        with self.db.transaction():
            self.db.conn.execute(
                "INSERT OR REPLACE INTO tool_pins (identity, tool, hash, definition, always, "
                "created) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    action.identity,
                    action.tool,
                    action.definition.hash,
                    action.definition.shown(),
                    int(keep if always is None else always),
                    now(),
                ),
            )

    def forget(self, identity: str, tool: str | None = None) -> None:
        with self.db.transaction():
            if tool is None:
                self.db.conn.execute("DELETE FROM tool_pins WHERE identity = ?", (identity,))
            else:
                self.db.conn.execute(
                    "DELETE FROM tool_pins WHERE identity = ? AND tool = ?", (identity, tool)
                )

    def change(self, action: ToolAction) -> str:
        """The change to review: the approved definition against the one now, as a diff
        (invisible characters written as escapes, so a hidden change shows)."""
        assert action.definition is not None
        pin = self.pin_of(action.identity, action.tool)
        before = (pin.definition if pin else "").splitlines()
        after = action.definition.shown().splitlines()
        lines = difflib.unified_diff(before, after, "approved", "now", lineterm="", n=2)
        return visible("\n".join(lines), keep_newlines=True)


def blocked_reason(action: ToolAction) -> str:
    return blocked_reason_for(action.server, action.tool)


def blocked_reason_for(server: str, tool: str) -> str:
    return (
        f"{tool} of the MCP server {server} describes itself differently from when it was "
        "approved; it stays blocked until you review the change (Settings › Tools, or "
        f"`steward mcp review {server} {tool}`)"
    )


__all__ = [
    "Pin",
    "ToolAction",
    "ToolCache",
    "ToolCallFailed",
    "ToolPins",
    "add_tool_actions",
    "blocked_reason",
    "tool_action",
    "tool_asks",
    "tool_of",
]
