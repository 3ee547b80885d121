"""What a tool of an MCP server is to Steward: its definition as the server described it
(hashed, so a later change is seen), as the user and the model read it (no invisible
characters, bounded), and what a call of it gives back (text, capped).
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from app.core.text import without_invisible
from app.language import _t

# a string parameter of a tool without a bound of its own gets this one: every string a
# workflow holds is bounded (docs/plugins.md)
STRING_BOUND = 4000
DESCRIPTION_LIMIT = 1000  # characters of a tool's description shown and given to the model
PART_DESCRIPTION_LIMIT = 300  # of a parameter's description
OUTPUT_LIMIT = 20_000  # characters of a call's result kept for the model and the history
SCHEMA_LIMIT = 20_000  # characters of a tool's input schema (as JSON) Steward accepts
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class ToolProblem(ValueError):
    """A tool Steward cannot offer as it was described."""


def clean(text: Any, limit: int) -> str:
    """Text as the user and the model see it: invisible characters taken out, at most
    ``limit`` characters."""
    shown = without_invisible(str(text or "")).strip()
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def step_part(name: str) -> str:
    """A server's or a tool's name as a part of an action id (``mcp.SERVER.TOOL``)."""
    part = re.sub(r"[^a-z0-9_]", "_", name.lower()).strip("_")
    part = re.sub(r"_+", "_", part)
    if not part or not part[0].isalpha():
        part = "t_" + part
    return part


@dataclass(frozen=True)
class ToolDefinition:
    """One tool as a server listed it (``raw``), and what Steward makes of it."""

    server: str
    name: str
    raw: dict[str, Any]

    @property
    def hash(self) -> str:
        """Of everything the server said of the tool that could change what it does or
        what the model is told (its name, title, description with every character, input
        and output schema, annotations): a change of any of it is a change to review."""
        said = {k: self.raw.get(k) for k in sorted(_DEFINING)}
        text = json.dumps(said, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def action_id(self) -> str:
        return f"mcp.{step_part(self.server)}.{step_part(self.name)}"

    @property
    def title(self) -> str:
        title = self.raw.get("title") or (self.raw.get("annotations") or {}).get("title")
        return clean(title or self.name.replace("_", " ").capitalize(), 100)

    @property
    def description(self) -> str:
        return clean(self.raw.get("description"), DESCRIPTION_LIMIT)

    @property
    def read_only(self) -> bool:
        """The server says the tool only reads (a hint: it still asks for approval)."""
        hints = self.raw.get("annotations") or {}
        return hints.get("readOnlyHint") is True and hints.get("destructiveHint") is not True

    def parameters(self) -> dict[str, Any]:
        """The input schema, bounded: strings get a maximum length, descriptions are
        cleaned and shortened. A schema that is not an object, or too large, is refused."""
        schema = self.raw.get("inputSchema")
        if not isinstance(schema, dict):
            raise ToolProblem(_t("the tool {0} has no input schema").format(self.name))
        if len(json.dumps(schema, ensure_ascii=False)) > SCHEMA_LIMIT:
            raise ToolProblem(
                _t("the input schema of {0} is over {1} characters").format(self.name, SCHEMA_LIMIT)
            )
        bounded: dict[str, Any] = _bounded(copy.deepcopy(schema))
        if bounded.get("type") != "object":
            raise ToolProblem(_t("the input schema of {0} is not an object").format(self.name))
        bounded.setdefault("properties", {})
        return bounded

    def shown(self) -> str:
        """What the user reviews (and a change is shown against): the definition as JSON,
        every character that is not plain ASCII written as an escape, so none can hide."""
        seen = {k: self.raw.get(k) for k in sorted(_DEFINING) if self.raw.get(k) is not None}
        return json.dumps(seen, sort_keys=True, ensure_ascii=True, indent=2)


_DEFINING = ("name", "title", "description", "inputSchema", "outputSchema", "annotations")


def _bounded(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_bounded(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: _bounded(value) for key, value in schema.items()}
    for key in ("description", "title"):
        if isinstance(out.get(key), str):
            out[key] = clean(out[key], PART_DESCRIPTION_LIMIT)
    kinds = out.get("type")
    is_string = kinds == "string" or (isinstance(kinds, list) and "string" in kinds)
    if is_string and not any(k in out for k in ("maxLength", "enum", "const")):
        out["maxLength"] = STRING_BOUND
    return out


def definitions(server: str, listing: list[dict[str, Any]]) -> list[ToolDefinition]:
    """The tools of a listing with a usable name, first of each name kept."""
    found: dict[str, ToolDefinition] = {}
    for raw in listing:
        name = raw.get("name") if isinstance(raw, dict) else None
        if isinstance(name, str) and NAME.match(name) and name not in found:
            found[name] = ToolDefinition(server, name, raw)
    return list(found.values())


def result_text(result: dict[str, Any], limit: int = OUTPUT_LIMIT) -> str:
    """A call's result as text: its text parts, what other parts are (an image, a file),
    or its structured content as JSON; cut to ``limit`` characters, saying how much was
    cut."""
    parts: list[str] = []
    for part in result.get("content") or []:
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        if kind == "text":
            parts.append(str(part.get("text", "")))
        elif kind in ("image", "audio"):
            size = len(str(part.get("data", ""))) * 3 // 4
            parts.append(f"[{kind}: {part.get('mimeType', 'unknown type')}, {size:,} bytes]")
        elif kind == "resource":
            resource = part.get("resource") or {}
            parts.append(str(resource.get("text") or f"[file: {resource.get('uri', '')}]"))
        elif kind == "resource_link":
            parts.append(f"[link: {part.get('uri', '')}]")
    text = "\n".join(parts)
    if not text and result.get("structuredContent") is not None:
        text = json.dumps(result["structuredContent"], ensure_ascii=False)
    text = without_invisible(text)
    if len(text) > limit:
        cut = len(text) - limit
        text = text[:limit] + f"\n[… {cut:,} more characters cut by Steward]"
    return text


__all__ = [
    "DESCRIPTION_LIMIT",
    "OUTPUT_LIMIT",
    "STRING_BOUND",
    "ToolDefinition",
    "ToolProblem",
    "clean",
    "definitions",
    "result_text",
    "step_part",
]
