"""The quick prompt, driven by its keys and buttons on the real model and database: it opens
as one input line, shows the question it answers, says why it cannot take a prompt (locked,
or still answering), Esc stops and hides, and "Open in Steward" hands the conversation over."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.ui.quick_prompt import QuickPrompt
from app.ui.render import Theme
from tests.conftest import ROOT
from tests.ui.conftest import until


def test_the_quick_prompt_from_first_appearance_to_open_in_steward(
    qtbot, run, window_factory
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
        await until(lambda: "locked" in quick.hint.text())
        assert db.count() == 0
        assert quick.input.text() == "Name one planet."  # kept, not lost
        quick.assistant = assistant
        qtbot.keyClick(quick.input, Qt.Key.Key_Return)
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
        qtbot.keyClicks(quick.input, "And another")
        qtbot.keyClick(quick.input, Qt.Key.Key_Return)
        await until(lambda: "Still answering" in quick.hint.text())
        assert quick.input.text() == "And another"  # kept for when it is free
        qtbot.keyClick(quick, Qt.Key.Key_Escape)  # stops the answer and hides
        await until(lambda: quick._cancel is None)
        assert not quick.isVisible()

    run(go())
    [conv] = db.conversations()
    messages = db.messages(conv.id)
    assert [m.role for m in messages] == ["user", "assistant", "user", "assistant"]
    assert messages[-1].status == "partial"  # the stopped answer is kept
    quick.popup()
    qtbot.waitExposed(quick)
    assert quick.height() > 200 and quick.hint.text() == "Stopped: what was written is kept."
    quick.grab().save(str(ROOT / "test-artifacts" / "quick-prompt-answer.png"))
    qtbot.mouseClick(quick.open_button, Qt.MouseButton.LeftButton)
    assert opened == [conv.id] and not quick.isVisible()
    assert not quick.question.isVisible() and not quick.answer.isVisible()
