"""The cloud in the desktop app, against a real OpenAI-compatible server (llama_cpp.server on
127.0.0.1): Settings › Cloud with Test connection, "Ask cloud" per message, the consent dialog
when the local model cannot answer, and cloud answers marked in the conversation."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from app.core.settings import SettingsStore
from app.core.steward import CLOUD_KEY, SecretStore
from app.ui.desktop_session import DesktopSession
from app.ui.settings_dialog import SettingsDialog
from tests.ui.conftest import until
from tests.ui.drive import turn

API_KEY = "sk-test-not-a-real-key-1234"


def fill_cloud(dialog: SettingsDialog, url: str, *, policy: str = "auto") -> None:
    dialog.cloud_enabled.setChecked(True)
    dialog.cloud_url.setText(url)
    dialog.cloud_model.setText("smollm2")
    dialog.cloud_key.setText(API_KEY)
    dialog.cloud_policy.setCurrentIndex(dialog.cloud_policy.findData(policy))


def test_cloud_settings_test_connection_and_ask_cloud(
    run, session: DesktopSession, llama_server: str, tmp_path: Path
) -> None:
    window = session.window

    async def go() -> None:
        await session.start()
        assert window.cloud_button.isHidden()  # off by default: nothing offered
        dialog = session.open_settings()
        assert isinstance(dialog, SettingsDialog) and not dialog.cloud_enabled.isChecked()
        # a bad URL: a clear message, nothing saved
        fill_cloud(dialog, "ftp://example")
        assert not dialog.apply()
        assert "not an http(s) URL" in dialog.error.text()
        assert not SettingsStore(session.paths.settings_file).load().cloud.enabled
        # with the cloud off, the half-typed URL blocks nothing else (it is checked when on)
        dialog.cloud_enabled.setChecked(False)
        dialog.max_tokens.setValue(300)
        assert dialog.apply(), dialog.error.text()
        saved = SettingsStore(session.paths.settings_file).load()
        assert not saved.cloud.enabled and saved.model_settings().max_tokens == 300
        # Test connection (its own button): a server that is not there, then the real one
        fill_cloud(dialog, "http://127.0.0.1:9/v1")
        dialog.test_button.click()
        await until(lambda: has_result(dialog))
        assert "127.0.0.1:9" in dialog.test_result.text()
        assert not dialog.test_result.text().startswith("OK")
        # the result speaks of that endpoint: typing another one clears it
        dialog.cloud_url.setText(llama_server)
        assert dialog.test_result.text() == ""
        dialog.test_button.click()
        await until(lambda: has_result(dialog), timeout=60)
        assert dialog.test_result.text().startswith("OK: 127.0.0.1"), dialog.test_result.text()
        assert dialog.apply()
        dialog.close()
        await until(lambda: window.cloud_button.isVisibleTo(window))
        # one message sent to the cloud on purpose: no consent question (choosing is consent)
        window.composer.setPlainText("Say hello in one word.")
        await turn(window, lambda: window.cloud_button.click())

    run(go())
    saved = SettingsStore(session.paths.settings_file)
    assert saved.load().cloud.enabled and saved.load().cloud.base_url == llama_server
    assert API_KEY not in session.paths.settings_file.read_text()  # keys never in settings
    assert session.steward is not None
    assert SecretStore(session.steward).get(CLOUD_KEY) == API_KEY
    db = session.assistant.db
    [conv] = db.conversations()
    _question, answer = db.messages(conv.id)
    assert answer.backend == "cloud" and answer.model == "smollm2" and answer.content
    assert "☁ cloud" in window.view.toPlainText()


def test_consent_is_asked_when_the_local_model_cannot_answer(
    run, session: DesktopSession, llama_server: str, tmp_path: Path
) -> None:
    store = SettingsStore(session.paths.settings_file)
    settings = store.load()
    settings.model_path = str(tmp_path / "gone.gguf")  # no local model
    settings.cloud.enabled, settings.cloud.base_url = True, llama_server
    settings.cloud.model = "smollm2"
    store.save(settings)
    window = session.window

    def consent_box() -> QMessageBox | None:
        boxes = [
            b
            for b in window.findChildren(QMessageBox)
            if b.isVisible() and "cloud" in b.windowTitle()
        ]
        return boxes[0] if boxes else None

    def press(box: QMessageBox, label: str) -> None:
        button = next(b for b in box.buttons() if b.text().replace("&", "") == label)
        button.click()

    # when the window is ready again, the session is too: a message sent at that moment
    # does not wait behind the one that just ended (a refused one included)
    ahead_when_ready: list[int] = []
    window.turn_ended.connect(lambda: ahead_when_ready.append(session.core.messages_ahead))

    async def go() -> None:
        await session.start()
        assert "gone.gguf" in window.banner.text()
        window.composer.setPlainText("What is two plus two?")
        window.send_button.click()
        await until(lambda: consent_box() is not None)
        box = consent_box()
        assert box is not None
        assert "127.0.0.1" in box.text() and "What is two plus two?" in box.text()
        press(box, "Don't send")
        await until(lambda: not window._busy)
        assert "Not sent to the cloud" in window.banner.text()
        # asked again for the next message; this time allowed for the conversation
        window.composer.setPlainText("And three plus three?")
        window.send_button.click()
        await until(lambda: consent_box() is not None)
        press(consent_box(), "Allow for this conversation")
        await until(lambda: not window._busy, timeout=120)

    run(go())
    assert ahead_when_ready == [0, 0]
    db = session.assistant.db
    [conv] = db.conversations()
    messages = db.messages(conv.id)
    # the refused question is kept, unanswered; the allowed one was answered by the cloud
    assert [(m.role, m.backend) for m in messages][:2] == [("user", "local"), ("user", "local")]
    assert messages[-1].role == "assistant" and messages[-1].backend == "cloud"
    assert db.cloud_consent(conv.id)


def has_result(dialog) -> bool:
    """The connection test has a result (not "Testing…" and not the routed notice)."""
    text = dialog.test_result.text()
    return bool(text) and not text.startswith("Testing")
