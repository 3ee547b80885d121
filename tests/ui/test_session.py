"""The desktop session: unlocking, settings applied live, lock, erase — real store, real model."""

from __future__ import annotations

from pathlib import Path

from app.ui.desktop_session import DesktopSession
from app.ui.settings_dialog import SettingsDialog
from tests.conftest import PASSPHRASE
from tests.ui.conftest import until


def test_settings_apply_without_restart_and_bad_model_changes_nothing(
    run, session: DesktopSession, tmp_path: Path
) -> None:
    async def go() -> None:
        await session.start()  # STEWARD_PASSPHRASE unlocks, as in scripted use
        assert session.engine is not None and session.engine.info is not None
        assert session.engine.info.n_ctx == 4096
        dialog = session.open_settings()
        assert isinstance(dialog, SettingsDialog)
        bad = tmp_path / "not-a-model.gguf"
        bad.write_text("hello")
        assert not await dialog.choose_model(str(bad))
        assert "not a GGUF model" in dialog.error.text() and dialog.model_path == ""
        # steps a user of the installed app can take (no developer commands)
        assert "Settings › Model" in dialog.error.text() and "make " not in dialog.error.text()
        dialog.n_ctx.setValue(1024)
        dialog.system_prompt.setPlainText("Answer in one word.")
        chosen: list[str] = []
        dialog.appearance_changed.connect(chosen.append)
        dialog.general.appearance.setCurrentIndex(dialog.general.appearance.findData("dark"))
        assert dialog.apply()
        assert chosen == ["dark"]
        await until(lambda: session.engine.info is not None and session.engine.info.n_ctx == 1024)
        # the apply has ended when the window says so
        await until(lambda: "context 1024" in session.window.status.text())
        assert not session.window.banner.isVisible()
        dialog.close()

    run(go())
    assert session.assistant is not None
    assert session.assistant.system_prompt == "Answer in one word."
    saved = session.steward.settings_store.load()
    assert saved.model_settings().n_ctx == 1024 and saved.appearance == "dark"


def test_closing_while_settings_apply_leaves_the_window_alone(
    run, session: DesktopSession, qtbot
) -> None:
    """Quit (or a test's end) while a new context size is being loaded: the apply is cancelled
    with the session, and nothing reaches the window after it is gone."""

    async def go() -> None:
        await session.start()
        dialog = session.open_settings()
        assert isinstance(dialog, SettingsDialog)
        dialog.n_ctx.setValue(2048)
        assert dialog.apply()
        await until(lambda: "Applying settings" in session.window.banner.text())
        (applying,) = session._applying  # the reload is under way
        await session.aclose()
        assert applying.cancelled() and not session._applying
        # the window no longer reaches the closed store: closing it saves only its geometry
        session.window.close()
        assert session.window.assistant is None

    run(go())


