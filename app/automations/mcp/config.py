"""MCP servers as the user configured them: Steward's own ``mcp.json`` in the common
``mcpServers`` format, and the same format read from other apps' files to import.

A server added or imported is off until the user has seen its command line (or address)
and switched it on. The values of its ``env`` (and of an HTTP server's ``headers``) are
secrets: they are kept in the secret store (the keyring, or the encrypted database on the
passphrase path) and ``mcp.json`` holds only references to them, ``${secret:NAME}``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Protocol

from app.automations.mcp.definitions import step_part
from app.core.errors import UsageError
from app.core.paths import Paths
from app.language import _t

FILE_NAME = "mcp.json"
DEFAULT_TIMEOUT_S = 30.0
SERVER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
SECRET_REF = re.compile(r"^\$\{secret:([A-Za-z0-9_.:-]{1,120})\}$")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")


class Secrets(Protocol):
    def get(self, name: str) -> str | None: ...

    def set(self, name: str, value: str | None) -> None: ...


@dataclass(frozen=True)
class ServerConfig:
    name: str
    command: str = ""
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)  # name -> ${secret:…} reference
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)  # name -> ${secret:…} reference
    cwd: str = ""
    enabled: bool = False
    timeout_s: float = DEFAULT_TIMEOUT_S

    @property
    def transport(self) -> Literal["stdio", "http"]:
        return "http" if self.url else "stdio"

    @property
    def key(self) -> str:
        """The server's part of its tools' action ids (``mcp.KEY.TOOL``)."""
        return step_part(self.name)

    def command_line(self) -> str:
        """What the user sees before switching it on: the program and its arguments (or
        the address), and the names of the variables it is given (never their values)."""
        shown = self.url if self.url else shlex.join([self.command, *self.args])
        names = sorted(self.env) + [f"header {h}" for h in sorted(self.headers)]
        return shown + (f"  (with {', '.join(names)})" if names else "")

    @property
    def identity(self) -> str:
        """What "Always" is remembered for: the same program with the same arguments (or
        the same address) and the same variables. Changing any of it is another server."""
        said = {
            "command": self.command,
            "args": list(self.args),
            "url": self.url,
            "cwd": self.cwd,
            "env": sorted(self.env),
            "headers": sorted(self.headers),
        }
        text = json.dumps(said, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def document(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.url:
            out["url"] = self.url
            if self.headers:
                out["headers"] = dict(self.headers)
        else:
            out["command"] = self.command
            out["args"] = list(self.args)
            if self.cwd:
                out["cwd"] = self.cwd
        if self.env:
            out["env"] = dict(self.env)
        out["enabled"] = self.enabled
        out["timeout"] = self.timeout_s
        return out


def secret_name(server: str, variable: str) -> str:
    return f"mcp:{server}:{variable}"


def parse_server(name: str, raw: Any, *, where: str = FILE_NAME) -> ServerConfig:
    """One entry of ``mcpServers``; UsageError saying what is wrong with it."""
    if not SERVER_NAME.match(name):
        raise UsageError(
            _t(
                "{0}: the server name {1!r} is not usable; use letters, digits, - and _ "
                "(at most 40)"
            ).format(where, name[:60])
        )
    if not isinstance(raw, dict):
        raise UsageError(_t("{0}: the server {1} is not an object").format(where, name))
    url = raw.get("url") or raw.get("serverUrl") or ""
    command = raw.get("command") or ""
    if not isinstance(url, str) or not isinstance(command, str):
        raise UsageError(
            _t("{0}: the server {1} has a command or url that is not text").format(where, name)
        )
    if bool(url) == bool(command):
        raise UsageError(
            _t("{0}: the server {1} needs either a command or a url").format(where, name)
        )
    if url and not re.match(r"^https?://", url):
        raise UsageError(
            _t("{0}: the server {1}'s url is not http:// or https://").format(where, name)
        )
    args = raw.get("args") or []
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise UsageError(
            _t("{0}: the args of server {1} must be a list of texts").format(where, name)
        )
    env = _strings(raw.get("env"), name, "env", where)
    bad = [k for k in env if not ENV_NAME.match(k)]
    if bad:
        raise UsageError(
            _t("{0}: {1!r} is not a variable name (server {2})").format(where, bad[0][:60], name)
        )
    timeout = raw.get("timeout", DEFAULT_TIMEOUT_S)
    if not isinstance(timeout, int | float) or not 1 <= timeout <= 3600:
        raise UsageError(
            _t("{0}: the timeout of server {1} must be 1 to 3600 seconds").format(where, name)
        )
    cwd = raw.get("cwd") or ""
    return ServerConfig(
        name=name,
        command=command,
        args=tuple(args),
        env=env,
        url=url,
        headers=_strings(raw.get("headers"), name, "headers", where),
        cwd=cwd if isinstance(cwd, str) else "",
        enabled=raw.get("enabled") is True,
        timeout_s=float(timeout),
    )


def _strings(raw: Any, name: str, what: str, where: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
    ):
        raise UsageError(
            _t("{0}: the {1} of server {2} must map names to texts").format(where, what, name)
        )
    return dict(raw)


def parse_servers(document: Any, *, where: str) -> list[ServerConfig]:
    if not isinstance(document, dict) or not isinstance(document.get("mcpServers"), dict):
        raise UsageError(_t('{0} has no "mcpServers" object').format(where))
    return [parse_server(n, raw, where=where) for n, raw in document["mcpServers"].items()]


def read_servers_file(path: Path) -> list[ServerConfig]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(_t("There is no file {0}.").format(path)) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(_t("{0} could not be read as JSON: {1}").format(path, exc)) from None
    return parse_servers(document, where=str(path))


class ServerStore:
    """``mcp.json`` in Steward's configuration folder, with the secrets it refers to."""

    def __init__(self, paths: Paths, secrets: Secrets | None) -> None:
        self.path = paths.config / FILE_NAME
        self.secrets = secrets

    def servers(self) -> list[ServerConfig]:
        if not self.path.exists():
            return []
        return read_servers_file(self.path)

    def server(self, name: str) -> ServerConfig:
        for server in self.servers():
            if server.name == name:
                return server
        known = ", ".join(s.name for s in self.servers()) or "none yet"
        raise UsageError(
            _t("There is no MCP server named {0!r} (servers: {1}).").format(name, known)
        )

    def _save(self, servers: Iterable[ServerConfig]) -> None:
        document = {"mcpServers": {s.name: s.document() for s in servers}}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".partial")
        partial.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        os.replace(partial, self.path)

    def add(self, server: ServerConfig, *, replace_existing: bool = False) -> ServerConfig:
        """Save ``server`` off, its env and header values moved into the secret store."""
        servers = self.servers()
        same = [s for s in servers if s.key == server.key]
        if same and not replace_existing:
            raise UsageError(
                _t(
                    "A server named {0!r} is already configured; remove it first or choose "
                    "another name."
                ).format(same[0].name)
            )
        stored = replace(
            server,
            enabled=False,
            env=self._keep_secrets(server.name, "env", server.env),
            headers=self._keep_secrets(server.name, "header", server.headers),
        )
        self._save([*(s for s in servers if s.key != server.key), stored])
        return stored

    def _keep_secrets(self, server: str, kind: str, values: dict[str, str]) -> dict[str, str]:
        kept: dict[str, str] = {}
        for variable, value in values.items():
            if SECRET_REF.match(value):
                kept[variable] = value
                continue
            if self.secrets is None:
                raise UsageError(_t("Steward's secret store is not open; unlock Steward first."))
            name = secret_name(server, f"{kind}.{variable}")
            self.secrets.set(name, value)
            kept[variable] = "${secret:" + name + "}"
        return kept

    def remove(self, name: str) -> ServerConfig:
        server = self.server(name)
        self._save(s for s in self.servers() if s.name != name)
        if self.secrets is not None:
            for value in [*server.env.values(), *server.headers.values()]:
                found = SECRET_REF.match(value)
                if found:
                    self.secrets.set(found.group(1), None)
        return server

    def forget_secrets(self) -> int:
        """Delete every secret the servers refer to (all data is being erased; mcp.json,
        like the settings, stays, and a server whose secret is gone says so when started).
        How many were deleted."""
        if self.secrets is None:
            return 0
        names = [
            found.group(1)
            for server in self.servers()
            for value in [*server.env.values(), *server.headers.values()]
            if (found := SECRET_REF.match(value))
        ]
        for name in names:
            self.secrets.set(name, None)
        return len(names)

    def set_enabled(self, name: str, enabled: bool) -> ServerConfig:
        server = replace(self.server(name), enabled=enabled)
        self._save(server if s.name == name else s for s in self.servers())
        return server

    def resolved(self, values: dict[str, str]) -> dict[str, str]:
        """Values with their secret references filled in (only when the server starts)."""
        out: dict[str, str] = {}
        for variable, value in values.items():
            found = SECRET_REF.match(value)
            if found is None:
                out[variable] = value
                continue
            secret = self.secrets.get(found.group(1)) if self.secrets is not None else None
            if secret is None:
                raise UsageError(
                    _t(
                        "The secret for {0} is not in Steward's secret store any more; add the "
                        "server again with its value."
                    ).format(variable)
                )
            out[variable] = secret
        return out


