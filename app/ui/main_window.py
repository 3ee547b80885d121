"""Steward's main window: conversations on the left, the chat on the right.

Every store and model call goes through the core's async API (the store service's thread
and the engine thread); widgets are touched only here, on the GUI thread. The widgets are
built in main_window_layout.py, the conversations side lives in conversations_pane.py.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QShowEvent,
)

from app.core.assistant import (
    Assistant,
    BackendChoice,
    Finished,
    Routed,
    Started,
    Token,
    Trimmed,
)
from app.core.errors import KnownError
from app.core.settings import CloudSettings
from app.core.store.models import Message
from app.ui import trace
from app.ui.chat_view import backend_text
from app.ui.conversations_pane import ConversationsPane
from app.ui.i18n import tr
from app.ui.main_window_layout import (
    NOTIFY_AFTER_S,
    STATUS_NOTE_MS,
    STREAM_DRAW_MS,
    first_size,
    stream_draw_interval,
)
from app.ui.qt_async import async_slot
from app.ui.render import Theme

if TYPE_CHECKING:
    from app.automations.planner import Plan
    from app.automations.service import Automations
    from app.session import Session, SessionEvent
    from app.ui.review_card import ReviewCard


@dataclass
class _Turn:
    """One answer in progress in the window: the message growing and its text so far."""

    follows_view: bool
    started_at: float
    answer: Message | None = None
    parts: list[str] = field(default_factory=list)
    drawn: bool = False


def _status_note(event: SessionEvent) -> tuple[str, int] | tuple[str] | None:
    """What the status bar says of a turn's event (and for how many ms), if anything."""
    from app.session import Drafting, Queued

    if isinstance(event, Trimmed):
        return (
            tr(
                "{0} earlier messages no longer fit the model's {1}-token context and were "
                "left out of this answer."
            ).format(event.dropped_messages, event.n_ctx),
            8000,
        )
    if isinstance(event, Routed):
        return (event.text(), 8000)
    if isinstance(event, Queued):
        return (tr("Waiting: another answer (in the quick prompt) comes first…"),)
    if isinstance(event, Drafting):
        return (tr("Drafting a workflow…"),)
    return None