def test_lock_clears_everything_and_always_asks_again(run, session: DesktopSession, qtbot) -> None:
    """$STEWARD_PASSPHRASE unlocks at start only: after Lock, the window stays locked with its
    Unlock… button until the user answers the dialog. Cancel keeps it locked (the button is
    still there); a wrong passphrase is said so; the right one opens the history again."""
    from PySide6.QtWidgets import QDialogButtonBox

    from app.ui.unlock import PassphraseDialog

    window = session.window
    window.show()
    qtbot.waitExposed(window)

    def dialog() -> PassphraseDialog | None:
        shown = [w for w in window.findChildren(PassphraseDialog) if w.isVisible()]
        return shown[0] if shown else None

    def press(which: QDialogButtonBox.StandardButton) -> None:
        d = dialog()
        assert d is not None
        d.findChild(QDialogButtonBox).button(which).click()

    async def go() -> None:
        await session.start()  # the environment's passphrase, as in scripted use
        db = session.assistant.db
        conv = db.create_conversation("Private matter")
        db.add_message(conv.id, "user", "my bank details")
        await window.reload_conversations()
        window.conversations.setCurrentRow(0)
        await until(lambda: "bank details" in window.view.toPlainText())
        await session.lock()
        assert session.assistant is None and session.steward is None
        assert window.view.toPlainText().strip() == "" and window.conversations.count() == 0
        assert window.title.text() == "Locked" and not window.composer.isEnabled()
        assert window.unlock_button.isVisible() and "locked" in window.banner.text()
        assert dialog() is None  # nothing reopened it by itself
        await session.lock()  # a second Lock (the tray's) changes nothing
        assert window.unlock_button.isVisible()

        window.unlock_button.click()
        await until(lambda: dialog() is not None)
        press(QDialogButtonBox.StandardButton.Cancel)
        await until(lambda: session.settled.is_set())
        assert session.assistant is None and window.unlock_button.isVisible()

        window.unlock_button.click()
        await until(lambda: dialog() is not None)
        qtbot.keyClicks(dialog().passphrase, "wrong passphrase")
        press(QDialogButtonBox.StandardButton.Ok)
        await until(lambda: dialog() is not None and "Wrong passphrase" in dialog().error.text())
        dialog().passphrase.clear()
        qtbot.keyClicks(dialog().passphrase, PASSPHRASE)
        press(QDialogButtonBox.StandardButton.Ok)
        await until(lambda: window.conversations.count() == 1)
        assert not window.unlock_button.isVisible() and window.composer.isEnabled()
        await session.settled.wait()

    run(go())
    assert session.assistant is not None and session.assistant.db.count() == 1


def _passphrase_dialog(parent, purpose: str):
    from app.ui.unlock import PassphraseDialog

    shown = [
        w for w in parent.findChildren(PassphraseDialog) if w.isVisible() and w.purpose == purpose
    ]
    return shown[0] if shown else None


def test_erase_needs_the_typed_word(run, session: DesktopSession, qtbot) -> None:
    """Settings › Privacy › Erase all data…, answered in its own dialog: a different word
    erases nothing; the word erases everything and a new history is set up at once."""
    from PySide6.QtWidgets import QDialogButtonBox, QInputDialog

    def confirm() -> QInputDialog | None:
        found = [
            w
            for w in session.window.findChildren(QInputDialog)
            if w.isVisible() and w.objectName() == "eraseConfirm"
        ]
        return found[0] if found else None

    def answer(word: str) -> None:
        ask = confirm()
        assert ask is not None
        ask.setTextValue(word)
        ask.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()

    async def go() -> None:
        await session.start()
        db = session.assistant.db
        db.add_message(db.create_conversation("x").id, "user", "keep me")
        dialog = session.open_settings()
        dialog.erase_button.click()
        await until(lambda: confirm() is not None)
        assert "for good" in confirm().labelText()
        answer("delete")
        assert "Nothing was erased" in dialog.error.text()
        assert session.assistant.db.count() == 1
        dialog.erase_button.click()
        await until(lambda: confirm() is not None)
        answer("erase")
        await until(lambda: _passphrase_dialog(session.window, "create") is not None)
        create = _passphrase_dialog(session.window, "create")  # a new history: a new passphrase
        create.passphrase.setText("a fresh start passphrase")
        create.repeat.setText("a fresh start passphrase")
        create.ok_button.click()
        await session.settled.wait()
        assert session.assistant is not None and session.assistant.db.count() == 0
        assert session.window.conversations.count() == 0

    run(go())


def test_missing_model_at_start_shows_why_and_history_still_works(
    run, session: DesktopSession, tmp_path: Path
) -> None:
    from app.core.settings import SettingsStore

    store = SettingsStore(session.paths.settings_file)
    settings = store.load()
    settings.model_path = str(tmp_path / "deleted-model.gguf")
    store.save(settings)

    async def go() -> None:
        await session.start()
        db = session.assistant.db
        db.add_message(db.create_conversation("Old notes").id, "user", "still here")
        await session.window.reload_conversations()

    run(go())
    banner = session.window.banner.text()
    assert "deleted-model.gguf" in banner and "does not exist" in banner
    assert "Settings › Model" in banner and "make " not in banner
    assert session.window.banner.isVisibleTo(session.window)
    assert session.window.conversations.count() == 1
    assert session.assistant.db.search("still")


