"""The main window's widgets and layout (no behaviour but the buttons' enabled state):
conversations on the left, the chat on the right, the banner above the chat, the status below."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QPainter, QPaintEvent, QTextCursor
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.core.assistant import (
    Assistant,
)
from app.core.store.models import Conversation, Message
from app.ui.chat_view import ChatView
from app.ui.composer import Composer
from app.ui.conversation_list import ConversationDelegate
from app.ui.empty_state import EmptyState
from app.ui.i18n import tr
from app.ui.model_picker import ModelPicker
from app.ui.render import Theme
from app.ui.style import icon

if TYPE_CHECKING:
    from app.automations.service import Automations
    from app.session import Session
    from app.ui.review_card import ActionCard, ReviewCard

DRAFT_SAVE_MS = 800
# a streaming answer is drawn at most this often: every draw lays text out on the GUI thread,
# and on a machine whose cores all decode, each one costs the model time
STREAM_DRAW_MS = 200
# drawing grows with the answer: draws are spaced so they take at most this share of the time
# (a 10 ms draw, every 333 ms), and never further apart than STREAM_DRAW_MAX_MS
STREAM_DRAW_SHARE = 0.03
STREAM_DRAW_MAX_MS = 500


def stream_draw_interval(draw_ms: float) -> int:
    """How long to wait before drawing a streaming answer again, after a draw that took
    ``draw_ms``."""
    return round(min(STREAM_DRAW_MAX_MS, max(STREAM_DRAW_MS, draw_ms / STREAM_DRAW_SHARE)))


NOTIFY_AFTER_S = 5.0  # answers that took this long get a notification if nobody was looking
SEARCH_DELAY_MS = 150


# how long a passing note stays in the status bar
STATUS_NOTE_MS = 10_000


class ElidedLabel(QLabel):
    """One line that ends in "…" when it has not the room (a long conversation title),
    rather than pushing its neighbours (the model picker) out of the window."""

    def __init__(self) -> None:
        super().__init__()
        self.setProperty("elides", True)  # cut short on purpose, with "…"

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        room = self.contentsRect()
        shown = self.fontMetrics().elidedText(
            self.text(), Qt.TextElideMode.ElideRight, room.width()
        )
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(room, int(self.alignment() | Qt.AlignmentFlag.AlignVCenter), shown)


def first_size(screen: QSize) -> QSize:
    """The window's size the first time (later: as it was left): most of a small screen, a
    comfortable reading width on a large one."""
    return QSize(min(1180, round(screen.width() * 0.8)), min(820, round(screen.height() * 0.85)))


class MainWindowLayout(QMainWindow):
    """Builds every widget the window shows; ConversationsPane and MainWindow add what they
    do."""

    def __init__(self, theme: Theme, settings: QSettings) -> None:
        super().__init__()
        self.setWindowTitle(tr("Steward"))
        self.theme = theme
        self.qsettings = settings
        self.assistant: Assistant | None = None
        self.conversation: Conversation | None = None
        self._cancel: threading.Event | None = None
        self._busy = False
        self.turns_ended = 0
        self._editing_last = False
        # the session messages are routed through (answer, draft, refine, propose)
        self.session: Session | None = None
        self.planner_automations: Automations | None = None
        self.review_card: ReviewCard | None = None
        self.action_card: ActionCard | None = None
        # set by the app when a tray icon exists: called instead of closing
        self.keep_running_in_tray: Callable[[], None] | None = None
        self._search_hits: dict[str, str] = {}  # conversation id → the message to open on
        self._search_words: list[str] = []

        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setObjectName("banner")
        self.banner.hide()
        self._banner_error = False
        # shown while the history is locked: the way back in (the tray's Open shows it too)
        self.unlock_button = QPushButton()
        self.unlock_button.setObjectName("unlockButton")
        self.unlock_button.hide()

        self.search = QLineEdit()
        self.search_icon = self.search.addAction(
            icon("search", theme.muted), QLineEdit.ActionPosition.LeadingPosition
        )
        # the clear button in the theme's icons (Qt's own looks its icon up in the desktop's
        # icon theme: a fiftieth of a second at start)
        self.search_clear = self.search.addAction(
            icon("x", theme.muted), QLineEdit.ActionPosition.TrailingPosition
        )
        self.search_clear.setVisible(False)
        self.search_clear.triggered.connect(self.search.clear)
        self.search.textChanged.connect(lambda text: self.search_clear.setVisible(bool(text)))
        self.conversations = QListWidget()
        self.conversations.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.conversations.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.conversations.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.conversations.setUniformItemSizes(True)
        self.conversations.setItemDelegate(ConversationDelegate(self.conversations))
        self.new_button = new_button = QPushButton()
        new_button.setProperty("primary", True)
        self.settings_button = QPushButton()
        self.settings_button.setProperty("flat", True)
        self.settings_button.setEnabled(False)
        self.automations_button = QPushButton()
        self.automations_button.setProperty("flat", True)
        self.automations_button.setEnabled(False)
        left = QWidget()
        left.setObjectName("sidebar")
        left.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(10, 10, 10, 10)
        left_layout.setSpacing(8)
        left_layout.addWidget(new_button)
        left_layout.addWidget(self.search)
        # what a search found: "No messages match …", or how many conversations do
        self.search_status = QLabel()
        self.search_status.setObjectName("searchStatus")
        self.search_status.setWordWrap(True)
        self.search_status.hide()
        left_layout.addWidget(self.search_status)
        left_layout.addWidget(self.conversations)
        bottom_row = QHBoxLayout()
        bottom_row.addWidget(self.automations_button)
        bottom_row.addWidget(self.settings_button)
        left_layout.addLayout(bottom_row)

        self.title = ElidedLabel()
        self.title.setObjectName("conversationTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.model_picker = ModelPicker()
        # where answers are written: on this computer, or (with the fallback on) maybe the cloud
        self.backend_badge = QLabel()
        self.backend_badge.setObjectName("backendBadge")
        self.view = ChatView(theme)
        self.empty_state = EmptyState(theme, self.view)
        self.composer = Composer()
        self.send_button = QPushButton()
        self.send_button.setObjectName("sendButton")  # "Stop" while an answer runs
        self.send_button.setProperty("primary", True)
        self.regenerate_button = QPushButton()
        self.edit_button = QPushButton()
        self.cloud_button = QPushButton()
        self.cloud_button.hide()
        self._cloud_ready = False
        self._cloud_endpoint: tuple[str, str] | None = None  # (model, base URL) once set up
        # the composer holds its buttons: the message above, the actions along its bottom
        self.composer_frame = QFrame()
        self.composer_frame.setObjectName("composerFrame")
        frame_layout = QVBoxLayout(self.composer_frame)
        frame_layout.setContentsMargins(8, 6, 8, 8)
        frame_layout.setSpacing(4)
        frame_layout.addWidget(self.composer, 1)
        buttons = QHBoxLayout()
        for b in (self.regenerate_button, self.edit_button, self.cloud_button):
            b.setProperty("flat", True)
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.send_button)
        frame_layout.addLayout(buttons)
        self.composer_frame.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(14, 10, 14, 12)
        right_layout.setSpacing(8)
        # the banner (model loading, locked, errors) sits over the chat, not over the whole
        # window: when it comes and goes the conversation list and its buttons stay put, so a
        # click aimed at them never lands on what was there a moment before
        banner_row = QHBoxLayout()
        banner_row.addWidget(self.banner, 1)
        banner_row.addWidget(self.unlock_button)
        right_layout.addLayout(banner_row)
        title_row = QHBoxLayout()
        title_row.addWidget(self.title, 1)
        title_row.addWidget(self.backend_badge)
        title_row.addWidget(self.model_picker)
        right_layout.addLayout(title_row)
        right_layout.addWidget(self.view, 1)
        # review cards (drafted workflows) and action proposals, between answers and composer
        self.cards = QVBoxLayout()
        self.cards.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(self.cards)
        right_layout.addWidget(self.composer_frame)
        self.set_icons(theme)
        self.retranslate()
        self.view.filled.connect(self._show_empty_state)
        self.empty_state.suggestion_chosen.connect(self._use_suggestion)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([270, 830])
        splitter.setHandleWidth(1)
        splitter.setChildrenCollapsible(False)  # each side keeps the room its text needs
        self.setCentralWidget(splitter)
        self.status = QLabel(tr("Unlocking…"))
        self.statusBar().addPermanentWidget(self.status)
        self._streaming: Message | None = None  # the answer being drawn as it streams
        self._restoring_draft = False
        self._stream_timer = QTimer(self, singleShot=True, interval=STREAM_DRAW_MS)
        self._draft_timer = QTimer(self, singleShot=True, interval=DRAFT_SAVE_MS)
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)

    def _use_suggestion(self, example: str) -> None:
        self.composer.setPlainText(example)
        self.composer.setFocus()
        self.composer.moveCursor(QTextCursor.MoveOperation.End)

    def retranslate(self) -> None:
        """Every text the window itself shows, in the interface's language now (again when
        the language changes: Qt sends LanguageChange once the new translations are in)."""
        self.unlock_button.setText(tr("Unlock…"))
        self.unlock_button.setToolTip(tr("Enter your passphrase to open your history"))
        self.search.setPlaceholderText(tr("Search all messages"))
        self.search.setAccessibleName(tr("Search all messages"))
        self.search.setAccessibleDescription(
            tr("Finds the words in every conversation; the list shows where (Ctrl+F)")
        )
        self.search_clear.setText(tr("Clear the search"))  # (its tooltip too)
        self.conversations.setAccessibleName(tr("Conversations"))
        self.conversations.setAccessibleDescription(
            tr("Newest first; the one chosen opens, F2 renames it, Delete deletes it")
        )
        self.new_button.setText(tr("New conversation"))
        self.new_button.setToolTip(tr("Start a new conversation (Ctrl+N)"))
        self.settings_button.setText(tr("Settings"))
        self.settings_button.setToolTip(
            tr("Appearance, language, models, cloud, tools and the local API (Ctrl+,)")
        )
        self.automations_button.setText(tr("Automations"))
        self.automations_button.setToolTip(tr("Your workflows, their runs and their approvals"))
        if self.conversation is None:
            self.title.setText(tr("New conversation"))
        self.regenerate_button.setText(tr("Regenerate"))
        self.regenerate_button.setToolTip(tr("Write the last answer again"))
        self.edit_button.setText(tr("Edit last"))
        self.edit_button.setToolTip(
            tr("Put your last message back in the box to change it; its answer is replaced")
        )
        self.cloud_button.setText(tr("Ask cloud"))
        self._show_cloud()
        self.composer.retranslate()
        self.view.retranslate()
        self.model_picker.retranslate()
        self.empty_state.retranslate()
        self._update_buttons()

    def _show_cloud(self) -> None:
        """Where answers are written (the header's badge), and where Ask cloud sends."""
        endpoint = self._cloud_endpoint
        self.cloud_button.setToolTip(
            tr("Send this message to {0} at {1} (Ctrl+Shift+Enter)").format(*endpoint)
            if endpoint is not None
            else tr(
                "Send this message to the cloud endpoint set in Settings › Cloud (Ctrl+Shift+Enter)"
            )
        )
        self.backend_badge.setText(
            tr("On this computer · cloud when asked")
            if self._cloud_ready
            else tr("On this computer")
        )

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def set_icons(self, theme: Theme) -> None:
        """The buttons' icons, drawn in the theme's colours."""
        self.new_button.setIcon(icon("plus", theme.accent_text))
        self.send_button.setIcon(icon("square" if self._busy else "send", theme.accent_text))
        self.search_icon.setIcon(icon("search", theme.muted))
        self.search_clear.setIcon(icon("x", theme.muted))
        for button, name in (
            (self.settings_button, "settings"),
            (self.automations_button, "zap"),
            (self.regenerate_button, "refresh-cw"),
            (self.edit_button, "pencil"),
            (self.cloud_button, "cloud"),
        ):
            button.setIcon(icon(name, theme.text))

    def show_banner(self, text: str, *, error: bool = False) -> None:
        self._banner_error = error
        colour = self.theme.error if error else self.theme.muted
        self.banner.setStyleSheet(f"QLabel#banner {{ padding: 6px 10px; color: {colour}; }}")
        self.banner.setText(text)
        self.banner.setVisible(bool(text))

    def _update_buttons(self) -> None:
        ready = self.assistant is not None
        self.send_button.setText(tr("Stop") if self._busy else tr("Send"))
        self.send_button.setToolTip(
            tr("Stop the answer; what was written is kept (Escape)")
            if self._busy
            else tr("Send the message to the model (Enter)")
        )
        self.send_button.setIcon(icon("square" if self._busy else "send", self.theme.accent_text))
        self.send_button.setEnabled(ready)
        has_answer = (
            ready
            and not self._busy
            and any(m.role == "assistant" for m in self.view.visible_messages())
        )
        self.regenerate_button.setEnabled(has_answer)
        self.edit_button.setEnabled(has_answer)
        self.cloud_button.setEnabled(ready and not self._busy and self._cloud_ready)
        self._show_empty_state()

    def _show_empty_state(self, filled: bool | None = None) -> None:
        """What Steward can do, over an empty conversation of an unlocked history."""
        if filled is None:
            filled = bool(self.view.visible_messages()) or self._busy
        cards = self.review_card is not None or self.action_card is not None
        self.empty_state.setVisible(self.assistant is not None and not filled and not cards)


__all__ = ["MainWindowLayout"]
