"""The quick prompt, driven by its keys and buttons on the real model and database: it opens
as one input line, shows the question it answers, keeps a prompt until it can be answered
(the history not open yet, or another answer running), Esc stops and hides, and "Open in
Steward" hands the conversation over."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from app.core.paths import resolve_paths
from app.session import Session
from app.ui.quick_prompt import QuickPrompt
from app.ui.render import Theme
from tests.conftest import ROOT
from tests.ui.conftest import until


def test_the_quick_prompt_from_first_appearance_to_open_in_steward(
    qtbot, run, window_factory, tmp_path: Path
) -> None:
    _window, assistant = window_factory()
    db = assistant.db
    quick = QuickPrompt(Theme.light())
    qtbot.addWidget(quick)
    quick.popup()
    qtbot.waitExposed(quick)
    # one input line, not an empty default-sized window
    assert quick.width() == 640 and quick.height() < 200
    assert quick.input.isVisible() and not quick.answer.isVisible()
    assert not quick.question.isVisible()
    quick.grab().save(str(ROOT / "test-artifacts" / "quick-prompt-first.png"))

    opened: list[str] = []
    quick.open_requested.connect(opened.append)

    async def go() -> None:
        qtbot.keyClicks(quick.input, "Name one planet.")
        qtbot.keyClick(quick.input, Qt.Key.Key_Return)  # no history open yet (locked)
        await until(lambda: "Waiting for your history to open (1 question)" in quick.hint.text())
        assert db.count() == 0 and quick.input.text() == ""
        # asked as soon as the history is open: kept, not lost
        quick.set_session(Session.around(assistant, resolve_paths(tmp_path / "home")))
        await until(lambda: quick.open_button.isEnabled(), timeout=120)
        assert quick.question.isVisible() and quick.question.text() == "You: Name one planet."
        assert quick.answer.toPlainText().strip()
        assert quick.height() > 200  # grown for the answer

        assert assistant.engine is not None
        assistant.engine.settings.max_tokens = 400
        qtbot.keyClicks(quick.input, "Tell me a long story about the sea.")
        qtbot.keyClick(quick.input, Qt.Key.Key_Return)
        await until(lambda: bool(quick.answer.toPlainText().strip()) and quick._cancel is not None)
        assert quick.question.text() == "You: Tell me a long story about the sea."
        qtbot.keyClicks(quick.input, "Name one colour.")
        qtbot.keyClick(quick.input, Qt.Key.Key_Return)  # waits its turn, never dropped
        await until(lambda: "1 more question waiting" in quick.hint.text())
        assert quick.input.text() == ""
        qtbot.keyClick(quick, Qt.Key.Key_Escape)  # stops the answer (not the next) and hides
        assert not quick.isVisible()
        await until(lambda: quick.question.text() == "You: Name one colour.")
        await until(lambda: quick._cancel is None, timeout=120)

    run(go())
    [conv] = db.conversations()
    messages = db.messages(conv.id)
    assert [m.role for m in messages] == ["user", "assistant"] * 3
    assert messages[3].status == "partial"  # the stopped answer is kept
    assert messages[4].content == "Name one colour." and messages[5].content
    quick.popup()
    qtbot.waitExposed(quick)
    assert quick.height() > 200 and quick.hint.text().endswith("· local")
    quick.grab().save(str(ROOT / "test-artifacts" / "quick-prompt-answer.png"))
    qtbot.mouseClick(quick.open_button, Qt.MouseButton.LeftButton)
    assert opened == [conv.id] and not quick.isVisible()
    assert not quick.question.isVisible() and not quick.answer.isVisible()


def test_twenty_prompts_sent_during_an_answer_are_all_answered_in_order(
    qtbot, run, window_factory, tmp_path: Path
) -> None:
    """`steward --ask` twenty times while an answer streams: each request goes through the
    real single-instance socket to the app's handler, waits its turn, and is answered and
    stored in order (they used to vanish)."""
    import asyncio

    from app.ui.app import handle_request
    from app.ui.single_instance import InstanceServer, forward

    window, assistant = window_factory()
    db = assistant.db
    quick = QuickPrompt(Theme.light())
    qtbot.addWidget(quick)
    quick.set_session(Session.around(assistant, resolve_paths(tmp_path / "home")))
    server = InstanceServer(tmp_path / "instance")
    assert server.listen()
    quit_requests: list[bool] = []
    server.request_received.connect(
        lambda req: handle_request(req, window, quick, lambda: quit_requests.append(True))
    )
    prompts = [f"Say the number {n}." for n in range(1, 21)]
    assert assistant.engine is not None
    settings = assistant.engine.settings
    max_tokens = settings.max_tokens

    answered: list[str] = []
    quick.answered.connect(answered.append)  # one per answer stored

    async def go() -> None:
        settings.max_tokens = 300
        await asyncio.to_thread(
            forward, tmp_path / "instance", {"action": "ask", "prompt": "Tell a long sea story."}
        )
        await until(lambda: quick._cancel is not None and bool(quick.answer.toPlainText()))
        settings.max_tokens = 6  # the twenty are short
        for prompt in prompts:  # one launch after another, each handed over and acknowledged
            sent = await asyncio.to_thread(
                forward, tmp_path / "instance", {"action": "ask", "prompt": prompt}
            )
            assert sent
        assert quick._cancel is not None  # the first answer was still streaming
        assert "more questions waiting" in quick.hint.text()
        await until(lambda: len(answered) == 21 and quick._cancel is None, timeout=240)

    try:
        run(go())
    finally:
        server.close()
        settings.max_tokens = max_tokens
    [conv] = db.conversations()
    messages = db.messages(conv.id)
    users = [m.content for m in messages if m.role == "user"]
    assert users == ["Tell a long sea story.", *prompts]
    assert [m.role for m in messages] == ["user", "assistant"] * 21
    assert all(m.status in ("complete", "length") for m in messages[1::2])
    assert not quit_requests