def test_changing_the_passphrase_asks_for_the_current_one(run, session: DesktopSession) -> None:
    from app.core.secrets import KeyManager

    async def go() -> None:
        await session.start()
        before = session.steward.keys.meta().passphrase_wrap
        dialog = session.open_settings()
        assert dialog.passphrase_button.text() == "Change the passphrase…"
        seen: list[bool] = []
        dialog.passphrase_changed.connect(lambda: seen.append(True))
        dialog.passphrase_button.click()
        await until(lambda: _passphrase_dialog(dialog, "change") is not None)
        change = _passphrase_dialog(dialog, "change")
        change.current.setText("not the passphrase")
        change.passphrase.setText("a brand new passphrase")
        change.repeat.setText("a brand new passphrase")
        change.ok_button.click()
        await until(lambda: "Wrong passphrase" in change.error.text())
        assert change.isVisible() and not seen  # still open, nothing changed
        assert session.steward.keys.meta().passphrase_wrap == before
        change.current.setText(PASSPHRASE)
        change.ok_button.click()
        await until(lambda: bool(seen))  # re-wrapped off the GUI thread
        assert not change.isVisible()
        assert session.steward.keys.meta().passphrase_wrap != before

    run(go())
    key = KeyManager(session.paths, lambda new: "a brand new passphrase").unlock(create=False).key
    assert key == session.steward.key


def test_the_recovery_key_is_shown_only_after_the_passphrase(run, session: DesktopSession) -> None:
    from app.core.secrets import format_recovery_key
    from app.ui.recovery_key import RecoveryKeyDialog

    def shown_key() -> RecoveryKeyDialog | None:
        found = [
            w
            for w in session.window.findChildren(RecoveryKeyDialog)
            if w.isVisible() and w.objectName() == "recoveryKey"
        ]
        return found[0] if found else None

    async def go() -> None:
        await session.start()
        dialog = session.open_settings()
        dialog.recovery_button.click()
        await until(lambda: _passphrase_dialog(dialog, "confirm") is not None)
        confirm = _passphrase_dialog(dialog, "confirm")
        confirm.passphrase.setText("a guess at it")
        confirm.ok_button.click()
        await until(lambda: "Wrong passphrase" in confirm.error.text())
        assert shown_key() is None
        confirm.passphrase.setText(PASSPHRASE)
        confirm.ok_button.click()
        await until(lambda: shown_key() is not None)
        assert format_recovery_key(session.steward.key) in shown_key().text()
        shown_key().done_button.click()
        await until(lambda: shown_key() is None)

    run(go())


def test_closing_after_the_window_is_gone_ends_the_session_cleanly(run, tmp_path: Path) -> None:
    """The automations panel is the window's child: when the window is deleted first (as at
    the end of a test, or when Qt tears the window down on quit), the session still closes,
    runs nothing on the deleted panel and stops its automations."""
    import shiboken6
    from PySide6.QtCore import QSettings

    from app.core.paths import resolve_paths
    from app.ui.main_window import MainWindow
    from app.ui.quick_prompt import QuickPrompt
    from app.ui.render import Theme

    window = MainWindow(
        Theme.light(), QSettings(str(tmp_path / "qt.ini"), QSettings.Format.IniFormat)
    )
    quick = QuickPrompt(Theme.light())
    session = DesktopSession(window, resolve_paths(tmp_path / "home").ensure(), None, quick)

    async def go() -> None:
        await session.start()
        panel = session.open_automations()
        assert panel is not None and panel.isVisible()
        await panel.loaded()

    run(go())
    scheduler = session.scheduler
    assert scheduler is not None and scheduler.running
    shiboken6.delete(window)
    assert session.panel is None  # the deleted panel is not handed out
    run(session.aclose())
    assert not scheduler.running
    shiboken6.delete(quick)
