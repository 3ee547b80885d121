"""The conversation as rendered HTML in a QTextBrowser.

A conversation opens on its latest ``PAGE`` messages (a 10,000-message conversation opens as
fast as a short one). Scrolling to the top asks for the page before (``earlier_requested``),
scrolling to the bottom of a window that is not the latest asks for the page after
(``later_requested``); at most ``WINDOW`` messages are rendered at once, so scrolling through
any length of history costs the same. Each finished message's HTML is cached, so while an
answer streams only that answer is rendered again.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent, QWheelEvent
from PySide6.QtWidgets import QTextBrowser, QWidget

from app.core.store.models import Message
from app.ui.render import MarkdownRenderer, Theme

PAGE = 60
WINDOW = 3 * PAGE


class ChatView(QTextBrowser):
    code_copied = Signal(int)
    earlier_requested = Signal()
    later_requested = Signal()

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
        self.has_earlier = False  # older messages exist above the rendered window
        self.has_later = False  # newer messages exist below it (the user scrolled back)
        self._paging = False  # a page was asked for and has not arrived yet
        self._refreshing = False
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)

    def set_theme(self, theme: Theme) -> None:
        """Render everything again in ``theme`` (light/dark switched while running)."""
        self.theme = theme
        self._renderer = MarkdownRenderer(theme)
        self._cache = {}
        self._refresh(scroll_to_end=False)

    # --- content ----------------------------------------------------------------------------

    def show_messages(self, messages: list[Message], *, has_earlier: bool = False) -> None:
        """Open a conversation on its latest messages."""
        self._cache = {}
        self._messages = messages[-WINDOW:]
        self._streaming = None
        self.has_earlier = has_earlier or len(messages) > WINDOW
        self.has_later = False
        self._paging = False
        self._refresh(scroll_to_end=True)

    def show_earlier(self, page: list[Message], *, has_earlier: bool) -> None:
        """Put ``page`` (the messages just before the window) on top, keeping the message the
        reader was looking at in view; the newest fall out of the window past ``WINDOW``."""
        self._paging = False
        self.has_earlier = has_earlier
        if not page:
            self._refresh(scroll_to_end=False)
            return
        anchor = self._messages[0].id if self._messages else None
        merged = [*page, *self._messages]
        if len(merged) > WINDOW:
            self.has_later = True
            self._drop_cached(merged[WINDOW:])
            merged = merged[:WINDOW]
        self._messages = merged
        self._refresh(scroll_to_end=False, anchor=anchor)

    def show_later(self, page: list[Message], *, has_later: bool) -> None:
        """Put ``page`` (the messages just after the window) below, keeping the reader's place;
        the oldest fall out of the window past ``WINDOW``."""
        self._paging = False
        self.has_later = has_later
        if not page:
            self._refresh(scroll_to_end=False)
            return
        anchor = page[0].id
        merged = [*self._messages, *page]
        if len(merged) > WINDOW:
            self.has_earlier = True
            self._drop_cached(merged[:-WINDOW])
            merged = merged[-WINDOW:]
        self._messages = merged
        self._refresh(scroll_to_end=False, anchor=anchor, anchor_below=True)

    def clear_conversation(self) -> None:
        self._messages, self._streaming, self._cache, self._code = [], None, {}, []
        self.has_earlier = self.has_later = self._paging = False
        self.clear()

    def append_message(self, message: Message) -> None:
        self._messages = [*self._messages, message]
        if len(self._messages) > WINDOW:
            self._drop_cached(self._messages[:-WINDOW])
            self._messages = self._messages[-WINDOW:]
            self.has_earlier = True
        self._refresh(scroll_to_end=True)

    def stream(self, message: Message) -> None:
        """Show ``message`` (an answer in progress) after the others; call again as it grows."""
        self._streaming = message
        self._refresh(scroll_to_end=self._at_end())

    def finish_stream(self, message: Message) -> None:
        self._streaming = None
        self._cache.pop(message.id, None)
        self._messages = [*(m for m in self._messages if m.id != message.id), message]
        if len(self._messages) > WINDOW:
            self._drop_cached(self._messages[:-WINDOW])
            self._messages = self._messages[-WINDOW:]
            self.has_earlier = True
        self._refresh(scroll_to_end=self._at_end())

    def visible_messages(self) -> list[Message]:
        """The rendered window, oldest first (with the answer in progress, if any)."""
        return list(self._messages) + ([self._streaming] if self._streaming else [])

    # --- paging -----------------------------------------------------------------------------

    def _drop_cached(self, messages: list[Message]) -> None:
        for message in messages:
            self._cache.pop(message.id, None)

    def wheelEvent(self, event: QWheelEvent) -> None:
        bar = self.verticalScrollBar()
        if event.angleDelta().y() > 0 and bar.value() <= bar.minimum():
            self._request_earlier()  # already at the top: no scroll, no valueChanged
        elif event.angleDelta().y() < 0 and bar.value() >= bar.maximum():
            self._request_later()
        super().wheelEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        bar = self.verticalScrollBar()
        up = event.key() in (Qt.Key.Key_PageUp, Qt.Key.Key_Up, Qt.Key.Key_Home)
        down = event.key() in (Qt.Key.Key_PageDown, Qt.Key.Key_Down, Qt.Key.Key_End)
        if up and bar.value() <= bar.minimum():
            self._request_earlier()
        elif down and bar.value() >= bar.maximum():
            self._request_later()
        super().keyPressEvent(event)

    def _request_earlier(self) -> None:
        if self.has_earlier and not self._paging:
            self._paging = True
            self.earlier_requested.emit()

    def _request_later(self) -> None:
        if self.has_later and not self._paging and self._streaming is None:
            self._paging = True
            self.later_requested.emit()

    def _on_scrolled(self, value: int) -> None:
        if self._refreshing or self._paging:
            return
        bar = self.verticalScrollBar()
        if value <= bar.minimum():
            self._request_earlier()
        elif value >= bar.maximum():
            self._request_later()

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
            f'<p style="color:{t.error};">{html.escape(message.error)}</p>'
            if message.error and not live
            else ""
        )
        block = (
            f'<a name="m{message.id}"></a><table width="100%" cellspacing="0" cellpadding="10" '
            f'style="background-color:{bg}; margin-bottom: 8px;"><tr><td>'
            f'<p style="font-weight: bold; color:{t.text}; margin: 0 0 4px 0;">{who}</p>'
            f'<div style="color:{t.text};">{rendered.html}</div>{error}</td></tr></table>'
        )
        result = (block, rendered.code_blocks)
        if not live:
            self._cache[message.id] = result
        return result

    def _pager(self, direction: str, text: str) -> str:
        return (
            f'<p align="center" style="color:{self.theme.muted};">'
            f'<a href="page:{direction}" style="color:{self.theme.link};">{text}</a></p>'
        )

    def _refresh(
        self, *, scroll_to_end: bool, anchor: str | None = None, anchor_below: bool = False
    ) -> None:
        self._code = []
        parts = []
        if self.has_earlier:
            parts.append(self._pager("earlier", "↑ Earlier messages (scroll up)"))
        for message in self._messages:
            block, code = self._block(message, live=False)
            parts.append(block)
            self._code.extend(code)
        if self._streaming is not None:
            block, code = self._block(self._streaming, live=True)
            parts.append(block)
            self._code.extend(code)
        if self.has_later:
            parts.append(self._pager("later", "↓ Newer messages (scroll down)"))
        bar = self.verticalScrollBar()
        position = bar.value()
        self._refreshing = True
        try:
            self.setHtml("".join(parts))
            if scroll_to_end:
                bar.setValue(bar.maximum())
            elif anchor is not None:
                self.scrollToAnchor(f"m{anchor}")
                if anchor_below:  # the first new message just below the reader's place
                    bar.setValue(bar.value() - self.viewport().height() + 48)
            else:
                bar.setValue(position)
        finally:
            self._refreshing = False

    def _on_anchor_clicked(self, url: QUrl) -> None:
        if url.scheme() == "page":
            if url.path() == "earlier":
                self._request_earlier()
            else:
                self._request_later()
            return
        if url.scheme() == "copy":
            index = int(url.path() or url.toString().split(":", 1)[1])
            if 0 <= index < len(self._code):
                QGuiApplication.clipboard().setText(self._code[index])
                self.code_copied.emit(index)
