"""MCP servers the tests start: one written here that misbehaves on purpose, and an HTTP
server on 127.0.0.1 (the real third-party ones, mcp-server-time and mcp-server-git, come
from PyPI with the set-up)."""


class MemorySecrets(dict[str, str]):
    """The secret store's interface, in memory: for tests of MCP servers whose subject is
    not where secrets are kept (the keyring and database path is tested through the CLI,
    tests/integration/test_mcp_cli.py)."""

    def get(self, name: str) -> str | None:  # type: ignore[override]
        return dict.get(self, name)

    def set(self, name: str, value: str | None) -> None:
        if value is None:
            self.pop(name, None)
        else:
            self[name] = value
