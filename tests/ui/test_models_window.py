"""The model picker at the top of the chat and the Models window, clicked as a user does, on
the real session and model: switching models between answers (each answer records its
model), a model without a chat template asking for a format (with a preview), a missing file
shown greyed, models found in another app's folder used in place and removed without
touching the file, a file added, a download deleted, a GGUF dropped on the window."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QLabel, QLineEdit

from app.core.llm.library import ModelLibrary
from app.core.llm.templates import SAMPLE
from app.ui.desktop_session import DesktopSession
from app.ui.model_picker import MANAGE, ChatFormatDialog, ModelPicker
from app.ui.models_window import ModelsWindow
from tests.gguf_models import write_tiny_gguf
from tests.ui.conftest import until
from tests.ui.drive import box, dialog, press, turn

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def variant(model_path: Path, dest: Path, old: bytes, new: bytes) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(model_path.read_bytes().replace(old, new))
    return dest


def pick(picker: ModelPicker, data: str) -> None:
    """Open the picker and click the entry holding ``data``, with the mouse."""
    index = picker.findData(data)
    assert index >= 0, data
    picker.showPopup()
    view = picker.view()
    rect = view.visualRect(picker.model().index(index, 0))
    QTest.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, rect.center()
    )


def button_box(widget, which: QDialogButtonBox.StandardButton):  # type: ignore[no-untyped-def]
    return widget.findChild(QDialogButtonBox).button(which)


async def open_models(session: DesktopSession) -> ModelsWindow:
    """Through the picker's last entry, once the session is unlocked."""
    picker = session.window.model_picker
    await until(lambda: picker.isEnabled())
    pick(picker, MANAGE)
    await until(lambda: dialog("modelsWindow") is not None)
    models = dialog("modelsWindow")
    assert isinstance(models, ModelsWindow)
    return models


async def answered_by(session: DesktopSession, text: str) -> str:
    window = session.window
    window.composer.setPlainText(text)
    await turn(window, lambda: window.send_button.click())
    assert session.assistant is not None and window.conversation is not None
    messages = session.assistant.db.messages(window.conversation.id)
    assert messages[-1].role == "assistant"
    return messages[-1].model


def test_the_picker_switches_models_and_asks_for_a_missing_template(
    run, session: DesktopSession, qtbot, model_path: Path, tmp_path: Path
) -> None:
    window = session.window
    library = ModelLibrary(session.paths)
    other = variant(
        model_path, tmp_path / "m" / "Other-Model.gguf", b"Smollm2 135M", b"Smollm2 COPY"
    )
    plain = variant(
        model_path,
        tmp_path / "m" / "No-Template.gguf",
        b"tokenizer.chat_template",
        b"tokenizer.chat_templatX",
    )
    gone = write_tiny_gguf(tmp_path / "m" / "Gone.gguf", "gone")
    for path in (other, plain, gone):
        library.add(path)
    gone.unlink()
    window.show()
    qtbot.waitExposed(window)

    async def go() -> None:
        await session.start()
        picker = window.model_picker
        await until(lambda: picker.isEnabled() and "SmolLM2-135M" in window.status.text())
        assert picker.currentData() == "embedded"
        labels = [picker.itemText(i) for i in range(picker.count())]
        assert "Gone (missing)" in labels and labels[-1] == "Manage models…"
        missing = picker.model().item(picker.findData("gone"))
        assert not missing.isEnabled()  # greyed: it cannot be chosen
        assert "embedded" in await answered_by(session, "Say hello.")
        # another model: the next answer in the same conversation comes from it
        pick(picker, "other-model")
        await until(lambda: "Other-Model.gguf" in window.status.text() and picker.isEnabled())
        assert picker.currentData() == "other-model" and not window.banner.isVisible()
        assert await answered_by(session, "And now?") == "Other-Model.gguf"
        window.grab().save(str(ARTIFACTS / "model-picker.png"))
        # a model without a chat template: asked, with a preview; Cancel changes nothing
        pick(picker, "no-template")
        await until(lambda: dialog("chatFormatDialog") is not None)
        asked = dialog("chatFormatDialog")
        assert isinstance(asked, ChatFormatDialog)
        assert "its file has no chat template" in asked.findChildren(QLabel)[0].text()
        assert all(content in asked.preview.toPlainText() for _role, content in SAMPLE)
        button_box(asked, QDialogButtonBox.StandardButton.Cancel).click()
        await until(lambda: dialog("chatFormatDialog") is None and picker.isEnabled())
        assert picker.currentData() == "other-model" and session.steward.settings.model_path == str(
            other
        )
        # again, choosing a format: it is used, and kept for that model
        pick(picker, "no-template")
        await until(lambda: dialog("chatFormatDialog") is not None)
        asked = dialog("chatFormatDialog")
        assert isinstance(asked, ChatFormatDialog)
        names = [
            asked.formats.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(asked.formats.count())
        ]
        asked.formats.setCurrentRow(names.index("llama-3"))
        assert "<|start_header_id|>user" in asked.preview.toPlainText()
        asked.formats.setCurrentRow(0)  # chatml
        assert "<|im_start|>user" in asked.preview.toPlainText()
        asked.grab().save(str(ARTIFACTS / "chat-format.png"))
        button_box(asked, QDialogButtonBox.StandardButton.Ok).click()
        await until(lambda: "No-Template.gguf" in window.status.text() and picker.isEnabled())
        assert await answered_by(session, "Hello once more.") == "No-Template.gguf"

    run(go())
    saved = session.steward.settings_store.load()
    assert saved.model_path == str(plain)
    assert saved.model_settings(str(plain.resolve())).chat_format == "chatml"


