from __future__ import annotations

import threading
import time

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QToolButton

from app.ui.chat_view import PAGE, WINDOW
from app.ui.main_window import MainWindow
from tests.conftest import ROOT
from tests.ui.conftest import until
from tests.ui.drive import click_link, turn


def type_and_send(qtbot, window: MainWindow, text: str) -> None:
    qtbot.keyClicks(window.composer, text)
    qtbot.keyClick(window.composer, Qt.Key.Key_Return)


def test_title_focus_and_streamed_answer_stored(qtbot, run, window_factory) -> None:
    window, assistant = window_factory()
    window.show()
    qtbot.waitExposed(window)

    async def go() -> None:
        await window.attach(assistant)
        assert "Steward" in window.windowTitle()
        assert window.composer.hasFocus() or window.focusWidget() in (window.composer, None)
        await turn(window, lambda: type_and_send(qtbot, window, "Name one planet."))

    run(go())
    [conv] = assistant.db.conversations()
    user, answer = assistant.db.messages(conv.id)
    assert user.content == "Name one planet." and answer.status == "complete" and answer.content
    html = window.view.toPlainText()
    assert "Name one planet." in html and answer.content.strip()[:10] in html
    assert "SmolLM2" in html and "tok/s" in html
    assert html.count("Steward ·") == 1 and "…" not in html  # the live answer was replaced
    assert window.conversations.count() == 1 and window.composer.toPlainText() == ""


def test_an_empty_conversation_shows_what_steward_can_do(qtbot, run, window_factory) -> None:
    """The empty state: hidden while locked, shown on an empty conversation; each suggestion
    puts its example in the composer (sending nothing); gone once a message is shown."""
    window, assistant = window_factory()
    window.show()
    qtbot.waitExposed(window)
    empty = window.empty_state
    assert not empty.isVisible()  # nothing attached yet: no promise of what it can do

    async def go() -> None:
        await window.attach(assistant)
        assert empty.isVisible() and empty.title.text()
        qtbot.mouseClick(empty.draft_button, Qt.MouseButton.LeftButton)
        assert window.composer.toPlainText() == empty.draft_example
        assert window.composer.hasFocus() and not assistant.db.conversations()
        qtbot.mouseClick(empty.ask_button, Qt.MouseButton.LeftButton)
        assert window.composer.toPlainText() == empty.ask_example
        window.composer.selectAll()
        await turn(window, lambda: type_and_send(qtbot, window, "Name one planet."))
        assert not empty.isVisible()
        window.new_button.click()
        await until(lambda: empty.isVisible())

    run(go())


