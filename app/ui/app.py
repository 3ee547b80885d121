"""Start the desktop app: Qt + qasync, the window and the quick prompt on a desktop session
(unlock, store, model in the background: the window is usable at once), the tray, the
single-instance socket, and quitting."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QDialog

from app.core.errors import KnownError
from app.core.logs import setup_logging
from app.core.paths import Paths, resolve_paths
from app.core.settings import SettingsStore
from app.ui import crash, i18n, trace
from app.ui.appearance import Appearance
from app.ui.event_loop import GuiGarbageCollector, close_event_loop, qt_event_loop
from app.ui.hotkey import HOTKEY_TEXT, GlobalHotkey
from app.ui.i18n import tr
from app.ui.main_window import MainWindow
from app.ui.qt_async import async_slot
from app.ui.quick_prompt import QuickPrompt
from app.ui.single_instance import InstanceServer, UnsafeSocketFolder, forward
from app.ui.style import assets_folder
from app.ui.trace import FirstPaint
from app.ui.tray import Tray

if TYPE_CHECKING:
    from app.automations.planner import Plan

from app.ui.desktop_session import DesktopSession

# how long a stopped answer may take to save its partial text when quitting
QUIT_GRACE_S = 1.0
FIRST_PAINT_WAIT_S = 2.0  # the longest the store waits for the window's first paint


def starts_minimized(request: dict[str, Any], settings: SettingsStore, tray: bool) -> bool:
    """Start in the tray only when there is a tray to come back from."""
    if not tray:
        return False
    if request.get("minimized"):
        return True
    try:
        return settings.load().start_minimized
    except KnownError:
        return False


def app_icon() -> QIcon:
    path = assets_folder() / "steward.svg"
    return QIcon(str(path)) if path.exists() else QIcon()


def connect_tray(tray: Tray, session: DesktopSession, quit_app: Callable[[], None]) -> None:
    """What each entry of the tray's menu does in the running app."""
    window, quick = session.window, session.quick
    tray.quick_prompt_requested.connect(quick.popup)
    tray.open_requested.connect(window.show_and_raise)
    tray.new_conversation_requested.connect(window.show_and_raise)
    tray.new_conversation_requested.connect(window._on_new_action_triggered)
    tray.quit_requested.connect(quit_app)
    tray.lock_requested.connect(session._on_lock_requested)
    tray.lock_requested.connect(quick.hide)
    window.answer_finished_unseen.connect(tray.notify_answer)
    session.notify = tray.notify
    tray.recent_runs = session.recent_runs
    tray.automations_requested.connect(window.show_and_raise)
    tray.automations_requested.connect(session.open_automations)


def handle_request(
    request: dict[str, Any], window: MainWindow, quick: QuickPrompt, quit_app: Callable[[], None]
) -> None:
    """What a later `steward` launch asked of this one (see app.ui.single_instance). A
    question sent while one is answered waits its turn in the quick prompt."""
    action = request.get("action")
    if action == "show" and not request.get("minimized"):  # a login start changes nothing
        window.show_and_raise()
    elif action == "quick":
        quick.popup()
    elif action == "ask":
        quick.popup(str(request.get("prompt") or ""))
    elif action == "quit":
        quit_app()


def run(
    model_override: str | None = None,
    request: dict[str, Any] | None = None,
    *,
    load_model: bool = True,
) -> int:
    """Start the desktop app, or hand ``request`` to the one already running here."""
    request = request or {"action": "show"}
    paths = resolve_paths().ensure()
    setup_logging(paths)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Steward")
    app.setApplicationDisplayName("Steward")
    app.setQuitOnLastWindowClosed(False)
    if forward(paths.data, request):
        return 0
    if request["action"] == "quit":
        print("Steward is not running.", file=sys.stderr)
        return 0
    server = _instance_server(paths)
    icon = app_icon()
    app.setWindowIcon(icon)
    loop = qt_event_loop(app)
    collector = GuiGarbageCollector(app)
    crash.install(paths, QApplication.activeWindow)
    try:
        saved = SettingsStore(paths.settings_file).load()
        choice, language = saved.appearance, saved.language
    except KnownError:
        choice, language = "system", "system"
    i18n.install(app, language)
    appearance = Appearance(app, choice)
    qsettings = QSettings(str(paths.config / "qt.ini"), QSettings.Format.IniFormat)
    window = MainWindow(appearance.theme, qsettings)
    quick = QuickPrompt(appearance.theme)
    appearance.changed.connect(window.set_theme)
    appearance.changed.connect(quick.set_theme)
    session = DesktopSession(window, paths, model_override, quick, load_model=load_model)
    session.appearance = appearance
    quit_now = asyncio.Event()
    tray: Tray | None = None
    if Tray.available():
        tray = Tray(icon)
        connect_tray(tray, session, quit_now.set)
        tray.show()
        window.keep_running_in_tray = tray.tell_still_running
    else:
        app.lastWindowClosed.connect(quit_now.set)

    window.quit_requested.connect(quit_now.set)

    def on_request(req: dict[str, Any]) -> None:
        handle_request(req, window, quick, quit_now.set)

    if server is not None:
        server.request_received.connect(on_request)

    links = _link_quick_prompt(quick, window, session)
    minimized = starts_minimized(request, SettingsStore(paths.settings_file), Tray.available())
    hotkey = GlobalHotkey()  # grabbed once the window is on screen
    _tell_unseen_crash(window, paths)
    # the store opens and the model loads once the window is on screen: it paints first
    painted = asyncio.Event()
    first_paint = FirstPaint(window)
    first_paint.done.connect(painted.set)
    if request["action"] in ("quick", "ask"):
        on_request(request)
        painted.set()
    elif not minimized:
        window.installEventFilter(first_paint)
        window.show()
        window.composer.setFocus()
    else:
        painted.set()

    async def main() -> None:
        with contextlib.suppress(TimeoutError):  # a platform that never paints still starts
            await asyncio.wait_for(painted.wait(), FIRST_PAINT_WAIT_S)
        _start_hotkey(hotkey, quick)
        starting = asyncio.ensure_future(session.start())
        starting.add_done_callback(lambda _: collector.freeze())  # start-up objects stay
        await quit_now.wait()
        trace.mark("quit")
        await quit_app(app, session, server, tray)
        starting.cancel()

    try:
        loop.run_until_complete(main())
    finally:
        hotkey.stop()
        links.clear()  # (kept until here: connected for as long as the app runs)
        if server is not None:
            server.close()
        session.close()
        close_event_loop(loop)
        collector.stop()
    return 0


