"""The conversation as rendered HTML in a QTextBrowser, edited in place.

A conversation opens on its latest ``PAGE`` messages (a 10,000-message conversation opens as
fast as a short one). Scrolling to the top asks for the page before (``earlier_requested``),
scrolling to the bottom of a window that is not the latest asks for the page after
(``later_requested``); at most ``WINDOW`` messages are in the document at once.

The document is never rebuilt for those: each message is inserted as its own HTML fragment at
a position held by a QTextCursor (Qt moves cursors as text is inserted or removed before them),
so a page costs the layout of that page, and a streaming answer costs the layout of that
answer only — not of the whole conversation. The document is always:

    [top pager paragraph] [message]… [live answer] [bottom pager paragraph]
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from PySide6.QtCore import QEvent, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QKeyEvent,
    QResizeEvent,
    QTextCursor,
    QWheelEvent,
)
from PySide6.QtWidgets import QTextBrowser, QTextEdit, QWidget

from app.core.store.models import Message
from app.ui.i18n import QT_TR_NOOP, tr
from app.ui.render import MarkdownRenderer, Theme

PAGE = 20
WINDOW = 3 * PAGE

_Keep = QTextCursor.MoveMode.KeepAnchor
LIVE_KEY = "live"


@dataclass(frozen=True)
class Block:
    """A message as the view shows it: its HTML and the code its Copy links give."""

    html: str
    code: list[str]


_STATUS_WORDS = {
    "partial": QT_TR_NOOP("stopped"),
    "error": QT_TR_NOOP("error"),
    "length": QT_TR_NOOP("cut off"),
}


def backend_text(backend: str) -> str:
    """Where an answer was written, in words ("local", "cloud")."""
    return {"local": tr("local"), "cloud": tr("cloud")}.get(backend, backend)


def render_block(renderer: MarkdownRenderer, message: Message, *, live: bool = False) -> Block:
    """A message's HTML (no Qt: runs on any thread, with a renderer of its own)."""
    t = renderer.theme
    key = LIVE_KEY if live else message.id
    rendered = renderer.render(message.content or " ", key=f"{key}/")
    if message.role == "user":
        who, bg = tr("You"), t.user_bg
    else:
        who, bg = "Steward", t.assistant_bg
        details = [html.escape(message.model or ""), backend_text(message.backend)]
        if message.backend == "cloud":  # answers that left the machine stand out
            cloud = tr("☁ cloud")
            details[1] = f'<span style="color:{t.link}; font-weight: bold;">{cloud}</span>'
        if message.tokens_per_s:
            details.append(f"{message.tokens_per_s:.0f} tok/s")
        if message.status != "complete" and not live:
            details.append(tr(_STATUS_WORDS[message.status]))
        who += (
            f' <span style="color:{t.muted}; font-weight: normal;">· '
            + " · ".join(d for d in details if d)
            + "</span>"
        )
        if live:
            who += f' <span style="color:{t.muted};">…</span>'
    error = (
        f'<p style="color:{t.error};">{html.escape(message.error)}</p>'
        if message.error and not live
        else ""
    )
    stopped, go_on = tr("Stopped at the length limit"), tr("Continue")
    if message.status == "length" and not live:
        error = (
            f'<p style="color:{t.muted};">{stopped} — '
            f'<a href="continue:{message.id}" style="color:{t.link};">{go_on}</a></p>'
        )
    return Block(
        f'<table width="100%" cellspacing="0" cellpadding="10" '
        f'style="background-color:{bg}; margin-bottom: 8px;"><tr><td>'
        f'<p style="font-weight: bold; color:{t.text}; margin: 0 0 4px 0;">{who}</p>'
        f'<div style="color:{t.text};">{rendered.html}</div>{error}</td></tr></table>',
        rendered.code_blocks,
    )


def render_blocks(theme: Theme, messages: list[Message]) -> dict[str, Block]:
    """Blocks for finished ``messages``, made off the GUI thread (see ChatView.add_rendered)."""
    renderer = MarkdownRenderer(theme)
    return {m.id: render_block(renderer, m) for m in messages}


READABLE_WIDTH = 920  # pixels of text at most, about 110 characters a line