class MainWindow(ConversationsPane):
    # an answer finished while the window was hidden or in the background (title, seconds)
    answer_finished_unseen = Signal(str, float)
    # a workflow was saved from a review card (its id), or a proposed action ran ("")
    workflow_saved = Signal(str)
    # a turn (answer, regenerate, continue, draft) ended, however it ended
    turn_ended = Signal()
    # a .gguf file was dropped on the window (its path): the session adds and uses it
    model_dropped = Signal(str)
    quit_requested = Signal()  # Ctrl+Q: the app quits (as the tray's Quit does)

    def __init__(self, theme: Theme, settings: QSettings) -> None:
        super().__init__(theme, settings)
        self.setAcceptDrops(True)
        new_action = QAction(tr("New conversation"), self)
        new_action.setShortcut(QKeySequence.StandardKey.New)
        new_action.triggered.connect(self._on_new_action_triggered)
        self.addAction(new_action)
        rename_action = QAction(tr("Rename…"), self.conversations)
        rename_action.setShortcut(QKeySequence(Qt.Key.Key_F2))
        rename_action.triggered.connect(self._on_rename_action_triggered)
        delete_action = QAction(tr("Delete…"), self.conversations)
        delete_action.setShortcut(QKeySequence.StandardKey.Delete)
        delete_action.triggered.connect(self._on_delete_action_triggered)
        self.conversations.addActions([rename_action, delete_action])

        self.new_button.clicked.connect(self._on_new_action_triggered)
        settings_action = QAction(tr("Settings"), self)
        settings_action.setShortcut(
            QKeySequence("Ctrl+,")
        )  # "Preferences" is unbound on some desktops
        settings_action.triggered.connect(self.settings_button.click)
        self.addAction(settings_action)
        # the keyboard's ways to what the mouse reaches: the search field, and quitting
        # (closing the window only hides it while the tray keeps Steward running)
        find_action = QAction(tr("Search all messages"), self)
        find_action.setObjectName("findAction")
        find_action.setShortcut(QKeySequence.StandardKey.Find)
        find_action.triggered.connect(self._on_find_action_triggered)
        self.addAction(find_action)
        quit_action = QAction(tr("Quit"), self)
        quit_action.setObjectName("quitAction")
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.quit_requested.emit)
        self.addAction(quit_action)
        self.composer.submit_requested.connect(self._on_composer_submit_requested)
        self.composer.stop_requested.connect(self._on_stop_requested)
        self.composer.textChanged.connect(self._on_composer_text_changed)
        self.send_button.clicked.connect(self._on_send_button_clicked)
        self.regenerate_button.clicked.connect(self._on_regenerate_button_clicked)
        self.edit_button.clicked.connect(self._on_edit_button_clicked)
        self.cloud_button.clicked.connect(self._on_cloud_button_clicked)
        self.composer.cloud_requested.connect(self._on_cloud_button_clicked)
        self.conversations.currentItemChanged.connect(self._on_conversations_current_changed)
        self.search.textChanged.connect(self._on_search_text_changed)
        self.view.code_copied.connect(
            lambda _: self.statusBar().showMessage(tr("Code copied"), 2000)
        )
        self.view.earlier_requested.connect(self._on_view_earlier_requested)
        self.view.later_requested.connect(self._on_view_later_requested)
        self.view.continue_requested.connect(self._on_view_continue_requested)

        self._stream_timer.timeout.connect(self._draw_stream)
        self._draft_timer.timeout.connect(self._on_draft_timer_timeout)
        self._search_timer.timeout.connect(self._on_search_timer_timeout)
        self._update_buttons()
        geometry = self.qsettings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(first_size(self.screen().availableGeometry().size()))

    # --- state set by the application ----------------------------------------------------

    def _on_find_action_triggered(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def set_theme(self, theme: Theme) -> None:
        """Switch light/dark live: the conversation is rendered again, nothing is reloaded."""
        self.theme = theme
        self.view.set_theme(theme)
        self.set_icons(theme)
        self.empty_state.set_theme(theme)
        self.show_banner(self.banner.text(), error=self._banner_error)

    def set_status(self, text: str) -> None:
        self.status.setText(text)

    def detach(self) -> None:
        """Locked: forget the store and clear every piece of conversation content shown."""
        if self._cancel is not None:
            self._cancel.set()
        self.assistant = None
        self.conversation = None
        self.view.clear_conversation()
        self.conversations.clear()
        self._set_composer("")
        self.search.clear()
        self.title.setText(tr("Locked"))
        self.settings_button.setEnabled(False)
        self.automations_button.setEnabled(False)
        self.composer.setEnabled(False)
        self.model_picker.clear()
        self.model_picker.setEnabled(False)
        self._update_buttons()

    def show_locked(self, text: str, *, error: bool = False) -> None:
        """The history is closed: say why, and offer the way back in."""
        self.show_banner(text, error=error)
        self.set_status(tr("Locked"))
        self.composer.setEnabled(False)
        self.unlock_button.show()
        self.unlock_button.setFocus()

    async def attach(self, assistant: Assistant) -> None:
        """Connect the unlocked store and show the conversations."""
        self.assistant = assistant
        self.unlock_button.hide()
        self.composer.setEnabled(True)
        self.title.setText(tr("New conversation"))
        await self.reload_conversations()
        await self._restore_draft()  # after it, anything typed while the history opened
        self._update_buttons()
        self.settings_button.setEnabled(True)
        self.composer.setFocus()

    # --- sending, stopping, regenerating --------------------------------------------------

    def set_cloud(self, cloud: CloudSettings | None) -> None:
        """The cloud endpoint in use (None: off): "Ask cloud" is offered only with one."""
        self._cloud_ready = cloud is not None and cloud.enabled
        self.cloud_button.setVisible(self._cloud_ready)
        self._cloud_endpoint = (cloud.model, cloud.base_url) if cloud is not None else None
        self._show_cloud()
        self._update_buttons()

    def _on_cloud_button_clicked(self) -> None:
        text = self.composer.toPlainText()
        if self._cloud_ready and not self._busy and text.strip():
            self._ask(text, backend="cloud")

    def _on_send_button_clicked(self) -> None:
        if self._busy:
            self._on_stop_requested()
        else:
            text = self.composer.toPlainText()
            if text.strip():
                self._on_composer_submit_requested(text)

    def _on_stop_requested(self) -> None:
        if self._cancel is not None:
            self._cancel.set()

    def set_session(self, session: Session, automations: Automations | None) -> None:
        """Messages go through ``session`` from now on; with ``automations``, drafting
        workflows from the chat (and proposing single actions) is available."""
        self.session = session
        self.planner_automations = automations

    def _draft_open(self) -> ReviewCard | None:
        card = self.review_card
        if card is None or not card.isVisible() or card.stored is not None:
            return None
        return card

    def _on_composer_submit_requested(self, text: str) -> None:
        if self._busy:  # the text stays in the box; nothing is lost
            self.statusBar().showMessage(
                tr(
                    "Still answering: Stop (Esc) ends this answer, or wait and send again. "
                    "Your message stays in the box."
                ),
                STATUS_NOTE_MS,
            )
            return
        self._ask(text)

    def _forget_card(self, card: object) -> None:
        """A card was discarded (it deletes itself): stop referring to it."""
        if self.review_card is card:
            self.review_card = None
        if self.action_card is card:
            self.action_card = None
        self._show_empty_state()

    def show_plan(self, plan: Plan) -> None:
        """A draft (or its question, or a refusal) as a review card below the chat; the open
        draft's card shows it instead when it answers or changes that draft."""
        from app.ui.review_card import ReviewCard

        if self.planner_automations is None:
            return
        # a passing word: the card says the rest, and saving it (or another conversation)
        # clears it
        self.statusBar().showMessage(
            {
                "workflow": tr("Draft ready: review it below."),
                "question": tr("One question first: answer it below."),
                "refusal": tr("Steward can't do that: the card says why."),
            }[plan.kind],
            STATUS_NOTE_MS,
        )
        draft = self._draft_open()
        if draft is not None and (plan.kind == "workflow" or draft.plan.kind == "question"):
            draft.show_plan(plan)
            return
        if draft is not None:
            draft.hide()
            draft.deleteLater()
        card = ReviewCard(plan, self.planner_automations, self)
        card.saved.connect(self.workflow_saved)
        card.saved.connect(
            lambda _id: self.statusBar().showMessage(tr("Workflow saved."), STATUS_NOTE_MS)
        )
        card.discarded.connect(lambda: self._forget_card(card))
        self.cards.addWidget(card)
        self.review_card = card
        self._show_empty_state()

    def _show_proposal(self, plan: Plan, answer: str) -> None:
        from app.ui.review_card import ActionCard

        if self.planner_automations is None:
            return
        if self.action_card is not None:
            self.action_card.hide()
            self.action_card.deleteLater()
        card = ActionCard(plan, self.planner_automations, answer, self)
        card.dismissed.connect(lambda: self._forget_card(card))
        card.finished.connect(lambda _run: self.workflow_saved.emit(""))
        self.cards.addWidget(card)
        self.action_card = card
        self._show_empty_state()

    @async_slot(str)
    async def _ask(self, text: str, backend: BackendChoice | None = None) -> None:
        await self._answer(text, backend)

    async def _answer(self, text: str, backend: BackendChoice | None = None) -> None:
        """Send ``text`` through the session: it is answered, drafted as a workflow, or
        answers (or changes) the open draft; Enter after Edit sends it again instead."""
        if self.assistant is None or self.session is None or self._busy:
            return
        follows_view = False
        cancel = self._new_cancel()
        if self._editing_last and self.conversation is not None:
            self._editing_last = False
            events = self.session.take_turn(
                self.assistant.regenerate(
                    self.conversation.id, new_text=text, cancel=cancel, backend=backend
                )
            )
        else:
            # a new question in the conversation on screen only adds to what is shown
            follows_view = self.conversation is not None and not self.view.has_later
            draft = self._draft_open()
            events = self.session.submit(
                text,
                self.conversation.id if self.conversation else None,
                cancel=cancel,
                backend=backend,
                draft=draft.plan if draft is not None else None,
                drafting=self.planner_automations is not None,
            )
        self.composer.clear()
        # what was sent is no longer a draft of the conversation it was typed in (for a new
        # conversation: of "no conversation", which every new conversation starts from)
        await self._save_draft_now()
        await self._run(events, follows_view=follows_view)

    @async_slot()
    async def _on_regenerate_button_clicked(self) -> None:
        if self.assistant is None or self.session is None or self.conversation is None:
            return
        if self._busy:
            return
        events = self.assistant.regenerate(self.conversation.id, cancel=self._new_cancel())
        await self._run(self.session.take_turn(events))

    @async_slot(str)
    async def _on_view_continue_requested(self, _message_id: str) -> None:
        """ "Continue" under an answer cut off at the length limit: it goes on in place."""
        if self.assistant is None or self.session is None or self.conversation is None:
            return
        if self._busy:
            return
        events = self.assistant.continue_answer(self.conversation.id, cancel=self._new_cancel())
        await self._run(self.session.take_turn(events))

    def _on_edit_button_clicked(self) -> None:
        users = [m for m in self.view.visible_messages() if m.role == "user"]
        if not users or self._busy:
            return
        self._editing_last = True
        self.composer.setPlainText(users[-1].content)
        self.composer.setFocus()
        self.statusBar().showMessage(tr("Editing your last message: Enter resends it"), 4000)

    def _new_cancel(self) -> threading.Event:
        self._cancel = threading.Event()
        return self._cancel

    async def _run(
        self, events: AsyncGenerator[SessionEvent, None], *, follows_view: bool = False
    ) -> None:
        from app.session import Failed

        self._busy = True
        self._update_buttons()
        turn = _Turn(follows_view, time.monotonic())
        try:
            # closed on the way out, so the session's turn ends with this one even when a
            # failure leaves the loop early (not whenever the collector reaches it)
            async with contextlib.aclosing(events):
                async for event in events:
                    if isinstance(event, Failed):
                        raise event.error
                    await self._on_turn_event(turn, event)
        except KnownError as exc:
            self.show_banner(exc.user_text(), error=True)
            if self.conversation is not None:
                await self.open_conversation(self.conversation)
        finally:
            self._stream_timer.stop()
            self._streaming = None
            self._busy = False
            self._cancel = None
            self._update_buttons()
            self.composer.setFocus()
            self.turns_ended += 1
            self.turn_ended.emit()

    async def _on_turn_event(self, turn: _Turn, event: SessionEvent) -> None:
        from app.session import Drafted, Proposed

        if isinstance(event, Started):
            await self._turn_started(turn, event)
        elif isinstance(event, Token):
            self._turn_token(turn, event)
        elif isinstance(event, Finished):
            self._turn_finished(turn, event)
        elif isinstance(event, Drafted):
            self.statusBar().clearMessage()
            self.show_plan(event.plan)
        elif isinstance(event, Proposed):
            self._show_proposal(event.plan, turn.answer.content if turn.answer else "")
        elif (note := _status_note(event)) is not None:
            self.statusBar().showMessage(*note)

    async def _turn_started(self, turn: _Turn, event: Started) -> None:
        new_conversation = self.conversation is None
        self.conversation = event.conversation
        self.title.setText(event.conversation.title)
        if turn.follows_view:
            self.view.append_message(event.user_message)
        else:
            history, earlier = await self._latest(event.conversation.id)
            if event.continues is not None:  # it is shown growing, below
                history = [m for m in history if m.id != event.continues.id]
            blocks = await self._render(history)
            self.view.show_messages(history, has_earlier=earlier, blocks=blocks)
        turn.answer = Message("", event.conversation.id, 0, "assistant", "", "")
        if event.continues is not None:
            turn.answer.content = event.continues.content
            turn.parts = [turn.answer.content]
        if new_conversation:
            await self.reload_conversations(select=event.conversation.id)
        await self._save_draft_now()

    def _turn_token(self, turn: _Turn, event: Token) -> None:
        if turn.answer is None:
            return
        turn.parts.append(event.text)
        turn.answer.content = "".join(turn.parts)
        self._streaming = turn.answer
        if not self._stream_timer.isActive():
            if not turn.drawn:
                self._stream_timer.setInterval(STREAM_DRAW_MS)
                self._draw_stream()  # the first words at once
                turn.drawn = True
            self._stream_timer.start()

    def _turn_finished(self, turn: _Turn, event: Finished) -> None:
        trace.mark("window_answered")
        self._stream_timer.stop()
        self._streaming = None
        self.view.finish_stream(event.message)
        took = time.monotonic() - turn.started_at
        if took >= NOTIFY_AFTER_S and not (self.isVisible() and self.isActiveWindow()):
            self.answer_finished_unseen.emit(self.title.text(), took)
        rate = event.message.tokens_per_s or 0
        self.set_status(
            tr("{0} · {1} · {2:.0f} tok/s").format(
                event.message.model, backend_text(event.message.backend), rate
            )
        )
        if event.message.status == "length":
            self.statusBar().showMessage(
                tr(
                    "The answer reached the length limit ({0} tokens): Continue under it goes on."
                ).format(event.stats.completion_tokens),
                8000,
            )

    def _draw_stream(self) -> None:
        if self._streaming is not None:
            started = time.perf_counter()
            self.view.stream(self._streaming)
            took_ms = (time.perf_counter() - started) * 1000
            self._stream_timer.setInterval(stream_draw_interval(took_ms))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.composer.setFocus()  # typing starts at once when the window opens

    # --- closing ---------------------------------------------------------------------------

    def save_state(self) -> None:
        """Window geometry and the draft, written now (before hiding or quitting)."""
        self.qsettings.setValue("window/geometry", self.saveGeometry())
        self.qsettings.sync()
        if self.assistant is not None:
            db, (conv_id, text) = self.assistant.db, self._current_draft()
            self.assistant.db_call_blocking(lambda: db.set_draft(conv_id, text))

    def shutdown(self) -> None:
        """Quitting: stop a running answer (it is kept as partial) and save the draft."""
        if self._cancel is not None:
            self._cancel.set()
        self.save_state()

    def show_and_raise(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()
        self.composer.setFocus()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        from app.ui.models_window import dropped_models

        if self.assistant is not None and dropped_models(event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        from app.ui.models_window import dropped_models

        models = dropped_models(event.mimeData().urls())
        if self.assistant is not None and models:
            event.acceptProposedAction()
            self.model_dropped.emit(str(models[0]))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        if self.keep_running_in_tray is not None:
            # closing the window keeps Steward in the tray; the first time, say so
            event.ignore()
            self.hide()
            self.keep_running_in_tray()
            return
        if self._cancel is not None:
            self._cancel.set()
        super().closeEvent(event)
