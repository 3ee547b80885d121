"""One request end to end: persist the question, route it, stream the answer, persist it.

The user's message is committed before generation starts. The answer row is created with the
first token as ``partial`` and its text is flushed every ``FLUSH_SECONDS``, so a crash loses at
most that much; it becomes ``complete`` when the model finishes, stays ``partial`` when the
user stops it, and becomes ``error`` (text kept) when the model fails mid-answer.

Routing is local first. With the policy ``auto``, a request escalates to the cloud endpoint
only when the local model is missing or fails to load, or when the request cannot fit the
local context (long history alone is trimmed locally) — and only after consent: stored for
the conversation, given now by the person asked, or given up front (``allow_cloud``).
Choosing the cloud explicitly (``backend="cloud"``, or the ``cloud`` policy) is itself the
consent. A :class:`Routed` event announces a cloud request before anything leaves the machine.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

from app.core.errors import ContextOverflowError, KnownError, ModelError, UsageError
from app.core.llm.engine import (
    DoneEvent,
    EngineEvent,
    GenerationStats,
    LocalEngine,
    SamplingParams,
    TokenEvent,
    TrimmedEvent,
)
from app.core.llm.gate import CloudGate, ConsentMemory, OnRouted, Outgoing
from app.core.llm.gate import CloudRefusedError as CloudRefusedError
from app.core.llm.gate import CloudRoute as CloudRoute
from app.core.llm.gate import ConsentAnswer as ConsentAnswer
from app.core.llm.gate import ConsentAsker as ConsentAsker
from app.core.llm.gate import ConsentRequest as ConsentRequest
from app.core.llm.gate import Routed as Routed
from app.core.llm.prompt import ChatMessage
from app.core.store.database import Database
from app.core.store.models import Backend, Conversation, Message
from app.core.store.service import StoreService
from app.language import _t

T = TypeVar("T")
FLUSH_SECONDS = 1.0
MAX_PROMPT_CHARS = 200_000


@dataclass(frozen=True)
class Started:
    conversation: Conversation
    user_message: Message
    # the cut-off answer being continued: the tokens that follow extend its text
    continues: Message | None = None


@dataclass(frozen=True)
class Token:
    text: str


@dataclass(frozen=True)
class Trimmed:
    dropped_messages: int
    n_ctx: int


@dataclass(frozen=True)
class Finished:
    message: Message
    stats: GenerationStats


AssistantEvent = Started | Token | Trimmed | Routed | Finished
BackendChoice = Literal["auto", "local", "cloud"]


def title_from(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= 60 else line[:57].rstrip() + "…"


# sent after a cut-off answer when the cloud continues it
CONTINUE_REQUEST = "Continue your previous answer exactly where it stopped, without repeating it."
_STATUS_BY_FINISH = {"cancelled": "partial", "length": "length"}


class Assistant:
    """Runs chat requests against the store and the local engine.

    Every database call runs on one dedicated thread (the store is not thread-safe, and the GUI
    thread must never wait on disk).
    """

    def __init__(
        self,
        db: Database,
        engine: LocalEngine | None,
        *,
        system_prompt: str = "",
        cloud: CloudRoute | None = None,
        consent: ConsentAsker | None = None,
        allow_cloud: bool = False,
        local_error: KnownError | None = None,
        store: StoreService | None = None,
        gate: CloudGate | None = None,
    ) -> None:
        self.db = db
        self.engine = engine
        self.system_prompt = system_prompt
        # why there is no local engine (a missing or broken model), for escalation and messages
        self.local_error = local_error or (
            ModelError(_t("No local model is available.")) if engine is None else None
        )
        # the session's store service when there is one; else a thread of its own
        self._own_store = store is None
        self.store = store if store is not None else StoreService(db)
        # the session's gate when there is one (the planner uses it too); else its own
        self.gate = gate or CloudGate(cloud, consent=consent, allow_cloud=allow_cloud)
        self.gate.memory = _StoredConsent(self)
        self.gate.refused_hint = lambda: self.local_error.user_text() if self.local_error else None

    @property
    def cloud(self) -> CloudRoute | None:
        """The cloud route every request leaving the machine goes through (via the gate)."""
        return self.gate.route

    @cloud.setter
    def cloud(self, route: CloudRoute | None) -> None:
        self.gate.route = route

    async def db_call(self, fn: Callable[[], T]) -> T:
        return await self.store.call(fn)

    def db_call_blocking(self, fn: Callable[[], T], timeout: float = 10.0) -> T:
        """Run ``fn`` on the database thread and wait (for shutdown paths with no loop)."""
        return self.store.call_blocking(fn, timeout)

    def close(self) -> None:
        if self._own_store:
            self.store.close()

    def _history(self, conversation_id: str) -> list[ChatMessage]:
        messages = [ChatMessage("system", self.system_prompt)] if self.system_prompt else []
        for m in self.db.messages(conversation_id):
            if m.role in ("user", "assistant") and m.content:
                messages.append(ChatMessage(m.role, m.content))
        return messages

    async def ask(
        self,
        text: str,
        *,
        conversation_id: str | None = None,
        params: SamplingParams | None = None,
        cancel: threading.Event | None = None,
        backend: BackendChoice | None = None,
    ) -> AsyncGenerator[AssistantEvent, None]:
        """Store ``text`` as the user's message and stream the answer (see module docs)."""
        if not text.strip():
            raise UsageError(_t("The message is empty; type something to ask."))
        if len(text) > MAX_PROMPT_CHARS:
            raise UsageError(
                _t("The message is longer than {0} characters.").format(MAX_PROMPT_CHARS)
            )
        mode = self._mode(backend)
        model_name = self._model_name(mode)

        def begin() -> tuple[Conversation, Message, list[ChatMessage]]:
            if conversation_id is None:
                conv = self.db.create_conversation(title_from(text), model_name)
            else:
                conv = self.db.find_conversation(conversation_id)
            user = self.db.add_message(conv.id, "user", text, model=model_name)
            return conv, user, self._history(conv.id)

        conv, user, history = await self.db_call(begin)
        yield Started(conv, user)
        async for event in self._route(conv, history, params, cancel, mode):
            yield event

    def _mode(self, backend: BackendChoice | None) -> BackendChoice:
        if backend == "cloud" and (self.cloud is None or not self.cloud.settings.enabled):
            raise UsageError(
                _t("The cloud is not set up."),
                hint=_t("Set an endpoint with `steward cloud set --base-url URL --model NAME`."),
            )
        if backend is not None:
            return backend
        if self.cloud is None or not self.cloud.settings.enabled:
            return "local"
        return self.cloud.settings.policy

    def _model_name(self, mode: BackendChoice) -> str:
        if mode == "cloud" and self.cloud is not None:
            return self.cloud.settings.model
        return self.engine.model.name if self.engine is not None else ""

    async def regenerate(
        self,
        conversation_id: str,
        *,
        new_text: str | None = None,
        params: SamplingParams | None = None,
        cancel: threading.Event | None = None,
        backend: BackendChoice | None = None,
    ) -> AsyncGenerator[AssistantEvent, None]:
        """Answer the last user message again (optionally after editing its text)."""
        mode = self._mode(backend)
        model_name = self._model_name(mode)

        def rewind() -> tuple[Conversation, Message, list[ChatMessage]]:
            conv = self.db.find_conversation(conversation_id)
            users = [m for m in self.db.messages(conv.id) if m.role == "user"]
            if not users:
                raise UsageError(_t("This conversation has no message to answer again."))
            last = users[-1]
            with self.db.transaction():
                self.db.delete_messages_from(conv.id, last.seq + (0 if new_text else 1))
            user = (
                self.db.add_message(conv.id, "user", new_text, model=model_name)
                if new_text
                else last
            )
            return conv, user, self._history(conv.id)

        if new_text is not None and not new_text.strip():
            raise UsageError(_t("The message is empty; type something to ask."))
        conv, user, history = await self.db_call(rewind)
        yield Started(conv, user)
        async for event in self._route(conv, history, params, cancel, mode):
            yield event

    async def continue_answer(
        self,
        conversation_id: str,
        *,
        params: SamplingParams | None = None,
        cancel: threading.Event | None = None,
        backend: BackendChoice | None = None,
    ) -> AsyncGenerator[AssistantEvent, None]:
        """Go on with the last answer where it stopped at the length limit: the new text is
        added to the same message, which is stored again as "complete" (or "length")."""
        mode = self._mode(backend)

        def find() -> tuple[Conversation, Message, Message, list[ChatMessage]]:
            conv = self.db.find_conversation(conversation_id)
            messages = self.db.messages(conv.id)
            if not messages or messages[-1].role != "assistant" or messages[-1].status != "length":
                raise UsageError(
                    _t(
                        "There is nothing to continue: only the last answer of a conversation, "
                        "cut off at the length limit, can be continued."
                    )
                )
            users = [m for m in messages if m.role == "user"]
            return conv, users[-1], messages[-1], self._history(conv.id)

        conv, user, answer, history = await self.db_call(find)
        yield Started(conv, user, continues=answer)
        async for event in self._route(conv, history, params, cancel, mode, answer):
            yield event

    # --- routing --------------------------------------------------------------------------

    async def _route(
        self,
        conv: Conversation,
        history: list[ChatMessage],
        params: SamplingParams | None,
        cancel: threading.Event | None,
        mode: BackendChoice,
        continues: Message | None = None,
    ) -> AsyncIterator[AssistantEvent]:
        cancel = cancel or threading.Event()
        if mode == "cloud":
            async for event in self._cloud(
                conv, history, params, cancel, _t("chosen"), True, continues
            ):
                yield event
            return
        produced = False

        async def local_events() -> AsyncIterator[EngineEvent]:
            nonlocal produced
            if self.engine is None:
                assert self.local_error is not None
                raise self.local_error
            async for event in self.engine.generate(
                history, conversation=conv.id, params=params, cancel=cancel, persist=True
            ):
                produced = produced or isinstance(event, TokenEvent)
                yield event

        try:
            async for event in self._record(
                conv, local_events(), self._model_name("local"), "local", continues
            ):
                yield event
        except (ModelError, ContextOverflowError) as exc:
            if mode != "auto" or produced or self.cloud is None or not self.cloud.settings.enabled:
                raise
            reason = (
                _t("the message does not fit the local model's context")
                if isinstance(exc, ContextOverflowError)
                else _t("the local model is not available")
            )
            async for event in self._cloud(conv, history, params, cancel, reason, False, continues):
                yield event

    async def _cloud(
        self,
        conv: Conversation,
        history: list[ChatMessage],
        params: SamplingParams | None,
        cancel: threading.Event,
        reason: str,
        explicit: bool,
        continues: Message | None = None,
    ) -> AsyncIterator[AssistantEvent]:
        gate = self.gate
        if continues is not None:  # an endpoint cannot be relied on to extend an answer itself
            history = [*history, ChatMessage("user", CONTINUE_REQUEST)]
        outgoing: Outgoing = gate.prepare(history)
        await gate.authorize(
            outgoing, reason=reason, explicit=explicit, conversation_id=conv.id, title=conv.title
        )
        yield gate.routed(outgoing, reason)
        events = gate.stream(outgoing, params or SamplingParams(), cancel)
        model = gate.route.settings.model if gate.route is not None else ""
        async for event in self._record(conv, events, model, "cloud", continues):
            yield event

    async def complete_in_cloud(
        self,
        messages: list[ChatMessage],
        *,
        conversation_id: str | None,
        reason: str,
        params: SamplingParams | None = None,
        cancel: threading.Event | None = None,
        on_routed: OnRouted | None = None,
        json_answer: bool = False,
    ) -> str:
        """The escalation hook for other local components (the automation planner, when it
        could not produce a valid result locally): the whole text of a cloud completion of
        ``messages`` through the same gate as chat (policy, consent, redaction, routed
        notice), stored nowhere.

        Raises CloudRefusedError when the policy is ``local``, the cloud is off, or consent
        is refused or cannot be asked.
        """
        title = reason
        if conversation_id:
            conv = await self.db_call(lambda: self.db.find_conversation(conversation_id))
            title = conv.title
        return await self.gate.complete(
            messages,
            reason=reason,
            conversation_id=conversation_id,
            title=title,
            params=params,
            cancel=cancel,
            on_routed=on_routed,
            json_answer=json_answer,
        )

    # --- recording ------------------------------------------------------------------------

    async def _record(
        self,
        conv: Conversation,
        events: AsyncIterator[EngineEvent],
        model_name: str,
        backend: Backend,
        continues: Message | None = None,
    ) -> AsyncIterator[AssistantEvent]:
        answer: Message | None = continues
        parts: list[str] = [continues.content] if continues is not None else []
        flushed_at = time.monotonic()

        async def save(status: str, error: str | None = None) -> Message | None:
            nonlocal answer
            content = "".join(parts)
            if answer is None:
                if not content and status != "complete":
                    return None
                answer = await self.db_call(
                    lambda: self.db.add_message(
                        conv.id,
                        "assistant",
                        content,
                        status="partial",
                        model=model_name,
                        backend=backend,
                    )
                )
            answer.content, answer.status, answer.error = content, status, error  # type: ignore[assignment]
            snapshot = answer
            await self.db_call(lambda: self.db.update_message(snapshot))
            return answer

        try:
            async for event in events:
                if isinstance(event, TokenEvent):
                    parts.append(event.text)
                    if answer is None or time.monotonic() - flushed_at >= FLUSH_SECONDS:
                        await save("partial")
                        flushed_at = time.monotonic()
                    yield Token(event.text)
                elif isinstance(event, TrimmedEvent):
                    yield Trimmed(event.dropped_messages, event.n_ctx)
                elif isinstance(event, DoneEvent):
                    stats = event.stats
                    status = _STATUS_BY_FINISH.get(stats.finish_reason, "complete")
                    await save(status)
                    if answer is None:  # stopped before the first token: an empty partial
                        answer = await self.db_call(
                            lambda: self.db.add_message(
                                conv.id,
                                "assistant",
                                "",
                                status="partial",
                                model=model_name,
                                backend=backend,
                            )
                        )
                    answer.prompt_tokens = stats.prompt_tokens
                    answer.completion_tokens = stats.completion_tokens
                    answer.ttft_ms = round(stats.ttft_ms, 2)
                    answer.tokens_per_s = round(stats.tokens_per_s, 2)
                    final = answer
                    await self.db_call(functools.partial(self.db.update_message, final))
                    yield Finished(final, stats)
        except BaseException as exc:
            # keep what was generated; a cancelled task still records its partial answer
            status = (
                "partial"
                if isinstance(exc, asyncio.CancelledError | KeyboardInterrupt | GeneratorExit)
                else "error"
            )
            if answer is None or answer.status not in ("complete",):
                await asyncio.shield(save(status, None if status == "partial" else str(exc)))
            raise


class _StoredConsent(ConsentMemory):
    """ "Allow for this conversation", kept with the conversation in the store."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant

    async def given(self, conversation_id: str) -> bool:
        db = self.assistant.db
        return await self.assistant.db_call(lambda: db.cloud_consent(conversation_id))

    async def give(self, conversation_id: str) -> None:
        db = self.assistant.db
        await self.assistant.db_call(lambda: db.set_cloud_consent(conversation_id, True))
