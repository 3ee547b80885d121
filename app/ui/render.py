"""Message text (markdown) to the HTML subset QTextBrowser renders.

Code blocks are highlighted by pygments with inline styles (QTextBrowser has no CSS classes
for spans) and get a "Copy" link (``copy:KEYN``) that the chat view handles. No Qt here, so
rendering is tested on its own.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from pygments.formatters import HtmlFormatter


@dataclass(frozen=True)
class Theme:
    """Every colour Steward draws with, in one theme: the chat's (messages, code, links) and
    the window's (app/ui/style.py makes the style sheet from them). Each text colour is
    checked against each background it is drawn on: 4.5:1 at least (``text_pairs``)."""

    dark: bool
    text: str
    muted: str
    user_bg: str
    assistant_bg: str
    code_bg: str
    link: str
    pygments_style: str
    error: str
    highlight: str  # a search match
    window: str  # dialogs and the chat's surroundings
    sidebar: str  # the conversation list
    surface: str  # fields, lists, the chat
    border: str
    accent: str  # the main button of a window (Send), the selection, the focus ring
    accent_text: str
    selection: str  # a chosen list row (text on it: ``text``)
    hover: str

    @classmethod
    def light(cls) -> Theme:
        return cls(
            dark=False,
            text="#1f2328",
            muted="#59636e",
            user_bg="#e7f0fd",
            assistant_bg="#f6f8fa",
            code_bg="#ffffff",
            link="#0758c7",
            pygments_style="xcode",
            error="#c21c2c",
            highlight="#fff8c5",
            window="#f6f8fa",
            sidebar="#eef1f5",
            surface="#ffffff",
            border="#c9d1d9",
            accent="#0969da",
            accent_text="#ffffff",
            selection="#d5e6fb",
            hover="#e4e9ef",
        )

    @classmethod
    def dark_theme(cls) -> Theme:
        return cls(
            dark=True,
            text="#e6edf3",
            muted="#9ea7b3",
            user_bg="#1d2d44",
            assistant_bg="#161b22",
            code_bg="#0d1117",
            link="#6cb6ff",
            pygments_style="one-dark",
            error="#ff7b72",
            highlight="#5c4a00",
            window="#1c2128",
            sidebar="#161b22",
            surface="#0d1117",
            border="#3d444d",
            accent="#1f6feb",
            accent_text="#ffffff",
            selection="#24395a",
            hover="#262c36",
        )

    def text_pairs(self) -> dict[str, tuple[str, str]]:
        """What is drawn on what: ``"name": (text colour, background)``."""
        pairs = {"accent_text on accent": (self.accent_text, self.accent)}
        for bg_name in (
            "window",
            "sidebar",
            "surface",
            "user_bg",
            "assistant_bg",
            "selection",
            "hover",
        ):
            bg = getattr(self, bg_name)
            for fg_name in ("text", "muted", "link", "error"):
                pairs[f"{fg_name} on {bg_name}"] = (getattr(self, fg_name), bg)
        pairs["text on highlight"] = (self.text, self.highlight)
        for fg_name in ("text", "muted", "link"):
            pairs[f"{fg_name} on code_bg"] = (getattr(self, fg_name), self.code_bg)
        return pairs


def contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours (1 to 21)."""

    def luminance(colour: str) -> float:
        channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# the words of a code block's Copy link, in the interface's language (app.ui.i18n sets them;
# read by the renderers of any thread)
copy_label = "Copy"


@dataclass
class Rendered:
    html: str
    code_blocks: list[str] = field(default_factory=list)  # raw code, by N in copy:KEYN


class MarkdownRenderer:
    def __init__(self, theme: Theme) -> None:
        self.theme = theme
        # markdown-it and pygments are loaded at the first message: the window paints first
        self._parser: MarkdownIt | None = None
        self._formatter: HtmlFormatter[str] | None = None

    @property
    def _md(self) -> MarkdownIt:
        if self._parser is None:
            from markdown_it import MarkdownIt

            self._parser = MarkdownIt("commonmark", {"html": False, "linkify": False})
            self._parser.enable("table")
        return self._parser

    def _code(self, code: str, language: str, link: str) -> str:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import TextLexer, get_lexer_by_name, guess_lexer
        from pygments.util import ClassNotFound

        if self._formatter is None:
            style = self.theme.pygments_style
            self._formatter = HtmlFormatter(noclasses=True, nowrap=True, style=style)
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
            f'style="color:{t.link}; font-size: small;">{html.escape(copy_label)}</a></td></tr>'
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
