"""The local model engine.

One thread owns the ``llama_cpp.Llama`` object (llama.cpp is not safe to call from several
threads); every model call is queued to it. Tokens reach asyncio code as an async iterator
fed with ``loop.call_soon_threadsafe``, so the CLI (``asyncio.run``) and the GUI (qasync) share
one implementation.

Cancel is a ``threading.Event``: checked between tokens, and — while a long prompt is being
processed — by llama.cpp's abort callback, so Stop takes effect inside a batch too.

The KV cache is reused across turns: llama-cpp-python keeps the longest common token prefix.
When requests alternate between conversations, the states of the others are kept in memory,
and for a conversation the user keeps (``generate(..., persist=True)``) on disk, encrypted,
between runs (app.core.llm.state_cache).
"""

from __future__ import annotations

import asyncio
import codecs
import collections
import contextlib
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from app.core.errors import ContextOverflowError, ModelError
from app.core.llm.grammar import Grammars
from app.core.llm.model_files import MODEL_FIX, ModelRef, check_gguf
from app.core.llm.native_logs import route_native_logs
from app.core.llm.prompt import ChatMessage, Formatter, TemplateNeededError, make_formatter
from app.core.llm.prompt_states import PromptStates
from app.core.llm.saved_states import SavedStates
from app.core.llm.state_cache import StateCache
from app.core.llm.worker import EitherEvent, Waker, Worker
from app.core.settings import EMBEDDED_MODEL_ID, ModelSettings
from app.language import _t

log = logging.getLogger(__name__)
T = TypeVar("T")

FinishReason = Literal["stop", "length", "cancelled"]
# When history overflows the context, trim it to this share of the room left for the
# prompt, so the trimmed start stays put for several turns and the cached prefix survives.
TRIM_TARGET = 0.6
COUNT_CACHE_ENTRIES = 20_000
TURN_OVERHEAD = 6  # tokens a chat template adds around each message (role markers)


@dataclass(frozen=True)
class SamplingParams:
    temperature: float = 0.7
    top_p: float = 0.95
    max_tokens: int = 512
    seed: int = -1
    # a JSON schema (as JSON text) the answer must follow: the local engine turns it into a
    # llama.cpp grammar, a cloud endpoint receives it as the response format
    json_schema: str = ""
    # how many leading messages are the same for every request of this conversation (a fixed
    # system prompt and examples, nothing of the user's): the local engine keeps their
    # evaluated state on disk between runs (see app.core.llm.prompt_states); 0 for none
    prefix_messages: int = 0

    @classmethod
    def from_settings(cls, s: ModelSettings) -> SamplingParams:
        return cls(s.temperature, s.top_p, s.max_tokens, s.seed)


@dataclass(frozen=True)
class GenerationStats:
    prompt_tokens: int
    cached_tokens: int  # prompt tokens reused from the KV cache (not evaluated again)
    completion_tokens: int
    ttft_ms: float
    tokens_per_s: float
    finish_reason: FinishReason
    dropped_messages: int = 0

    @property
    def evaluated_tokens(self) -> int:
        return self.prompt_tokens - self.cached_tokens


@dataclass(frozen=True)
class TokenEvent:
    text: str


@dataclass(frozen=True)
class TrimmedEvent:
    """Older messages were left out because the history no longer fits the context."""

    dropped_messages: int
    n_ctx: int


@dataclass(frozen=True)
class DoneEvent:
    stats: GenerationStats


EngineEvent = TokenEvent | TrimmedEvent | DoneEvent


@dataclass(frozen=True)
class ModelInfo:
    ref: ModelRef
    n_ctx: int
    n_ctx_train: int
    n_params: int
    description: str
    load_seconds: float


def _with_tokens_behind(item: EngineEvent, pending: collections.deque[Any]) -> EngineEvent:
    """``item`` and, for text, the TokenEvents right behind it in ``pending`` as one event:
    what one wake-up hands over goes on as one, since each event costs every layer above
    (store, session, window) a step on the loop."""
    if not isinstance(item, TokenEvent) or not pending or not isinstance(pending[0], TokenEvent):
        return item
    pieces = [item.text]
    while pending and isinstance(pending[0], TokenEvent):
        pieces.append(pending.popleft().text)
    return TokenEvent("".join(pieces))


