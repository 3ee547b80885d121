"""A complete Steward plugin: two actions that work on text.

Install it with pip (Steward finds it through the ``steward.automations`` entry point), or
copy the ``steward_wordcount`` folder into Steward's user plugin folder (see
``steward plugins list``): the only way to extend the installed desktop app.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from app.automations.api import (
    Action,
    ActionContext,
    RegisterAction,
    hookimpl,
    integer,
    params,
    text,
)

WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


async def count(context: ActionContext, p: dict[str, Any]) -> dict[str, int]:
    body = p["text"]
    return {
        "words": len(WORD.findall(body)),
        "lines": len(body.splitlines()),
        "characters": len(body),
    }


async def top_words(context: ActionContext, p: dict[str, Any]) -> list[str]:
    shortest = p.get("min_length", 4)
    words = [w.lower() for w in WORD.findall(p["text"]) if len(w) >= shortest]
    context.log(f"{len(words)} words of at least {shortest} letters")
    return [word for word, _ in Counter(words).most_common(p.get("limit", 5))]


@hookimpl
def register_actions(register: RegisterAction) -> None:
    register(
        Action(
            id="wordcount.count",
            title="Count words",
            description="How many words, lines and characters a text has.",
            parameters=params(("text",), text=text(1_000_000)),
            output=params(
                ("words", "lines", "characters"),
                words=integer(0, 1_000_000),
                lines=integer(0, 1_000_000),
                characters=integer(0, 1_000_000),
            ),
            permissions=(),
            run=count,
            describe=lambda p: f"Count the words of {len(p['text'])} characters of text",
        )
    )
    register(
        Action(
            id="wordcount.top_words",
            title="Most frequent words",
            description="The words used most often in a text, most frequent first.",
            parameters=params(
                ("text",),
                text=text(1_000_000),
                limit=integer(1, 100, default=5),
                min_length=integer(1, 50, default=4),
            ),
            output={"type": "array", "items": text(200), "maxItems": 100},
            permissions=(),
            run=top_words,
        )
    )
