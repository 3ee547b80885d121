"""Settings › Model › Download a model…, against a hub on 127.0.0.1 serving the embedded
model's file: a bad URL is refused with the reason, a download is paused, resumed (with a
Range request) and verified, the model is used and answers; another is cancelled and its
partial file deleted."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from app.core.llm.download import part_paths
from app.ui.desktop_session import DesktopSession
from app.ui.model_download import ModelDownloadDialog
from app.ui.settings_dialog import SettingsDialog
from tests.hub_server import HubServer
from tests.ui.conftest import until
from tests.ui.drive import turn

MB = 1 << 20
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def hub(model_path: Path) -> Iterator[HubServer]:
    with HubServer() as server:
        data = model_path.read_bytes()
        server.add("pulled.gguf", data, bytes_per_s=16 * MB)
        server.add("cancelled.gguf", data, bytes_per_s=16 * MB)
        yield server


def test_download_pause_resume_use_and_cancel(
    run, session: DesktopSession, hub: HubServer, model_path: Path
) -> None:
    window = session.window
    models = session.paths.models
    dest = models / "pulled.gguf"

    async def go() -> None:
        await session.start()
        settings = session.open_settings()
        assert isinstance(settings, SettingsDialog)
        settings.download_button.click()
        await until(lambda: settings.download_dialog is not None)
        dialog = settings.download_dialog
        assert isinstance(dialog, ModelDownloadDialog) and dialog.isVisible()
        # a URL that is not a GGUF file: the reason, nothing started
        dialog.url.setText("ftp://example.org/model.gguf")
        dialog.download_button.click()
        assert "http(s) URL" in dialog.status.text() and not dialog.pause_button.isEnabled()
        # pause part way: the part file stays
        dialog.url.setText(hub.resolve_url("pulled.gguf"))
        dialog.download_button.click()
        await until(lambda: dialog.progress.value() > 150, timeout=60)
        assert " of " in dialog.status.text() and "/s" in dialog.status.text()
        dialog.pause_button.click()
        await until(lambda: dialog.status.text().startswith("Paused"))
        assert dialog.pause_button.text() == "Resume" and not dialog.use_button.isEnabled()
        kept = part_paths(dest)[0].stat().st_size
        assert 0 < kept < model_path.stat().st_size and not dest.exists()
        # resume: only the rest is asked for, and the file is verified
        hub.files["pulled.gguf"].bytes_per_s = 0
        dialog.pause_button.click()
        await until(lambda: dialog.use_button.isEnabled(), timeout=60)
        assert "verified by the hub" in dialog.status.text()
        dialog.grab().save(str(ARTIFACTS / "model-download.png"))
        gets = [r for r in hub.requests if r.method == "GET" and "pulled" in r.path]
        assert gets[-1].headers.get("Range", "").startswith("bytes=")
        # use it: the Model tab shows it; applied, the next answer comes from it
        dialog.use_button.click()
        await until(lambda: settings.model_path == str(dest))
        assert not dialog.isVisible() and "pulled.gguf" in settings.model_label.text()
        assert settings.apply()
        settings.close()
        await until(lambda: session.engine is not None and session.engine.model.path == dest)
        window.composer.setPlainText("Say hello.")
        await turn(window, lambda: window.send_button.click())
        assert window.view.visible_messages()[-1].role == "assistant"

    def cancelled() -> None:
        async def go_on() -> None:
            settings = session.open_settings()
            assert isinstance(settings, SettingsDialog)
            settings.download_button.click()
            await until(lambda: settings.download_dialog is not None)
            dialog = settings.download_dialog
            assert dialog is not None
            dialog.url.setText(hub.resolve_url("cancelled.gguf"))
            dialog.download_button.click()
            await until(lambda: dialog.progress.value() > 100, timeout=60)
            dialog.cancel_button.click()
            await until(lambda: dialog.status.text().startswith("Cancelled"))
            part, sidecar = part_paths(models / "cancelled.gguf")
            assert not part.exists() and not sidecar.exists()
            assert not (models / "cancelled.gguf").exists()
            close = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Close)
            close.click()
            assert not dialog.isVisible()
            settings.close()

        run(go_on())

    run(go())
    assert (
        hashlib.sha256(dest.read_bytes()).hexdigest()
        == hashlib.sha256(model_path.read_bytes()).hexdigest()
    )
    saved = session.steward.settings_store.load()
    assert saved.model_path == str(dest)
    db = session.assistant.db
    [conv] = db.conversations()
    assert db.messages(conv.id)[-1].content
    cancelled()
