"""Desktop: a notification (through the desktop app, or logged when headless) and the
clipboard (when the desktop app is running)."""

from __future__ import annotations

from typing import Any

from app.automations.api import (
    N_,
    Action,
    ActionContext,
    Permission,
    Planning,
    RegisterAction,
    amount_of_text,
    hookimpl,
    params,
    text,
)
from app.automations.builtins import asks


async def notify(context: ActionContext, p: dict[str, Any]) -> dict[str, Any]:
    await context.notify(p["title"], p.get("body", ""))
    return {"shown": True}


async def read_clipboard(context: ActionContext, p: dict[str, Any]) -> str:
    return (await context.read_clipboard())[: p.get("max_chars", 100_000)]


async def write_clipboard(context: ActionContext, p: dict[str, Any]) -> dict[str, Any]:
    await context.write_clipboard(p["text"])
    return {"chars": len(p["text"])}


@hookimpl
def register_actions(register: RegisterAction) -> None:
    register(
        Action(
            id="notify.show",
            planning=Planning("notify", "tell", (asks.NOTIFICATION,), term="notify.show"),
            title=N_("Show a notification"),
            description="A desktop notification (logged when Steward runs headless).",
            parameters=params(("title",), title=text(200), body=text(2000)),
            output=params(("shown",), shown={"type": "boolean"}),
            permissions=(Permission("notify"),),
            run=notify,
            describe_in={"zh": lambda p: f"显示通知 {p['title']!r}"},
            describe=lambda p: f"Show the notification {p['title']!r}",
        )
    )
    register(
        Action(
            id="clipboard.read",
            planning=Planning(
                "read_clipboard",
                "source",
                (asks.CLIPBOARD_READ,),
                only_when_asked=True,
                reads="clipboard",
                term="clipboard.read",
            ),
            title=N_("Read the clipboard"),
            description="The text on the clipboard (needs the desktop app).",
            parameters=params(
                (),
                max_chars={
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 1_000_000,
                    "default": 100_000,
                },
            ),
            output=text(1_000_000),
            permissions=(Permission("clipboard"),),
            run=read_clipboard,
            describe_in={"zh": lambda p: "读取剪贴板"},
            describe=lambda p: "Read the clipboard",
        )
    )
    register(
        Action(
            id="clipboard.write",
            planning=Planning(
                "copy_to_clipboard",
                "send",
                (asks.CLIPBOARD_WRITE,),
                only_when_asked=True,
                term="clipboard.write",
            ),
            title=N_("Copy to the clipboard"),
            description="Put text on the clipboard (needs the desktop app).",
            parameters=params(("text",), text=text(1_000_000)),
            output=params(("chars",), chars={"type": "integer", "minimum": 0}),
            permissions=(Permission("clipboard"),),
            run=write_clipboard,
            describe_in={"zh": lambda p: f"把 {amount_of_text(p['text'], 'zh')} 复制到剪贴板"},
            describe=lambda p: f"Copy {amount_of_text(p['text'])} to the clipboard",
        )
    )
