"""The automations panel on a real encrypted database: list, run now (approval asked in the
dialog), dry run, runs with their steps, undo, on/off, add from a document (an invalid one is
explained and nothing is saved), and the JSON editor's live validation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from app.automations.builtins import MODULES
from app.automations.plugins import load_plugins
from app.automations.runner import HeadlessServices
from app.automations.service import Automations
from app.core.paths import resolve_paths
from app.core.store.database import open_database
from app.ui.automations_panel import AutomationsPanel, JsonEditor
from app.ui.workflow_form import WorkflowForm
from tests.conftest import ROOT
from tests.ui.conftest import until

ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture
def automations(tmp_path: Path, key: bytes) -> Iterator[Automations]:
    paths = resolve_paths(tmp_path / "home").ensure()
    db = open_database(paths.database, key)
    registry = load_plugins(builtins=MODULES, entry_points=False)
    yield Automations(db, paths, HeadlessServices(), registry=registry)
    db.close()


def writer(folder: Path, name: str = "Write a note") -> dict[str, Any]:
    return {
        "steward_workflow": 1,
        "name": name,
        "trigger": {
            "type": "schedule",
            "at": {"hour": 8, "minute": 30, "weekdays": ["mon", "tue", "wed", "thu", "fri"]},
        },
        "steps": [
            {
                "id": "w",
                "action": "files.write",
                "params": {"path": str(folder / "note.txt"), "text": "from the panel"},
            }
        ],
        "permissions": [{"kind": "files.write", "scope": str(folder)}],
    }


def message_box(name: str | None = None) -> QMessageBox | None:
    for widget in QApplication.topLevelWidgets():
        if (
            isinstance(widget, QMessageBox)
            and widget.isVisible()
            and (name is None or widget.objectName() == name)
        ):
            return widget
    return None


def click(box: QMessageBox, text: str) -> None:
    next(b for b in box.buttons() if b.text().replace("&", "") == text).click()


def test_run_now_asks_shows_the_steps_and_undoes(
    run, qtbot, automations: Automations, tmp_path: Path
) -> None:
    from app.ui.automations import ask_approval

    folder = tmp_path / "notes"
    folder.mkdir()
    stored = automations.create(writer(folder))
    panel = AutomationsPanel(automations, lambda r: ask_approval(panel, r))
    qtbot.addWidget(panel)
    panel.show()
    run(panel.loaded())  # read on the store's thread, off the GUI thread
    row = panel.workflows.topLevelItem(0)
    assert [row.text(n) for n in range(4)][:2] == ["Write a note", "Every weekday at 08:30"]
    assert row.text(3) == "Never run" and row.text(2) != "—"

    async def go() -> Any:
        task = __import__("asyncio").ensure_future(panel.run_selected(dry_run=False))
        await until(lambda: message_box("approval") is not None)
        ARTIFACTS.mkdir(exist_ok=True)
        click(message_box("approval"), "Allow once")  # type: ignore[arg-type]
        return await task

    result = run(go())
    assert result.status == "succeeded"
    assert (folder / "note.txt").read_text() == "from the panel"
    assert panel.workflows.topLevelItem(0).text(3) == "Succeeded"
    assert panel.runs.topLevelItemCount() == 1
    text = panel.details.toPlainText()
    assert "1. w (files.write) — ok" in text and str(folder / "note.txt") in text
    assert panel.grab().save(str(ARTIFACTS / "automations-panel.png"))
    assert panel.undo_button.isEnabled()
    done = run(panel.undo_selected())
    assert done == [f"removed {folder / 'note.txt'}"]
    assert not (folder / "note.txt").exists()
    assert panel.message.text() == "Undone: removed 1 file the run had made."
    assert not panel.undo_button.isEnabled()
    assert automations.history.run(result.id).undone
    del stored


def test_the_panel_shows_data_escaped_and_says_what_undo_refused(
    run, qtbot, automations: Automations, tmp_path: Path
) -> None:
    """A file name with a terminal escape and a direction override is shown escaped in the
    approval dialog; after the folder is swapped for a link, Undo (clicked) refuses and says
    so, and the folder the link points to is untouched."""
    from app.ui.automations import ask_approval

    folder, outside = tmp_path / "notes", tmp_path / "outside"
    folder.mkdir()
    outside.mkdir()
    (folder / "name.txt").write_text("evil\x1b[2K\u202etxt.exe")
    doc = writer(folder)
    doc["steps"] = [
        {"id": "r", "action": "files.read", "params": {"path": str(folder / "name.txt")}},
        {
            "id": "w",
            "action": "files.write",
            "params": {"path": f"{folder}/{{{{steps.r.output}}}}", "text": "from the panel"},
        },
    ]
    automations.create(doc)
    panel = AutomationsPanel(automations, lambda r: ask_approval(panel, r))
    qtbot.addWidget(panel)
    panel.show()
    shown: list[str] = []

    async def go() -> Any:
        task = __import__("asyncio").ensure_future(panel.run_selected(dry_run=False))
        await until(lambda: message_box("approval") is not None)
        box = message_box("approval")
        assert box is not None
        shown.append(box.text() + box.informativeText())
        assert box.grab().save(str(ARTIFACTS / "approval-escaped.png"))
        click(box, "Allow once")
        return await task

    ARTIFACTS.mkdir(exist_ok=True)
    result = run(go())
    assert result.status == "succeeded", result.error
    assert "\x1b" not in shown[0] and "\u202e" not in shown[0]
    assert "\\x1b[2K" in shown[0] and "\\u202e" in shown[0]
    (folder / "name.txt").unlink()
    for leftover in folder.iterdir():
        (outside / leftover.name).write_text("outside, keep me")
        leftover.unlink()
    folder.rmdir()
    folder.symlink_to(outside)
    before = {p.name: p.read_text() for p in outside.iterdir()}
    qtbot.mouseClick(panel.undo_button, Qt.MouseButton.LeftButton)
    run(until(lambda: "left as found: not safe to put back" in panel.message.text()))
    assert {p.name: p.read_text() for p in outside.iterdir()} == before
    assert panel.grab().save(str(ARTIFACTS / "panel-undo-refused.png"))


def test_dry_run_changes_nothing(run, qtbot, automations: Automations, tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    automations.create(writer(folder))

    async def refuse(_request: Any) -> str:
        raise AssertionError("a dry run asks nothing")

    panel = AutomationsPanel(automations, refuse)
    qtbot.addWidget(panel)

    async def click() -> None:
        panel.dry_button.click()
        await until(lambda: "Nothing was changed." in panel.message.text())

    run(click())
    [result] = automations.history.runs()
    assert result.status == "succeeded" and result.dry_run
    assert not (folder / "note.txt").exists()
    # a dry run is not a result: the workflow still never ran
    assert panel.workflows.topLevelItem(0).text(3) == "Never run"
    assert "(dry run)" in panel.runs.topLevelItem(0).text(1)
    assert "would write 14 characters to" in panel.details.toPlainText()


def test_on_off_and_an_invalid_document_is_not_saved(
    run, qtbot, automations: Automations, tmp_path: Path
) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    stored = automations.create(writer(folder))
    panel = AutomationsPanel(automations, lambda r: None)  # type: ignore[arg-type, return-value]
    qtbot.addWidget(panel)
    run(panel.loaded())
    panel.workflows.topLevelItem(0).setCheckState(0, Qt.CheckState.Unchecked)
    run(until(lambda: panel.workflows.topLevelItem(0).text(2) == "Off"))
    assert not automations.history.workflow(stored.id).enabled
    bad = writer(Path("/etc"), "Bad")
    bad["permissions"] = [{"kind": "files.write", "scope": str(folder)}]
    assert run(panel.add_document(json.dumps(bad), "bad.json")) is None
    box = message_box()
    assert box is not None and "bad.json was not saved" in box.text()
    assert "outside the granted folders" in box.text()
    box.close()
    assert [w.name for w in automations.history.workflows()] == ["Write a note"]
    assert run(panel.add_document("{not json", "broken.json")) is None
    message_box().close()  # type: ignore[union-attr]
    good = run(panel.add_document(json.dumps(writer(folder, "Second")), "good.json"))
    assert good is not None and panel.workflows.topLevelItemCount() == 2
    assert panel.selected_id() == good.id


def test_the_json_editor_validates_as_it_is_typed(
    run, qtbot, automations: Automations, tmp_path: Path
) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    stored = automations.create(writer(folder))
    automations.history.approve(stored.id, stored.document)
    panel = AutomationsPanel(automations, lambda r: None)  # type: ignore[arg-type, return-value]
    qtbot.addWidget(panel)
    run(panel.loaded())
    editor = panel.open_editor()
    assert editor is not None
    save = editor.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert editor.check() and save.isEnabled()
    editor.text.setPlainText(editor.text.toPlainText().replace('"files.write"', '"files.writ"', 1))
    assert not editor.check() and not save.isEnabled()
    assert "unknown action 'files.writ'" in editor.problems.text()
    editor.text.setPlainText("{")
    assert not editor.check() and "is not JSON" in editor.problems.text()
    changed = writer(folder)
    changed["steps"][0]["params"]["text"] = "changed"
    editor.text.setPlainText(json.dumps(changed))
    assert editor.check()
    save.click()
    run(until(lambda: "asks for approval again" in panel.message.text()))
    assert automations.history.workflow(stored.id).document["steps"][0]["params"]["text"] == (
        "changed"
    )


def test_the_form_edits_steps_and_trigger_with_live_validation(
    run, qtbot, automations: Automations, tmp_path: Path
) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    stored = automations.create(writer(folder))
    automations.history.approve(stored.id, stored.document)
    panel = AutomationsPanel(automations, lambda r: None)  # type: ignore[arg-type, return-value]
    qtbot.addWidget(panel)
    run(panel.loaded())
    form = panel.open_form()
    assert form is not None
    save = form.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert form.check() and save.isEnabled()
    assert (form.hour.value(), form.minute.value()) == (8, 30)
    [step] = form.steps
    fields = {f.name: f for f in step.fields}
    assert set(fields) == {"path", "text", "overwrite"}
    assert fields["text"].widget.text() == "from the panel"  # type: ignore[attr-defined]
    assert "⚠ change files in" in form.permission_text.text()

    fields["path"].widget.setText("/etc/passwd")  # type: ignore[attr-defined]
    assert not form.check() and not save.isEnabled()
    assert "outside the granted folders" in form.problems.text()
    fields["path"].widget.setText(str(folder / "other.txt"))  # type: ignore[attr-defined]
    fields["text"].widget.setText("from the form")  # type: ignore[attr-defined]
    form.mode.setCurrentIndex(form.mode.findData("every_minutes"))
    form.every.setValue(45)
    qtbot.mouseClick(form.add_step_button, Qt.MouseButton.LeftButton)
    added = form.steps[-1]
    {f.name: f for f in added.fields}["title"].widget.setText("Written")  # type: ignore[attr-defined]
    assert not form.check()  # notify.show needs the notify permission
    assert "not granted notify" in form.problems.text()
    qtbot.mouseClick(form.fit_button, Qt.MouseButton.LeftButton)
    assert form.check() and save.isEnabled(), form.problems.text()
    form.resize(760, 900)
    form.show()
    qtbot.waitExposed(form)
    form.grab().save(str(ARTIFACTS / "workflow-form.png"))
    save.click()
    run(until(lambda: "asks for approval again" in panel.message.text()))
    document = automations.history.workflow(stored.id).document
    assert document["trigger"] == {"type": "schedule", "every_minutes": 45}
    assert document["steps"][0]["params"] == {
        "path": str(folder / "other.txt"),
        "text": "from the form",
    }
    assert document["steps"][1]["action"] == "notify.show"
    assert {"kind": "notify"} in document["permissions"]
    assert {"kind": "files.write", "scope": str(folder / "other.txt")} in document["permissions"]
    assert "asks for approval again" in panel.message.text()


def cancel_and_answer(run, dialog: Any, answer: str) -> None:
    """Press the editor's Cancel and answer its "Discard changes?" with its own button."""

    async def go() -> None:
        dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()
        await until(lambda: message_box("discardEdits") is not None)
        box = message_box("discardEdits")
        assert box is not None and "not saved" in box.text()
        click(box, answer)
        await until(lambda: message_box("discardEdits") is None)

    run(go())


