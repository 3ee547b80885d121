"""Chat templates: the one in the model file, checked by rendering a three-turn conversation
in llama-cpp-python's sandboxed Jinja formatter, or a known format the user chose (with a
preview of the same conversation). A model whose file has no template, or one that fails,
is never given a format silently: the user is asked (CLI: ``models use NAME --format F``;
window: the format dialog)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

from app.core.errors import ModelError
from app.language import _t

# the conversation every check and preview renders: three user turns, two answers between
SAMPLE: tuple[tuple[str, str], ...] = (
    ("user", "What is the capital of France?"),
    ("assistant", "Paris."),
    ("user", "And of Italy?"),
    ("assistant", "Rome."),
    ("user", "Thank you! Which is larger?"),
)

# known formats (llama-cpp-python's built-in formatters) offered when the file's template
# is missing or broken: the name the settings keep → (formatter, what uses it)
FORMATS: dict[str, tuple[str, str]] = {
    "chatml": ("format_chatml", "ChatML: Qwen, SmolLM, Hermes and many others"),
    "llama-3": ("format_llama3", "Llama 3 and 3.x"),
    "llama-2": ("format_llama2", "Llama 2"),
    "mistral-instruct": ("format_mistral_instruct", "Mistral Instruct"),
    "gemma": ("format_gemma", "Gemma"),
    "zephyr": ("format_zephyr", "Zephyr"),
    "alpaca": ("format_alpaca", "Alpaca (plain instruction and response)"),
}

Messages = Sequence[dict[str, str]]
Render = Callable[[Messages], str]


@dataclass(frozen=True)
class TemplateCheck:
    status: Literal["ok", "missing", "broken"]
    detail: str = ""  # why it is broken
    preview: str = ""  # the sample conversation as the model would read it (when ok)

    @property
    def problem(self) -> str:
        """One sentence for the user ("" when the template is fine)."""
        if self.status == "missing":
            return "its file has no chat template"
        if self.status == "broken":
            return f"its chat template does not work ({self.detail})"
        return ""


def sample_messages() -> list[dict[str, str]]:
    return [{"role": role, "content": text} for role, text in SAMPLE]


def template_render(template: str, bos: str, eos: str) -> Render:
    """The file's template in the sandboxed formatter (compiling may raise)."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    jinja = Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos)
    return lambda messages: str(jinja(messages=cast(Any, list(messages))).prompt)


def format_render(name: str) -> Render:
    """A known format by the name the settings keep."""
    from llama_cpp import llama_chat_format

    if name not in FORMATS:
        raise ModelError(
            _t("Unknown chat format {0!r}.").format(name),
            hint=_t("Choose one of: {0}.").format(", ".join(FORMATS)),
        )
    function: Any = getattr(llama_chat_format, FORMATS[name][0])
    return lambda messages: str(function(messages=list(messages)).prompt)


def check(template: str, bos: str = "", eos: str = "") -> TemplateCheck:
    """Render the three-turn sample with ``template``: it must work and keep every turn."""
    if not template.strip():
        return TemplateCheck("missing")
    try:
        text = template_render(template, bos, eos)(sample_messages())
    except Exception as exc:  # a template is a program: any error means it does not work
        return TemplateCheck("broken", f"{type(exc).__name__}: {exc}".strip()[:200])
    at = 0
    for _role, content in SAMPLE:
        found = text.find(content, at)
        if found < 0:
            return TemplateCheck("broken", "it leaves out part of the conversation")
        at = found + len(content)
    return TemplateCheck("ok", preview=text)


def preview(name: str) -> str:
    """The sample conversation in a known format."""
    return format_render(name)(sample_messages())


def formats_text() -> str:
    return ", ".join(FORMATS)


__all__ = [
    "FORMATS",
    "SAMPLE",
    "TemplateCheck",
    "check",
    "format_render",
    "formats_text",
    "preview",
    "sample_messages",
    "template_render",
]