def _instance_server(paths: Paths) -> InstanceServer | None:
    """The single-instance socket, listening; None when its folder is unsafe (the app still
    runs; later launches start their own)."""
    try:
        server = InstanceServer(paths.data)
    except UnsafeSocketFolder as exc:
        logging.getLogger(__name__).warning("no single-instance socket (%s)", type(exc).__name__)
        print(f"Steward: {exc}", file=sys.stderr)
        return None
    server.listen()
    return server


def _link_quick_prompt(
    quick: QuickPrompt, window: MainWindow, session: DesktopSession
) -> list[Callable[..., object]]:
    """The quick prompt's hand-overs to the window: open its conversation there, review a
    drafted workflow there, list its new conversation. Returns the slots (keep them)."""

    @async_slot(str)
    async def open_from_quick(conversation_id: str) -> None:
        assistant = session.assistant
        if assistant is None:
            return
        db = assistant.db
        conv = await assistant.db_call(lambda: db.conversation(conversation_id))
        await window.reload_conversations(select=conv.id)
        await window.open_conversation(conv)
        window.show_and_raise()

    def review_from_quick(plan: Plan) -> None:
        window.show_and_raise()
        window.show_plan(plan)

    @async_slot(str)
    async def on_quick_answered(_conversation_id: str) -> None:
        if session.assistant is not None:
            await window.reload_conversations()

    def mark_answered(_conversation_id: str) -> None:
        trace.mark("answered")

    quick.open_requested.connect(open_from_quick)
    quick.review_requested.connect(review_from_quick)
    quick.answered.connect(on_quick_answered)
    quick.answered.connect(mark_answered)
    return [open_from_quick, review_from_quick, on_quick_answered, mark_answered]


def _start_hotkey(hotkey: GlobalHotkey, quick: QuickPrompt) -> None:
    if hotkey.start():
        hotkey.activated.connect(quick.popup)
        quick.hint.setText(tr("{0} opens this prompt from anywhere.").format(HOTKEY_TEXT))
    else:
        logging.getLogger(__name__).info("no global hotkey: %s", hotkey.problem)


def _tell_unseen_crash(window: MainWindow, paths: Paths) -> None:
    if (report := crash.unseen_crash(paths)) is not None:
        window.show_banner(
            tr(
                "Steward closed unexpectedly last time. A report (no message text in it) "
                "is in {0}. Nothing you had saved was lost."
            ).format(report),
            error=True,
        )


async def quit_app(
    app: QApplication, session: DesktopSession, server: InstanceServer | None, tray: Tray | None
) -> None:
    """Quit at once: the windows and the tray icon go, the single-instance socket closes (a
    Steward started now opens its own window), running workflows are cancelled and recorded
    so (which releases the automations to that Steward), the answer in progress is stopped
    and its partial text saved; then the store and the model close."""
    started = time.monotonic()
    for widget in app.topLevelWidgets():  # an open dialog (unlock, consent…) answers "no"
        if isinstance(widget, QDialog) and widget.isVisible():
            widget.reject()
    session.window.shutdown()
    session.quick.stop()
    for widget in app.topLevelWidgets():
        widget.hide()
    if tray is not None:
        tray.icon.hide()
    if server is not None:
        server.close()
    core = session.core
    if core is not None and core.scheduler is not None:
        await core.scheduler.stop()
        core.scheduler = None
    # let stopped answers finish: each records its partial text before the store closes
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    if others:
        await asyncio.wait(others, timeout=QUIT_GRACE_S)
    await session.aclose()
    logging.getLogger(__name__).info("quit in %.0f ms", (time.monotonic() - started) * 1000)