def test_the_editors_refuse_changes_in_sensitive_places_and_warn_about_reading_them(
    qtbot, run, automations: Automations, tmp_path: Path
) -> None:
    """The planner's rule in both editors: "Fit permissions" that would grant changing files
    in /etc leaves Save off with the reason in red; a JSON document deleting ~/.ssh/id_rsa is
    not "Valid"; reading a sensitive place is allowed, with a red warning."""
    folder = tmp_path / "notes"
    folder.mkdir()
    stored = automations.create(writer(folder))
    automations.history.approve(stored.id, stored.document)
    panel = AutomationsPanel(automations, lambda r: None)  # type: ignore[arg-type, return-value]
    qtbot.addWidget(panel)
    run(panel.loaded())
    form = panel.open_form()
    assert form is not None
    save = form.buttons.button(QDialogButtonBox.StandardButton.Save)
    [step] = form.steps
    path = {f.name: f for f in step.fields}["path"].widget
    path.setText("/etc/cron.d/steward")  # type: ignore[attr-defined]
    qtbot.mouseClick(form.fit_button, Qt.MouseButton.LeftButton)
    assert not form.check() and not save.isEnabled()
    assert "change files in /etc/cron.d" in form.permission_text.text()  # what Fit derived
    assert "changing files in /etc/cron.d/steward is refused" in form.problems.text()
    assert "keys, passwords or system settings" in form.problems.text()
    assert form.problems.property("role") == "error"  # in the theme's red
    save.click()
    assert automations.history.workflow(stored.id).document == stored.document  # unchanged
    form.show()
    cancel_and_answer(run, form, "Keep editing")  # edited: Cancel asks first
    assert form.isVisible() and "/etc/cron.d/steward" in path.text()  # type: ignore[attr-defined]
    cancel_and_answer(run, form, "Discard changes")
    assert not form.isVisible()
    assert automations.history.workflow(stored.id).document == stored.document

    editor = panel.open_editor()
    assert editor is not None
    json_save = editor.buttons.button(QDialogButtonBox.StandardButton.Save)
    doomed = {
        **writer(folder),
        "steps": [{"id": "d", "action": "files.delete", "params": {"path": "~/.ssh/id_rsa"}}],
        "permissions": [{"kind": "files.write", "scope": "~/.ssh"}],
    }
    editor.text.setPlainText(json.dumps(doomed))
    assert not editor.check() and not json_save.isEnabled()
    assert "Valid." not in editor.problems.text()
    assert "changing files in ~/.ssh is refused" in editor.problems.text()
    whole_home = {**doomed, "permissions": [{"kind": "files.write", "scope": "~"}]}
    whole_home["steps"] = [{"id": "d", "action": "files.delete", "params": {"path": "~/old.txt"}}]
    editor.text.setPlainText(json.dumps(whole_home))
    assert not editor.check() and "it contains ~/.ssh" in editor.problems.text()
    reader = {
        **writer(folder),
        "steps": [
            {"id": "r", "action": "files.read", "params": {"path": "/etc/hosts"}},
            {
                "id": "w",
                "action": "files.write",
                "params": {"path": str(folder / "hosts.txt"), "text": "{{steps.r.output}}"},
            },
        ],
        "permissions": [
            {"kind": "files.read", "scope": "/etc/hosts"},
            {"kind": "files.write", "scope": str(folder)},
        ],
    }
    editor.text.setPlainText(json.dumps(reader))
    assert editor.check() and json_save.isEnabled(), editor.problems.text()
    assert "⚠ Careful: it reads files in /etc/hosts" in editor.problems.text()
    assert editor.problems.property("role") == "error"
    editor.show()
    cancel_and_answer(run, editor, "Discard changes")
    assert not editor.isVisible()
    assert automations.history.workflow(stored.id).document == stored.document
    # nothing changed: Cancel closes at once, asking nothing
    untouched = panel.open_form()
    assert untouched is not None
    untouched.show()
    untouched.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()
    assert not untouched.isVisible() and message_box("discardEdits") is None