def test_the_models_window_finds_adds_uses_and_removes(
    run,
    session: DesktopSession,
    qtbot,
    model_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # another app's folder in the user's home: LM Studio's layout
    home = tmp_path / "user"
    monkeypatch.setenv("HOME", str(home))
    for name in ("HF_HOME", "HF_HUB_CACHE", "OLLAMA_MODELS"):
        monkeypatch.delenv(name, raising=False)
    found = variant(
        model_path,
        home / ".lmstudio/models/HuggingFaceTB/SmolLM2-GGUF/SmolLM2-Studio.gguf",
        b"Smollm2 135M",
        b"Smollm2 LMST",
    )
    window = session.window
    window.show()
    qtbot.waitExposed(window)

    async def go() -> None:
        await session.start()
        picker = window.model_picker
        models = await open_models(session)
        await until(lambda: models.list.topLevelItemCount() == 1)
        row = models.list.topLevelItem(0)
        assert row.text(0).endswith("(in use)") and row.text(2) == "Fits"
        assert "Memory: Fits: needs about" in models.detail.text()
        assert not models.remove_button.isEnabled()  # the embedded model stays
        # find the models other apps keep: used in place
        models.scan_button.click()
        await until(lambda: models.status.text().startswith("Found 1 new model"))
        await until(lambda: models.list.topLevelItemCount() == 2)
        models.select("smollm2-studio")
        assert "found in LM Studio" in models.detail.text()
        models.use_button.click()
        await until(lambda: "SmolLM2-Studio.gguf" in window.status.text() and picker.isEnabled())
        await until(lambda: "(in use)" in models.list.currentItem().text(0))
        models.grab().save(str(ARTIFACTS / "models-window.png"))
        # removing it only forgets it (the file is LM Studio's); the embedded model answers
        assert models.remove_button.text() == "Remove from list"
        models.remove_button.click()
        await until(lambda: box("confirmRemoveModel") is not None)
        press(box("confirmRemoveModel"), "Remove from list")
        await until(
            lambda: picker.currentData() == "embedded" and models.list.topLevelItemCount() == 1
        )
        assert found.exists() and "file stays" in models.status.text()
        # add a file: a text file is refused with the reason; a model is listed
        text = tmp_path / "notes.gguf"
        text.write_text("not a model")
        for path, expect in ((text, "is not a GGUF model"), (None, "Added")):
            models.add_button.click()
            await until(lambda: dialog("addModelFileDialog") is not None)
            chooser = dialog("addModelFileDialog")
            assert isinstance(chooser, QFileDialog)
            target = path or variant(
                model_path, tmp_path / "Added.gguf", b"Smollm2 135M", b"Smollm2 ADDD"
            )
            # typed into the file name box, then Open, as a user does
            chooser.findChild(QLineEdit, "fileNameEdit").setText(str(target))
            button_box(chooser, QDialogButtonBox.StandardButton.Open).click()
            await until(lambda e=expect: e in models.status.text())
        await until(lambda: models.list.topLevelItemCount() == 2)
        # a download (a file in Steward's models folder) is deleted for real
        downloaded = variant(
            model_path, session.paths.models / "Pulled.gguf", b"Smollm2 135M", b"Smollm2 PULL"
        )
        await session.refresh_models()
        models.select("pulled")
        assert models.remove_button.text() == "Delete"
        models.remove_button.click()
        await until(lambda: box("confirmRemoveModel") is not None)
        press(box("confirmRemoveModel"), "Delete")
        await until(lambda: not downloaded.exists() and models.list.topLevelItemCount() == 2)
        # Download… shows the catalog; a URL can be given there too
        models.download_button.click()
        assert models.tabs.currentWidget() is models.catalog
        models.catalog.url_button.click()
        await until(lambda: dialog("modelDownload") is not None)
        button_box(dialog("modelDownload"), QDialogButtonBox.StandardButton.Close).click()
        button_box(models, QDialogButtonBox.StandardButton.Close).click()
        assert not models.isVisible()
        # a GGUF dropped on the window: listed and used
        dropped = variant(model_path, tmp_path / "Dropped.gguf", b"Smollm2 135M", b"Smollm2 DROP")
        data = QMimeData()
        data.setUrls([QUrl.fromLocalFile(str(dropped))])
        drop = QDropEvent(
            QPoint(20, 20).toPointF(),
            Qt.DropAction.CopyAction,
            data,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        # Qt delivers a drop only during a real drag (none under the offscreen platform):
        # the window's own handler is called as Qt would call it
        window.dropEvent(drop)
        assert drop.isAccepted()
        await until(
            lambda: "Dropped.gguf" in window.status.text() and picker.currentData() == "dropped"
        )

    run(go())
    listed = json.loads((session.paths.data / "models.json").read_text())
    assert str(found) in listed["forgotten"]
    assert [m["id"] for m in listed["models"]] == ["added", "dropped"]


def test_a_catalog_model_downloads_with_progress_and_answers(
    run, session: DesktopSession, qtbot, model_path: Path
) -> None:
    """The catalog in the window, against a hub on 127.0.0.1 (the mirror setting) serving the
    embedded model's bytes under a catalog entry's path: the memory verdict before anything is
    downloaded, progress, pause and resume, then the model is used and answers."""
    from app.core.llm.catalog import find_entry
    from app.ui.model_download import ModelDownloadDialog
    from tests.hub_server import HubServer

    entry = find_entry("qwen2.5-0.5b-instruct")
    window = session.window
    window.show()
    qtbot.waitExposed(window)
    with HubServer() as hub:
        hub.add(entry.file, model_path.read_bytes(), bytes_per_s=16 << 20)
        session.paths.ensure().settings_file.write_text(
            f'[downloads]\nmirror = "{hub.base_url}"\n', encoding="utf-8"
        )

        async def go() -> None:
            await session.start()
            picker = window.model_picker
            models = await open_models(session)
            models.download_button.click()
            catalog = models.catalog
            await until(lambda: catalog.list.topLevelItemCount() >= 8)
            catalog.select(entry.id)
            row = catalog.list.currentItem()
            assert row.text(0) == entry.name and row.text(2) == "Fits"
            assert "needs about" in catalog.detail.text() and "Sources:" in catalog.detail.text()
            models.grab().save(str(ARTIFACTS / "models-catalog.png"))
            catalog.download_button.click()
            await until(lambda: dialog("modelDownload") is not None)
            download = dialog("modelDownload")
            assert isinstance(download, ModelDownloadDialog)
            await until(lambda: download.progress.value() > 150, timeout=60)
            download.grab().save(str(ARTIFACTS / "models-catalog-download.png"))
            download.pause_button.click()
            await until(lambda: download.status.text().startswith("Paused"))
            hub.files[entry.file].bytes_per_s = 0
            download.pause_button.click()  # Resume
            await until(lambda: download.use_button.isEnabled(), timeout=60)
            assert "verified by the hub" in download.status.text()
            await until(lambda: row_named(models, entry.name) is not None)
            models.list.setCurrentItem(row_named(models, entry.name))
            assert "downloaded by Steward, verified by the hub" in models.detail.text()
            download.use_button.click()
            await until(lambda: picker.currentText() == entry.name and picker.isEnabled())
            assert entry.file in window.status.text()
            assert await answered_by(session, "Say hello.") == entry.file

        run(go())
    gets = [r for r in hub.requests if r.method == "GET" and r.path.startswith("/content/")]
    assert gets[-1].headers.get("Range", "").startswith("bytes=")  # resumed, not restarted


def row_named(models: ModelsWindow, name: str):  # type: ignore[no-untyped-def]
    for index in range(models.list.topLevelItemCount()):
        item = models.list.topLevelItem(index)
        if item is not None and item.text(0).startswith(name):
            return item
    return None


def test_first_run_suggests_the_largest_model_that_fits_once(
    run, session: DesktopSession, qtbot
) -> None:
    from app.core.llm.catalog import CATALOG
    from app.ui.session_models import SUGGEST_LINK

    window = session.window
    window.show()
    qtbot.waitExposed(window)

    async def go() -> None:
        await session.start()
        await until(lambda: "Tip:" in window.banner.text())
        banner = window.banner.text()
        assert "fits this computer" in banner and SUGGEST_LINK in banner
        assert not window.banner.property("error")
        assert "SmolLM2-135M" in window.status.text()  # the embedded model still answers
        window.banner.linkActivated.emit(SUGGEST_LINK)  # as a click on the link does
        await until(lambda: dialog("modelsWindow") is not None)
        models = dialog("modelsWindow")
        assert isinstance(models, ModelsWindow)
        assert models.tabs.currentWidget() is models.catalog
        # the suggested model is the one selected there
        await until(
            lambda: (
                (chosen := models.catalog.selected()) is not None and chosen.id == session.suggested
            )
        )
        suggested = models.catalog.selected()
        assert suggested is not None
        rows = {
            models.catalog.list.topLevelItem(i).text(0): models.catalog.list.topLevelItem(i).text(2)
            for i in range(len(CATALOG))
        }
        assert rows[suggested.name] == "Fits"
        # nothing larger fits: it is the best this machine can take
        for entry in CATALOG:
            if entry.size_bytes > suggested.size_bytes:
                assert rows[entry.name] != "Fits", entry.name
        assert not window.banner.isVisible()
        # shown once: the next start does not suggest again
        await session.aclose()
        session.window.show_banner("")
        await session.start()
        await until(lambda: "SmolLM2-135M" in window.status.text())
        assert "Tip:" not in window.banner.text()

    run(go())
