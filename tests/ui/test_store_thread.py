"""The GUI thread never waits on disk: every SQLCipher statement of a scripted desktop
session — open, chat, open the automations panel, run a workflow, search — runs on the
store's thread (or, while unlocking, on a worker). Counted with SQLite's trace callback on
every connection the app opens."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.core.settings import SettingsStore, apply_setting
from app.core.store import database
from app.ui.desktop_session import DesktopSession
from tests.ui.conftest import until
from tests.ui.drive import turn

HELLO = {
    "steward_workflow": 1,
    "name": "Say hello",
    "trigger": {"type": "manual"},
    "steps": [{"id": "n", "action": "notify.show", "params": {"title": "Hello", "body": "hi"}}],
    "permissions": [{"kind": "notify"}],
}


def test_no_sqlcipher_statement_runs_on_the_gui_thread(
    run, qtbot, session: DesktopSession, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    statements: list[tuple[int, str]] = []
    real_connect = database.dbapi.connect

    def traced(*args, **kwargs):  # type: ignore[no-untyped-def]
        conn = real_connect(*args, **kwargs)
        conn.set_trace_callback(lambda sql: statements.append((threading.get_ident(), sql)))
        return conn

    monkeypatch.setattr(database.dbapi, "connect", traced)
    store = SettingsStore(session.paths.settings_file)
    settings = store.load()
    apply_setting(settings, "max_tokens", "12")  # a short answer is enough here
    store.save(settings)
    window = session.window
    told: list[str] = []
    session.notify = lambda title, body: told.append(title)

    async def go() -> None:
        await session.start()  # open: unlock, list the conversations, start automations
        qtbot.keyClicks(window.composer, "Say hello to the lighthouse keeper.")
        await turn(window, lambda: qtbot.keyClick(window.composer, Qt.Key.Key_Return))  # chat
        panel = session.open_automations()  # the automations panel
        assert panel is not None
        await panel.loaded()
        stored = await panel.add_document(json.dumps(HELLO), "hello.json")
        assert stored is not None
        record = await panel.run_selected(dry_run=False)  # run a workflow
        assert record is not None and record.status == "succeeded", record
        await until(lambda: panel.workflows.topLevelItem(0).text(3) == "Succeeded")
        window.search.setText("lighthouse")  # search
        await until(lambda: "1 conversation match" in window.search_status.text())

    run(go())
    gui = threading.main_thread().ident
    on_gui = [sql for ident, sql in statements if ident == gui]
    assert on_gui == []
    # the trace saw the session's work, on other threads
    assert len(statements) > 50
    assert any("INSERT INTO" in sql and "messages" in sql for _, sql in statements)
    assert any("runs" in sql for _, sql in statements)
