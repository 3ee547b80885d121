"""A streamable-HTTP MCP server on 127.0.0.1 (the SDK's own server), for the tests:

    python -m tests.mcp_servers.http_server PORT

Its one tool, ``add``, adds two numbers; ``whoami`` says which bearer token it was sent.
"""

from __future__ import annotations

import sys

from mcp.server import MCPServer
from mcp.server.mcpserver import Context

server = MCPServer("adder")


@server.tool()
def add(a: int, b: int) -> str:
    """Adds two whole numbers."""
    return str(a + b)


@server.tool()
def whoami(ctx: Context) -> str:
    """Says which authorization header the request carried."""
    request = ctx.request_context.request
    headers = getattr(request, "headers", {}) or {}
    return str(headers.get("authorization", "none"))


if __name__ == "__main__":
    server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[1]))
