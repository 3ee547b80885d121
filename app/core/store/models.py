"""Plain records read from and written to the store."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Role = Literal["system", "user", "assistant"]
Backend = Literal["local", "cloud"]
# "length": the answer stopped at the length limit (max tokens) and can be continued
Status = Literal["complete", "partial", "error", "length"]


@dataclass
class Conversation:
    id: str
    title: str
    created: str
    updated: str
    model: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Message:
    id: str
    conversation_id: str
    seq: int
    role: Role
    content: str
    created: str
    model: str = ""
    backend: Backend = "local"
    status: Status = "complete"
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    ttft_ms: float | None = None
    tokens_per_s: float | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SearchHit:
    conversation_id: str
    conversation_title: str
    message_id: str
    role: Role
    snippet: str
    created: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