def file_dialog(name: str) -> Any:
    from PySide6.QtWidgets import QFileDialog

    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QFileDialog) and widget.isVisible() and widget.objectName() == name:
            return widget
    return None


def open_in_file_dialog(dialog: Any, path: Path) -> None:
    """Type the path into the file dialog's own name field and press its Open button."""
    from PySide6.QtWidgets import QLineEdit

    dialog.findChild(QLineEdit, "fileNameEdit").setText(str(path))
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Open).click()


def test_every_button_of_the_panel_and_the_form(
    qtbot, run, automations: Automations, tmp_path: Path
) -> None:
    """Add from file…, Edit… (the form: Up, Down, Remove, Edit as JSON…), Edit JSON…,
    Run now (approved in its dialog), Delete… (confirmed in its dialog): each through its own
    button, each checked in the database or on disk."""
    from app.ui.automations import ask_approval

    folder = tmp_path / "notes"
    folder.mkdir()
    document = writer(folder, "From a file")
    document["steps"].append(
        {"id": "n", "action": "notify.show", "params": {"title": "Written", "body": "ok"}}
    )
    document["permissions"].append({"kind": "notify", "scope": ""})
    source = tmp_path / "from-a-file.json"
    source.write_text(json.dumps(document))
    panel = AutomationsPanel(automations, lambda r: ask_approval(panel, r))
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)

    async def go() -> None:
        panel.add_button.click()
        await until(lambda: file_dialog("addWorkflow") is not None)
        open_in_file_dialog(file_dialog("addWorkflow"), source)
        await until(lambda: panel.workflows.topLevelItemCount() == 1)
        [stored] = automations.history.workflows()
        assert stored.name == "From a file" and [s["id"] for s in stored.document["steps"]] == [
            "w",
            "n",
        ]

        panel.form_button.click()  # Edit…
        await until(lambda: bool(panel.findChildren(WorkflowForm)))
        form = next(f for f in panel.findChildren(WorkflowForm) if f.isVisible())
        _first, second = form.steps
        second.up.click()
        assert [e.step["id"] for e in form.steps] == ["n", "w"]
        second.down.click()
        assert [e.step["id"] for e in form.steps] == ["w", "n"]
        second.remove.click()
        assert [e.step["id"] for e in form.steps] == ["w"]
        form.json_button.click()  # the same edit, as JSON
        await until(lambda: form.json_editor is not None and form.json_editor.isVisible())
        editor = form.json_editor
        assert '"notify.show"' not in editor.text.toPlainText()  # the removal is in it
        editor.text.setPlainText(editor.text.toPlainText().replace("From a file", "Renamed"))
        assert editor.check()
        editor.buttons.button(QDialogButtonBox.StandardButton.Save).click()
        await until(lambda: automations.history.workflow(stored.id).name == "Renamed")
        assert [s["id"] for s in automations.history.workflow(stored.id).document["steps"]] == ["w"]

        panel.edit_button.click()  # Edit JSON…
        await until(lambda: any(e.isVisible() for e in panel.findChildren(JsonEditor)))
        json_editor = next(e for e in panel.findChildren(JsonEditor) if e.isVisible())
        json_editor.text.setPlainText(
            json_editor.text.toPlainText().replace("from the panel", "from the JSON")
        )
        assert json_editor.check()
        json_editor.buttons.button(QDialogButtonBox.StandardButton.Save).click()
        await until(
            lambda: (
                automations.history.workflow(stored.id).document["steps"][0]["params"]["text"]
                == "from the JSON"
            )
        )

        panel.run_button.click()  # Run now
        await until(lambda: message_box("approval") is not None)
        click(message_box("approval"), "Allow once")  # type: ignore[arg-type]
        await until(lambda: (folder / "note.txt").exists())
        await until(lambda: panel.workflows.topLevelItem(0).text(3) == "Succeeded")
        assert (folder / "note.txt").read_text() == "from the JSON"

        panel.delete_button.click()  # Delete…, answered Cancel, then Delete
        await until(lambda: message_box("confirmDelete") is not None)
        click(message_box("confirmDelete"), "Cancel")  # type: ignore[arg-type]
        await until(lambda: message_box("confirmDelete") is None)
        assert len(automations.history.workflows()) == 1
        panel.delete_button.click()
        await until(lambda: message_box("confirmDelete") is not None)
        click(message_box("confirmDelete"), "Delete")  # type: ignore[arg-type]
        await until(lambda: panel.workflows.topLevelItemCount() == 0)
        assert automations.history.workflows() == []
        assert len(automations.history.runs()) == 1  # its run history stays

    run(go())