def other_apps_files(home: Path | None = None) -> dict[str, list[Path]]:
    """Where the other desktop apps that speak MCP keep their servers on this system, by
    app (the first that exists is read)."""
    home = home or Path.home()
    if sys.platform == "darwin":
        config = data = home / "Library" / "Application Support"
    elif sys.platform == "win32":
        config = data = Path(os.environ.get("APPDATA", home / "AppData" / "Roaming"))
    else:
        config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
        data = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    return {
        "Claude Desktop": [config / "Claude" / "claude_desktop_config.json"],
        "Cursor": [home / ".cursor" / "mcp.json"],
        "LM Studio": [home / ".lmstudio" / "mcp.json"],
        # Jan keeps it in its data folder (Settings › Advanced shows which)
        "Jan": [
            data / "Jan" / "data" / "mcp_config.json",
            config / "Jan" / "data" / "mcp_config.json",
        ],
    }


def found_elsewhere(home: Path | None = None) -> list[tuple[str, Path, list[ServerConfig]]]:
    """The other apps' servers that can be read, by app (a file that cannot be read is
    left out here; importing it by name says why)."""
    found = []
    for app, paths in other_apps_files(home).items():
        path = next((p for p in paths if p.is_file()), None)
        if path is None:
            continue
        try:
            found.append((app, path, read_servers_file(path)))
        except UsageError:
            continue
    return found


__all__ = [
    "DEFAULT_TIMEOUT_S",
    "FILE_NAME",
    "Secrets",
    "ServerConfig",
    "ServerStore",
    "found_elsewhere",
    "other_apps_files",
    "parse_server",
    "parse_servers",
    "read_servers_file",
    "secret_name",
]