class LocalEngine:
    """The local GGUF model, owned by one worker thread."""

    def __init__(
        self,
        model: ModelRef,
        settings: ModelSettings,
        *,
        state_cache_entries: int = 4,
        prompt_states: Path | None = None,
        prepared_states: Path | None = None,
        saved_states: Callable[[], SavedStates | None] | None = None,
    ) -> None:
        self.model = model
        self.settings = settings
        # where evaluated fixed prompt prefixes are kept between runs (None: not kept)
        self.prompt_states_folder = prompt_states
        # the states this install was built with (read-only; see prompt_states.prepared_folder)
        self.prepared_states_folder = prepared_states
        self._prompt_states: PromptStates | None = None
        self._cache = StateCache(state_cache_entries, saved_states or (lambda: None))
        # how often streamed tokens wake the caller's event loop (see Waker in app.core.llm.worker)
        self.wake_interval = 0.04
        self._worker = Worker("steward-engine")
        self._llm: Any = None
        self._format: Formatter | None = None
        self._info: ModelInfo | None = None
        self._trim_start: dict[str, int] = {}
        self._counts: dict[str, int] = {}  # message text -> tokens (see _count)
        self._grammars = Grammars()  # built on the engine thread, once per schema
        self._cancel: EitherEvent | None = None
        self._abort_armed = False
        # Kept referenced: llama.cpp holds a raw pointer to this ctypes callback.
        self._abort_cb: Any = None

    # --- lifecycle ------------------------------------------------------------------------

    @property
    def info(self) -> ModelInfo | None:
        return self._info

    async def load(self) -> ModelInfo:
        """Load the model in the engine thread; ModelError if the file is missing or broken."""
        return await asyncio.wrap_future(self._worker.submit(self._load))

    def load_sync(self) -> ModelInfo:
        return self._worker.submit(self._load).result()

    async def reconfigure(self, model: ModelRef, settings: ModelSettings) -> None:
        """Apply new settings; reloads only when the model or its load parameters changed."""
        reload = (
            model.path != self.model.path
            or settings.n_ctx != self.settings.n_ctx
            or settings.n_threads != self.settings.n_threads
            or settings.n_gpu_layers != self.settings.n_gpu_layers
            or settings.chat_format != self.settings.chat_format
        )
        self.model, self.settings = model, settings
        if reload and self._llm is not None:
            await asyncio.wrap_future(self._worker.submit(self._unload))
            await self.load()

    def close(self) -> None:
        """Free the model and end the worker thread; a second close does nothing."""
        if self._worker.stopped:
            return
        with contextlib.suppress(Exception):
            self._worker.submit(self._unload).result(timeout=10)
        self._worker.stop()

    async def aclose(self) -> None:
        """Like close(), but the caller's event loop keeps running while the model is freed."""
        if self._worker.stopped:
            return
        with contextlib.suppress(Exception):
            await asyncio.wrap_future(self._worker.submit(self._unload))
        self._worker.stop()

    def _unload(self) -> None:
        if self._llm is not None:
            self._llm.close()
        self._llm, self._format, self._info = None, None, None
        self._cache.clear()
        self._counts.clear()

    def _load(self) -> ModelInfo:
        if self._llm is not None:
            assert self._info is not None
            return self._info
        check_gguf(self.model.path)
        from llama_cpp import Llama

        route_native_logs()
        started = time.perf_counter()
        s = self.settings
        try:
            llm = Llama(
                model_path=str(self.model.path),
                n_ctx=s.n_ctx,
                n_threads=s.threads(),
                n_threads_batch=s.threads(),
                n_gpu_layers=s.n_gpu_layers,
                n_batch=512,
                seed=s.seed if s.seed >= 0 else 0xFFFFFFFF,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelError(
                _t(
                    "The model file {0} could not be loaded: it is damaged, truncated, or not "
                    "a model llama.cpp supports."
                ).format(self.model.path),
                hint=MODEL_FIX,
            ) from exc
        try:
            self._format = make_formatter(llm, s.chat_format)
        except TemplateNeededError as exc:
            llm.close()
            exc.message = f"{self.model.name} cannot be used as it is: {exc.result.problem}."
            raise
        # (imported here: it needs numpy, a tenth of a second the window's start need not wait)
        from app.core.llm import sampling

        sampling.install(llm)  # a grammar asked about the chosen token, not every token
        self._llm = llm
        if self.prompt_states_folder is not None:
            self._prompt_states = PromptStates(
                self.prompt_states_folder,
                self.model.path,
                f"n_ctx={int(llm.n_ctx())} n_batch={llm.n_batch} chat_format={s.chat_format}",
                prepared=self.prepared_states_folder,
                # the embedded model is the install's own file: known wherever it was unpacked
                portable=self.model.id == EMBEDDED_MODEL_ID,
            )
        self._cache.loaded(self.model.path, llm)
        self._abort_cb = _ABORT_CALLBACK_TYPE()(self._abort_requested)
        self._info = ModelInfo(
            ref=self.model,
            n_ctx=int(llm.n_ctx()),
            n_ctx_train=int(llm._model.n_ctx_train()),
            n_params=int(llm._model.n_params()),
            description=str(llm._model.desc()),
            load_seconds=time.perf_counter() - started,
        )
        log.info("model loaded in %.2f s (n_ctx=%d)", self._info.load_seconds, self._info.n_ctx)
        return self._info

    def template_mentions(self, word: str) -> bool:
        """Does the loaded model's chat template mention ``word`` (e.g. "tools")?"""
        llm = self._llm
        return llm is not None and word in str(llm.metadata.get("tokenizer.chat_template", ""))

    # --- requests -------------------------------------------------------------------------

    async def count_tokens(self, messages: Sequence[ChatMessage]) -> int:
        def job() -> int:
            self._load()
            return len(self._tokens(messages))

        return await asyncio.wrap_future(self._worker.submit(job))

    async def generate(
        self,
        messages: Sequence[ChatMessage],
        *,
        conversation: str,
        params: SamplingParams | None = None,
        cancel: threading.Event | None = None,
        persist: bool = False,
    ) -> AsyncIterator[EngineEvent]:
        """Stream the answer to ``messages`` (system prompt first, newest user message last;
        a last assistant message is a cut-off answer, continued from where it stopped).

        Yields a TokenEvent with the text made since the last one (one per wake-up, see
        Waker), a TrimmedEvent if older messages had to be left out, and finally one DoneEvent
        with the statistics. Setting ``cancel`` ends the stream with finish reason
        "cancelled". Closing the iterator early cancels too. With ``persist``, the
        conversation's state is saved on disk afterwards (and read from there when it is not
        in memory): only for conversations the user keeps.
        """
        loop = asyncio.get_running_loop()
        pending: collections.deque[EngineEvent | BaseException | None] = collections.deque()
        ready = asyncio.Event()
        wake = Waker(loop, ready, self.wake_interval)
        cancel = cancel or threading.Event()
        params = params or SamplingParams.from_settings(self.settings)
        requested = time.perf_counter()

        def put(item: EngineEvent | BaseException | None) -> None:
            pending.append(item)
            wake(urgent=not isinstance(item, TokenEvent))

        # the job stops on the caller's cancel, or on ours when the consumer goes away early;
        # the caller's event is never set from here (it is the user's Stop button)
        abandoned = threading.Event()
        stop = EitherEvent(cancel, abandoned)

        def job() -> None:
            try:
                self._generate(list(messages), conversation, params, stop, put, requested, persist)
            except BaseException as exc:
                put(exc)
            finally:
                put(None)

        self._worker.submit(job)
        finished = False
        try:
            while not finished:
                while pending:
                    item = pending.popleft()
                    if item is None:
                        finished = True
                        break
                    if isinstance(item, BaseException):
                        raise item
                    yield _with_tokens_behind(item, pending)
                if not finished:
                    ready.clear()
                    if not pending:
                        await ready.wait()
        finally:
            if not finished:
                abandoned.set()

    # --- engine thread --------------------------------------------------------------------

    def _abort_requested(self, _data: Any) -> bool:
        cancel = self._cancel
        return cancel is not None and cancel.is_set()

    def _arm_abort(self, armed: bool) -> None:
        if armed == self._abort_armed:
            return
        import llama_cpp

        callback = self._abort_cb if armed else _ABORT_CALLBACK_TYPE()()
        llama_cpp.llama_set_abort_callback(self._llm._ctx.ctx, callback, None)
        self._abort_armed = armed

    def _tokens(self, messages: Sequence[ChatMessage]) -> list[int]:
        """The prompt's tokens. A trailing assistant message is an answer to continue: the
        prompt is the turns before it, opened for the answer, followed by its text."""
        assert self._format is not None
        if messages and messages[-1].role == "assistant":
            prompt = self._format(messages[:-1]) + messages[-1].content
        else:
            prompt = self._format(messages)
        return list(self._llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True))

    def _fit(self, messages: list[ChatMessage], key: str, max_tokens: int) -> tuple[list[int], int]:
        """Prompt tokens for ``messages``, dropping the oldest turns if they do not fit.

        The work is bounded by the context, not by the conversation: the messages are measured
        from the newest back only until the context is full, so a 10,000-message conversation
        costs what a full context costs. Once trimmed, later turns keep the same start (the
        model's cached prefix stays valid) until the kept part no longer fits.
        """
        n_ctx = int(self._llm.n_ctx())
        room = n_ctx - max_tokens
        target = int(room * TRIM_TARGET)
        system = messages[:1] if messages and messages[0].role == "system" else []
        rest = messages[len(system) :]
        cached = min(self._trim_start.get(key, 0), max(0, len(rest) - 1))
        start = cached
        if start == 0 and self._tail_start(system, rest, room) > 0:
            start = self._tail_start(system, rest, target)  # does not fit: trim in a chunk
        tokens = self._tokens(system + rest[start:])
        if len(tokens) > room and start == cached and cached > 0:
            start = max(cached, self._tail_start(system, rest, target))
            tokens = self._tokens(system + rest[start:])
        while len(tokens) > room and start < len(rest) - 1:  # the estimate was short
            start = self._next_user_turn(rest, start)
            tokens = self._tokens(system + rest[start:])
        if len(tokens) > room:
            raise ContextOverflowError(
                _t(
                    "The message is too long for the local model: it needs {0} tokens plus "
                    "{1} for the answer, and the context holds {2}."
                ).format(len(tokens), max_tokens, n_ctx),
                hint=_t("Shorten it, lower max tokens, or raise the context length in settings."),
            )
        self._trim_start[key] = start
        return tokens, start

    def _count(self, text: str) -> int:
        """Tokens in one message's text, remembered: each turn re-measures the same history.
        (Message text in memory, like the model's own cache; dropped when the model is.)"""
        count = self._counts.get(text)
        if count is None:
            count = len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))
            if len(self._counts) >= COUNT_CACHE_ENTRIES:
                self._counts.clear()
            self._counts[text] = count
        return count

    @staticmethod
    def _next_user_turn(rest: Sequence[ChatMessage], start: int) -> int:
        """The next start after ``start``: the kept history begins at a user turn."""
        start += 1
        while start < len(rest) - 1 and rest[start].role != "user":
            start += 1
        return start

    def _tail_start(
        self, system: Sequence[ChatMessage], rest: Sequence[ChatMessage], budget: int
    ) -> int:
        """The first message to keep so that the newest ones fit ``budget`` tokens (estimated
        from each message's own tokens plus the template's few per turn); 0 when all fit."""
        used = len(self._tokens(system)) if system else 0
        for index in range(len(rest) - 1, -1, -1):
            used += self._count(rest[index].content) + TURN_OVERHEAD
            if used > budget:  # message ``index`` no longer fits: keep the ones after it
                start = min(index + 1, len(rest) - 1)
                while start < len(rest) - 1 and rest[start].role != "user":
                    start += 1
                return start
        return 0

    def forget(self, key: str) -> None:
        """Drop what the engine holds of a deleted conversation (its state in memory)."""
        if not self._worker.stopped:
            self._worker.submit(lambda: self._cache.forget(self._llm, key))

    def _is_end(self, token: int) -> bool:
        import llama_cpp

        return bool(llama_cpp.llama_vocab_is_eog(self._llm._model.vocab, token))

    def _generate(
        self,
        messages: list[ChatMessage],
        key: str,
        params: SamplingParams,
        cancel: EitherEvent,
        put: Callable[[EngineEvent | BaseException | None], None],
        requested: float,
        persist: bool = False,
    ) -> None:
        self._load()
        llm = self._llm
        self._cache.switch(llm, key, persist)
        tokens, dropped = self._fit(messages, key, params.max_tokens)
        if dropped:
            put(TrimmedEvent(dropped, int(llm.n_ctx())))
        if params.seed >= 0:
            llm.set_seed(params.seed)
        self._cancel = cancel
        self._arm_abort(True)
        evaluated = 0
        if params.prefix_messages and not dropped and self._prompt_states is not None:
            assert self._format is not None
            fixed = self._format(messages[: params.prefix_messages])
            evaluated = self._prompt_states.use(llm, fixed, tokens, cancel.is_set)
        cached = min(
            llm.longest_token_prefix(llm.input_ids[: llm.n_tokens].tolist(), tokens),
            len(tokens) - 1,
        )
        cached = max(0, cached - evaluated)  # not evaluated for this answer: cached or read
        stream = llm.generate(
            tokens,
            temp=params.temperature,
            top_p=params.top_p,
            top_k=40,
            min_p=0.05,
            repeat_penalty=1.0,
            grammar=self._grammars.get(params.json_schema),
        )
        done = _Progress()
        try:
            self._stream_tokens(stream, params, cancel, put, done)
        except RuntimeError as exc:
            if not cancel.is_set():
                raise ModelError(_t("The model failed while answering: {0}.").format(exc)) from exc
        finally:
            stream.close()
            self._arm_abort(False)
            self._cancel = None
        finish = "cancelled" if cancel.is_set() else done.finish
        produced, first, last = done.produced, done.first, done.last
        ttft = ((first or time.perf_counter()) - requested) * 1000.0
        rate = (produced - 1) / (last - first) if produced > 1 and last > first else 0.0
        put(
            DoneEvent(
                GenerationStats(
                    prompt_tokens=len(tokens),
                    cached_tokens=max(0, cached),
                    completion_tokens=produced,
                    ttft_ms=ttft,
                    tokens_per_s=rate,
                    finish_reason=finish,
                    dropped_messages=dropped,
                )
            )
        )
        if persist:
            self._cache.save(llm, key)

    def _stream_tokens(
        self,
        stream: Iterator[int],
        params: SamplingParams,
        cancel: EitherEvent,
        put: Callable[[EngineEvent | BaseException | None], None],
        done: _Progress,
    ) -> None:
        """Hand each token's text to ``put`` until the end, the limit or cancel, keeping in
        ``done`` how it finished, how many tokens, when the first and the last came."""
        llm = self._llm
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        for token in stream:
            if done.produced == 0:
                done.first = time.perf_counter()
                # the prompt is in: from here on, cancel is checked between tokens
                self._arm_abort(False)
            if cancel.is_set():
                done.finish = "cancelled"
                break
            if self._is_end(token):
                break
            done.produced += 1
            done.last = time.perf_counter()
            if text := decoder.decode(llm.detokenize([token])):
                put(TokenEvent(text))
            if done.produced >= params.max_tokens:
                done.finish = "length"
                break
        if tail := decoder.decode(b"", final=True):
            put(TokenEvent(tail))


@dataclass
class _Progress:
    """How far an answer got: how it finished, tokens made, when the first and last came."""

    finish: FinishReason = "stop"
    produced: int = 0
    first: float = 0.0
    last: float = 0.0


def _ABORT_CALLBACK_TYPE() -> Any:
    import llama_cpp

    return llama_cpp.ggml_abort_callback


__all__ = [
    "ChatMessage",
    "DoneEvent",
    "EngineEvent",
    "GenerationStats",
    "LocalEngine",
    "ModelInfo",
    "SamplingParams",
    "TokenEvent",
    "TrimmedEvent",
]