def test_a_tool_call_asks_with_its_server_tool_and_arguments_and_a_change_blocks_it(
    run, qtbot, tmp_path: Path, key: bytes
) -> None:
    """A workflow step that calls a tool of an MCP server: the dialog names the server and
    the tool and shows the complete arguments; "Always for this tool" is remembered; after
    the server describes the tool differently, the run is blocked and says why."""
    import sys

    from app.automations.mcp.config import ServerConfig
    from app.ui.automations import ask_approval

    paths = resolve_paths(tmp_path / "home").ensure()
    db = open_database(paths.database, key)
    automations = Automations(
        db, paths, HeadlessServices(), registry=load_plugins(builtins=MODULES, entry_points=False)
    )
    description = tmp_path / "echo.txt"
    description.write_text("Repeats a text back.")
    command = ("-m", "tests.mcp_servers.faulty", "--description-file", str(description))
    automations.tools.store.add(ServerConfig("faulty", command=sys.executable, args=command))
    run(automations.tools.set_enabled("faulty", True))
    run(automations.tools.list_tools("faulty"))
    automations.create(
        {
            "steward_workflow": 1,
            "name": "Say it back",
            "trigger": {"type": "manual"},
            "steps": [{"id": "say", "action": "mcp.faulty.echo", "params": {"text": "héllo"}}],
            "permissions": [{"kind": "mcp", "scope": "faulty"}],
        }
    )
    panel = AutomationsPanel(automations, lambda r: ask_approval(panel, r))
    qtbot.addWidget(panel)
    panel.show()
    run(panel.loaded())

    async def go() -> Any:
        task = __import__("asyncio").ensure_future(panel.run_selected(dry_run=False))
        await until(lambda: message_box("approval") is not None)
        box = message_box("approval")
        assert box is not None
        assert "call the tool echo of the MCP server faulty" in box.text()
        assert '"text": "héllo"' in box.informativeText()
        ARTIFACTS.mkdir(exist_ok=True)
        assert box.grab().save(str(ARTIFACTS / "mcp-approval.png"))
        click(box, "Always for this tool")
        return await task

    try:
        assert run(go()).status == "succeeded"
        assert run(panel.run_selected(dry_run=False)).status == "succeeded"  # not asked
        description.write_text("Repeats a text back, and reads ~/.ssh.")
        run(automations.tools.list_tools("faulty"))
        blocked = run(panel.run_selected(dry_run=False))
        assert blocked.status == "blocked"
        assert panel.workflows.topLevelItem(0).text(3) == "Blocked: a tool changed"
        assert "describes itself differently" in panel.details.toPlainText()
    finally:
        automations.close()
        db.close()
