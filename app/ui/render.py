"""Message text (markdown) to the HTML subset QTextBrowser renders.

Code blocks are highlighted by pygments with inline styles (QTextBrowser has no CSS classes
for spans) and get a "Copy" link (``copy:KEYN``) that the chat view handles. No Qt here, so
rendering is tested on its own.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name, guess_lexer
from pygments.util import ClassNotFound

if TYPE_CHECKING:
    from markdown_it import MarkdownIt


@dataclass(frozen=True)
class Theme:
    dark: bool
    text: str
    muted: str
    user_bg: str
    assistant_bg: str
    code_bg: str
    link: str
    pygments_style: str
    error: str
    highlight: str = "#fff8c5"  # a search match

    @classmethod
    def light(cls) -> Theme:
        return cls(
            False,
            "#1f2328",
            "#6e7781",
            "#eaf2ff",
            "#f6f8fa",
            "#ffffff",
            "#0969da",
            "friendly",
            "#cf222e",
        )

    @classmethod
    def dark_theme(cls) -> Theme:
        return cls(
            True,
            "#e6edf3",
            "#8d96a0",
            "#1d2d44",
            "#161b22",
            "#0d1117",
            "#58a6ff",
            "monokai",
            "#ff7b72",
            "#5c4a00",
        )


@dataclass
class Rendered:
    html: str
    code_blocks: list[str] = field(default_factory=list)  # raw code, by N in copy:KEYN


class MarkdownRenderer:
    def __init__(self, theme: Theme) -> None:
        self.theme = theme
        self._parser: MarkdownIt | None = None  # made at the first message: the window paints first
        self._formatter = HtmlFormatter(noclasses=True, nowrap=True, style=theme.pygments_style)

    @property
    def _md(self) -> MarkdownIt:
        if self._parser is None:
            from markdown_it import MarkdownIt

            self._parser = MarkdownIt("commonmark", {"html": False, "linkify": False})
            self._parser.enable("table")
        return self._parser

    def _code(self, code: str, language: str, link: str) -> str:
        try:
            lexer = get_lexer_by_name(language) if language else guess_lexer(code)
        except ClassNotFound:
            lexer = TextLexer()
        if not language and lexer.name in ("Text only", "Text output"):
            lexer = TextLexer()
        body = highlight(code, lexer, self._formatter).rstrip("\n")
        label = html.escape(language or lexer.aliases[0] if lexer.aliases else "")
        t = self.theme
        return (
            f'<table width="100%" cellspacing="0" cellpadding="6" '
            f'style="background-color:{t.code_bg}; border-collapse: collapse; margin: 4px 0;">'
            f'<tr><td style="border: none;"><span style="color:{t.muted}; font-size: small;">'
            f"{label}</span></td>"
            f'<td align="right" style="border: none;"><a href="copy:{link}" '
            f'style="color:{t.link}; font-size: small;">Copy</a></td></tr>'
            f'<tr><td colspan="2" style="border: none;">'
            f'<pre style="font-family: monospace; margin: 0;">{body}</pre></td></tr></table>'
        )

    def render(self, text: str, key: str = "") -> Rendered:
        """HTML for ``text``; each code block's Copy link is ``copy:`` + ``key`` + its number
        (from 0), so a view can tell whose block it is."""
        tokens = self._md.parse(text)
        blocks: list[str] = []
        renderer = self._md.renderer

        def fence(tokens_: list, idx: int, options: object, env: object) -> str:  # type: ignore[type-arg]
            token = tokens_[idx]
            code = token.content
            blocks.append(code)
            language = (token.info or "").strip().split(" ")[0]
            return self._code(code, language, f"{key}{len(blocks) - 1}")

        rules = renderer.rules  # type: ignore[attr-defined]  # RendererHTML's, not the protocol's
        rules["fence"] = fence
        rules["code_block"] = fence
        out = renderer.render(tokens, self._md.options, {})
        return Rendered(out, blocks)