class ChatView(QTextBrowser):
    code_copied = Signal(int)
    earlier_requested = Signal()
    later_requested = Signal()
    continue_requested = Signal(str)  # the id of an answer cut off at the length limit
    filled = Signal(bool)  # after each change: whether any message (or answer) is shown

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatView")
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(self._on_anchor_clicked)
        self.setMinimumWidth(360)
        self.retranslate()
        self.setTabChangesFocus(True)  # Tab leaves the conversation: it never traps the focus
        self.document().setUndoRedoEnabled(False)  # read-only: edits need no history
        self.theme = theme
        self._renderer = MarkdownRenderer(theme)
        self._messages: list[Message] = []
        self._starts: dict[str, QTextCursor] = {}  # where each message's fragment begins
        self._cache: dict[str, Block] = {}  # finished messages, by id (their HTML and code)
        self._streaming: Message | None = None
        self._live: QTextCursor | None = None  # where the answer in progress begins
        self._live_code: list[str] = []
        self.has_earlier = False  # older messages exist above the rendered window
        self.has_later = False  # newer messages exist below it (the user scrolled back)
        self._paging = False  # a page was asked for and has not arrived yet
        self._trim_pending = False  # the window is over WINDOW until the next loop turn
        self._trim_newest = True
        self._editing = False
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        self._reset()

    def retranslate(self) -> None:
        self.setAccessibleName(tr("Conversation"))
        self.setAccessibleDescription(tr("The messages of the open conversation"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange and (self._messages or self._streaming):
            self.set_theme(self.theme)  # drawn again: "You", "local", "Copy" in the new words
        super().changeEvent(event)

    def set_theme(self, theme: Theme) -> None:
        """Render everything again in ``theme`` (light/dark switched while running)."""
        self.theme = theme
        self._renderer = MarkdownRenderer(theme)
        position = self.verticalScrollBar().value()
        messages, streaming = self._messages, self._streaming
        earlier, later = self.has_earlier, self.has_later
        self._reset()
        self.has_earlier, self.has_later = earlier, later
        with self._edit():
            for message in messages:
                self._insert_message(self._messages_end(), message)
            self._messages = list(messages)
            self._set_pagers()
        if streaming is not None:
            self.stream(streaming)
        self.verticalScrollBar().setValue(position)

    # --- content ----------------------------------------------------------------------------

    def show_messages(
        self,
        messages: list[Message],
        *,
        has_earlier: bool = False,
        has_later: bool = False,
        blocks: tuple[Theme, dict[str, Block]] | None = None,
    ) -> None:
        """Open a conversation on its latest messages (``blocks``: made by render_blocks), or
        on a window of them with newer ones below (``has_later``: a search hit opened)."""
        self._reset()
        self.setExtraSelections([])
        self.has_later = has_later
        if blocks is not None:
            self.add_rendered(*blocks)
        kept = messages[-WINDOW:]
        self.has_earlier = has_earlier or len(messages) > WINDOW
        with self._edit():
            for message in kept:
                self._insert_message(self._messages_end(), message)
            self._messages = list(kept)
            self._set_pagers()
        self._scroll_to_end()

    def show_earlier(self, page: list[Message], *, has_earlier: bool) -> None:
        """Put ``page`` (the messages just before the window) on top, keeping the message the
        reader was looking at in view; the newest fall out of the window past ``WINDOW``
        (on the next turn of the event loop, so neither edit holds the loop long)."""
        self._paging = False
        self.has_earlier = has_earlier
        bar = self.verticalScrollBar()
        height = self._height()
        with self._edit():
            at = self._messages_start()
            for message in reversed(page):
                self._insert_message(at, message)
            self._messages = [*page, *self._messages]
            self._set_pagers()
        bar.setValue(bar.value() + round(self._height() - height))  # the same text in view
        self._trim_later(newest=True)

    def show_later(self, page: list[Message], *, has_later: bool) -> None:
        """Put ``page`` (the messages just after the window) below, keeping the reader's place;
        the oldest fall out of the window past ``WINDOW`` (on the next turn of the loop)."""
        self._paging = False
        self.has_later = has_later
        with self._edit():
            for message in page:
                self._insert_message(self._messages_end(), message)
            self._messages = [*self._messages, *page]
            self._set_pagers()
        self._trim_later(newest=False)

    def _trim_later(self, *, newest: bool) -> None:
        self._trim_newest = newest
        if not self._trim_pending and len(self._messages) > WINDOW:
            self._trim_pending = True
            QTimer.singleShot(0, self, self._trim_window)

    def _trim_window(self) -> None:
        """Drop what is beyond ``WINDOW``, from the side away from where the reader went."""
        self._trim_pending = False
        overflow = len(self._messages) - WINDOW
        if overflow <= 0:
            return
        if self._trim_newest:
            with self._edit():
                self._remove_messages(self._messages[-overflow:])
                self.has_later = True
                self._set_pagers()
            return
        bar = self.verticalScrollBar()
        position, height = bar.value(), self._height()
        with self._edit():
            self._remove_messages(self._messages[:overflow])
            self.has_earlier = True
            self._set_pagers()
        bar.setValue(position - round(height - self._height()))  # the same text in view

    def clear_conversation(self) -> None:
        self._reset()

    def append_message(self, message: Message) -> None:
        """Add a finished message (the user's question) after the others."""
        with self._edit():
            self._insert_message(self._messages_end(), message)
            self._messages.append(message)
            self._trim_oldest()
        self._scroll_to_end()

    def stream(self, message: Message) -> None:
        """Show ``message`` (an answer in progress) after the others; call again as it grows.
        Only this answer's fragment is replaced."""
        at_end = self._at_end()
        self._streaming = message
        block = self._block(message, live=True)
        with self._edit():
            if self._live is None:
                start = self._messages_end()
                self._insert(start, block)
                self._live = self._cursor(start)
            else:
                start = self._live.position()
                self._replace(start, self._bottom_start(), block)
                self._live = self._cursor(start)  # it moved past the text put in its place
        if at_end:
            self._scroll_to_end()

    def finish_stream(self, message: Message) -> None:
        """The answer is complete (or stopped): it becomes a message like the others."""
        at_end = self._at_end()
        with self._edit():
            if self._live is not None:
                self._replace(self._live.position(), self._bottom_start(), "")
                self._live = None
            self._streaming, self._live_code = None, []
            for old in [m for m in self._messages if m.id == message.id]:
                self._remove_messages([old])
            self._insert_message(self._messages_end(), message)
            self._messages.append(message)
            self._trim_oldest()
        if at_end:
            self._scroll_to_end()

    def mark_matches(self, message_id: str, words: list[str]) -> int:
        """Highlight every place ``words`` occur in the message ``message_id`` and scroll the
        first into view (the message's start when none is found); returns how many."""
        start = self._starts.get(message_id)
        if start is None:
            return 0
        ids = [m.id for m in self._messages]
        index = ids.index(message_id) if message_id in ids else -1
        following = ids[index + 1] if 0 <= index < len(ids) - 1 else None
        end = (
            self._starts[following].position()
            if following in self._starts
            else self._bottom_start()
        )
        document, marks = self.document(), []
        for word in words:
            found = document.find(word, start.position())
            while not found.isNull() and found.selectionEnd() <= end:
                mark = QTextEdit.ExtraSelection()
                mark.cursor = found
                mark.format.setBackground(QColor(self.theme.highlight))
                marks.append(mark)
                found = document.find(word, found)
        marks.sort(key=lambda m: m.cursor.selectionStart())
        self.setExtraSelections(marks)
        first = marks[0].cursor if marks else self._cursor(start.position())
        shown = QTextCursor(first)
        shown.clearSelection()
        self.setTextCursor(shown)
        self.ensureCursorVisible()
        # a third of the way down, with what led to it above
        bar = self.verticalScrollBar()
        bar.setValue(bar.value() + self.cursorRect(shown).top() - self.viewport().height() // 3)
        return len(marks)

    def visible_messages(self) -> list[Message]:
        """The rendered window, oldest first (with the answer in progress, if any)."""
        return list(self._messages) + ([self._streaming] if self._streaming else [])

    # --- document editing -------------------------------------------------------------------

    def _reset(self) -> None:
        """An empty document: the top and bottom pager paragraphs, nothing between."""
        self._messages, self._starts, self._cache = [], {}, {}
        self._streaming, self._live, self._live_code = None, None, []
        self.has_earlier = self.has_later = self._paging = False
        with self._edit():
            self.document().clear()
            cursor = self._cursor(0)
            cursor.insertBlock()  # block 0: top pager; block 1: bottom pager

    @contextmanager
    def _edit(self) -> Iterator[None]:
        """One layout pass for a group of edits, and no paging requests while editing."""
        was = self._editing
        self._editing = True
        cursor = QTextCursor(self.document())
        cursor.beginEditBlock()
        try:
            yield
        finally:
            cursor.endEditBlock()
            self._editing = was
            if not was:
                self.filled.emit(bool(self._messages) or self._live is not None)

    def _cursor(self, position: int) -> QTextCursor:
        cursor = QTextCursor(self.document())
        cursor.setPosition(position)
        return cursor

    def _height(self) -> float:
        return float(self.document().documentLayout().documentSize().height())

    def _messages_start(self) -> int:
        first = self.document().firstBlock()
        return first.position() + first.length()

    def _bottom_start(self) -> int:
        return self.document().lastBlock().position()

    def _messages_end(self) -> int:
        return self._live.position() if self._live is not None else self._bottom_start()

    def _insert(self, position: int, fragment: str) -> None:
        if fragment:
            self._cursor(position).insertHtml(fragment)

    def _replace(self, start: int, end: int, fragment: str) -> None:
        cursor = self._cursor(start)
        cursor.setPosition(end, _Keep)
        if fragment:
            cursor.insertHtml(fragment)
        else:
            cursor.removeSelectedText()

    def _insert_message(self, position: int, message: Message) -> None:
        self._insert(position, self._block(message, live=False))
        self._starts[message.id] = self._cursor(position)

    def _remove_messages(self, messages: list[Message]) -> None:
        """Take out consecutive ``messages`` (oldest first) from the document."""
        if not messages:
            return
        start = self._starts[messages[0].id].position()
        after = self._messages.index(messages[-1]) + 1
        end = (
            self._starts[self._messages[after].id].position()
            if after < len(self._messages)
            else self._messages_end()
        )
        self._replace(start, end, "")
        gone = {m.id for m in messages}
        self._messages = [m for m in self._messages if m.id not in gone]
        for message_id in gone:
            self._starts.pop(message_id, None)
            self._cache.pop(message_id, None)

    def _trim_oldest(self) -> None:
        overflow = len(self._messages) - WINDOW
        if overflow > 0:
            self._remove_messages(self._messages[:overflow])
            self.has_earlier = True
            self._set_pagers()

    def _set_pagers(self) -> None:
        doc = self.document()
        for block, shown, direction, text in (
            (doc.firstBlock(), self.has_earlier, "earlier", tr("↑ Earlier messages (scroll up)")),
            (doc.lastBlock(), self.has_later, "later", tr("↓ Newer messages (scroll down)")),
        ):
            if block.text() == (text if shown else ""):
                # as it should be: left alone (editing a pager costs a layout pass over
                # every message in the document; paging back would pay it twice a page)
                continue
            cursor = self._cursor(block.position())
            cursor.setPosition(block.position() + block.length() - 1, _Keep)
            if shown:
                cursor.insertHtml(
                    f'<a href="page:{direction}" style="color:{self.theme.link};">{text}</a>'
                )
                cursor.select(QTextCursor.SelectionType.BlockUnderCursor)
                fmt = cursor.blockFormat()
                fmt.setAlignment(Qt.AlignmentFlag.AlignCenter)
                cursor.setBlockFormat(fmt)
            elif cursor.hasSelection():
                cursor.removeSelectedText()

    def _scroll_to_end(self) -> None:
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())

    def _at_end(self) -> bool:
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum() - 40

    # --- rendering --------------------------------------------------------------------------

    def add_rendered(self, theme: Theme, blocks: dict[str, Block]) -> None:
        """Blocks made by render_blocks off the GUI thread; kept if made in this theme."""
        if theme == self.theme:
            self._cache.update(blocks)

    def _block(self, message: Message, live: bool) -> str:
        if live:
            block = render_block(self._renderer, message, live=True)
            self._live_code = block.code
            return block.html
        cached = self._cache.get(message.id)
        if cached is None:
            cached = self._cache[message.id] = render_block(self._renderer, message)
        return cached.html

    # --- paging -----------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        # a readable line length: on a wide window the messages keep to a column in the middle
        spare = max(0, event.size().width() - READABLE_WIDTH)
        self.setViewportMargins(spare // 2, 0, spare - spare // 2, 0)
        super().resizeEvent(event)

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
        if self._editing or self._paging:
            return
        bar = self.verticalScrollBar()
        if value <= bar.minimum():
            self._request_earlier()
        elif value >= bar.maximum():
            self._request_later()

    def _on_anchor_clicked(self, url: QUrl) -> None:
        if url.scheme() == "page":
            if url.path() == "earlier":
                self._request_earlier()
            else:
                self._request_later()
            return
        if url.scheme() == "continue":
            self.continue_requested.emit(url.path())
            return
        if url.scheme() == "copy":
            key, _, number = url.path().rpartition("/")
            if key == LIVE_KEY:
                blocks = self._live_code
            else:
                block = self._cache.get(key)
                blocks = block.code if block is not None else []
            if number.isdigit() and int(number) < len(blocks):
                QGuiApplication.clipboard().setText(blocks[int(number)])
                self.code_copied.emit(int(number))
