"""The desktop session: unlocking, settings applied live, lock, erase — real store, real model."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app.ui.app import Session
from app.ui.settings_dialog import SettingsDialog
from tests.conftest import PASSPHRASE
from tests.ui.conftest import until


def test_settings_apply_without_restart_and_bad_model_changes_nothing(
    run, session: Session, tmp_path: Path
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
        dialog.n_ctx.setValue(1024)
        dialog.system_prompt.setPlainText("Answer in one word.")
        chosen: list[str] = []
        dialog.appearance_changed.connect(chosen.append)
        dialog.appearance.setCurrentIndex(dialog.appearance.findData("dark"))
        assert dialog.apply()
        assert chosen == ["dark"]
        await until(lambda: session.engine.info is not None and session.engine.info.n_ctx == 1024)
        dialog.close()

    run(go())
    assert session.assistant is not None
    assert session.assistant.system_prompt == "Answer in one word."
    saved = session.steward.settings_store.load()
    assert saved.model_settings().n_ctx == 1024 and saved.appearance == "dark"


def test_lock_clears_everything_until_unlocked(run, session: Session, qtbot, monkeypatch) -> None:
    async def go() -> None:
        await session.start()
        db = session.assistant.db
        conv = db.create_conversation("Private matter")
        db.add_message(conv.id, "user", "my bank details")
        await session.window.reload_conversations()
        session.window.conversations.setCurrentRow(0)
        await until(lambda: "bank details" in session.window.view.toPlainText())
        monkeypatch.delenv("STEWARD_PASSPHRASE")  # now the dialog has to ask
        task = asyncio.ensure_future(session.lock())
        await until(lambda: session.assistant is None)
        window = session.window
        assert window.view.toPlainText().strip() == "" and window.conversations.count() == 0
        assert window.title.text() == "Locked"
        # the unlock dialog is open: a wrong passphrase first, then the right one
        from app.ui.unlock import PassphraseDialog

        await until(
            lambda: any(
                isinstance(w, PassphraseDialog) and w.isVisible()
                for w in window.findChildren(PassphraseDialog)
            )
        )
        dialog = next(w for w in window.findChildren(PassphraseDialog) if w.isVisible())
        dialog.passphrase.setText("wrong passphrase")
        dialog._on_buttons_accepted()
        await until(
            lambda: any(
                w.isVisible() and "Wrong passphrase" in w.error.text()
                for w in window.findChildren(PassphraseDialog)
            )
        )
        dialog = next(w for w in window.findChildren(PassphraseDialog) if w.isVisible())
        dialog.passphrase.setText(PASSPHRASE)
        dialog._on_buttons_accepted()
        await task
        await until(lambda: window.conversations.count() == 1)

    run(go())


def test_erase_needs_the_typed_word(run, session: Session, monkeypatch) -> None:
    from PySide6.QtWidgets import QInputDialog

    async def go() -> SettingsDialog:
        await session.start()
        session.assistant.db.add_message(
            session.assistant.db.create_conversation("x").id, "user", "keep me"
        )
        dialog = session.open_settings()
        monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("delete", True))
        dialog._on_erase_clicked()
        assert "Nothing was erased" in dialog.error.text()
        assert session.assistant.db.count() == 1
        monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("erase", True))
        dialog._on_erase_clicked()
        await until(lambda: not session.settled.is_set())  # the erase has begun
        await session.settled.wait()  # unlocked again and the model loaded
        assert session.assistant.db.count() == 0
        assert session.window.conversations.count() == 0
        return dialog

    run(go())


def test_missing_model_at_start_shows_why_and_history_still_works(
    run, session: Session, tmp_path: Path
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
    assert session.window.banner.isVisibleTo(session.window)
    assert session.window.conversations.count() == 1
    assert session.assistant.db.search("still")


def test_setting_a_passphrase_from_settings(run, session: Session, monkeypatch) -> None:
    from PySide6.QtWidgets import QDialog

    from app.core.secrets import KeyManager
    from app.ui.unlock import PassphraseDialog

    def accept(dialog: PassphraseDialog) -> int:
        dialog.passphrase.setText("a brand new passphrase")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(PassphraseDialog, "exec", accept)

    async def go() -> None:
        await session.start()
        before = session.steward.keys.meta().passphrase_wrap
        dialog = session.open_settings()
        seen: list[bool] = []
        dialog.passphrase_changed.connect(lambda: seen.append(True))
        dialog._on_passphrase_clicked()  # returns at once; the key is re-wrapped off the GUI thread
        await until(lambda: bool(seen))
        assert session.steward.keys.meta().passphrase_wrap != before

    run(go())
    key = KeyManager(session.paths, lambda new: "a brand new passphrase").unlock(create=False).key
    assert key == session.steward.key
