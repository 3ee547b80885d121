"""What a run may ask of the front end: approval (a dialog, the terminal, or nobody), and the
services actions use — the model, notifications, the clipboard — with the headless set the
terminal and the daemon use."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from app.language import _t

log = logging.getLogger(__name__)

Decision = Literal["once", "always", "deny"]


@dataclass(frozen=True)
class ApprovalRequest:
    workflow: str
    position: int  # 1-based
    step_id: str
    action: str
    title: str
    what: str  # what the step will do, with its parameters filled in
    permissions: tuple[str, ...]
    # a tool of an MCP server: which, and the complete arguments of the call (JSON)
    server: str = ""
    tool: str = ""
    arguments: str = ""
    # what "always" approves: this workflow as it is, or this tool (of this server, as
    # it describes itself now) wherever it is called
    always: Literal["workflow", "tool"] = "workflow"


Approver = Callable[[ApprovalRequest], Awaitable[Decision]]


class Services(Protocol):
    """What the front end offers actions (the model, notifications, the clipboard)."""

    async def generate(self, prompt: str, *, system: str, max_tokens: int) -> str: ...

    async def notify(self, title: str, body: str) -> None: ...

    async def read_clipboard(self) -> str: ...

    async def write_clipboard(self, text: str) -> None: ...


class Unavailable(RuntimeError):
    pass


class HeadlessServices:
    """Services without a desktop: notifications are logged, there is no clipboard, and the
    model is used only when an engine is given."""

    def __init__(
        self,
        generate: Callable[..., Awaitable[str]] | None = None,
        notify_to: Callable[[str], None] | None = None,
    ) -> None:
        self._generate = generate
        self._notify_to = notify_to
        self.notifications: list[tuple[str, str]] = []

    async def generate(self, prompt: str, *, system: str, max_tokens: int) -> str:
        if self._generate is None:
            raise Unavailable(_t("no model is available to this run"))
        return await self._generate(prompt, system=system, max_tokens=max_tokens)

    async def notify(self, title: str, body: str) -> None:
        self.notifications.append((title, body))
        log.warning("notification (%d characters; no desktop to show it)", len(title) + len(body))
        if self._notify_to is not None:
            self._notify_to(f"{title}: {body}")

    async def read_clipboard(self) -> str:
        raise Unavailable(_t("the clipboard needs the Steward desktop app to be running"))

    async def write_clipboard(self, text: str) -> None:
        raise Unavailable(_t("the clipboard needs the Steward desktop app to be running"))


__all__ = [
    "ApprovalRequest",
    "Approver",
    "Decision",
    "HeadlessServices",
    "Services",
    "Unavailable",
]
