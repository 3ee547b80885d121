"""Text: fill a template from earlier outputs, pick lines, match a regular expression."""

from __future__ import annotations

import re
from typing import Any

from app.automations.api import (
    N_,
    Action,
    ActionContext,
    Planning,
    RegisterAction,
    hookimpl,
    in_thread,
    integer,
    params,
    text,
)
from app.automations.builtins import asks

MAX_TEXT = 1_000_000
MAX_LINES = 10_000


async def template(context: ActionContext, p: dict[str, Any]) -> str:
    # the runner filled in {{...}} once, before this step; what came in stays as it is
    return str(p["template"])


def _compile(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE if ignore_case else 0)
    except re.error as exc:
        raise ValueError(
            f"the pattern {pattern!r} is not a valid regular expression: {exc}"
        ) from None


def lines(context: ActionContext, p: dict[str, Any]) -> dict[str, Any]:
    found = str(p["text"]).splitlines()
    contains = p.get("contains")
    ignore_case = p.get("ignore_case", False)
    if contains:
        needle = contains.lower() if ignore_case else contains
        found = [
            ln
            for ln in found
            if (needle in (ln.lower() if ignore_case else ln)) != p.get("invert", False)
        ]
    if p.get("pattern"):
        regex = _compile(p["pattern"], ignore_case)
        found = [ln for ln in found if bool(regex.search(ln)) != p.get("invert", False)]
    if p.get("skip_blank", True):
        found = [ln for ln in found if ln.strip()]
    found = found[: p.get("limit", 1000)]
    return {"lines": [ln[:10_000] for ln in found], "count": len(found), "text": "\n".join(found)}


def match(context: ActionContext, p: dict[str, Any]) -> dict[str, Any]:
    regex = _compile(p["pattern"], p.get("ignore_case", False))
    subject = str(p["text"])
    matches = [m.group(0)[:10_000] for m in regex.finditer(subject)][: p.get("limit", 100)]
    first = regex.search(subject)
    groups = [g if g is not None else "" for g in first.groups()][:50] if first else []
    return {
        "matched": bool(first),
        "matches": matches,
        "groups": [g[:10_000] for g in groups],
        "first": matches[0] if matches else "",
    }


LINES = {"type": "array", "items": text(10_000), "maxItems": MAX_LINES}


@hookimpl
def register_actions(register: RegisterAction) -> None:
    register(
        Action(
            id="text.template",
            planning=Planning("template", "transform", term="text.template"),
            title=N_("Fill in a template"),
            description="Text with {{steps.ID.output}}, {{trigger.…}} and {{run.date}} filled in "
            "from earlier steps.",
            parameters=params(("template",), template=text(MAX_TEXT)),
            output=text(MAX_TEXT * 2),
            permissions=(),
            reads_only=True,
            run=template,
            describe_in={"zh": lambda p: f"填写模板（{len(str(p['template']))} 个字符）"},
            describe=lambda p: f"Fill in a template ({len(str(p['template']))} characters)",
        )
    )
    register(
        Action(
            id="text.lines",
            planning=Planning("lines", "transform", (asks.PICKING_LINES,), term="text.lines"),
            title=N_("Pick lines"),
            description="The lines of a text that contain a word or match a pattern (or, inverted, "
            "that do not).",
            parameters=params(
                ("text",),
                text=text(MAX_TEXT),
                contains=text(1000),
                pattern=text(1000),
                invert={"type": "boolean", "default": False},
                ignore_case={"type": "boolean", "default": False},
                skip_blank={"type": "boolean", "default": True},
                limit=integer(1, MAX_LINES, default=1000),
            ),
            output=params(
                ("lines", "count", "text"),
                lines=LINES,
                count=integer(0, MAX_LINES),
                text=text(MAX_TEXT),
            ),
            permissions=(),
            reads_only=True,
            run=in_thread(lines),
            describe_in={
                "zh": lambda p: (
                    "挑出"
                    + (f"包含 {p['contains']!r} " if p.get("contains") else "")
                    + (f"匹配 /{p['pattern']}/ " if p.get("pattern") else "")
                    + "的行"
                )
            },
            describe=lambda p: (
                "Pick lines"
                + (f" containing {p['contains']!r}" if p.get("contains") else "")
                + (f" matching /{p['pattern']}/" if p.get("pattern") else "")
            ),
        )
    )
    register(
        Action(
            id="text.match",
            planning=Planning("match", "transform", (asks.PICKING_LINES,), term="text.match"),
            title=N_("Match a pattern"),
            description="Find a regular expression in a text: whether it matched, every match, and "
            "the groups of the first.",
            parameters=params(
                ("text", "pattern"),
                text=text(MAX_TEXT),
                pattern=text(1000),
                ignore_case={"type": "boolean", "default": False},
                limit=integer(1, 1000, default=100),
            ),
            output=params(
                ("matched", "matches", "groups", "first"),
                matched={"type": "boolean"},
                matches={"type": "array", "items": text(10_000), "maxItems": 1000},
                groups={"type": "array", "items": text(10_000), "maxItems": 50},
                first=text(10_000),
            ),
            permissions=(),
            reads_only=True,
            run=in_thread(match),
            describe_in={"zh": lambda p: f"查找匹配 /{p['pattern']}/ 的文字"},
            describe=lambda p: f"Match /{p['pattern']}/",
        )
    )
