"""Chat messages to prompt text, with the chat template from the GGUF metadata."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from app.core.errors import ModelError

if TYPE_CHECKING:
    from app.core.llm.templates import TemplateCheck

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

    ``chat_format`` names a known format (app.core.llm.templates.FORMATS); empty means the
    template stored in the model file. A file without one, or with one that does not work,
    is a ModelError that says how to choose a format: never a silent guess.
    """
    from app.core.llm import templates

    if chat_format:
        render = templates.format_render(chat_format)
    else:
        template = str(llm.metadata.get("tokenizer.chat_template") or "")
        eos = llm._model.token_get_text(llm.token_eos()) if llm.token_eos() >= 0 else ""
        bos = llm._model.token_get_text(llm.token_bos()) if llm.token_bos() >= 0 else ""
        result = templates.check(template, bos, eos)
        if result.status != "ok":
            raise TemplateNeededError(result)
        render = templates.template_render(template, bos, eos)

    def format_messages(messages: Sequence[ChatMessage]) -> str:
        return render([m.as_dict() for m in messages])

    return format_messages


class TemplateNeededError(ModelError):
    """The model cannot be given a prompt until the user chooses its chat format."""

    def __init__(
        self, result: TemplateCheck, name: str = "This model", model_id: str = "NAME"
    ) -> None:
        from app.core.llm.templates import formats_text

        self.result = result
        super().__init__(
            f"{name} cannot be used as it is: {result.problem}.",
            hint="Choose its chat format in the window (the model picker asks), or with "
            f"`steward models use {model_id} --format FORMAT` ({formats_text()}).",
        )
