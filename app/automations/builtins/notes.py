"""Notes: append a timestamped entry to a notes file (Markdown)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
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
    in_thread,
    params,
    text,
)
from app.automations.builtins import asks


def append_note(context: ActionContext, p: dict[str, Any]) -> dict[str, Any]:
    path = Path(p["file"])
    stamp = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M")
    heading = p.get("heading") or stamp
    if p.get("heading"):
        heading = f"{stamp} — {heading}"
    tree = context.granted(path, "files.write")  # used without following links
    context.preserve(path)
    existing = tree.lstat(path)
    lead = "\n" if existing is not None and existing.st_size else ""
    entry = f"{lead}## {heading}\n\n{p['text'].rstrip()}\n"
    tree.append_bytes(path, entry.encode("utf-8"))
    return {"file": str(path), "heading": heading}


@hookimpl
def register_actions(register: RegisterAction) -> None:
    register(
        Action(
            id="notes.append",
            planning=Planning(
                "note",
                "store",
                (asks.NOTE, asks.SAVING),
                paths={"file": "notes"},
                term="notes.append",
            ),
            title=N_("Add a note"),
            description="Append a timestamped entry (a Markdown heading and the text) to a notes "
            "file.",
            parameters=params(
                ("file", "text"),
                file=text(4096, N_("The notes file, e.g. ~/Notes/journal.md")),
                text=text(100_000),
                heading=text(200, N_("Shown after the time stamp")),
            ),
            output=params(("file", "heading"), file=text(4096), heading=text(300)),
            permissions=(Permission("files.write", "file"),),
            run=in_thread(append_note),
            describe_in={
                "zh": lambda p: (
                    f"把 {amount_of_text(p.get('text', ''), 'zh')} 作为笔记添加到 {p['file']}"
                )
            },
            describe=lambda p: f"Add {amount_of_text(p.get('text', ''))} as a note to {p['file']}",
        )
    )