def test_shift_enter_adds_a_line_and_esc_stops_the_answer(qtbot, run, window_factory) -> None:
    """Shift+Enter is a new line; Esc stops a long answer at once and keeps it as partial.
    (How fast Esc is, ≤ 100 ms, is a row of `make bench`'s desktop suite.)"""
    window, assistant = window_factory()
    window.show()

    async def go() -> None:
        await window.attach(assistant)
        qtbot.keyClicks(window.composer, "Write a long story")
        qtbot.keyClick(window.composer, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
        assert window.composer.toPlainText() == "Write a long story\n"
        qtbot.keyClicks(window.composer, "about the sea.")
        # long answer: sampled, many tokens
        assistant.engine.settings.max_tokens = 1000
        assistant.engine.settings.temperature = 0.9
        qtbot.keyClick(window.composer, Qt.Key.Key_Return)
        # stop as soon as the answer's first text is on screen (before it can end by itself)
        await until(
            lambda: any(m.role == "assistant" and m.content for m in window.view.visible_messages())
        )
        qtbot.keyClick(window.composer, Qt.Key.Key_Escape)
        await until(lambda: not window._busy)

    run(go())
    [conv] = assistant.db.conversations()
    answer = assistant.db.messages(conv.id)[-1]
    assert answer.status == "partial" and answer.content
    assert len(answer.content) < 1000  # stopped near its first words, far from 1,000 tokens
    assert "stopped" in window.view.toPlainText()


def test_search_filters_conversations_and_new_conversation(qtbot, run, window_factory) -> None:
    window, assistant = window_factory()
    db = assistant.db
    for title, text in (("Gardening", "how to prune tomatoes"), ("Travel", "trains to Milano")):
        conv = db.create_conversation(title)
        db.add_message(conv.id, "user", text)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()

    async def go() -> None:
        await window.attach(assistant)
        assert window.conversations.count() == 2
        qtbot.keyClicks(window.search, "tomato")
        await until(lambda: window.conversations.count() == 1)
        assert window.conversations.item(0).text() == "Gardening"
        # the clear button shows while there is something to clear, and clears it
        buttons = [w for w in window.search_clear.associatedObjects() if isinstance(w, QToolButton)]
        assert len(buttons) == 1 and buttons[0].isVisible()
        qtbot.mouseClick(buttons[0], Qt.MouseButton.LeftButton)
        assert window.search.text() == "" and not buttons[0].isVisible()
        await until(lambda: window.conversations.count() == 2)
        window.conversations.setCurrentRow(1)
        await until(lambda: window.conversation is not None)
        # its messages are shown once read from the store (a busy machine takes a moment)
        await until(
            lambda: (
                "prune tomatoes" in window.view.toPlainText()
                or "Milano" in window.view.toPlainText()
            )
        )
        qtbot.keyClick(window.composer, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
        await until(lambda: window.conversation is None)
        assert window.title.text() == "New conversation"
        # Ctrl+F: to the search field from anywhere, what it holds selected to type over
        qtbot.keyClick(window.composer, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        assert window.search.hasFocus() and window.search.selectedText() == window.search.text()
        # Ctrl+Q: the app is asked to quit (it connects this to its quit)
        with qtbot.waitSignal(window.quit_requested, timeout=5000):
            qtbot.keyClick(window.search, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)

    run(go())


def test_draft_survives_closing_the_window(qtbot, run, window_factory) -> None:
    window, assistant = window_factory()

    async def go() -> None:
        await window.attach(assistant)
        qtbot.keyClicks(window.composer, "an unfinished thought")

    run(go())
    window.close()  # saves the draft before the window goes
    second, assistant2 = window_factory()

    async def reopen() -> None:
        await second.attach(assistant2)

    run(reopen())
    assert second.composer.toPlainText() == "an unfinished thought"


def test_long_conversation_opens_with_its_latest_messages_fast(qtbot, run, window_factory) -> None:
    window, assistant = window_factory()
    db = assistant.db
    conv = db.create_conversation("Very long")
    from app.core.store.database import new_id, now
    from app.core.store.models import Message

    with db.transaction():
        db.insert_messages(
            [
                Message(
                    new_id(),
                    conv.id,
                    i,
                    "user" if i % 2 else "assistant",
                    f"message number {i}",
                    now(),
                )
                for i in range(1, 10_001)
            ]
        )
    elapsed = []

    window.show()
    qtbot.waitExposed(window)

    async def go() -> None:
        await window.attach(assistant)
        t0 = time.perf_counter()
        window.conversations.setCurrentRow(0)
        await until(lambda: "message number 10000" in window.view.toPlainText())
        elapsed.append(time.perf_counter() - t0)

    run(go())
    text = window.view.toPlainText()
    assert "Earlier messages" in text and "message number 9999" in text
    assert "message number 100\n" not in text
    assert len(window.view.visible_messages()) == PAGE

    def numbers() -> list[int]:
        return [int(m.content.rsplit(" ", 1)[1]) for m in window.view.visible_messages()]

    async def scroll_to(top: bool) -> None:
        bar = window.view.verticalScrollBar()
        before = numbers()
        bar.setValue(bar.minimum() if top else bar.maximum())
        await until(lambda: numbers() != before)
        await until(lambda: len(numbers()) <= WINDOW)  # trimmed on the next loop turn

    async def walk() -> None:
        await scroll_to(top=True)  # the page before arrives; the reader keeps their place
        assert numbers() == list(range(10_001 - 2 * PAGE, 10_001))
        assert not window.view.has_later
        pages = WINDOW // PAGE
        for _ in range(pages):
            await scroll_to(top=True)
        # never more than WINDOW rendered: the newest fell out and can be paged back in
        oldest = 10_001 - (pages + 2) * PAGE
        assert numbers() == list(range(oldest, oldest + WINDOW))
        assert window.view.has_later and "Newer messages" in window.view.toPlainText()
        await scroll_to(top=False)
        assert numbers() == list(range(oldest + PAGE, oldest + PAGE + WINDOW))
        # sending jumps back to the latest messages
        window.composer.setPlainText("Say hi.")
        window.send_button.click()
        # the prompt is built from the newest turns only, whatever the conversation's length
        await until(lambda: not window._busy and window.view.visible_messages()[-1].seq > 10_000)
        assert window.view.visible_messages()[-2].content == "Say hi."
        assert not window.view.has_later

    run(walk())
    assert elapsed[0] < 0.3 * 3  # 300 ms target; generous on a shared machine


def test_copy_links_copy_their_own_code_block(qtbot, run, window_factory) -> None:
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QGuiApplication

    window, assistant = window_factory()
    db = assistant.db
    conv = db.create_conversation("Code")
    db.add_message(conv.id, "user", "Two snippets please")
    first = db.add_message(conv.id, "assistant", "```python\nprint('one')\n```\n")
    second = db.add_message(conv.id, "assistant", "```sh\necho two\n```\n\n```\nthree\n```\n")
    window.show()

    async def go() -> None:
        await window.attach(assistant)
        window.conversations.setCurrentRow(0)
        await until(lambda: "echo two" in window.view.toPlainText())

    run(go())
    html = window.view.toHtml()
    for message, n in ((first, 0), (second, 0), (second, 1)):
        assert f"copy:{message.id}/{n}" in html
    copied: list[int] = []
    window.view.code_copied.connect(copied.append)
    clipboard = QGuiApplication.clipboard()
    window.view.anchorClicked.emit(QUrl(f"copy:{second.id}/1"))
    assert clipboard.text() == "three\n"
    window.view.anchorClicked.emit(QUrl(f"copy:{first.id}/0"))
    assert clipboard.text() == "print('one')\n"
    window.view.anchorClicked.emit(QUrl(f"copy:{first.id}/7"))  # no such block: nothing
    assert clipboard.text() == "print('one')\n" and copied == [1, 0]


def test_keyboard_reaches_every_part_of_the_window(qtbot, run, window_factory) -> None:
    window, assistant = window_factory()
    window.show()
    qtbot.waitExposed(window)
    run(window.attach(assistant))
    window.activateWindow()
    window.composer.setFocus()
    seen = []
    for _ in range(20):
        qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Tab)
        seen.append(window.focusWidget())
    for widget in (window.search, window.conversations, window.view, window.composer):
        assert widget in seen, widget
    assert window.send_button in seen and window.settings_button in seen


def test_model_error_mid_answer_shows_why_and_keeps_the_text(
    qtbot, run, tmp_path, key, model_path
) -> None:
    from PySide6.QtCore import QSettings

    from app.core.assistant import Assistant
    from app.core.llm.model_files import ModelRef
    from app.core.paths import resolve_paths
    from app.core.settings import ModelSettings
    from app.core.store.database import open_database
    from app.session import Session
    from app.ui.render import Theme
    from tests.integration.test_assistant import FailingEngine

    engine = FailingEngine(
        ModelRef("embedded", "SmolLM2", model_path), ModelSettings(n_ctx=1024, max_tokens=64)
    )
    assistant = Assistant(open_database(tmp_path / "e.db", key), engine)
    window = MainWindow(
        Theme.light(), QSettings(str(tmp_path / "qt.ini"), QSettings.Format.IniFormat)
    )
    qtbot.addWidget(window)
    window.set_session(Session.around(assistant, resolve_paths(tmp_path / "home")), None)
    window.show()

    async def go() -> None:
        await window.attach(assistant)
        await turn(window, lambda: type_and_send(qtbot, window, "Tell me about rivers."))

    try:
        run(go())
        [conv] = assistant.db.conversations()
        question, answer = assistant.db.messages(conv.id)
        assert question.content == "Tell me about rivers."
        assert answer.status == "error" and answer.content and "out of memory" in answer.error
        assert "out of memory" in window.banner.text() and window.banner.isVisibleTo(window)
        shown = window.view.toPlainText()
        assert answer.content.strip()[:20] in shown and "error" in shown
        assert window.composer.isEnabled() and window.send_button.text() == "Send"
    finally:
        window.detach()  # as the app does before it closes the store
        assistant.close()
        assistant.db.close()
        engine.close()


def test_the_last_conversation_chosen_is_the_one_shown(qtbot, run, window_factory) -> None:
    import asyncio

    window, assistant = window_factory()
    db = assistant.db
    first = db.create_conversation("First")
    for n in range(40):
        db.add_message(first.id, "user", f"first {n}\n\n```python\nprint({n})\n```")
    second = db.create_conversation("Second")
    db.add_message(second.id, "user", "second only")

    async def go() -> None:
        await window.attach(assistant)
        # clicked in quick succession: the first still loading when the second is chosen
        await asyncio.gather(window.open_conversation(first), window.open_conversation(second))

    run(go())
    assert window.conversation == second
    assert [m.content for m in window.view.visible_messages()] == ["second only"]


def _box(name: str) -> QMessageBox | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMessageBox) and widget.isVisible() and widget.objectName() == name:
            return widget
    return None


def _click(box: QMessageBox, text: str) -> None:
    next(b for b in box.buttons() if b.text().replace("&", "") == text).click()


def test_deleting_a_conversation_asks_then_deletes_it(qtbot, run, window_factory) -> None:
    """Through the list's own action (its context menu entry) and its Delete key, answered
    through the dialog's own buttons: Cancel keeps everything, Delete removes the
    conversation and its messages."""
    window, assistant = window_factory()
    db = assistant.db
    for title, text in (("Gardening", "how to prune tomatoes"), ("Travel", "trains to Milano")):
        conv = db.create_conversation(title)
        db.add_message(conv.id, "user", text)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    delete = next(a for a in window.conversations.actions() if a.text() == "Delete…")

    async def go() -> None:
        await window.attach(assistant)
        window.conversations.setCurrentRow(0)
        await until(lambda: window.conversation is not None)
        doomed = window.conversation
        assert doomed is not None
        delete.trigger()
        await until(lambda: _box("deleteConversation") is not None)
        box = _box("deleteConversation")
        assert box is not None and doomed.title in box.text()
        _click(box, "Cancel")
        await until(lambda: _box("deleteConversation") is None)
        assert db.count("conversations") == 2 and window.conversations.count() == 2
        window.activateWindow()  # as a window manager does when the dialog closes
        await until(lambda: QApplication.activeWindow() is window)
        window.conversations.setFocus()
        qtbot.keyClick(window.conversations, Qt.Key.Key_Delete)
        await until(lambda: _box("deleteConversation") is not None)
        _click(_box("deleteConversation"), "Delete")  # type: ignore[arg-type]
        await until(lambda: window.conversations.count() == 1)
        assert db.count("conversations") == 1 and db.count() == 1
        assert doomed.id not in {c.id for c in db.conversations()}
        assert window.conversation is None or window.conversation.id != doomed.id

    run(go())


def test_a_sent_message_is_no_longer_anyones_draft(qtbot, run, window_factory) -> None:
    """Typed in a new conversation, a pause (the draft is saved), then sent: the next new
    conversation starts empty, also after a restart; a restored draft puts the cursor at its
    end."""
    window, assistant = window_factory()
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    db = assistant.db

    async def go() -> None:
        await window.attach(assistant)
        qtbot.keyClicks(window.composer, "Give me three tips for growing tomatoes.")
        await until(lambda: db.draft(None) == "Give me three tips for growing tomatoes.")
        await turn(window, lambda: qtbot.keyClick(window.composer, Qt.Key.Key_Return))
        qtbot.keyClick(window.composer, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
        await until(lambda: window.conversation is None)
        await until(lambda: not window._restoring_draft)
        assert window.composer.toPlainText() == ""
        assert db.draft(None) == ""
        qtbot.keyClicks(window.composer, "an unfinished")

    run(go())
    window.close()
    second, assistant2 = window_factory()

    async def reopen() -> None:
        await second.attach(assistant2)

    run(reopen())
    assert second.composer.toPlainText() == "an unfinished"
    assert second.composer.textCursor().position() == len("an unfinished")


def test_an_answer_cut_at_the_length_limit_is_marked_and_continue_goes_on(
    qtbot, run, window_factory
) -> None:
    window, assistant = window_factory()
    assert assistant.engine is not None
    assistant.engine.settings.max_tokens = 10
    window.show()
    qtbot.waitExposed(window)
    db = assistant.db

    async def go() -> None:
        await window.attach(assistant)
        await turn(
            window,
            lambda: type_and_send(
                qtbot, window, "Tell me a long story about a dragon who bakes bread."
            ),
        )
        [conv] = db.conversations()
        _, answer = db.messages(conv.id)
        assert answer.status == "length" and answer.completion_tokens == 10
        assert "Stopped at the length limit — Continue" in window.view.toPlainText()
        assert "cut off" in window.view.toPlainText()
        await turn(window, lambda: click_link(window.view, "Continue"))
        [again] = [m for m in db.messages(conv.id) if m.role == "assistant"]
        assert again.id == answer.id and again.content.startswith(answer.content)
        assert len(again.content) > len(answer.content)
        text = window.view.toPlainText()
        assert text.count("Steward ·") == 1  # one answer, grown in place
        assert again.content.split()[-1] in text

    run(go())


def test_search_says_when_nothing_matches_and_opens_a_hit_at_the_match(
    qtbot, run, window_factory
) -> None:
    window, assistant = window_factory()
    db = assistant.db
    long = db.create_conversation("Long one")
    for n in range(120):  # the match is far above the latest page
        text = "We talked about the zeppelin museum." if n == 10 else f"Message number {n}."
        db.add_message(long.id, "user" if n % 2 == 0 else "assistant", text)
    db.add_message(db.create_conversation("Other").id, "user", "nothing to see")
    window.resize(900, 600)
    window.show()
    qtbot.waitExposed(window)

    async def go() -> None:
        await window.attach(assistant)
        qtbot.keyClicks(window.search, "qwertyuiop")
        await until(lambda: window.search_status.isVisible())
        assert window.search_status.text() == "No messages match “qwertyuiop”."
        assert window.conversations.count() == 0
        window.search.clear()
        await until(lambda: window.conversations.count() == 2)
        assert not window.search_status.isVisible()
        qtbot.keyClicks(window.search, "zeppelin")
        await until(lambda: window.conversations.count() == 1)
        assert "1 conversation match" in window.search_status.text()
        window.conversations.setCurrentRow(0)
        await until(lambda: bool(window.view.extraSelections()))
        [mark] = window.view.extraSelections()
        assert mark.cursor.selectedText().lower() == "zeppelin"
        # the match is on screen, not the conversation's end
        assert window.view.viewport().rect().contains(window.view.cursorRect(mark.cursor).center())
        shown = window.view.visible_messages()
        assert "zeppelin" in " ".join(m.content for m in shown)
        assert shown[-1].seq < 120 and window.view.has_later  # newer ones load on scrolling
        assert db.count() == 121  # searching changed nothing
        await until(lambda: not window.view._paging)  # a page the scroll asked for is in

    run(go())
    window.grab().save(str(ROOT / "test-artifacts" / "search-hit.png"))


def test_words_typed_while_the_history_opens_are_kept(qtbot, run, window_factory) -> None:
    """The window takes typing at once, before the history is open; opening it restores the
    saved draft without wiping those words (and keeps the saved draft too)."""
    window, assistant = window_factory()
    window.show()
    qtbot.waitExposed(window)
    qtbot.keyClicks(window.composer, "typed at once")

    async def first() -> None:
        await window.attach(assistant)

    run(first())
    assert window.composer.toPlainText() == "typed at once"
    assert assistant.db.draft(None) == "typed at once"
    window.close()

    second, assistant2 = window_factory()  # the next start: a draft is saved
    second.show()
    qtbot.waitExposed(second)
    qtbot.keyClicks(second.composer, "and more")

    async def again() -> None:
        await second.attach(assistant2)

    run(again())
    assert second.composer.toPlainText() == "typed at once\nand more"
    assert second.composer.textCursor().position() == len("typed at once\nand more")
    assert assistant2.db.draft(None) == "typed at once\nand more"


def test_words_typed_while_a_conversation_opens_are_kept(
    qtbot, run, window_factory, monkeypatch
) -> None:
    """Switching conversations empties the composer at once, and what is typed before the
    opened conversation's draft has been read is kept after that draft, never wiped by it;
    the draft being left is saved as it was. (The read is held back here so the typing
    surely comes first.)"""
    window, assistant = window_factory()
    window.show()
    qtbot.waitExposed(window)
    db = assistant.db
    read = threading.Event()
    real_draft = db.draft

    def held_draft(conversation_id):  # type: ignore[no-untyped-def]
        read.wait(30)
        return real_draft(conversation_id)

    async def go() -> None:
        await window.attach(assistant)
        conv = db.create_conversation("Tomatoes")
        db.set_draft(conv.id, "Saved words.")
        await window.reload_conversations()
        qtbot.keyClicks(window.composer, "left in the new one")
        monkeypatch.setattr(db, "draft", held_draft)
        window.conversations.setCurrentRow(0)  # open "Tomatoes"
        await until(lambda: window.conversation is not None)
        assert window.composer.toPlainText() == ""  # emptied at once
        qtbot.keyClicks(window.composer, "typed meanwhile")
        read.set()
        await until(lambda: "Saved words." in window.composer.toPlainText())
        assert window.composer.toPlainText() == "Saved words.\ntyped meanwhile"
        await until(lambda: real_draft(conv.id) == "Saved words.\ntyped meanwhile")
        assert real_draft(None) == "left in the new one"

    run(go())


def test_the_banner_coming_and_going_moves_neither_the_list_nor_the_composer(
    qtbot, run, window_factory
) -> None:
    """ "Loading the model…" shows and hides while the user may already be clicking: the
    conversation list, the search field, the buttons under the list and the composer keep
    their place (the chat view gives way), so a click aimed at a conversation never lands on
    the search field."""
    window, assistant = window_factory()
    window.show()
    qtbot.waitExposed(window)
    run(window.attach(assistant))
    steady = (
        window.new_button,
        window.search,
        window.conversations,
        window.settings_button,
        window.composer,
        window.send_button,
    )

    def places() -> list[tuple[int, int, int, int]]:
        QApplication.processEvents()  # the layout after the change
        return [(*w.mapTo(window, QPoint(0, 0)).toTuple(), w.width(), w.height()) for w in steady]

    before = places()
    window.show_banner("Loading SmolLM2-135M-Instruct… you can type meanwhile.")
    assert window.banner.isVisible()
    during = places()
    window.show_locked("Steward is locked.")
    assert window.unlock_button.isVisible()
    locked = places()
    window.show_banner("")
    assert not window.banner.isVisible()
    assert before == during == locked == places()


def test_a_streaming_answer_is_drawn_less_often_as_drawing_it_costs_more(
    qtbot, run, window_factory, monkeypatch
) -> None:
    """Drawing a streamed answer takes at most a small share of the time: when a draw is slow
    (here made to take 12 ms), the next one waits longer; a new answer starts at the usual
    pace again. The answer itself is whole whatever the pace."""
    from app.ui.main_window_layout import STREAM_DRAW_MAX_MS, STREAM_DRAW_MS, stream_draw_interval

    assert stream_draw_interval(1.0) == STREAM_DRAW_MS  # a cheap draw: the usual pace
    assert stream_draw_interval(12.0) == 400  # 12 ms is 3% of 400 ms
    assert stream_draw_interval(200.0) == STREAM_DRAW_MAX_MS  # never slower than this
    window, assistant = window_factory()
    window.show()
    drawn = window.view.stream
    intervals: list[list[int]] = []  # each answer's timer interval at its draws
    delay = [0.012]  # a draw as slow as a long answer's on a slow machine

    def timed_draw(message) -> None:  # type: ignore[no-untyped-def]
        drawn(message)
        time.sleep(delay[0])
        intervals[-1].append(window._stream_timer.interval())

    monkeypatch.setattr(window.view, "stream", timed_draw)
    assistant.engine.settings.max_tokens = 80

    async def go() -> None:
        await window.attach(assistant)
        intervals.append([])
        await turn(window, lambda: type_and_send(qtbot, window, "Tell me about lighthouses."))
        delay[0] = 0.0
        intervals.append([])
        await turn(window, lambda: type_and_send(qtbot, window, "And about harbours?"))

    run(go())
    slow, fast = intervals
    assert slow[0] == STREAM_DRAW_MS  # (read before the draw's own cost is counted)
    assert len(slow) > 1 and all(i >= 400 for i in slow[1:])
    assert fast[0] == STREAM_DRAW_MS  # a new answer starts at the usual pace again
    [conv] = assistant.db.conversations()
    answer = assistant.db.messages(conv.id)[-1]
    assert answer.content.strip()[:20] in window.view.toPlainText()
