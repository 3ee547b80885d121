"""Places a workflow should not touch: keys, passwords and system settings.

The planner never drafts a workflow that names one; the editors (the form and the JSON
editor) apply the same rule to what the user writes: a permission to change files in such a
place, or in a folder that contains one (``/``, the whole home folder), is refused with the
reason; one to read there (or to watch it) is allowed, with a warning in red.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.automations.places import SENSITIVE, is_sensitive, normalize_path


def _as_written(scope: str) -> str:
    """The home folder spelled ``~``, as the list of sensitive places is."""
    text = normalize_path(scope.strip())
    home = str(Path.home())
    if text == home or text.startswith(home + "/"):
        text = "~" + text[len(home) :]
    return text


def sensitive_reason(scope: str) -> str | None:
    """Why ``scope`` is a sensitive place (or holds one); None when it is not."""
    text = _as_written(scope)
    if not text:
        return None
    if is_sensitive(text):
        return "it holds keys, passwords or system settings"
    prefix = text if text.endswith("/") else text + "/"
    inside = [place for place in SENSITIVE if place.startswith(prefix)]
    if inside:
        return f"it contains {', '.join(inside[:3])}, which hold keys, passwords or system settings"
    return None


@dataclass
class SensitiveFindings:
    refused: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def sensitive_findings(document: Mapping[str, Any]) -> SensitiveFindings:
    """What the editors refuse (changes in a sensitive place) and warn about (reading or
    watching one), each naming the place and the reason."""
    found = SensitiveFindings()
    permissions = document.get("permissions")
    for item in permissions if isinstance(permissions, list) else ():
        if not isinstance(item, Mapping) or not isinstance(item.get("scope"), str):
            continue
        kind, scope = item.get("kind"), item["scope"]
        reason = sensitive_reason(scope) if kind in ("files.read", "files.write") else None
        if reason is None:
            continue
        if kind == "files.write":
            found.refused.append(f"changing files in {scope} is refused: {reason}")
        else:
            found.warnings.append(f"reads files in {scope}: {reason}")
    trigger = document.get("trigger")
    if isinstance(trigger, Mapping) and isinstance(trigger.get("folder"), str):
        reason = sensitive_reason(trigger["folder"])
        if reason is not None:
            found.warnings.append(f"watches {trigger['folder']}: {reason}")
    return found


__all__ = ["SensitiveFindings", "sensitive_findings", "sensitive_reason"]
