"""Text from data made safe to show: control characters, terminal escape sequences and
invisible direction marks are shown escaped, so a file's or a web page's text can neither
drive the terminal nor hide what an approval question or a dry run says."""

from __future__ import annotations

import unicodedata

# direction overrides and isolates, zero-width characters: they reorder or hide text
_INVISIBLE = frozenset(
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2066\u2067\u2068\u2069\u2060\ufeff"
)


def visible(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every control character, escape sequence and invisible direction
    mark written as an escape (``\\x1b``, ``\\u202e``); newlines kept when asked for."""
    out: list[str] = []
    for ch in text:
        if ch == "\n" and keep_newlines:
            out.append(ch)
        elif ch in _INVISIBLE or unicodedata.category(ch) in ("Cc", "Cf"):
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def _hidden(ch: str) -> bool:
    """Characters that show nothing, or change how the text around them shows: controls,
    format characters (direction marks, zero-width characters, tag characters), variation
    selectors."""
    code = ord(ch)
    return (
        ch in _INVISIBLE
        or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co")
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
    )


def without_invisible(text: str) -> str:
    """``text`` without what a reader cannot see (newlines and tabs kept): a tool's
    description is shown and given to the model only as the user can read it."""
    return "".join(ch for ch in text if ch in "\n\t" or not _hidden(ch))


def error_text(exc: BaseException) -> str:
    """One line saying what went wrong: an OS error's reason and file, else the message
    (at most 500 characters), else the exception's kind."""
    if isinstance(exc, OSError) and exc.strerror:
        where = f" {exc.filename}" if exc.filename else ""
        return f"{exc.strerror}{where}"
    text = str(exc).strip()
    return text[:500] if text else type(exc).__name__


__all__ = ["error_text", "visible", "without_invisible"]
