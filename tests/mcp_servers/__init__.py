"""MCP servers the tests start: one written here that misbehaves on purpose, and an HTTP
server on 127.0.0.1 (the real third-party ones, mcp-server-time and mcp-server-git, come
from PyPI with the set-up)."""
