"""Chat messages to prompt text, with the chat template from the GGUF metadata."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from app.core.errors import ModelError

ChatRole = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class ChatMessage:
    role: ChatRole
    content: str

    def as_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


Formatter = Callable[[Sequence[ChatMessage]], str]


def make_formatter(llm: Any, chat_format: str = "") -> Formatter:
    """A function that renders messages for ``llm`` (a ``llama_cpp.Llama``).

    ``chat_format`` names one of llama-cpp-python's built-in formats (``chatml``, ``llama-2``…);
    empty means the template stored in the model file, falling back to ChatML.
    """
    from llama_cpp import llama_chat_format

    template = llm.metadata.get("tokenizer.chat_template") if not chat_format else None
    if template:
        eos = llm._model.token_get_text(llm.token_eos()) if llm.token_eos() >= 0 else ""
        bos = llm._model.token_get_text(llm.token_bos()) if llm.token_bos() >= 0 else ""
        jinja = llama_chat_format.Jinja2ChatFormatter(
            template=template, eos_token=eos, bos_token=bos
        )

        def render_template(messages: Sequence[ChatMessage]) -> str:
            dicts: list[Any] = [m.as_dict() for m in messages]
            return str(jinja(messages=dicts).prompt)

        return render_template

    name = (chat_format or "chatml").replace("-", "_")
    function = getattr(llama_chat_format, f"format_{name}", None)
    if function is None:
        raise ModelError(
            f"Unknown chat format {chat_format!r}.", hint="Leave it empty to use the model's own."
        )

    def render_builtin(messages: Sequence[ChatMessage]) -> str:
        dicts: list[Any] = [m.as_dict() for m in messages]
        return str(function(messages=dicts).prompt)

    return render_builtin
