"""The main window's widgets and layout (no behaviour but the buttons' enabled state):
conversations on the left, the chat on the right, the banner above the chat, the status below."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QPushButton,
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
from app.ui.model_picker import ModelPicker
from app.ui.render import Theme

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


class MainWindowLayout(QMainWindow):
    """Builds every widget the window shows; ConversationsPane and MainWindow add what they
    do."""

    def __init__(self, theme: Theme, settings: QSettings) -> None:
        super().__init__()
        self.setWindowTitle("Steward")
        self.setMinimumSize(720, 480)
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
        self.unlock_button = QPushButton("Unlock…")
        self.unlock_button.setObjectName("unlockButton")
        self.unlock_button.hide()

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search all messages")
        self.search.setClearButtonEnabled(True)
        self.conversations = QListWidget()
        self.conversations.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.conversations.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.conversations.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.conversations.setUniformItemSizes(True)
        self.new_button = new_button = QPushButton("New conversation")
        self.settings_button = QPushButton("Settings")
        self.settings_button.setEnabled(False)
        self.automations_button = QPushButton("Automations")
        self.automations_button.setEnabled(False)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(8, 8, 4, 8)
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
        left.setMinimumWidth(200)

        self.title = QLabel("New conversation")
        self.title.setObjectName("conversationTitle")
        self.model_picker = ModelPicker()
        self.view = ChatView(theme)
        self.composer = Composer()
        self.send_button = QPushButton("Send")
        self.send_button.setObjectName("sendButton")  # "Stop" while an answer runs
        self.regenerate_button = QPushButton("Regenerate")
        self.edit_button = QPushButton("Edit last")
        self.cloud_button = QPushButton("Ask cloud")
        self.cloud_button.setToolTip(
            "Send this message to the cloud endpoint set in Settings › Cloud (Ctrl+Shift+Enter)"
        )
        self.cloud_button.hide()
        self._cloud_ready = False
        buttons = QVBoxLayout()
        for b in (self.send_button, self.regenerate_button, self.edit_button, self.cloud_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        composer_row = QHBoxLayout()
        composer_row.addWidget(self.composer, 1)
        composer_row.addLayout(buttons)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(4, 8, 8, 8)
        # the banner (model loading, locked, errors) sits over the chat, not over the whole
        # window: when it comes and goes the conversation list and its buttons stay put, so a
        # click aimed at them never lands on what was there a moment before
        banner_row = QHBoxLayout()
        banner_row.addWidget(self.banner, 1)
        banner_row.addWidget(self.unlock_button)
        right_layout.addLayout(banner_row)
        title_row = QHBoxLayout()
        title_row.addWidget(self.title, 1)
        title_row.addWidget(self.model_picker)
        right_layout.addLayout(title_row)
        right_layout.addWidget(self.view, 1)
        # review cards (drafted workflows) and action proposals, between answers and composer
        self.cards = QVBoxLayout()
        self.cards.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(self.cards)
        right_layout.addLayout(composer_row)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([260, 740])
        self.setCentralWidget(splitter)
        self.status = QLabel("Unlocking…")
        self.statusBar().addPermanentWidget(self.status)
        self._streaming: Message | None = None  # the answer being drawn as it streams
        self._restoring_draft = False
        self._stream_timer = QTimer(self, singleShot=True, interval=STREAM_DRAW_MS)
        self._draft_timer = QTimer(self, singleShot=True, interval=DRAFT_SAVE_MS)
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)

    def show_banner(self, text: str, *, error: bool = False) -> None:
        self._banner_error = error
        colour = self.theme.error if error else self.theme.muted
        self.banner.setStyleSheet(f"QLabel#banner {{ padding: 6px 10px; color: {colour}; }}")
        self.banner.setText(text)
        self.banner.setVisible(bool(text))

    def _update_buttons(self) -> None:
        ready = self.assistant is not None
        self.send_button.setText("Stop" if self._busy else "Send")
        self.send_button.setEnabled(ready)
        has_answer = (
            ready
            and not self._busy
            and any(m.role == "assistant" for m in self.view.visible_messages())
        )
        self.regenerate_button.setEnabled(has_answer)
        self.edit_button.setEnabled(has_answer)
        self.cloud_button.setEnabled(ready and not self._busy and self._cloud_ready)


__all__ = ["MainWindowLayout"]
