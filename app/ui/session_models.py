"""The desktop session's models: the picker at the top of the chat, switching (with the
chat-format question), a GGUF dropped on the window, the Models window, and the first-run
suggestion. A part of DesktopSession (app.ui.desktop_session), kept apart for its size."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6

from app.core.errors import KnownError, ModelError
from app.core.llm.download import human_size
from app.core.llm.prompt import TemplateNeededError
from app.ui.i18n import tr
from app.ui.model_picker import ask_chat_format
from app.ui.qt_async import async_slot, off_gui

if TYPE_CHECKING:
    from app.session import Session
    from app.ui.main_window import MainWindow
    from app.ui.models_window import ModelsWindow

SUGGEST_LINK = "steward:models"  # the first-run suggestion's link: the Models window


class SessionModels:
    """What DesktopSession does with models (it sets ``core``, ``window``, ``models_window``
    and ``suggested`` and connects the signals)."""

    core: Session | None
    window: MainWindow
    models_window: ModelsWindow | None
    suggested: str

    def _show_model_status(self) -> None:
        engine = self.core.engine() if self.core is not None else None
        info = engine.info if engine is not None else None
        if info is not None:
            self.window.set_status(
                tr("{0} · local · context {1}").format(info.ref.name, info.n_ctx)
            )
        else:
            self.window.set_status(tr("No local model loaded"))

    async def refresh_models(self) -> None:
        """The picker (and the Models window, when open) show the list as it is now."""
        core = self.core
        if core is None:
            return
        models, active = await off_gui(lambda: (core.models().all(), core.active_model()))
        if self.core is not core or not shiboken6.isValid(self.window.model_picker):
            return  # locked, or the window closed, meanwhile
        self.window.model_picker.show_models(models, active.id if active else "")
        if self.models_window is not None and shiboken6.isValid(self.models_window):
            await self.models_window.reload()

    @async_slot(str)
    async def _on_model_chosen(self, model_id: str) -> None:
        await self.switch_model(model_id)

    async def switch_model(self, model_id: str, chat_format: str = "") -> bool:
        """Answer with another model from the next message on (after an answer in progress).
        A model without a working chat template asks for a format; one that cannot load
        leaves the model before in place. True when the switch happened."""
        core, window = self.core, self.window
        if core is None:
            return False
        picker = window.model_picker
        previous = picker.active_id
        record = await off_gui(lambda: core.models().find(model_id))
        picker.setEnabled(False)
        waiting = core.messages_ahead > 0
        window.show_banner(
            tr("Switching to {0} after this answer…").format(record.name)
            if waiting
            else tr("Loading {0}…").format(record.name)
        )
        try:
            await core.use_model(record, chat_format=chat_format)
        except TemplateNeededError as exc:
            window.show_banner("")
            chosen = await ask_chat_format(record.name, exc.result, window)
            if chosen:
                picker.setEnabled(True)
                return await self.switch_model(model_id, chosen)
            picker.select(previous)
            return False
        except ModelError as exc:
            window.show_banner(exc.user_text(), error=True)
            picker.select(previous)
            return False
        finally:
            picker.setEnabled(self.core is core)
            self._show_model_status()
        window.show_banner("")
        picker.select(record.id)
        await self.refresh_models()
        return True

    @async_slot(str)
    async def _on_model_dropped(self, path: str) -> None:
        await self.add_and_use(Path(path))

    async def add_and_use(self, path: Path) -> bool:
        """A GGUF dropped on the window: listed where it is, then used."""
        core = self.core
        if core is None:
            return False
        try:
            record, _new = await off_gui(lambda: core.models().add(path))
        except KnownError as exc:
            self.window.show_banner(exc.user_text(), error=True)
            return False
        await self.refresh_models()
        return await self.switch_model(record.id)

    async def suggest_a_model(self) -> None:
        """On first run, a quiet note in the banner: the best catalog model that fits this
        machine (the embedded one keeps answering; nothing is downloaded). Shown once."""
        core = self.core
        settings = self.window.qsettings
        if core is None or settings.value("models/suggested", False, type=bool):
            return
        from app.core.llm.catalog import CATALOG
        from app.core.llm.fit import estimate, machine_memory, verdict

        models = await off_gui(lambda: core.models().records)
        if models:
            return  # the user has other models already
        n_ctx = core.steward.settings.model_settings().n_ctx
        memory = await off_gui(machine_memory)
        fitting = [e for e in CATALOG if verdict(estimate(e.shape, n_ctx).total, memory) == "Fits"]
        if not fitting:
            return
        best = max(fitting, key=lambda e: e.size_bytes)
        settings.setValue("models/suggested", True)
        self.suggested = best.id
        self.window.show_banner(
            tr(
                "Tip: {0} ({1}) fits this computer and answers far better than the small "
                'embedded model. <a href="{2}">See it in Models…</a>'
            ).format(best.name, human_size(best.size_bytes), SUGGEST_LINK)
        )

    @async_slot(str)
    async def _on_banner_link(self, link: str) -> None:
        if link != SUGGEST_LINK:
            return
        self.window.show_banner("")
        window = self.open_models()
        if window is None:
            return
        window.tabs.setCurrentWidget(window.catalog)
        await window.reload()
        if self.suggested and shiboken6.isValid(window):
            window.catalog.select(self.suggested)

    async def close_models_window(self) -> None:
        """Closing the session: the Models window goes, with what it was reading."""
        window, self.models_window = self.models_window, None
        if window is not None and shiboken6.isValid(window):
            await window.shut()
            window.deleteLater()

    def open_models(self) -> ModelsWindow | None:
        """The Models window (one, raised if it is open already)."""
        if self.core is None:
            return None
        from app.ui.models_window import ModelsWindow

        window = self.models_window
        if window is None or not shiboken6.isValid(window):
            window = ModelsWindow(self, self.window)
            self.models_window = window
        window.show()
        window.raise_()
        window.reload()
        return window


__all__ = ["SUGGEST_LINK", "SessionModels"]
