"""The window's own buttons, shortcuts and dialogs, driven as a user drives them on the real
model, the real encrypted database and real files: Send and Stop, Regenerate, Edit last,
Rename (F2), Settings (each button of it), Automations, the crash dialog, and every entry of
the tray's menu. Each is checked in the database, on disk or on screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QInputDialog

from app.core.settings import SettingsStore
from app.ui.app import connect_tray
from app.ui.desktop_session import DesktopSession
from app.ui.settings_dialog import SettingsDialog
from app.ui.tray import Tray
from tests.conftest import PASSPHRASE
from tests.ui.conftest import until
from tests.ui.drive import box, press, recovery_key, turn
from tests.ui.test_automations_panel import file_dialog, open_in_file_dialog


def input_dialog(name: str) -> QInputDialog | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QInputDialog) and widget.isVisible() and widget.objectName() == name:
            return widget
    return None


async def started(session: DesktopSession, qtbot: Any) -> None:
    """Start the session on a new history and close the recovery key shown the first time
    (through its own OK, after checking it is the key)."""
    from app.core.secrets import format_recovery_key

    session.window.show()
    qtbot.waitExposed(session.window)
    await session.start()
    first = await until(lambda: recovery_key())
    assert session.steward is not None
    assert format_recovery_key(session.steward.key) in first.text()
    first.done_button.click()
    await until(lambda: recovery_key() is None)


def test_send_stop_regenerate_edit_last_and_rename(run, session: DesktopSession, qtbot) -> None:
    window = session.window

    async def go() -> None:
        await started(session, qtbot)
        db = session.assistant.db
        qtbot.keyClicks(window.composer, "Name one planet.")
        await turn(window, lambda: window.send_button.click())
        [conv] = db.conversations()
        first_answer = db.messages(conv.id)[1]
        assert first_answer.status == "complete" and first_answer.content

        await turn(
            window, lambda: window.regenerate_button.click()
        )  # the same question answered again, in its place
        messages = db.messages(conv.id)
        assert [m.role for m in messages] == ["user", "assistant"]
        assert messages[1].id != first_answer.id and messages[1].content

        window.edit_button.click()  # Edit last: the question back in the composer
        assert window.composer.toPlainText() == "Name one planet."
        window.composer.selectAll()
        qtbot.keyClicks(window.composer, "Name one moon.")
        await turn(window, lambda: window.send_button.click())
        messages = db.messages(conv.id)
        assert (messages[0].role, messages[0].content) == ("user", "Name one moon.")
        assert len(messages) == 2

        assert session.engine is not None
        session.engine.settings.max_tokens = 400
        qtbot.keyClicks(window.composer, "Tell me a long story about a lighthouse.")
        window.send_button.click()
        await until(lambda: window._busy and window.send_button.text() == "Stop")
        await until(lambda: window._streaming is not None)  # words are coming
        window.send_button.click()  # Stop
        await until(lambda: not window._busy, timeout=60)
        stopped = db.messages(conv.id)[-1]
        assert stopped.status == "partial" and stopped.content  # what was written is kept

        window.conversations.setCurrentRow(0)
        window.activateWindow()  # shortcuts go to the active window
        await until(lambda: QApplication.activeWindow() is window)
        window.conversations.setFocus()
        qtbot.keyClick(window.conversations, Qt.Key.Key_F2)  # Rename…
        await until(lambda: input_dialog("renameConversation") is not None)
        rename = input_dialog("renameConversation")
        assert rename is not None and rename.textValue() == conv.title
        rename.setTextValue("Planets and moons")
        rename.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
        await until(lambda: db.conversation(conv.id).title == "Planets and moons")
        await until(lambda: window.conversations.item(0).text() == "Planets and moons")
        window.new_button.click()  # New conversation: an empty one, the old one kept
        await until(lambda: window.conversation is None)
        assert window.view.toPlainText().strip() == "" and len(db.conversations()) == 1
        window.activateWindow()  # as a window manager does when the dialog closed
        await until(lambda: QApplication.activeWindow() is window)
        qtbot.keyClick(window.composer, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
        await until(lambda: settings_dialog(session) is not None)  # Ctrl+, opens Settings
        settings_dialog(session).close()  # type: ignore[union-attr]

    run(go())


def settings_dialog(session: DesktopSession) -> SettingsDialog | None:
    found = [d for d in session.window.findChildren(SettingsDialog) if d.isVisible()]
    return found[0] if found else None


def test_every_button_of_settings(run, session: DesktopSession, qtbot, tmp_path: Path) -> None:
    window = session.window
    store = SettingsStore(session.paths.settings_file)

    async def go() -> None:
        await started(session, qtbot)
        window.settings_button.click()
        await until(lambda: settings_dialog(session) is not None)
        dialog = settings_dialog(session)
        assert dialog is not None
        apply = dialog.buttons.button(QDialogButtonBox.StandardButton.Apply)
        cancel = dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        # Choose a GGUF file…: a file that is not a model changes nothing, and says why
        bad = tmp_path / "notes.gguf"
        bad.write_text("not a model")
        dialog.choose_button.click()
        await until(lambda: file_dialog("chooseModel") is not None)
        open_in_file_dialog(file_dialog("chooseModel"), bad)
        await until(lambda: "not a GGUF model" in dialog.error.text())
        assert dialog.model_path == ""
        # the embedded model file itself, chosen as a file, then back to "the embedded model"
        assert session.engine is not None
        embedded = session.engine.model.path
        dialog.choose_button.click()
        await until(lambda: file_dialog("chooseModel") is not None)
        open_in_file_dialog(file_dialog("chooseModel"), embedded)
        await until(lambda: dialog.model_path == str(embedded.resolve()))
        dialog.embedded_button.click()
        assert dialog.model_path == ""
        # Apply keeps the dialog open; Cancel leaves what was not applied
        dialog.max_tokens.setValue(320)
        assert not dialog.free_shapes.isChecked()  # a model starts with fixed shapes
        dialog.free_shapes.click()
        apply.click()
        assert store.load().model_settings().max_tokens == 320 and dialog.isVisible()
        assert store.load().model_settings().planner_shapes == "free"
        # the planner the session makes follows the model's setting once it is applied
        core = session.core
        assert core is not None
        await until(lambda: getattr(core.planner(), "shapes", None) == "free")
        dialog.max_tokens.setValue(333)
        cancel.click()
        await until(lambda: not dialog.isVisible())
        assert store.load().model_settings().max_tokens == 320

        window.settings_button.click()
        await until(lambda: settings_dialog(session) not in (None, dialog))
        again = settings_dialog(session)
        assert again is not None and again.max_tokens.value() == 320
        again.backup_button.click()  # Back up now, and its message's OK
        await until(lambda: box("backupDone") is not None)
        done = box("backupDone")
        assert done is not None and "Backed up 0 messages" in done.text()
        assert list(session.paths.backups.glob("*"))
        press(done, "OK")
        again.max_tokens.setValue(288)
        again.buttons.button(QDialogButtonBox.StandardButton.Ok).click()  # OK: applied, closed
        await until(lambda: not again.isVisible())
        assert store.load().model_settings().max_tokens == 288

        window.settings_button.click()
        await until(lambda: settings_dialog(session) not in (None, dialog, again))
        last = settings_dialog(session)
        assert last is not None
        last.erase_button.click()  # Erase all data…, then Cancel in its question
        ask = None

        def erase_question() -> QInputDialog | None:
            nonlocal ask
            ask = input_dialog("eraseConfirm")
            return ask

        await until(lambda: erase_question() is not None)
        assert ask is not None
        ask.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Cancel).click()
        await until(lambda: input_dialog("eraseConfirm") is None)
        assert session.assistant is not None and last.error.text() == ""
        last.lock_button.click()  # Lock now
        await until(lambda: session.assistant is None and window.unlock_button.isVisible())
        await unlock_again(session)

    run(go())


async def unlock_again(session: DesktopSession) -> None:
    """Unlock… after Lock: the passphrase typed into its dialog, OK, until it is unlocked."""
    from app.ui.unlock import PassphraseDialog

    window = session.window
    window.unlock_button.click()
    await until(lambda: any(d.isVisible() for d in window.findChildren(PassphraseDialog)))
    unlock = next(d for d in window.findChildren(PassphraseDialog) if d.isVisible())
    unlock.passphrase.setText(PASSPHRASE)
    unlock.ok_button.click()
    await until(lambda: session.assistant is not None)
    await session.settled.wait()


def test_automations_button_and_every_tray_entry(run, session: DesktopSession, qtbot) -> None:
    window, quick = session.window, session.quick
    tray = Tray(QIcon())
    quit_asked: list[bool] = []
    connect_tray(tray, session, lambda: quit_asked.append(True))
    actions = {a.text(): a for a in tray.menu.actions() if not a.isSeparator()}

    async def go() -> None:
        await started(session, qtbot)
        assert session.automations is not None
        window.automations_button.click()
        assert session.panel is not None and session.panel.isVisible()
        session.panel.close()
        window.hide()

        actions["Open Steward"].trigger()
        assert window.isVisible()
        actions["Quick prompt"].trigger()
        assert quick.isVisible()
        quick.hide()
        window.hide()
        actions["New conversation"].trigger()
        await until(lambda: window.isVisible() and window.conversation is None)
        actions["Automations…"].trigger()
        await until(lambda: session.panel is not None and session.panel.isVisible())
        session.panel.close()
        # the recent runs: a line per run, opening Automations
        tray.fill_recent_runs()
        assert [a.text() for a in tray.runs_menu.actions()] == ["No runs yet"]
        history = session.automations.history
        stored = history.add_workflow(
            {
                "steward_workflow": 1,
                "name": "Say hello",
                "trigger": {"type": "manual"},
                "steps": [
                    {"id": "n", "action": "notify.show", "params": {"title": "Hi", "body": "x"}}
                ],
                "permissions": [{"kind": "notify", "scope": ""}],
            }
        )
        await session.automations.run(stored)
        tray.fill_recent_runs()
        [line] = tray.runs_menu.actions()
        assert line.text().startswith("Say hello — Succeeded")
        line.trigger()
        await until(lambda: session.panel is not None and session.panel.isVisible())
        actions["Lock"].trigger()
        await until(lambda: session.assistant is None and window.unlock_button.isVisible())
        assert not quick.isVisible()
        actions["Quit"].trigger()
        assert quit_asked == [True]

    run(go())


def test_the_crash_dialog_copies_its_report_and_closes(qtbot, tmp_path: Path) -> None:
    from app.core.paths import resolve_paths
    from app.ui import crash

    paths = resolve_paths(tmp_path / "h").ensure()
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        dialog = crash.handle_crash(paths, RuntimeError, exc, exc.__traceback__)
    qtbot.addWidget(dialog)
    buttons = dialog.findChild(QDialogButtonBox)
    copy = next(b for b in buttons.buttons() if b.text() == "Copy report")
    copy.click()
    assert QGuiApplication.clipboard().text() == dialog.report.toPlainText()
    assert "RuntimeError" in QGuiApplication.clipboard().text()
    buttons.button(QDialogButtonBox.StandardButton.Close).click()
    assert not dialog.isVisible()


class MemoryKeyring:
    """A keyring that keeps secrets in this process (the real Secret Service path is
    tests/integration/test_keyring_secret_service.py); here it lets the keyring buttons run."""

    priority = 1

    def __init__(self) -> None:
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, user: str) -> str | None:
        return self.secrets.get((service, user))

    def set_password(self, service: str, user: str, password: str) -> None:
        self.secrets[(service, user)] = password

    def delete_password(self, service: str, user: str) -> None:
        self.secrets.pop((service, user), None)


def test_moving_the_key_to_the_keyring_and_back(run, session: DesktopSession, qtbot) -> None:
    import keyring
    from keyring.backend import KeyringBackend

    from app.core.secrets import format_recovery_key
    from app.ui.unlock import PassphraseDialog

    backend = type("InMemory", (MemoryKeyring, KeyringBackend), {})()
    before = keyring.get_keyring()
    try:

        async def go() -> None:
            await started(session, qtbot)  # no keyring yet: the key is passphrase-protected
            keyring.set_keyring(backend)  # now one is there
            assert session.steward is not None
            keys = session.steward.keys
            session.window.settings_button.click()
            await until(lambda: settings_dialog(session) is not None)
            dialog = settings_dialog(session)
            assert dialog is not None and keys.uses_passphrase()
            assert not dialog.use_keyring.isHidden()  # offered (on the Privacy tab)
            dialog.use_keyring.click()  # Keep the key in the system keyring instead
            # done when the dialog says so (the key's file changes a moment before)
            await until(lambda: "system keyring" in dialog.key_status.text())
            assert not keys.uses_passphrase() and len(backend.secrets) == 1
            assert dialog.passphrase_button.text() == "Protect it with a passphrase instead…"
            dialog.recovery_button.click()  # with the keyring: a confirmation, not a passphrase
            await until(lambda: box("recoveryConfirm") is not None)
            press(box("recoveryConfirm"), "Cancel")  # type: ignore[arg-type]
            await until(lambda: box("recoveryConfirm") is None)
            assert recovery_key("recoveryKey") is None  # cancelled: nothing shown
            dialog.recovery_button.click()
            await until(lambda: box("recoveryConfirm") is not None)
            press(box("recoveryConfirm"), "Show")  # type: ignore[arg-type]
            shown = await until(lambda: recovery_key("recoveryKey"))
            assert format_recovery_key(session.steward.key) in shown.text()
            QTest.keyClick(shown, Qt.Key.Key_Escape)  # asked for: Escape closes it
            await until(lambda: recovery_key("recoveryKey") is None)
            dialog.passphrase_button.click()  # back to a passphrase

            def chooser() -> PassphraseDialog | None:
                shown = [d for d in dialog.findChildren(PassphraseDialog) if d.isVisible()]
                return shown[0] if shown else None

            await until(lambda: chooser() is not None)
            choose = chooser()
            assert choose is not None and choose.purpose == "set"
            choose.passphrase.setText("another long passphrase")
            choose.repeat.setText("another long passphrase")
            choose.ok_button.click()
            await until(lambda: "your passphrase" in dialog.key_status.text())
            assert keys.uses_passphrase() and backend.secrets == {}  # it left the keyring
            assert dialog.passphrase_button.text() == "Change the passphrase…"

        run(go())
    finally:
        keyring.set_keyring(before)
