"""Resuming conversations in the desktop app, on the real model and encrypted history: an
answer's state is saved; after Lock and Unlock (a new engine, as after a restart) the same
conversation reads it instead of the whole history; Settings › Privacy shows what the states
take, changes their room and empties them; deleting the conversation deletes its state."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QDialogButtonBox

from app.core.llm.saved_states import usage
from app.core.settings import SettingsStore
from app.ui.desktop_session import DesktopSession
from tests.ui.conftest import until
from tests.ui.drive import box, press, turn
from tests.ui.test_window_controls import settings_dialog, started, unlock_again


def test_resume_after_unlock_settings_and_delete(run, session: DesktopSession, qtbot) -> None:
    window = session.window
    folder = session.paths.saved_states

    async def go() -> None:
        await started(session, qtbot)
        qtbot.keyClicks(window.composer, "Name one planet and say why it is red.")
        await turn(window, lambda: window.send_button.click())
        await until(lambda: usage(folder).states == 1)  # written in the background

        # Lock, then Unlock: the engine is made anew and reads the state, not the history
        window.settings_button.click()
        await until(lambda: settings_dialog(session) is not None)
        dialog = settings_dialog(session)
        assert dialog is not None
        dialog.lock_button.click()
        await until(lambda: session.assistant is None and window.unlock_button.isVisible())
        assert session.steward is None or session.steward.states is None  # none read locked
        await unlock_again(session)
        window.conversations.setCurrentRow(0)
        await until(lambda: window.conversation is not None)
        conv = window.conversation
        assert conv is not None
        qtbot.keyClicks(window.composer, "And which one is largest?")
        await turn(window, lambda: window.send_button.click())
        assert session.steward is not None and session.steward.states is not None
        assert session.steward.states.hits == 1
        db = session.assistant.db
        assert [m.role for m in db.messages(conv.id)] == ["user", "assistant"] * 2

        # Settings › Privacy: what the states take, their room, Empty now
        window.settings_button.click()
        await until(lambda: settings_dialog(session) is not None)
        dialog = settings_dialog(session)
        assert dialog is not None
        resume = dialog.resume_box
        await until(lambda: usage(folder).states == 1)
        resume.refresh()
        assert resume.used.text().startswith("Now: 1 conversation,")
        resume.limit.setValue(64)
        dialog.buttons.button(QDialogButtonBox.StandardButton.Apply).click()
        assert SettingsStore(session.paths.settings_file).load().saved_states_mb == 64
        assert session.steward.states.limit == 64 * 2**20
        resume.empty_button.click()
        assert usage(folder).states == 0 and resume.used.text() == "Now: 0 conversations, 0.0 MB"
        assert not resume.empty_button.isEnabled()
        assert len(db.messages(conv.id)) == 4  # the history itself is untouched
        dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()
        await until(lambda: not dialog.isVisible())

        # a new answer keeps a state again; deleting the conversation deletes it
        qtbot.keyClicks(window.composer, "Thank you.")
        await turn(window, lambda: window.send_button.click())
        await until(lambda: usage(folder).states == 1)
        delete = next(a for a in window.conversations.actions() if a.text() == "Delete…")
        window.activateWindow()
        await until(lambda: QApplication.activeWindow() is window)
        delete.trigger()
        await until(lambda: box("deleteConversation") is not None)
        press(box("deleteConversation"), "Delete")  # type: ignore[arg-type]
        await until(lambda: window.conversations.count() == 0)
        assert usage(folder).states == 0

    run(go())
