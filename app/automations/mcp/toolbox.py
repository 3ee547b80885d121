"""The MCP servers as a front end uses them: configured, started, listed, reviewed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.automations.mcp.config import Secrets, ServerConfig, ServerStore
from app.automations.mcp.definitions import ToolDefinition, definitions
from app.automations.mcp.hub import McpHub, ServerStatus
from app.automations.mcp.tools import ToolAction, ToolCache, add_tool_actions, tool_action
from app.automations.plugins import Registry
from app.core.errors import UsageError
from app.core.paths import Paths
from app.language import _t


@dataclass(frozen=True)
class ServerView:
    """A server as Settings › Tools and `steward mcp list` show it."""

    config: ServerConfig
    status: ServerStatus
    tools: list[ToolDefinition]

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.config.name,
            "transport": self.config.transport,
            "command_line": self.config.command_line(),
            "enabled": self.config.enabled,
            "state": self.status.state,
            "error": self.status.error,
            "tools": [t.name for t in self.tools],
            "timeout_s": self.config.timeout_s,
        }


class Toolbox:
    def __init__(self, paths: Paths, secrets: Secrets | None) -> None:
        self.store = ServerStore(paths, secrets)
        self.cache = ToolCache(paths.data)
        self.hub = McpHub(self.store, paths.logs / "mcp")
        self.hub.on_listed.append(self.cache.remember)
        self.registry: Registry | None = None

    def attach(self, registry: Registry) -> None:
        """Offer the enabled servers' tools as actions in ``registry`` (again after any
        change: a server switched on or off, added, removed, or listed anew)."""
        self.registry = registry
        self.refresh_actions()

    def refresh_actions(self) -> None:
        if self.registry is not None:
            add_tool_actions(self.registry, self.store, self.cache, self.hub)

    def views(self) -> list[ServerView]:
        listed = self.cache.read()
        return [
            ServerView(s, self.hub.status(s.name), self.known_tools(s, listed))
            for s in self.store.servers()
        ]

    def known_tools(
        self, server: ServerConfig, listed: dict[str, Any] | None = None
    ) -> list[ToolDefinition]:
        return definitions(server.name, self.cache.listing(server, listed) or [])

    async def list_tools(self, name: str) -> list[ToolDefinition]:
        """Start the server if need be and list its tools now."""
        listing = await self.hub.list_tools(name)
        self.refresh_actions()
        return definitions(name, listing)

    async def action(self, name: str, tool: str) -> ToolAction:
        """The action of one tool, as the server describes it now."""
        server = self.store.server(name)
        for definition in await self.list_tools(name):
            if definition.name == tool:
                return tool_action(server, definition, self.hub)
        known = ", ".join(d.name for d in self.known_tools(server)) or "none"
        raise UsageError(
            _t("The MCP server {0} has no tool {1!r} (its tools: {2}).").format(name, tool, known)
        )

    async def set_enabled(self, name: str, enabled: bool) -> ServerConfig:
        server = self.store.set_enabled(name, enabled)
        if not enabled:
            await self.hub.stop(name)
        self.refresh_actions()
        return server

    async def remove(self, name: str) -> ServerConfig:
        await self.hub.stop(name)
        server = self.store.remove(name)
        self.refresh_actions()
        return server

    def close(self) -> None:
        self.hub.close()


__all__ = ["ServerView", "Toolbox"]
