"""The conversation as rendered HTML in a QTextBrowser.

Only the latest ``WINDOW`` messages are rendered (a 10,000-message conversation opens as fast
as a short one); each finished message's HTML is cached, so while an answer streams only that
answer is rendered again.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QTextBrowser, QWidget

from app.core.store.models import Message
from app.ui.render import MarkdownRenderer, Theme

WINDOW = 60


class ChatView(QTextBrowser):
    code_copied = Signal(int)

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(self._on_anchor_clicked)
        self.setMinimumWidth(360)
        self.theme = theme
        self._renderer = MarkdownRenderer(theme)
        self._messages: list[Message] = []
        self._cache: dict[str, tuple[str, list[str]]] = {}
        self._code: list[str] = []
        self._streaming: Message | None = None
        self._notice = ""

    # --- content ----------------------------------------------------------------------------

    def show_messages(self, messages: list[Message], notice: str = "") -> None:
        self._messages = messages[-WINDOW:]
        self._streaming = None
        self._notice = notice
        self._refresh(scroll_to_end=True)

    def clear_conversation(self) -> None:
        self._messages, self._streaming, self._cache, self._code = [], None, {}, []
        self._notice = ""
        self.clear()

    def append_message(self, message: Message) -> None:
        self._messages = [*self._messages, message][-WINDOW:]
        self._refresh(scroll_to_end=True)

    def stream(self, message: Message) -> None:
        """Show ``message`` (an answer in progress) after the others; call again as it grows."""
        self._streaming = message
        self._refresh(scroll_to_end=self._at_end())

    def finish_stream(self, message: Message) -> None:
        self._streaming = None
        self._cache.pop(message.id, None)
        self._messages = [*(m for m in self._messages if m.id != message.id), message][-WINDOW:]
        self._refresh(scroll_to_end=self._at_end())

    def visible_messages(self) -> list[Message]:
        return list(self._messages) + ([self._streaming] if self._streaming else [])

    # --- rendering --------------------------------------------------------------------------

    def _at_end(self) -> bool:
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum() - 40

    def _block(self, message: Message, live: bool) -> tuple[str, list[str]]:
        if not live and message.id in self._cache:
            return self._cache[message.id]
        t = self.theme
        rendered = self._renderer.render(message.content or " ", start_index=len(self._code))
        if message.role == "user":
            who, bg = "You", t.user_bg
        else:
            who, bg = "Steward", t.assistant_bg
            details = [message.model or "", message.backend]
            if message.tokens_per_s:
                details.append(f"{message.tokens_per_s:.0f} tok/s")
            if message.status != "complete" and not live:
                details.append("stopped" if message.status == "partial" else "error")
            who += (
                f' <span style="color:{t.muted}; font-weight: normal;">· '
                + " · ".join(html.escape(d) for d in details if d)
                + "</span>"
            )
            if live:
                who += f' <span style="color:{t.muted};">…</span>'
        error = (
            f'<p style="color:#cf222e;">{html.escape(message.error)}</p>'
            if message.error and not live
            else ""
        )
        block = (
            f'<table width="100%" cellspacing="0" cellpadding="10" '
            f'style="background-color:{bg}; margin-bottom: 8px;"><tr><td>'
            f'<p style="font-weight: bold; color:{t.text}; margin: 0 0 4px 0;">{who}</p>'
            f'<div style="color:{t.text};">{rendered.html}</div>{error}</td></tr></table>'
        )
        result = (block, rendered.code_blocks)
        if not live:
            self._cache[message.id] = result
        return result

    def _refresh(self, *, scroll_to_end: bool) -> None:
        self._code = []
        parts = []
        if self._notice:
            parts.append(f'<p style="color:{self.theme.muted};">{html.escape(self._notice)}</p>')
        for message in self._messages:
            block, code = self._block(message, live=False)
            parts.append(block)
            self._code.extend(code)
        if self._streaming is not None:
            block, code = self._block(self._streaming, live=True)
            parts.append(block)
            self._code.extend(code)
        bar = self.verticalScrollBar()
        position = bar.value()
        self.setHtml("".join(parts))
        if scroll_to_end:
            bar.setValue(bar.maximum())
        else:
            bar.setValue(position)

    def _on_anchor_clicked(self, url: QUrl) -> None:
        if url.scheme() == "copy":
            index = int(url.path() or url.toString().split(":", 1)[1])
            if 0 <= index < len(self._code):
                QGuiApplication.clipboard().setText(self._code[index])
                self.code_copied.emit(index)
