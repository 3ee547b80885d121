"""The app assembled once, with no Qt: every front end (the window, the quick prompt, the
terminal commands, the daemon) runs on a :class:`Session` and only adapts it.

Each part is made on first use, so a command pays only for what it uses: the key and the
store when history is needed, the local engine when something is generated, the cloud gate
when the cloud is on, plugins, automations, scheduler and planner when a workflow is drafted
or run. :meth:`Session.submit` routes one message — answer it, draft a workflow, refine the
open draft, propose an action — and yields typed events. Messages take turns: one that
arrives while another is answered waits (a :class:`Queued` event says so), in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncGenerator, Callable
from typing import TYPE_CHECKING

from app.core.assistant import (
    Assistant,
    BackendChoice,
    ConsentAsker,
    Finished,
    Routed,
    Started,
    Token,
)
from app.core.errors import KnownError, ModelError
from app.core.llm.engine import LocalEngine, ModelInfo, SamplingParams
from app.core.llm.gate import CloudGate
from app.core.llm.prompt import ChatMessage
from app.core.paths import Paths
from app.core.secrets import PassphraseAsker, terminal_asker
from app.core.steward import SecretStore, Steward, cloud_route
from app.core.store.database import Database
from app.core.store.service import StoreService
from app.language import _t
from app.session_events import Drafted, Drafting, Failed, Proposed, Queued, SessionEvent

if TYPE_CHECKING:
    from app.automations.history import RunRecord
    from app.automations.planner import Plan, Planner
    from app.automations.plugins import Registry
    from app.automations.runner import Approver, Services
    from app.automations.scheduler import Scheduler
    from app.automations.service import Automations
    from app.core.llm.library import ModelLibrary, ModelRecord

log = logging.getLogger(__name__)
TAKE_OVER_S = 1.0  # how often a session waiting to run the automations looks again

NO_MODEL = ModelError(
    _t("Steward was started without a local model (--no-model)."),
    hint=_t("History and search work; applying Settings › Model loads it."),
)


def wants_draft(text: str, draft: Plan | None, registry: Registry) -> bool:
    """Whether a message goes to the planner: it asks for an automation, answers the open
    draft's question, or changes the open draft."""
    from app.automations.intent import looks_like_automation
    from app.automations.planner import looks_like_refinement

    if looks_like_automation(text, registry):
        return True
    if draft is None:
        return False
    return draft.kind == "question" or (draft.kind == "workflow" and looks_like_refinement(text))


