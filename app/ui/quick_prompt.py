"""The quick prompt: a small frameless always-on-top popup. It opens as one input line; type,
Enter, and the question and its answer stream inside it; "Open in Steward" moves the exchange
into the main window; Esc hides it. What it asks is stored like any conversation.

Questions that arrive while one is answered (typed, or sent with `steward --ask`) wait their
turn and are answered in order; the hint says how many wait. A request for an automation is
drafted here too; "Review in Steward" opens the draft's card in the window."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, QUrl, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.core.assistant import Finished, Routed, Started, Token
from app.core.errors import KnownError
from app.session import Drafted, Drafting, Failed, Queued, Session
from app.ui.chat_view import backend_text
from app.ui.i18n import tr
from app.ui.qt_async import async_slot
from app.ui.render import MarkdownRenderer, Theme

if TYPE_CHECKING:
    from app.automations.planner import Plan


class QuickPrompt(QFrame):
    open_requested = Signal(str)  # conversation id
    answered = Signal(str)  # conversation id: it was stored and the window's list changed
    review_requested = Signal(object)  # a drafted Plan, to review in the window

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowFlags(
            Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
            | Qt.WindowType.Tool
        )
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumSize(520, 120)
        self.renderer = MarkdownRenderer(theme)
        self._answer_text = ""  # the answer shown, as markdown (rendered again on a theme change)
        self.session: Session | None = None
        self.conversation_id: str | None = None
        self._cancel: threading.Event | None = None
        # questions that arrived during an answer, or before the history was open, in order
        self._waiting: list[str] = []
        self._asking: asyncio.Task[None] | None = None  # answering those that waited
        self._plan: Plan | None = None  # the draft shown, until it is opened in the window
        self._open_text = ""  # the open button's own words (a draft's card says others)
        self.input = QLineEdit()
        # the question the answer below is for
        self.question = QLabel()
        self.question.setObjectName("quickQuestion")
        self.question.setWordWrap(True)
        self.question.setTextFormat(Qt.TextFormat.PlainText)
        self.question.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.question.hide()
        self.answer = QTextBrowser()
        self.answer.setObjectName("quickAnswer")
        self.answer.setOpenLinks(False)
        self.answer.anchorClicked.connect(self._on_answer_anchor_clicked)
        self.answer.hide()
        self.hint = QLabel()
        self.open_button = QPushButton()
        self.open_button.setEnabled(False)
        row = QHBoxLayout()
        row.addWidget(self.hint, 1)
        row.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.input)
        layout.addWidget(self.question)
        layout.addWidget(self.answer, 1)
        layout.addLayout(row)
        self.input.returnPressed.connect(self._on_input_return_pressed)
        self.open_button.clicked.connect(self._on_open_button_clicked)
        self.retranslate()

    def retranslate(self) -> None:
        """Its own words in the interface's language (again on a change of language)."""
        self.setWindowTitle(tr("Steward quick prompt"))
        self.input.setAccessibleName(tr("Quick question"))
        self.input.setPlaceholderText(tr("Ask Steward… (Enter to send, Esc to close)"))
        self.input.setAccessibleDescription(
            tr("Steward answers below; Enter sends, Escape closes the prompt")
        )
        self.answer.setAccessibleName(tr("Answer"))
        self.answer.setAccessibleDescription(tr("The answer to the quick question"))
        self.open_button.setToolTip(tr("Continue this conversation in Steward's window"))
        if self.open_button.text() in ("", self._open_text):
            self._open_text = tr("Open in Steward")
            self.open_button.setText(self._open_text)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
            self.set_theme(self.renderer.theme)  # the answer's Copy links in the new words
        super().changeEvent(event)

    def popup(self, prompt: str | None = None) -> None:
        """Show centred on the screen with the cursor, focused; submit ``prompt`` if given."""
        screen = QGuiApplication.screenAt(self.cursor().pos()) or QGuiApplication.primaryScreen()
        area = screen.availableGeometry()
        # one input line until there is an answer to show (never the default empty window)
        height = self.height() if not self.answer.isHidden() else self.minimumSizeHint().height()
        self.resize(640, max(height, self.minimumHeight()))
        self.move(area.center().x() - self.width() // 2, area.top() + area.height() // 4)
        self.show()
        self.raise_()
        self.activateWindow()
        self.input.setFocus()
        if prompt:  # sent from outside (`steward --ask`): what is typed here stays
            self.submit(prompt)

    def _on_answer_anchor_clicked(self, url: QUrl) -> None:
        """The Copy link of a code block in the answer."""
        number = url.path().rpartition("/")[2]
        if url.scheme() == "copy" and number.isdigit():
            blocks = self.renderer.render(self._answer_text).code_blocks
            if int(number) < len(blocks):
                QGuiApplication.clipboard().setText(blocks[int(number)])
                self.hint.setText(tr("Code copied"))

    def set_theme(self, theme: Theme) -> None:
        self.renderer = MarkdownRenderer(theme)
        if self._answer_text:
            self.answer.setHtml(self.renderer.render(self._answer_text).html)

    def stop(self) -> None:
        """Quitting: stop an answer in progress (it is kept as partial); questions still
        waiting are not asked."""
        self._waiting.clear()
        if self._cancel is not None:
            self._cancel.set()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            if self._cancel is not None:
                self._cancel.set()
            self.hide()
            return
        super().keyPressEvent(event)

    def _on_input_return_pressed(self) -> None:
        text = self.input.text().strip()
        if not text:
            return
        self.input.clear()
        self.submit(text)

    @async_slot(str)
    async def submit(self, text: str) -> None:
        """Ask ``text`` in this prompt's conversation; during an answer it waits its turn."""
        self._waiting.append(text)
        if self.session is None:  # asked once the history is open (see set_session)
            count = len(self._waiting)
            self.hint.setText(
                tr(
                    "Waiting for your history to open ({0} question{1}): unlock Steward if it "
                    "asks, and the answer comes here."
                ).format(count, "s" if count != 1 else "")
            )
            return
        if self._cancel is not None:  # answering: this one waits its turn
            self._say_waiting()
            return
        await self._answer_waiting()

    def set_session(self, session: Session | None) -> None:
        """The session to answer on; None while Steward is locked or still starting.
        Questions that came before it are asked now, in order."""
        self.session = session
        if session is not None and self._waiting and self._cancel is None:
            self._asking = asyncio.ensure_future(self._answer_waiting())

    async def _answer_waiting(self) -> None:
        while self._waiting and self.session is not None:
            await self._answer(self.session, self._waiting.pop(0))

    def _say_waiting(self) -> None:
        count = len(self._waiting)
        self.hint.setText(
            tr("Answering… {0} more question{1} waiting their turn.").format(
                count, "s" if count != 1 else ""
            )
        )

    async def _answer(self, session: Session, text: str) -> None:
        self._cancel = cancel = threading.Event()
        self.question.setText(tr("You: {0}").format(text))
        self.question.show()
        self._answer_text = ""
        self.answer.clear()
        self.answer.show()
        self.resize(self.width(), 360)
        if self._waiting:
            self._say_waiting()
        else:
            self.hint.setText(tr("Answering…"))
        parts: list[str] = []
        try:
            events = session.submit(text, self.conversation_id, cancel=cancel, draft=self._plan)
            async with contextlib.aclosing(events):  # the turn ends when this does
                async for event in events:
                    if isinstance(event, Started):
                        self.conversation_id = event.conversation.id
                    elif isinstance(event, Token):
                        parts.append(event.text)
                        self._answer_text = "".join(parts)
                        self.answer.setHtml(self.renderer.render(self._answer_text).html)
                    elif isinstance(event, Queued):
                        self.hint.setText(tr("Waiting for the answer in the Steward window…"))
                    elif isinstance(event, Drafting):
                        self.hint.setText(tr("Drafting a workflow…"))
                    elif isinstance(event, Routed):
                        self.hint.setText(event.text())
                    elif isinstance(event, Drafted):
                        self._show_plan(event.plan)
                    elif isinstance(event, Failed):
                        raise event.error
                    elif isinstance(event, Finished):
                        self.hint.setText(
                            tr("Stopped: what was written is kept.")
                            if event.message.status == "partial"
                            else f"{event.message.model} · {backend_text(event.message.backend)}"
                        )
                        self.answered.emit(event.message.conversation_id)
            self.open_button.setEnabled(self.conversation_id is not None or self._plan is not None)
        except KnownError as exc:
            self.hint.setText(exc.user_text())
        finally:
            self._cancel = None

    def _show_plan(self, plan: Plan) -> None:
        """A draft, its question or a refusal: the text here, the card in the window."""
        from app.automations.planner import review_text

        session = self.session
        assert session is not None
        self._answer_text = review_text(plan, session.registry())
        self.answer.setPlainText(self._answer_text)
        if plan.kind == "refusal":
            self.hint.setText(tr("Steward can't do that."))
            return
        self._plan = plan
        self.open_button.setText(tr("Review in Steward"))
        self.hint.setText(tr("Review it in Steward before anything is saved or run."))

    def _on_open_button_clicked(self) -> None:
        if self._plan is not None:
            self.review_requested.emit(self._plan)
        if self.conversation_id is not None or self._plan is not None:
            if self.conversation_id is not None:
                self.open_requested.emit(self.conversation_id)
            self._plan = None
            self.open_button.setText(self._open_text)
            self.hide()
            self.conversation_id = None
            self.answer.clear()
            self._answer_text = ""
            self.answer.hide()
            self.question.clear()
            self.question.hide()
            self.open_button.setEnabled(False)
            self.hint.clear()
