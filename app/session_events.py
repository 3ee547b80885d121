"""What :meth:`app.session.Session.submit` yields besides the assistant's own events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.core.assistant import AssistantEvent
from app.core.errors import KnownError

if TYPE_CHECKING:
    from app.automations.planner import Plan


@dataclass(frozen=True)
class Queued:
    """The message waits: ``ahead`` messages (or an answer) come first."""

    ahead: int


@dataclass(frozen=True)
class Drafting:
    """The message goes to the planner: a draft (or a question about it) is on its way."""


@dataclass(frozen=True)
class Drafted:
    """A workflow draft to review, a question to answer first, or a refusal (``plan.kind``)."""

    plan: Plan


@dataclass(frozen=True)
class Proposed:
    """One action the message asked for, offered after the answer, to confirm."""

    plan: Plan


@dataclass(frozen=True)
class Failed:
    """The message could not be handled; ``error`` says why (nothing typed is lost)."""

    error: KnownError


SessionEvent = AssistantEvent | Queued | Drafting | Drafted | Proposed | Failed


__all__ = ["Drafted", "Drafting", "Failed", "Proposed", "Queued", "SessionEvent"]
