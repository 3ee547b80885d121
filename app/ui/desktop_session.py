"""The desktop's adapter of the app's session: unlock through dialogs, banners while the
model loads, automations with dialogs and tray notices, lock and erase."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from app.core.assistant import Assistant, ConsentAnswer, ConsentRequest
from app.core.errors import KnownError, ModelError, WrongKeyError
from app.core.llm.engine import LocalEngine
from app.core.paths import Paths
from app.core.secrets import PASSPHRASE_ENV, keyring_info
from app.core.steward import Steward
from app.session import Session
from app.ui import i18n, trace
from app.ui.appearance import Appearance
from app.ui.dialogs import ask_three_ways, settle
from app.ui.i18n import QT_TR_NOOP, tr
from app.ui.main_window import MainWindow
from app.ui.main_window_layout import STATUS_NOTE_MS
from app.ui.qt_async import async_slot, off_gui, settle_slots
from app.ui.quick_prompt import QuickPrompt
from app.ui.session_models import SessionModels
from app.ui.settings_dialog import SettingsDialog
from app.ui.unlock import PassphraseDialog

if TYPE_CHECKING:
    from app.api.server import ApiServer
    from app.automations.history import RunRecord
    from app.automations.scheduler import Scheduler
    from app.automations.service import Automations
    from app.ui.automations_panel import AutomationsPanel
    from app.ui.models_window import ModelsWindow


T = TypeVar("T")
RECENT_RUNS = 5  # runs listed in the tray's menu


LOCKED_TEXT = QT_TR_NOOP(
    "Steward is locked: your history stays encrypted until you unlock it. "
    "Automations do not run while it is locked."
)


async def ask_passphrase(window: MainWindow, *, new: bool, error: str = "") -> str | None:
    dialog = PassphraseDialog(new=new, parent=window)
    if error:
        dialog.show_error(error)
    done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    dialog.finished.connect(lambda code: settle(done, code))
    dialog.open()
    code = await done
    return dialog.passphrase.text() if code == QDialog.DialogCode.Accepted else None


# streamed tokens wake the GUI at most this often: the window draws at the same pace
# (STREAM_DRAW_MS), and every wake-up on a machine whose cores all decode costs the model time
# (on 2 cores, tokens/s shown in the window ÷ Llama.generate read 0.93-0.95 at 100 ms and
# 0.98-0.99 at 200 ms, three 21-round runs each, interleaved)
DESKTOP_WAKE_S = 0.2


async def ask_cloud_consent(parent: QWidget, request: ConsentRequest) -> ConsentAnswer:
    """Before a conversation first leaves the machine: what, where, and why; the person
    chooses once, for this conversation, or not at all (the default)."""
    box = QMessageBox(
        QMessageBox.Icon.Question, tr("Send to the cloud? — Steward"), "", parent=parent
    )
    size = tr("{0} messages, {1:,} characters").format(request.message_count, request.characters)
    box.setText(
        tr("The local model cannot answer: {0}.\n\nSend “{1}” ({2}) to {3}, model {4}?").format(
            request.reason, request.title, size, request.host, request.model
        )
    )
    box.setInformativeText(request.redaction_text())
    answer = await ask_three_ways(
        box, tr("Send &once"), tr("Allow for this &conversation"), tr("&Don't send")
    )
    return ("once", "conversation", "refuse")[answer]


class DesktopSession(SessionModels):
    """The desktop's adapter of the app's :class:`app.session.Session`: unlock through
    dialogs, banners while the model loads, automations with dialogs and tray notices. It
    assembles nothing itself."""

    def __init__(
        self,
        window: MainWindow,
        paths: Paths,
        model_override: str | None,
        quick: QuickPrompt,
        *,
        load_model: bool = True,
    ) -> None:
        self.window = window
        self.load_model = load_model
        self.appearance: Appearance | None = None  # set by run(): settings switch light/dark
        self.quick = quick
        self.paths = paths
        self.model_override = model_override
        self.core: Session | None = None  # the unlocked session
        # set whenever no unlock, lock or erase is in progress (tests and quit wait on it)
        self.settled = asyncio.Event()
        self._panel: AutomationsPanel | None = None
        self._recent: list[RunRecord] = []  # the newest runs, for the tray's menu
        # waits to run the automations while another Steward runs them
        self._take_over: asyncio.Future[None] | None = None
        # settings being applied (the engine reloads): closing the session cancels them
        self._applying: set[asyncio.Task[object]] = set()
        self._apply_lock = asyncio.Lock()
        # where automation notifications go: the tray when there is one (set by run())
        self.notify: Callable[[str, str], None] = self._notify_in_window
        window.unlock_button.clicked.connect(self._on_unlock_requested)
        window.settings_button.clicked.connect(self.open_settings)
        window.automations_button.clicked.connect(self.open_automations)
        window.model_picker.chosen.connect(self._on_model_chosen)
        window.model_picker.manage_requested.connect(self.open_models)
        window.model_dropped.connect(self._on_model_dropped)
        window.banner.linkActivated.connect(self._on_banner_link)
        self.suggested = ""  # the catalog model suggested on first run
        self.models_window: ModelsWindow | None = None
        self.api_server: ApiServer | None = None  # the local API, when Settings turn it on
        self.api_status = tr("Off.")

    @property
    def panel(self) -> AutomationsPanel | None:
        """The automations panel while it exists. It is the window's child, so it goes when the
        window is deleted, which may come before the session closes."""
        if self._panel is not None and not shiboken6.isValid(self._panel):
            self._panel = None
        return self._panel

    @panel.setter
    def panel(self, panel: AutomationsPanel | None) -> None:
        self._panel = panel

    # what the session holds, for the dialogs and panels that use it
    @property
    def steward(self) -> Steward | None:
        return self.core.steward if self.core is not None else None

    @property
    def engine(self) -> LocalEngine | None:
        return self.core.engine() if self.core is not None else None

    @property
    def assistant(self) -> Assistant | None:
        return self.core.assistant() if self.core is not None and self.core.unlocked else None

    @property
    def automations(self) -> Automations | None:
        return self.core.current_automations if self.core is not None else None

    @property
    def scheduler(self) -> Scheduler | None:
        return self.core.scheduler if self.core is not None else None

    async def start(self, *, from_environment: bool = True) -> None:
        """Unlock the store (keyring, $STEWARD_PASSPHRASE or the dialog), then load the model
        in the background of the open window. The environment's passphrase is used only at
        start: after Lock, the dialog always asks."""
        self.settled.clear()
        try:
            await self._unlock_and_load(from_environment)
        finally:
            self.settled.set()

    async def _unlock(self, from_environment: bool) -> tuple[Session, list[str]] | None:
        """The session with its store open, and a new recovery key if one was made; None
        when the person cancelled or the store cannot be opened (the window says why)."""
        window = self.window
        recovery: list[str] = []
        passphrase: str | None = None
        core = Session(
            self.paths,
            model=self.model_override,
            load_model=self.load_model,
            ask_passphrase=lambda new: passphrase,
            on_recovery_key=recovery.append,
            consent=lambda request: ask_cloud_consent(window, request),
            wake_interval=DESKTOP_WAKE_S,
        )
        meta = core.steward.keys.meta()
        info = await off_gui(keyring_info)
        needs_passphrase = (meta is not None and meta.key_storage == "passphrase") or (
            meta is None and not info.usable
        )
        error = ""
        # scripted use: $STEWARD_PASSPHRASE is tried first, as the CLI does; if it is wrong,
        # the dialog asks
        passphrase = (os.environ.get(PASSPHRASE_ENV) or None) if from_environment else None
        while True:
            if needs_passphrase and passphrase is None:
                passphrase = await ask_passphrase(window, new=meta is None, error=error)
                if passphrase is None:
                    window.show_locked(tr(LOCKED_TEXT))
                    return None
            try:
                await off_gui(core.unlock)
                return core, recovery
            except WrongKeyError as exc:
                error = exc.message
                passphrase = None
            except KnownError as exc:
                window.show_locked(exc.user_text(), error=True)
                return None

    def _show_recovery_key(self, key: str) -> None:
        from app.ui.recovery_key import RecoveryKeyDialog

        dialog = RecoveryKeyDialog(key, first=True, parent=self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    async def _unlock_and_load(self, from_environment: bool) -> None:
        window = self.window
        unlocked = await self._unlock(from_environment)
        if unlocked is None:
            return
        core, recovery = unlocked
        self.core = core
        if recovery:
            self._show_recovery_key(recovery[0])
        # the engine (made, not loaded) and the cloud gate: the key may be in the keyring
        assistant = await off_gui(core.assistant)
        self.quick.set_session(core)
        await window.attach(assistant)
        window.set_session(core, None)
        route = assistant.cloud
        window.set_cloud(route.settings if route is not None else None)
        trace.mark("listed")
        await self.refresh_models()
        await self.start_automations()
        engine = core.engine()
        if engine is None:
            assert core.local_error is not None
            window.show_banner(core.local_error.user_text(), error=self.load_model)
            window.set_status(tr("No local model"))
            return
        window.show_banner(tr("Loading {0}… you can type meanwhile.").format(engine.model.name))
        window.set_status(tr("Loading model…"))
        try:
            await core.load_engine()
        except ModelError as exc:
            window.show_banner(exc.user_text(), error=True)
            window.set_status(tr("Model failed to load"))
            return
        trace.mark("model_loaded")
        window.show_banner("")
        self._show_model_status()
        await self.apply_api()
        await self.suggest_a_model()

    async def start_automations(self) -> None:
        """Run scheduled and triggered workflows while the window is open, unless another
        Steward (a daemon) already does; approval questions become dialogs."""
        # imported here, after the window is up: none of it is needed to paint it
        from app.ui.automations import DesktopServices, ask_approval

        core = self.core
        assert core is not None
        await off_gui(core.registry)  # plugins are imported off the GUI thread
        services = DesktopServices(lambda: self.engine, lambda t, b: self.notify(t, b))
        # on the store service: every history call runs on the database thread
        automations = core.automations(services)
        automations.listeners.append(self._remember_run)
        approver = functools.partial(ask_approval, self.window)
        started = await core.start_scheduler(
            services, approver=approver, on_run=self._on_run_finished
        )
        if not started:
            logging.getLogger(__name__).info("automations are run by another Steward for now")
            self._take_over = asyncio.ensure_future(
                core.take_over_scheduler(services, approver=approver, on_run=self._on_run_finished)
            )
        self.window.automations_button.setEnabled(True)
        self.window.set_session(core, automations)
        self.window.workflow_saved.connect(self._on_workflow_saved)
        await self._read_recent_runs()
        trace.mark("automations")

    def _on_workflow_saved(self, _workflow_id: str) -> None:
        """A card saved a workflow (or ran an action): the scheduler and the panel see it now."""
        if self.scheduler is not None:
            self.scheduler.reload()
        if self.panel is not None:
            self.panel.refresh()

    def open_automations(self) -> AutomationsPanel | None:
        """The automations panel (one, raised if it is open already)."""
        if self.automations is None:
            return None
        from app.ui.automations import ask_approval
        from app.ui.automations_panel import AutomationsPanel

        panel = self.panel
        if panel is None:
            panel = AutomationsPanel(
                self.automations, lambda request: ask_approval(self.panel, request), self.window
            )
            self.panel = panel
        else:
            panel.refresh()
        panel.show()
        panel.raise_()
        panel.activateWindow()
        return panel

    def recent_runs(self, limit: int = 5) -> list[str]:
        """The newest runs, a line each, for the tray's menu (kept up to date after every
        run, so opening the menu reads nothing from disk)."""
        from app.ui.automation_text import local_time, status_text

        lines = []
        for run in self._recent[:limit]:
            when = local_time(run.started, "%H:%M")
            lines.append(f"{run.workflow_name} — {status_text(run.status)}, {when}")
        return lines

    async def _read_recent_runs(self) -> None:
        automations = self.automations
        if automations is not None:
            history = automations.history
            self._recent = await automations.call(lambda: history.runs(limit=RECENT_RUNS))

    def _remember_run(self, run: RunRecord) -> None:
        self._recent = [run, *(r for r in self._recent if r.id != run.id)][:RECENT_RUNS]

    def _on_run_finished(self, run: RunRecord) -> None:
        if self.panel is not None and self.panel.isVisible():
            self.panel.refresh()
        if run.status != "succeeded":
            from app.ui.automation_text import status_text

            self.notify(
                tr("Steward: {0} — {1}").format(run.workflow_name, status_text(run.status)),
                run.error or "",
            )

    def _notify_in_window(self, title: str, body: str) -> None:
        self.window.show_banner(f"{title}: {body}" if body else title)

    def open_settings(self) -> SettingsDialog | None:
        if self.steward is None or self.steward.db is None:
            return None
        dialog = SettingsDialog(self.steward, self.window)
        dialog.applied.connect(self._on_settings_applied)
        dialog.lock_requested.connect(self._on_lock_requested)
        dialog.erase_requested.connect(self._on_erase_requested)
        dialog.api_page.show_status(self.api_status)
        if self.automations is not None:
            from app.ui.tools_page import ToolsPage

            page = ToolsPage(self.automations)
            dialog.add_tools_page(page)
            page.refresh()
        if self.appearance is not None:
            dialog.appearance_changed.connect(self.appearance.apply)
        dialog.language_changed.connect(self._on_language_changed)
        dialog.open()
        return dialog

    def _on_language_changed(self, choice: str) -> None:
        """Speak the new language now: the main window and the quick prompt change at once
        (Qt's LanguageChange); dialogs speak it when next opened."""
        app = QApplication.instance()
        assert app is not None
        i18n.install(app, choice)
        self.window.statusBar().showMessage(
            tr("Language changed: dialogs use it when next opened."), STATUS_NOTE_MS
        )

    @async_slot()
    async def _on_settings_applied(self) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._applying.add(task)
        try:
            async with self._apply_lock:  # a second Apply waits for the first
                await self.apply_settings()
        finally:
            self._applying.discard(task)

    async def apply_settings(self) -> None:
        """Use the saved model settings now: reconfigure (or reload) the engine."""
        core, assistant = self.core, self.assistant
        assert core is not None and assistant is not None
        window = self.window
        try:
            model = core.steward.model(self.model_override)
        except ModelError as exc:
            window.show_banner(exc.user_text(), error=True)
            return
        values = core.steward.model_settings(model)
        assistant.system_prompt = values.system_prompt
        await core.reload_cloud()
        route = core.gate().route
        window.set_cloud(route.settings if route is not None else None)
        window.show_banner(tr("Applying settings for {0}…").format(model.name))
        try:
            engine = core.replace_engine()
            await engine.reconfigure(model, values)
            info = await engine.load()
        except ModelError as exc:
            window.show_banner(exc.user_text(), error=True)
            return
        window.show_banner("")
        window.set_status(tr("{0} · local · context {1}").format(info.ref.name, info.n_ctx))
        await self.refresh_models()
        await self.apply_api()

    async def apply_api(self) -> None:
        """Serve the local API while Settings › Local API says so (started again with its
        settings; a busy port is shown, with the fix)."""
        from app.api.server import ApiOptions, ApiServer, PortBusyError, api_token

        core = self.core
        if self.api_server is not None:
            await self.api_server.stop()
        if core is None or not core.steward.settings.api.enabled:
            self.api_status = tr("Off.")
            return
        chosen = core.steward.settings.api
        options = ApiOptions(
            host="0.0.0.0" if chosen.network else "127.0.0.1",
            port=chosen.port,
            origins=tuple(chosen.origins.split()),
            queue=chosen.queue,
            keep_history=chosen.keep_history,
            switch_models=chosen.switch_models,
            allow_cloud=chosen.allow_cloud,
        )
        token = await off_gui(lambda: api_token(core.steward))
        self.api_server = self.api_server or ApiServer()
        try:
            url = await self.api_server.start(core, token, options)
        except PortBusyError as exc:
            self.api_status = tr("Not running: {0}").format(exc.user_text())
            self.window.show_banner(
                tr("The local API is not running: {0}").format(exc.user_text()), error=True
            )
            return
        self.api_status = tr("Answering on {0}").format(url)

    @async_slot()
    async def _on_lock_requested(self) -> None:
        await self.lock()

    async def lock(self, *, erase: bool = False) -> None:
        """Close the store, drop the model's state (it holds conversation tokens) and every
        piece of content on screen. It stays locked until the user unlocks it (Unlock… asks
        for the passphrase, or opens the keyring's key); after an erase, a new history is set
        up at once."""
        if not self.settled.is_set() or self.core is None:
            return  # locked already, or an unlock is in progress: its dialog is the way in
        self.settled.clear()
        self.window.detach()
        self.quick.hide()
        self.quick.set_session(None)
        steward = self.core.steward
        automations = self.core.current_automations
        if erase and automations is not None:  # the MCP servers' secrets go with the data
            with contextlib.suppress(KnownError):
                await automations.call(automations.tools.store.forget_secrets)
        await self.aclose()
        # nothing may reach the closed store while the erase (or the unlock) is awaited
        self.core = None
        if erase:
            await off_gui(steward.erase_all)
            await self.start(from_environment=False)
            return
        self.window.show_locked(tr(LOCKED_TEXT))
        self.settled.set()

    @async_slot()
    async def _on_unlock_requested(self) -> None:
        await self.unlock()

    async def unlock(self) -> None:
        """Unlock after Lock (or after the first dialog was cancelled)."""
        if not self.settled.is_set() or self.core is not None:
            return
        await self.start(from_environment=False)

    @async_slot()
    async def _on_erase_requested(self) -> None:
        await self.lock(erase=True)

    async def aclose(self) -> None:
        """close(), after the session stops the scheduler (a run in progress is recorded as
        cancelled) and ends the cloud client's connections on this loop."""
        if self._take_over is not None:
            self._take_over.cancel()
            self._take_over = None
        for task in list(self._applying):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await settle_slots()  # what the window started ends (or is cancelled) before it goes
        if self.panel is not None:
            self.panel.close()
            self.panel.deleteLater()
            self.panel = None
        await self.close_models_window()
        if self.api_server is not None:
            await self.api_server.stop()
            self.api_status = tr("Off.")
        if self.core is not None:
            if shiboken6.isValid(self.window):
                self.window.detach()  # the store closes next: nothing on screen may reach it
            await self.core.aclose()
        self.close()

    def close(self) -> None:
        if self.core is not None:
            self.core.close()