class Session:
    """Steward, assembled once for one front end (see the module docs)."""

    def __init__(
        self,
        paths: Paths | None = None,
        *,
        steward: Steward | None = None,
        model: str | None = None,
        load_model: bool = True,
        ask_passphrase: PassphraseAsker = terminal_asker,
        on_recovery_key: Callable[[str], None] | None = None,
        consent: ConsentAsker | None = None,
        allow_cloud: bool = False,
        wake_interval: float | None = None,
    ) -> None:
        self.steward = steward or Steward(
            paths, ask_passphrase=ask_passphrase, on_recovery_key=on_recovery_key
        )
        self.paths = self.steward.paths
        self.model_override = model
        self.load_model = load_model
        self.consent = consent
        self.allow_cloud = allow_cloud
        self.wake_interval = wake_interval
        self.store: StoreService | None = None
        self.local_error: KnownError | None = None
        self._engine: LocalEngine | None = None
        self._engine_made = False
        self._assistant: Assistant | None = None
        self._gate: CloudGate | None = None
        self._registry: Registry | None = None
        self._automations: Automations | None = None
        self._planner: Planner | None = None
        self.scheduler: Scheduler | None = None
        self._turn = asyncio.Lock()
        self._waiting = 0
        self._chat_idle = asyncio.Event()
        self._chat_idle.set()
        # called when a message starts waiting for its turn: whatever else uses the model
        # (the local API) gives way to it
        self.on_chat_turn: list[Callable[[], None]] = []
        # where the planner's routed notices go during the submit that runs it
        self._routed_sink: Callable[[Routed], None] | None = None

    @classmethod
    def around(
        cls, assistant: Assistant, paths: Paths, *, planner: Planner | None = None
    ) -> Session:
        """A session on an assistant (and planner) made elsewhere: its store, engine and
        gate, for a window that shares one loaded model with others."""
        session = cls(paths)
        session._planner = planner
        if planner is not None:
            session._registry = planner.registry
        session.store = assistant.store
        session._assistant = assistant
        session._gate = assistant.gate
        session._engine, session._engine_made = assistant.engine, True
        session.local_error = assistant.local_error
        return session

    # --- the store ------------------------------------------------------------------------

    def unlock(self) -> Database:
        """Open the encrypted store (blocking: keyring, passphrase, migrations). Front ends
        with a GUI call it off the GUI thread."""
        db = self.steward.open_store()
        if self.store is None or self.store.closed:
            self.store = StoreService(db)
        return db

    @property
    def unlocked(self) -> bool:
        return self.store is not None and not self.store.closed

    def _store(self) -> StoreService:
        if self.store is None or self.store.closed:
            self.unlock()
        assert self.store is not None
        return self.store

    # --- the local engine -----------------------------------------------------------------

    def engine(self) -> LocalEngine | None:
        """The local engine (made, not loaded, on first use), or None with ``local_error``
        saying why."""
        if not self._engine_made:
            self._engine_made = True
            if not self.load_model:
                self.local_error = NO_MODEL
            else:
                try:
                    self._engine = self.steward.engine(self.model_override)
                except ModelError as exc:
                    self.local_error = exc
                else:
                    if self.wake_interval is not None:
                        self._engine.wake_interval = self.wake_interval
        return self._engine

    async def load_engine(self) -> ModelInfo | None:
        """Load the local model now; None (and ``local_error``) when there is none."""
        engine = self.engine()
        if engine is None:
            return None
        try:
            return await engine.load()
        except ModelError as exc:
            self.local_error = exc
            raise

    def replace_engine(self) -> LocalEngine:
        """After the model settings changed: a new engine when there was none."""
        self.load_model = True
        if self._engine is None:
            self._engine_made = False
            self.local_error = None
            engine = self.engine()
            if engine is None:
                assert self.local_error is not None
                raise self.local_error
            if self._assistant is not None:
                self._assistant.engine = engine
                self._assistant.local_error = None
        return self._engine  # type: ignore[return-value]

    # --- the models -----------------------------------------------------------------------

    def models(self) -> ModelLibrary:
        """The models the user can answer with, read afresh (another front end, or a scan,
        may have changed the list)."""
        from app.core.llm.library import ModelLibrary

        return ModelLibrary(self.paths)

    def active_model(self) -> ModelRecord | None:
        """The list's entry for the model answering now (None: a --model file not listed)."""
        return self.models().by_path(self.model_override or self.steward.settings.model_path)

    async def use_model(self, record: ModelRecord, *, chat_format: str = "") -> ModelInfo:
        """Answer with ``record`` from the next message on: loaded now (after an answer in
        progress), then saved in the settings. ``chat_format`` (a name of templates.FORMATS)
        is the user's choice for a model whose file has no working template; without one,
        such a model raises TemplateNeededError before anything changes. A model that fails
        to load changes nothing either: the one before is loaded again."""
        from app.core.llm.library import choose

        settings = self.steward.settings
        before = (settings.model_path, self.model_override, dict(settings.models))
        choose(settings, record, chat_format)  # may refuse: then nothing has changed
        self.model_override = None
        async with self._turn:
            engine = self.replace_engine()
            model = self.steward.model()
            values = self.steward.model_settings(model)
            try:
                await engine.reconfigure(model, values)
                info = await engine.load()
            except ModelError:
                settings.model_path, self.model_override, settings.models = before
                previous = self.steward.model(self.model_override)
                await engine.reconfigure(previous, self.steward.model_settings(previous))
                with contextlib.suppress(ModelError):
                    await engine.load()
                raise
        self.steward.settings_store.save(settings)
        if self._assistant is not None:
            self._assistant.system_prompt = values.system_prompt
        return info

    async def model_generate(self, prompt: str, *, system: str, max_tokens: int) -> str:
        """The local model as a workflow's model step uses it, loaded on first use."""
        from app.automations.service import engine_generate

        engine = self.engine()
        if engine is None:
            assert self.local_error is not None
            raise self.local_error
        await engine.load()
        return await engine_generate(engine)(prompt, system=system, max_tokens=max_tokens)

    # --- chat and the cloud gate ----------------------------------------------------------

    def gate(self) -> CloudGate:
        """The one gate every request leaving the machine passes (blocking the first time
        the cloud is on: its key may be in the keyring or the store)."""
        if self._gate is None:
            self._gate = CloudGate(
                cloud_route(self.steward), consent=self.consent, allow_cloud=self.allow_cloud
            )
        return self._gate

    def assistant(self) -> Assistant:
        """Chat on the store, the local engine and the cloud gate (blocking the first time)."""
        if self._assistant is None:
            store = self._store()
            engine = self.engine()
            settings = engine.settings if engine is not None else None
            system = (settings or self.steward.settings.model_settings()).system_prompt
            self._assistant = Assistant(
                store.db,
                engine,
                system_prompt=system,
                local_error=self.local_error,
                store=store,
                gate=self.gate(),
            )
        return self._assistant

    async def reload_cloud(self) -> None:
        """Use the saved cloud settings (and key) from the next request on."""
        gate = self.gate()
        old = gate.route
        gate.route = await asyncio.to_thread(cloud_route, self.steward)
        if old is not None:
            await old.client.aclose()

    # --- automations ----------------------------------------------------------------------

    def registry(self) -> Registry:
        if self._registry is None:
            from app.automations.service import discover

            self._registry = discover(self.paths)
        return self._registry

    def automations(self, services: Services) -> Automations:
        """Workflows and runs (with ``services`` the first time: model, notifications,
        clipboard as the front end offers them), on the store service: async code reaches
        the history through ``automations.call`` (the store's thread)."""
        if self._automations is None:
            from app.automations.service import Automations

            store = self._store()
            self._automations = Automations(
                store.db,
                self.paths,
                services,
                registry=self.registry(),
                call=store.call,
                secrets=SecretStore(self.steward),
            )
        return self._automations

    @property
    def current_automations(self) -> Automations | None:
        """The automations if a front end has set them up, else None."""
        return self._automations

    async def start_scheduler(
        self,
        services: Services,
        *,
        approver: Approver | None = None,
        on_run: Callable[[RunRecord], None] | None = None,
    ) -> bool:
        """Run scheduled and triggered workflows here, unless another Steward already does
        (the lock is released when this session closes)."""
        from app.automations.scheduler import Scheduler

        scheduler = Scheduler(
            self.automations(services),
            approver=approver,
            lock_file=self.paths.data / "automations.lock",
            on_run=on_run,
        )
        if not await scheduler.start():
            return False
        self.scheduler = scheduler
        return True

    async def take_over_scheduler(
        self,
        services: Services,
        *,
        approver: Approver | None = None,
        on_run: Callable[[RunRecord], None] | None = None,
        every: float = TAKE_OVER_S,
    ) -> None:
        """Run the automations as soon as the Steward that runs them now (a daemon, or a
        desktop app that is quitting) lets go of them."""
        while not await self.start_scheduler(services, approver=approver, on_run=on_run):
            await asyncio.sleep(every)
        log.info("took over the automations")

    def planner(self) -> Planner | None:
        """Drafting workflows: the local model first, the cloud (through the gate) last;
        None when neither is there."""
        if self._planner is None:
            from app.automations.planner import Planner, engine_generate_json

            engine = self.engine() if self.local_error is None else None
            gate = self.gate()
            if engine is None and not gate.enabled:
                return None
            self._planner = Planner(
                self.registry(),
                engine_generate_json(engine) if engine is not None else None,
                cloud=self._plan_in_cloud if gate.enabled and gate.policy != "local" else None,
            )
        # the model in use decides (its setting planner_shapes; a model switch changes it)
        engine = self._engine
        free = engine is not None and engine.settings.planner_shapes == "free"
        self._planner.shapes = "free" if free else "fixed"
        return self._planner

    async def _plan_in_cloud(self, messages: list[ChatMessage], params: SamplingParams) -> str:
        from app.automations.planner import PLANNER_CLOUD_REASON

        return await self.gate().complete(
            messages,
            reason=_t(PLANNER_CLOUD_REASON),
            params=params,
            on_routed=self._routed_sink,
            json_answer=True,
        )

    # --- one message ----------------------------------------------------------------------

    @property
    def messages_ahead(self) -> int:
        """How many messages one sent now would wait for (the one being handled too)."""
        return self._waiting + (1 if self._turn.locked() else 0)

    async def take_turn(
        self, events: AsyncGenerator[SessionEvent, None]
    ) -> AsyncGenerator[SessionEvent, None]:
        """``events`` after every message that came before (a Queued event first when it
        has to wait)."""
        ahead = self.messages_ahead
        self._waiting += 1
        self._chat_idle.clear()
        for give_way in list(self.on_chat_turn):
            give_way()
        try:
            if ahead:
                yield Queued(ahead)
            await self._turn.acquire()
        finally:
            self._waiting -= 1
            self._settle_idle()  # (no change when it has the turn now)
        try:
            async with contextlib.aclosing(events):
                async for event in events:
                    yield event
        finally:
            self._turn.release()
            self._settle_idle()

    def _settle_idle(self) -> None:
        if self.messages_ahead == 0:
            self._chat_idle.set()

    async def chat_idle(self) -> None:
        """Return when no message is being answered or waiting (the model is free for
        others, such as the local API)."""
        while self.messages_ahead:
            self._chat_idle.clear()
            await self._chat_idle.wait()

    async def submit(
        self,
        text: str,
        conversation: str | None = None,
        *,
        backend: BackendChoice | None = None,
        params: SamplingParams | None = None,
        cancel: threading.Event | None = None,
        draft: Plan | None = None,
        drafting: bool = True,
    ) -> AsyncGenerator[SessionEvent, None]:
        """Route one message and stream what happens (see the module docs). ``draft`` is the
        open draft the message may answer or change; ``drafting=False`` only answers."""
        turn = self.take_turn(
            self._handle(text, conversation, backend, params, cancel, draft, drafting)
        )
        async with contextlib.aclosing(turn):
            async for event in turn:
                yield event

    async def _handle(
        self,
        text: str,
        conversation: str | None,
        backend: BackendChoice | None,
        params: SamplingParams | None,
        cancel: threading.Event | None,
        draft: Plan | None,
        drafting: bool,
    ) -> AsyncGenerator[SessionEvent, None]:
        if cancel is not None and cancel.is_set():
            return  # stopped while it waited: nothing was stored
        try:
            assistant = self.assistant()
            planner = self.planner() if drafting and backend is None else None
            if planner is not None and wants_draft(text, draft, planner.registry):
                async for event in self.draft(planner, text, draft):
                    yield event
                return
            answer, stopped = "", False
            async for event in assistant.ask(
                text, conversation_id=conversation, params=params, cancel=cancel, backend=backend
            ):
                if isinstance(event, Token):
                    answer += event.text
                elif isinstance(event, Finished):
                    stopped = event.message.status == "partial"
                yield event
            if planner is not None and not stopped:  # stopped: nothing more for this message
                proposed = await planner.propose(text, answer)
                if proposed is not None:
                    yield Proposed(proposed)
        except KnownError as exc:
            yield Failed(exc)

    async def draft(
        self, planner: Planner, text: str | list[str], draft: Plan | None = None
    ) -> AsyncGenerator[SessionEvent, None]:
        """Draft a workflow (or answer the open draft's question, or change the draft): the
        planner's routed notices as they happen, then the Drafted plan."""
        from app.automations.intent import looks_like_automation

        yield Drafting()
        notices: asyncio.Queue[Routed] = asyncio.Queue()
        self._routed_sink = notices.put_nowait
        said = [text] if isinstance(text, str) else list(text)
        if draft is not None and draft.kind == "question":
            job = planner.plan([draft.request, *said])
        elif (
            draft is not None
            and isinstance(text, str)
            and not looks_like_automation(text, planner.registry)
        ):
            job = planner.refine(draft, text)
        else:
            job = planner.plan(text)
        task = asyncio.ensure_future(job)
        try:
            while not task.done():
                notice = asyncio.ensure_future(notices.get())
                await asyncio.wait({task, notice}, return_when=asyncio.FIRST_COMPLETED)
                if notice.done():
                    yield notice.result()
                else:
                    notice.cancel()
            while not notices.empty():
                yield notices.get_nowait()
            yield Drafted(task.result())
        finally:
            self._routed_sink = None
            if not task.done():
                task.cancel()

    # --- the end --------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Stop the scheduler (a run in progress is recorded as cancelled, the lock is
        released), end the cloud client's connections, then close()."""
        if self.scheduler is not None:
            await self.scheduler.stop()
            self.scheduler = None
        if self._gate is not None:
            await self._gate.aclose()
            self._gate = None
        if self._engine is not None:
            await self._engine.aclose()
        self.close()

    def close(self) -> None:
        """Stop the MCP servers, let queued store calls finish, then close the engine, the
        store and the key."""
        if self._automations is not None:
            self._automations.close()
        self._automations = self._planner = None
        if self._assistant is not None:
            self._assistant.close()
            self._assistant = None
        if self.store is not None:
            self.store.close()
            self.store = None
        if self._engine is not None:
            self._engine.close()
        self._engine, self._engine_made = None, False
        self.steward.close()


__all__ = [
    "Drafted",
    "Drafting",
    "Failed",
    "Proposed",
    "Queued",
    "Session",
    "SessionEvent",
    "Started",
    "wants_draft",
]
