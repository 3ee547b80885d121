"""Automations in the desktop app: the scheduler starts with the session, a step that needs
approval asks in a dialog (allowed always, or refused), notifications reach the user, the
clipboard works for actions, and a running daemon keeps the app from running them twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from filelock import FileLock
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from app.automations.history import History
from app.core.steward import Steward
from app.ui.automations_panel import AutomationsPanel
from app.ui.desktop_session import DesktopSession
from tests.conftest import ROOT
from tests.ui.conftest import until

ARTIFACTS = ROOT / "test-artifacts"


def start_workflow(
    name: str, steps: list[dict[str, Any]], permissions: list[dict[str, str]]
) -> dict[str, Any]:
    return {
        "steward_workflow": 1,
        "name": name,
        "trigger": {"type": "app_start"},
        "steps": steps,
        "permissions": permissions,
    }


def save(session: DesktopSession, *documents: dict[str, Any]) -> None:
    steward = Steward(session.paths)
    history = History(steward.open_store())
    for document in documents:
        history.add_workflow(document)
    steward.close()


def approval_box() -> QMessageBox | None:
    for widget in QApplication.topLevelWidgets():
        if (
            isinstance(widget, QMessageBox)
            and widget.objectName() == "approval"
            and widget.isVisible()
        ):
            return widget
    return None


def click(box: QMessageBox, text: str) -> None:
    button = next(b for b in box.buttons() if b.text().replace("&", "") == text)
    button.click()


def test_start_workflows_ask_in_a_dialog_and_remember_always(
    run, session: DesktopSession, tmp_path: Path
) -> None:
    target = tmp_path / "notes" / "hello.txt"
    save(
        session,
        start_workflow(
            "Write hello",
            [
                {
                    "id": "w",
                    "action": "files.write",
                    "params": {"path": str(target), "text": "hello"},
                }
            ],
            [{"kind": "files.write", "scope": str(tmp_path / "notes")}],
        ),
    )

    async def go() -> Any:
        await session.start()
        await until(lambda: approval_box() is not None)
        box = approval_box()
        assert box is not None
        assert "“Write hello” wants to run step 1 (Write a text file)" in box.text()
        assert f"Write 5 characters to {target}" in box.text()
        assert f"files.write({target})" in box.informativeText()
        ARTIFACTS.mkdir(exist_ok=True)
        assert box.grab().save(str(ARTIFACTS / "approval-dialog.png"))
        click(box, "Always for this workflow")
        await until(lambda: target.exists())
        assert session.automations is not None
        history = session.automations.history
        # the file is written before the run is recorded as finished: wait for the record
        await until(lambda: [r.status for r in history.runs()] not in ([], ["running"]))
        return session.automations

    automations = run(go())
    runs = automations.history.runs()
    assert [r.status for r in runs] == ["succeeded"]
    assert automations.history.workflows()[0].approved_now
    assert target.read_text() == "hello"
    # the tray's "Recent runs" and the window's Automations button
    [line] = session.recent_runs()
    assert line.startswith("Write hello — Succeeded, ")
    assert session.window.automations_button.isEnabled()

    async def shown() -> AutomationsPanel:
        panel = session.open_automations()
        assert panel is not None and panel.isVisible()
        await panel.loaded()  # read on the store's thread
        return panel

    panel = run(shown())
    assert panel.workflows.topLevelItem(0).text(0) == "Write hello"
    assert panel.workflows.topLevelItem(0).text(3) == "Succeeded"
    assert session.open_automations() is panel  # one panel, raised again


def test_a_refused_step_does_nothing_and_says_so(
    run, session: DesktopSession, tmp_path: Path
) -> None:
    target = tmp_path / "notes" / "no.txt"
    save(
        session,
        start_workflow(
            "Write no",
            [{"id": "w", "action": "files.write", "params": {"path": str(target), "text": "no"}}],
            [{"kind": "files.write", "scope": str(tmp_path / "notes")}],
        ),
    )
    told: list[tuple[str, str]] = []
    session.notify = lambda title, body: told.append((title, body))

    async def go() -> None:
        await session.start()
        await until(lambda: approval_box() is not None)
        click(approval_box(), "Don't allow")  # type: ignore[arg-type]
        await until(lambda: bool(told))

    run(go())
    assert not target.exists()
    assert told == [
        ("Steward: Write no — Not approved", "step w: Write a text file was not approved")
    ]


def test_notifications_and_the_clipboard(run, session: DesktopSession) -> None:
    save(
        session,
        start_workflow(
            "Clip",
            [
                {"id": "c", "action": "clipboard.write", "params": {"text": "from a workflow"}},
                {"id": "r", "action": "clipboard.read", "params": {}},
                {
                    "id": "n",
                    "action": "notify.show",
                    "params": {"title": "Clipboard", "body": "{{steps.r.output}}"},
                },
            ],
            [{"kind": "clipboard"}, {"kind": "notify"}],
        ),
    )
    told: list[tuple[str, str]] = []
    session.notify = lambda title, body: told.append((title, body))

    async def go() -> None:
        await session.start()
        await until(lambda: bool(told))

    run(go())
    assert told == [("Clipboard", "from a workflow")]
    assert QGuiApplication.clipboard().text() == "from a workflow"


def test_a_daemon_already_running_keeps_the_app_from_running_workflows(
    run, session: DesktopSession, tmp_path: Path
) -> None:
    target = tmp_path / "notes" / "twice.txt"
    save(
        session,
        start_workflow(
            "Notify",
            [{"id": "n", "action": "notify.show", "params": {"title": "hi"}}],
            [{"kind": "notify"}],
        ),
    )
    told: list[tuple[str, str]] = []
    session.notify = lambda title, body: told.append((title, body))
    daemon_lock = FileLock(str(session.paths.data / "automations.lock"))
    daemon_lock.acquire(timeout=0)
    try:
        run(session.start())
        assert session.automations is not None and session.scheduler is None
        assert told == [] and not target.exists()
    finally:
        daemon_lock.release()
