"""The conversations side of the main window: the list, opening a conversation (a page of
messages at a time), new, rename and delete, live search, and each conversation's draft."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QListWidgetItem, QMessageBox

from app.core.store.models import Conversation, Message
from app.ui import trace
from app.ui.chat_view import PAGE, Block, render_blocks
from app.ui.dialogs import ask_text, confirm
from app.ui.i18n import tr
from app.ui.main_window_layout import MainWindowLayout
from app.ui.qt_async import async_slot
from app.ui.render import Theme


class ConversationsPane(MainWindowLayout):
    """The conversation list and the conversation shown (see the module docs)."""

    # --- conversations ---------------------------------------------------------------------

    async def reload_conversations(self, select: str | None = None) -> None:
        assert self.assistant is not None
        db = self.assistant.db
        convs = await self.assistant.db_call(lambda: db.conversations(limit=500))
        self._fill_list(convs, select or (self.conversation.id if self.conversation else None))

    def _fill_list(self, convs: list[Conversation], select: str | None) -> None:
        self.conversations.blockSignals(True)
        self.conversations.clear()
        for conv in convs:
            item = QListWidgetItem(conv.title)
            item.setData(Qt.ItemDataRole.UserRole, conv)
            item.setToolTip(
                tr("{0}\nUpdated {1}").format(conv.title, conv.updated[:16].replace("T", " "))
            )
            self.conversations.addItem(item)
            if conv.id == select:
                self.conversations.setCurrentItem(item)
        self.conversations.blockSignals(False)

    @async_slot()
    async def _on_conversations_current_changed(
        self, current: QListWidgetItem | None, _previous: object
    ) -> None:
        if current is None or self.assistant is None or self._busy:
            return
        conv: Conversation = current.data(Qt.ItemDataRole.UserRole)
        await self.open_conversation(conv, around=self._search_hits.get(conv.id))

    async def open_conversation(self, conv: Conversation | None, around: str | None = None) -> None:
        """Show ``conv`` on its latest messages, or (``around``: a search hit's message) on the
        messages around that one, with the match marked and in view."""
        assert self.assistant is not None
        leaving = self._take_draft()
        self.statusBar().clearMessage()  # a note about the previous conversation
        self.conversation = conv
        self.title.setText(conv.title if conv else tr("New conversation"))
        await self._store_draft(*leaving)
        if conv is None:
            self.view.clear_conversation()
        else:
            later = False
            if around is not None:
                db = self.assistant.db
                messages, earlier, later = await self.assistant.db_call(
                    lambda: db.message_window(around, limit=PAGE)
                )
            else:
                messages, earlier = await self._latest(conv.id)
            blocks = await self._render(messages)
            if self.conversation is not conv:
                return  # another conversation was chosen meanwhile: it shows itself
            self.view.show_messages(messages, has_earlier=earlier, has_later=later, blocks=blocks)
            if around is not None:
                self.view.mark_matches(around, self._search_words)
        await self._restore_draft()
        self._editing_last = False
        self._update_buttons()
        self.composer.setFocus()
        trace.mark("opened")

    async def _render(self, messages: list[Message]) -> tuple[Theme, dict[str, Block]]:
        """Markdown and code highlighting for a page of messages, off the GUI thread."""
        theme = self.theme
        loop = asyncio.get_running_loop()
        return theme, await loop.run_in_executor(None, render_blocks, theme, messages)

    async def _latest(self, conversation_id: str) -> tuple[list[Message], bool]:
        assert self.assistant is not None
        db = self.assistant.db
        return await self.assistant.db_call(lambda: db.message_page(conversation_id, limit=PAGE))

    def _on_view_earlier_requested(self) -> None:
        self._load_page(earlier=True)

    def _on_view_later_requested(self) -> None:
        self._load_page(earlier=False)

    @async_slot(bool)
    async def _load_page(self, earlier: bool) -> None:
        """The page before (or after) the messages on screen, read and rendered off the GUI
        thread, shown only if the same conversation is still open."""
        shown = self.view.visible_messages()
        if self.assistant is None or self.conversation is None or not shown:
            self._show_page(earlier, [], more=False)
            return
        db, conv_id = self.assistant.db, self.conversation.id
        edge = {"before_seq": shown[0].seq} if earlier else {"after_seq": shown[-1].seq}
        page, more = await self.assistant.db_call(
            lambda: db.message_page(conv_id, limit=PAGE, **edge)
        )
        blocks = await self._render(page)
        if self.conversation is not None and self.conversation.id == conv_id:
            self.view.add_rendered(*blocks)
            self._show_page(earlier, page, more=more)

    def _show_page(self, earlier: bool, page: list[Message], *, more: bool) -> None:
        if earlier:
            self.view.show_earlier(page, has_earlier=more)
        else:
            self.view.show_later(page, has_later=more)

    @async_slot()
    async def _on_new_action_triggered(self) -> None:
        if self.assistant is None or self._busy:
            return
        self.conversations.clearSelection()
        self.conversations.setCurrentRow(-1)
        await self.open_conversation(None)

    @async_slot()
    async def _on_rename_action_triggered(self) -> None:
        item = self.conversations.currentItem()
        if item is None or self.assistant is None:
            return
        conv: Conversation = item.data(Qt.ItemDataRole.UserRole)
        title = await ask_text(
            self,
            "renameConversation",
            tr("Rename conversation"),
            tr("Title:"),
            conv.title,
            tr("Rename"),
        )
        if title is not None and title.strip() and self.assistant is not None:
            db = self.assistant.db
            await self.assistant.db_call(lambda: db.rename_conversation(conv.id, title))
            if self.conversation and self.conversation.id == conv.id:
                self.conversation = replace(self.conversation, title=title.strip())
                self.title.setText(title.strip())
            await self.reload_conversations()

    @async_slot()
    async def _on_delete_action_triggered(self) -> None:
        item = self.conversations.currentItem()
        if item is None or self.assistant is None or self._busy:
            return
        conv: Conversation = item.data(Qt.ItemDataRole.UserRole)
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            tr("Delete conversation — Steward"),
            tr("Delete “{0}” and all its messages?").format(conv.title),
            parent=self,
        )
        box.setObjectName("deleteConversation")
        box.setInformativeText(tr("This cannot be undone."))
        if not await confirm(box, tr("&Delete")) or self.assistant is None or self._busy:
            return
        db = self.assistant.db
        await self.assistant.db_call(lambda: db.delete_conversation(conv.id))
        if self.conversation and self.conversation.id == conv.id:
            await self.open_conversation(None)
        await self.reload_conversations()

    # --- search ----------------------------------------------------------------------------

    def _on_search_text_changed(self, _text: str) -> None:
        self._search_timer.start()

    @async_slot()
    async def _on_search_timer_timeout(self) -> None:
        if self.assistant is None:
            return
        query = self.search.text().strip()
        if not query:
            self._search_hits = {}
            self.search_status.hide()
            await self.reload_conversations()
            return
        db = self.assistant.db

        def find() -> tuple[list[Conversation], dict[str, str]]:
            seen: dict[str, Conversation] = {}
            first: dict[str, str] = {}  # conversation → its best matching message
            for hit in db.search(query, limit=200):
                if hit.conversation_id not in seen:
                    seen[hit.conversation_id] = db.conversation(hit.conversation_id)
                    first[hit.conversation_id] = hit.message_id
            return list(seen.values()), first

        convs, self._search_hits = await self.assistant.db_call(find)
        self._search_words = re.findall(r"\w+", query)
        self._fill_list(convs, self.conversation.id if self.conversation else None)
        n = len(convs)
        self.search_status.setText(
            tr("No messages match “{0}”.").format(query)
            if not convs
            else tr("{0} conversation{1} match; opening one shows the match.").format(
                n, "s" if n != 1 else ""
            )
        )
        self.search_status.show()
        trace.mark(f"searched_{n}")

    # --- drafts ----------------------------------------------------------------------------

    def _on_composer_text_changed(self) -> None:
        if not self._restoring_draft:
            self._draft_timer.start()

    @async_slot()
    async def _on_draft_timer_timeout(self) -> None:
        await self._save_draft_now()

    async def _save_draft_now(self) -> None:
        await self._store_draft(*self._current_draft())

    def _current_draft(self) -> tuple[str | None, str]:
        """The conversation on screen (None: a new one) and the composer's text."""
        self._draft_timer.stop()
        return self.conversation.id if self.conversation else None, self.composer.toPlainText()

    def _take_draft(self) -> tuple[str | None, str]:
        """The draft of the conversation being left, and an empty composer at once: whatever
        is typed from now on belongs to the conversation being opened."""
        leaving = self._current_draft()
        self._set_composer("")
        return leaving

    async def _store_draft(self, conv_id: str | None, text: str) -> None:
        if self.assistant is not None:
            db = self.assistant.db
            await self.assistant.db_call(lambda: db.set_draft(conv_id, text))

    def _set_composer(self, text: str) -> None:
        """Put ``text`` in the composer, the cursor at its end, without it counting as typing."""
        self._restoring_draft = True
        self.composer.setPlainText(text)
        self.composer.moveCursor(QTextCursor.MoveOperation.End)  # typing goes on after it
        self._restoring_draft = False

    async def _restore_draft(self) -> None:
        """The open conversation's saved draft into the composer. Words typed while it was
        being read (or while the history opened) are kept after it: neither is lost."""
        if self.assistant is None:
            return
        db, conv = self.assistant.db, self.conversation
        saved = await self.assistant.db_call(lambda: db.draft(conv.id if conv else None))
        if self.conversation is not conv:
            return  # another conversation was opened meanwhile: it restores its own
        typed = self.composer.toPlainText()
        if not typed.strip():
            self._set_composer(saved)
            return
        self._set_composer(f"{saved.rstrip()}\n{typed}" if saved.strip() else typed)
        await self._save_draft_now()


__all__ = ["ConversationsPane"]
