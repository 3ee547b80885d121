"""Widget tests run on Qt's offscreen platform with a qasync event loop, so the window's
async slots run exactly as in the app. The model and the encrypted database are real."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
import qasync
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from app.core.assistant import Assistant
from app.core.llm.engine import LocalEngine
from app.core.llm.model_files import ModelRef
from app.core.paths import resolve_paths
from app.core.settings import ModelSettings
from app.core.store.database import Database, open_database
from app.session import Session
from app.ui.desktop_session import DesktopSession
from app.ui.event_loop import GuiGarbageCollector, close_event_loop, qt_event_loop
from app.ui.main_window import MainWindow
from app.ui.qt_async import settle_slots
from app.ui.quick_prompt import QuickPrompt
from app.ui.render import Theme
from tests.ui import coverage

T = TypeVar("T")


@pytest.fixture(scope="session", autouse=True)
def gui_garbage_collector(qapp: QApplication) -> Iterator[GuiGarbageCollector]:
    """As in the app: cycles (and the Qt objects in them) are collected on this thread only."""
    collector = GuiGarbageCollector(qapp)
    yield collector
    collector.stop()


@pytest.fixture(scope="session")
def control_recorder(qapp: QApplication) -> Iterator[coverage.Recorder]:
    """What the UI tests click, across the session (see tests/ui/coverage.py)."""
    recorder = coverage.Recorder()
    yield recorder
    coverage.save(recorder)


@pytest.fixture(autouse=True)
def _record_controls(control_recorder: coverage.Recorder, qtbot: Any) -> Iterator[None]:
    yield from coverage.recording(control_recorder)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Right after a UI test's body, while its windows still exist: list their controls."""
    yield
    # (a window shown in another language holds the same controls under other labels)
    if coverage.active is not None and item.get_closest_marker("translated") is None:
        coverage.active.survey()


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    event_loop = qt_event_loop(qapp)
    yield event_loop
    # a task a test left running must not step later, outside any loop
    leftover = [task for task in asyncio.all_tasks(event_loop) if not task.done()]
    for task in leftover:
        task.cancel()
    if leftover:
        event_loop.run_until_complete(asyncio.gather(*leftover, return_exceptions=True))
    close_event_loop(event_loop)


Runner = Callable[[Coroutine[Any, Any, Any]], Any]


@pytest.fixture
def run(loop: qasync.QEventLoop) -> Runner:
    """Run a test's coroutine on the loop; the slot work it started ends with it. (Between
    two runs pytest-qt processes Qt events outside the loop: a slot's task woken then would
    step with no running loop.)"""

    async def settled(coro: Coroutine[Any, Any, Any]) -> Any:
        try:
            return await coro
        finally:
            await settle_slots()

    return lambda coro: loop.run_until_complete(settled(coro))


async def until(condition: Callable[[], T], timeout: float = 30.0) -> T:
    """Wait (letting Qt and asyncio run) until ``condition`` holds; what it last gave."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not (value := condition()):
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)
    return value


@pytest.fixture
def engine(model_path: Path) -> Iterator[LocalEngine]:
    eng = LocalEngine(
        ModelRef("embedded", "SmolLM2", model_path),
        ModelSettings(n_ctx=2048, max_tokens=48, temperature=0.0),
    )
    yield eng
    eng.close()


@pytest.fixture
def window_factory(
    tmp_path: Path, key: bytes, engine: LocalEngine, qtbot
) -> Iterator[Callable[[], tuple[MainWindow, Assistant]]]:
    made: list[Assistant] = []
    db_path = tmp_path / "ui.db"

    def make() -> tuple[MainWindow, Assistant]:
        db: Database = open_database(db_path, key)
        assistant = Assistant(db, engine, system_prompt="Be brief.")
        made.append(assistant)
        settings = QSettings(str(tmp_path / "qt.ini"), QSettings.Format.IniFormat)
        window = MainWindow(Theme.light(), settings)
        qtbot.addWidget(window)
        # messages go through a session, as in the app (sharing the one loaded model)
        window.set_session(Session.around(assistant, resolve_paths(tmp_path / "home")), None)
        return window, assistant

    yield make
    for assistant in made:
        assistant.close()
        assistant.db.close()


@pytest.fixture
def session(qtbot, tmp_path: Path, run: Runner) -> Iterator[DesktopSession]:
    """The app's session (unlock, model, settings, lock) on a fresh data folder, with its own
    window and quick prompt; closed on the loop at the end."""
    paths = resolve_paths(tmp_path / "home").ensure()
    window = MainWindow(
        Theme.light(), QSettings(str(tmp_path / "qt.ini"), QSettings.Format.IniFormat)
    )
    qtbot.addWidget(window)
    quick = QuickPrompt(Theme.light())
    qtbot.addWidget(quick)
    s = DesktopSession(window, paths, None, quick)
    yield s
    run(s.aclose())
