"""Optional redaction before text goes to the cloud: e-mail addresses, phone numbers and file
paths under the home folder become placeholders like ``[EMAIL_1]``; the answer shown to the
user has them restored. Stored messages always hold the original text."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# international or local numbers with at least 7 digits, allowing spaces, dots, dashes, ()
_PHONE = re.compile(r"(?<![\w/])\+?\(?\d[\d\s().-]{5,}\d(?![\w/])")
_PLACEHOLDER = re.compile(r"\[(EMAIL|PHONE|PATH)_\d+\]")
_MAX_PLACEHOLDER = 16


class Redactor:
    """Replaces sensitive values consistently across one conversation's messages."""

    def __init__(self, home: Path | None = None) -> None:
        home_text = str(home or Path.home()).rstrip("/\\")
        self._path = re.compile(
            re.escape(home_text) + r"(?:[/\\][^\s'\"<>|]*)?" if len(home_text) > 1 else r"(?!)"
        )
        self._by_value: dict[str, str] = {}
        self._by_placeholder: dict[str, str] = {}

    def _placeholder(self, kind: str, value: str) -> str:
        if value not in self._by_value:
            count = sum(1 for p in self._by_placeholder if p.startswith(f"[{kind}_")) + 1
            placeholder = f"[{kind}_{count}]"
            self._by_value[value] = placeholder
            self._by_placeholder[placeholder] = value
        return self._by_value[value]

    def redact(self, text: str) -> str:
        text = self._path.sub(lambda m: self._placeholder("PATH", m.group(0)), text)
        text = _EMAIL.sub(lambda m: self._placeholder("EMAIL", m.group(0)), text)

        def phone(m: re.Match[str]) -> str:
            digits = sum(ch.isdigit() for ch in m.group(0))
            return self._placeholder("PHONE", m.group(0)) if digits >= 7 else m.group(0)

        return _PHONE.sub(phone, text)

    def restore(self, text: str) -> str:
        return self.restore_with(text, lambda value: value)

    def restore_with(self, text: str, encode: Callable[[str], str]) -> str:
        """Placeholders back to their values, each passed through ``encode`` (for example
        escaped for the JSON string it stands in)."""
        return _PLACEHOLDER.sub(
            lambda m: (
                encode(self._by_placeholder[m.group(0)])
                if m.group(0) in self._by_placeholder
                else m.group(0)
            ),
            text,
        )

    @property
    def replaced(self) -> int:
        return len(self._by_value)


class StreamRestorer:
    """Restores placeholders in streamed text, holding back a possibly split placeholder."""

    def __init__(self, redactor: Redactor) -> None:
        self._redactor = redactor
        self._held = ""

    def feed(self, chunk: str) -> str:
        text = self._held + chunk
        cut = text.rfind("[")
        if cut != -1 and "]" not in text[cut:] and len(text) - cut < _MAX_PLACEHOLDER:
            self._held, text = text[cut:], text[:cut]
        else:
            self._held = ""
        return self._redactor.restore(text)

    def flush(self) -> str:
        text, self._held = self._held, ""
        return self._redactor.restore(text)
