"""One request end to end: persist the question, stream the answer, persist the answer.

The user's message is committed before generation starts. The answer row is created with the
first token as ``partial`` and its text is flushed every ``FLUSH_SECONDS``, so a crash loses at
most that much; it becomes ``complete`` when the model finishes, stays ``partial`` when the
user stops it, and becomes ``error`` (text kept) when the model fails mid-answer.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TypeVar

from app.core.errors import UsageError
from app.core.llm.engine import (
    DoneEvent,
    GenerationStats,
    LocalEngine,
    SamplingParams,
    TokenEvent,
    TrimmedEvent,
)
from app.core.llm.prompt import ChatMessage
from app.core.store.database import Database
from app.core.store.models import Conversation, Message

T = TypeVar("T")
FLUSH_SECONDS = 1.0
MAX_PROMPT_CHARS = 200_000


@dataclass(frozen=True)
class Started:
    conversation: Conversation
    user_message: Message


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


AssistantEvent = Started | Token | Trimmed | Finished


def title_from(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= 60 else line[:57].rstrip() + "…"


class Assistant:
    """Runs chat requests against the store and the local engine.

    Every database call runs on one dedicated thread (the store is not thread-safe, and the GUI
    thread must never wait on disk).
    """

    def __init__(self, db: Database, engine: LocalEngine, *, system_prompt: str = "") -> None:
        self.db = db
        self.engine = engine
        self.system_prompt = system_prompt
        self._db_thread = concurrent.futures.ThreadPoolExecutor(1, "steward-db")

    async def db_call(self, fn: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._db_thread, fn)

    def close(self) -> None:
        self._db_thread.shutdown(wait=True)

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
    ) -> AsyncIterator[AssistantEvent]:
        """Store ``text`` as the user's message and stream the local model's answer."""
        if not text.strip():
            raise UsageError("The message is empty; type something to ask.")
        if len(text) > MAX_PROMPT_CHARS:
            raise UsageError(f"The message is longer than {MAX_PROMPT_CHARS} characters.")
        model_name = self.engine.model.name

        def begin() -> tuple[Conversation, Message, list[ChatMessage]]:
            if conversation_id is None:
                conv = self.db.create_conversation(title_from(text), model_name)
            else:
                conv = self.db.find_conversation(conversation_id)
            user = self.db.add_message(conv.id, "user", text, model=model_name)
            return conv, user, self._history(conv.id)

        conv, user, history = await self.db_call(begin)
        yield Started(conv, user)
        async for event in self._answer(conv, history, params, cancel):
            yield event

    async def regenerate(
        self,
        conversation_id: str,
        *,
        new_text: str | None = None,
        params: SamplingParams | None = None,
        cancel: threading.Event | None = None,
    ) -> AsyncIterator[AssistantEvent]:
        """Answer the last user message again (optionally after editing its text)."""

        def rewind() -> tuple[Conversation, Message, list[ChatMessage]]:
            conv = self.db.find_conversation(conversation_id)
            users = [m for m in self.db.messages(conv.id) if m.role == "user"]
            if not users:
                raise UsageError("This conversation has no message to answer again.")
            last = users[-1]
            with self.db.transaction():
                self.db.delete_messages_from(conv.id, last.seq + (0 if new_text else 1))
            user = (
                self.db.add_message(conv.id, "user", new_text, model=self.engine.model.name)
                if new_text
                else last
            )
            return conv, user, self._history(conv.id)

        if new_text is not None and not new_text.strip():
            raise UsageError("The message is empty; type something to ask.")
        conv, user, history = await self.db_call(rewind)
        yield Started(conv, user)
        async for event in self._answer(conv, history, params, cancel):
            yield event

    async def _answer(
        self,
        conv: Conversation,
        history: list[ChatMessage],
        params: SamplingParams | None,
        cancel: threading.Event | None,
    ) -> AsyncIterator[AssistantEvent]:
        cancel = cancel or threading.Event()
        answer: Message | None = None
        parts: list[str] = []
        flushed_at = time.monotonic()
        model_name = self.engine.model.name

        async def save(status: str, error: str | None = None) -> Message | None:
            nonlocal answer
            content = "".join(parts)
            if answer is None:
                if not content and status != "complete":
                    return None
                answer = await self.db_call(
                    lambda: self.db.add_message(
                        conv.id, "assistant", content, status="partial", model=model_name
                    )
                )
            answer.content, answer.status, answer.error = content, status, error  # type: ignore[assignment]
            snapshot = answer
            await self.db_call(lambda: self.db.update_message(snapshot))
            return answer

        try:
            async for event in self.engine.generate(
                history, conversation=conv.id, params=params, cancel=cancel
            ):
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
                    status = "partial" if stats.finish_reason == "cancelled" else "complete"
                    await save(status)
                    if answer is None:  # stopped before the first token: an empty partial
                        answer = await self.db_call(
                            lambda: self.db.add_message(
                                conv.id, "assistant", "", status="partial", model=model_name
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
                if isinstance(exc, asyncio.CancelledError | KeyboardInterrupt)
                else "error"
            )
            cancel.set()
            if answer is None or answer.status not in ("complete",):
                await asyncio.shield(save(status, None if status == "partial" else str(exc)))
            raise
