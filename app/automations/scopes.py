"""Permission scopes: what a workflow was granted (``Grant``) and the checks that keep
every parameter inside it — paths resolved for real (``..`` and links followed), hosts and
programs matched exactly."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from app.automations.api import SCOPED, Permission, PermissionKind
from app.language import _t


@dataclass(frozen=True)
class Grant:
    kind: PermissionKind
    scope: str = ""

    def label(self) -> str:
        return f"{self.kind}({self.scope})" if self.scope else self.kind


class ScopeError(PermissionError):
    """A parameter reaches outside what the workflow was granted."""


def expand_path(text: str) -> Path:
    """``~`` at the start means the home folder; nothing else is expanded (``$VAR`` in a
    path that came from data stays text, so data cannot reach the environment)."""
    return Path(os.path.expanduser(text)) if text.startswith("~") else Path(text)


def grant_root(grant: Grant) -> Path:
    """The real folder a files grant names. A grant whose own path is a link is refused
    (the link could later point anywhere): the user grants the real folder instead."""
    written = expand_path(grant.scope.strip())
    if not written.is_absolute():
        raise ScopeError(_t("the granted folder {0!r} is not an absolute path").format(grant.scope))
    written = Path(os.path.normpath(written))
    if written.is_symlink():
        raise ScopeError(
            _t("the granted folder {0} is a link (to {1}); grant the real folder instead").format(
                grant.scope, os.path.realpath(written)
            )
        )
    return Path(os.path.realpath(written))


def real_path(text: str, name: str) -> Path:
    """The absolute path ``text`` names with every symlink and ``..`` resolved."""
    if not isinstance(text, str) or not text.strip():
        raise ScopeError(_t("{0} must be a path").format(name))
    if "\x00" in text:
        raise ScopeError(_t("{0} contains a NUL character").format(name))
    path = expand_path(text.strip())
    if not path.is_absolute():
        raise ScopeError(
            _t("{0} must be an absolute path (or start with ~), not {1!r}").format(name, text)
        )
    return Path(os.path.realpath(path))


def inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def url_host(text: str, name: str) -> str:
    if not isinstance(text, str):
        raise ScopeError(_t("{0} must be a URL").format(name))
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ScopeError(_t("{0} must be an http or https URL, not {1!r}").format(name, text[:200]))
    return parts.hostname.lower()


def resolve_program(text: str, name: str = "program") -> str:
    """The absolute path of the program ``text`` names: a name looked up on PATH, or an
    absolute path, or one in the home folder written as people write it (``~/Scripts/x.sh``).
    A relative path is refused: it would mean one program to the check and another in the
    step's working folder."""
    text = text.strip()
    if text.startswith("~/"):
        text = os.path.expanduser(text)
    if not os.path.isabs(text):
        if "/" in text or os.sep in text:
            raise ScopeError(
                _t(
                    "{0} {1!r} is a relative path; name a program on PATH or give its absolute path"
                ).format(name, text[:200])
            )
        found = shutil.which(text)
        if found is None:
            raise ScopeError(_t("the program {0!r} is not on PATH").format(text[:200]))
        text = found
    text = os.path.normpath(text)
    if not os.path.isfile(text) or not os.access(text, os.X_OK):
        raise ScopeError(_t("the program {0!r} does not exist or cannot be run").format(text[:200]))
    return text


def check_scope(permission: Permission, value: Any, grants: tuple[Grant, ...]) -> Any:
    """Raise ScopeError unless ``value`` (the parameter ``permission.param``) is inside a
    grant of that kind; returns the value to use (file paths become their real path, so a
    symlink swapped in later cannot redirect the action)."""
    kind = permission.kind
    name = permission.param or kind
    if kind == "mcp":
        if not any(g.kind == "mcp" and g.scope == permission.scope for g in grants):
            raise ScopeError(
                _t("the workflow was not granted the MCP server {0}").format(permission.scope)
            )
        return value
    granted = [
        g for g in grants if g.kind == kind or (kind == "files.read" and g.kind == "files.write")
    ]
    if not granted:
        raise ScopeError(_t("the workflow was not granted {0}").format(kind))
    if kind not in SCOPED:
        return value
    if kind in ("files.read", "files.write"):
        return _check_path(value, name, granted)
    if kind == "network":
        return _check_host(value, name, granted)
    return _check_program(value, name, granted)


def _check_path(value: Any, name: str, granted: list[Grant]) -> str:
    target = real_path(value, name)
    refused: list[str] = []
    for grant in granted:
        try:
            root = grant_root(grant)
        except ScopeError as exc:
            refused.append(str(exc))
            continue
        if inside(target, root):
            # a trailing slash means "into this folder"; keep saying so
            folder_mark = os.sep if str(value).rstrip().endswith(("/", os.sep)) else ""
            return str(target) + folder_mark
    if refused:
        raise ScopeError("; ".join(refused))
    folders = ", ".join(g.scope for g in granted)
    raise ScopeError(
        _t("{0} {1!r} is outside the granted folders ({2})").format(name, str(value)[:300], folders)
    )


def _check_host(value: Any, name: str, granted: list[Grant]) -> Any:
    host = url_host(value, name)
    if any(host == g.scope.lower() for g in granted):
        return value
    hosts = ", ".join(g.scope for g in granted)
    raise ScopeError(
        _t("{0} goes to {1!r}, which was not granted (granted: {2})").format(name, host, hosts)
    )


def _check_program(value: Any, name: str, granted: list[Grant]) -> str:
    """process.run: the program checked is the program started (absolute, looked up once)."""
    if not isinstance(value, str) or not value.strip():
        raise ScopeError(_t("{0} must name a program").format(name))
    program = resolve_program(value, name)
    real = os.path.realpath(program)
    for grant in granted:
        try:
            if os.path.realpath(resolve_program(grant.scope, "the granted program")) == real:
                return program
        except ScopeError:
            continue
    raise ScopeError(_t("the program {0!r} was not granted").format(value[:200]))


__all__ = [
    "Grant",
    "ScopeError",
    "check_scope",
    "expand_path",
    "grant_root",
    "inside",
    "real_path",
    "resolve_program",
    "url_host",
]
