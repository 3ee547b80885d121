"""What every terminal command shares: messages on stderr, the terminal's consent question, text
that is not UTF-8, and piped input."""

from __future__ import annotations

import asyncio
import os
import stat
import sys

from app.cli import err
from app.core.assistant import (
    ConsentAnswer,
    ConsentRequest,
)
from app.core.errors import UsageError
from app.language import _t


def show_recovery_key(key: str) -> None:
    err(
        _t(
            "\nSteward created your encrypted database.\nRecovery key — write it down "
            "and keep it safe; it opens your history on its own\nif the keyring is "
            "lost or you move to a new machine (it is shown only now; see\n`steward "
            "recovery-key` later):\n\n    {0}\n"
        ).format(key)
    )


async def ask_consent(request: ConsentRequest) -> ConsentAnswer | None:
    """Ask in the terminal; None when there is no terminal to ask in."""
    if not sys.stdin.isatty():
        return None
    err(
        _t(
            "\nThe local model cannot answer: {0}.\nSend “{1}” ({2} messages, {3} "
            "characters) to {4} (model {5})?\n{6}"
        ).format(
            request.reason,
            request.title,
            request.message_count,
            request.characters,
            request.host,
            request.model,
            request.redaction_text(),
        )
    )
    loop = asyncio.get_running_loop()
    reply = await loop.run_in_executor(None, input, "[o] once  [c] for this conversation  [N] no: ")
    return {"o": "once", "c": "conversation"}.get(reply.strip().lower()[:1], "refuse")  # type: ignore[return-value]


def not_utf8(text: str) -> str | None:
    """Where ``text`` (an argument or a line decoded with surrogateescape) holds bytes that
    are not UTF-8, described for a message; None when it is clean."""
    for index, char in enumerate(text):
        if "\udc80" <= char <= "\udcff":
            return f"byte 0x{ord(char) - 0xDC00:02X} at character {index + 1}"
    return None


def _piped() -> bool:
    """Standard input is a pipe or a file (not a terminal, not /dev/null, not closed)."""
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (OSError, ValueError, AttributeError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISREG(mode)


def prompt_with_input(prompt: str) -> str:
    """The prompt for `steward ask`: text piped in first, then the prompt given (as `llm`
    does); UsageError for text that is not UTF-8 or for nothing at all."""
    if (where := not_utf8(prompt)) is not None:
        raise UsageError(
            _t("The prompt is not valid UTF-8 text ({0}); nothing was sent or stored.").format(
                where
            )
        )
    piped = ""
    if _piped():
        data = sys.stdin.buffer.read()
        try:
            piped = data.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            raise UsageError(
                _t(
                    "The text piped in is not valid UTF-8 (byte 0x{0:02X} at byte {1}); "
                    "nothing was sent or stored."
                ).format(data[exc.start], exc.start + 1),
                hint=_t("Convert it first, for example with `iconv -f latin1 -t utf-8`."),
            ) from None
    text = "\n\n".join(part for part in (piped.strip("\n"), prompt) if part.strip())
    if not text.strip():
        raise UsageError(
            _t(
                "The prompt is empty; give the question in quotes, e.g. steward ask "
                '"Hello", or pipe text in.'
            )
        )
    return text


__all__ = ["ask_consent", "err", "not_utf8", "prompt_with_input", "show_recovery_key"]
