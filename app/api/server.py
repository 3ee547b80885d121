"""The local OpenAI-compatible API: the user's own model for their other tools.

One more front end on the :class:`~app.session.Session`: requests are answered by the
session's engine (the model the app has loaded; never a second copy), one at a time, after
any chat message of the desktop app — a chat message that arrives while an API answer is
being written pauses it (the engine stops at the next token), and the API answer goes on from
where it stopped once the chat has been answered, the client seeing one unbroken stream.

Safe by default: it listens on 127.0.0.1 only unless the user chose the network; every
request needs the bearer token (kept in the keyring, or the encrypted store on the passphrase
path); the Host header must be one the server answers to (no DNS rebinding); no CORS header is
sent unless the user added the page's origin. API conversations are not stored, and leave no
saved model state on disk (they never ask the engine to keep one).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import secrets
import socket
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.api.openai_format import (
    ApiError,
    ApiRequest,
    StopFinder,
    parse_request,
)
from app.core.errors import ContextOverflowError, KnownError
from app.core.llm.engine import DoneEvent, SamplingParams, TokenEvent
from app.core.llm.prompt import ChatMessage
from app.core.steward import API_TOKEN as API_KEY
from app.language import _t

if TYPE_CHECKING:
    from starlette.requests import Request

    from app.core.llm.engine import LocalEngine
    from app.core.steward import Steward
    from app.session import Session

log = logging.getLogger(__name__)

CONVERSATION = "api"  # the engine's key for API requests: consecutive ones share a prefix
DEFAULT_PORT = 8642


class PortBusyError(KnownError):
    pass


@dataclass
class ApiOptions:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    origins: tuple[str, ...] = ()  # web pages allowed to call the API (CORS)
    queue: int = 4  # requests that may wait for the model; more are answered 429
    extra_hosts: tuple[str, ...] = ()  # names the server also answers to (network binding)
    keep_history: bool = False  # keep each request and answer as a conversation (encrypted)
    switch_models: bool = False  # a request naming another installed model loads it
    # the cloud fallback for API requests, under its policy ("cloud": there; "auto": when the
    # local model cannot answer); never without this
    allow_cloud: bool = False

    def allowed_hosts(self, port: int) -> set[str]:
        names = {"127.0.0.1", "localhost", "[::1]", *self.extra_hosts}
        if self.host in ("0.0.0.0", "::"):  # the network, chosen: this machine's names too
            names |= _own_names()
        elif self.host != "127.0.0.1":
            names.add(self.host)
        return {f"{name}:{port}" for name in names}


def _own_names() -> set[str]:
    """This machine's host names and addresses, as another computer would call it."""
    name = socket.gethostname()
    names = {name, socket.getfqdn()}
    with contextlib.suppress(OSError):
        names.update(socket.gethostbyname_ex(name)[2])
    return names


def new_token() -> str:
    return "stw-" + secrets.token_urlsafe(32)


class Api:
    """The API's requests, answered on ``session``."""

    def __init__(self, session: Session, token: str, options: ApiOptions) -> None:
        self.session = session
        self.token = token
        self.options = options
        self.port = options.port
        self._lock = asyncio.Lock()  # one answer at a time: one model
        self._waiting = 0
        self._pause: threading.Event | None = None  # set: the running answer gives way
        self._accepted: tuple[str, Path] | None = None  # the model name last found loaded
        self._accepted_id = ""
        session.on_chat_turn.append(self._chat_wants_the_model)

    def _chat_wants_the_model(self) -> None:
        if self._pause is not None:
            self._pause.set()

    # --- what each request passes first ---------------------------------------------------

    def check(self, request: Request) -> None:
        """Host, then token: ApiError when either is wrong."""
        host = request.headers.get("host", "")
        if host not in self.options.allowed_hosts(self.port):
            raise ApiError(
                403,
                f"This server does not answer to the host {host!r}.",
                type="permission_error",
                code="host_not_allowed",
            )
        given = request.headers.get("authorization", "")
        scheme, _, value = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            value.strip().encode(), self.token.encode()
        ):
            raise ApiError(
                401,
                "A valid API token is required (Authorization: Bearer …); see Settings › "
                "Local API or `steward serve --show-token`.",
                type="invalid_request_error",
                code="invalid_api_key",
            )

    def cors_headers(self, request: Request) -> dict[str, str]:
        origin = request.headers.get("origin")
        if origin is None or origin not in self.options.origins:
            return {}
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Headers": "Authorization, Content-Type",
            "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
            "Vary": "Origin",
        }

    # --- models ---------------------------------------------------------------------------

    def models(self) -> dict[str, Any]:
        engine = self.session.engine()
        loaded = engine.model.path.resolve() if engine is not None else None
        data = [
            {
                "id": record.id,
                "object": "model",
                "created": 0,
                "owned_by": "steward",
                "loaded": record.file.resolve() == loaded,
            }
            for record in self.session.models().all()
            if not record.missing
        ]
        return {"object": "list", "data": data}

    def _check_model(self, name: str) -> str:
        """The id to report for the loaded model when ``name`` is it; else the error."""
        engine = self.session.engine()
        if engine is None:
            raise ApiError(503, "No local model is available.", type="server_error")
        loaded = engine.model.path
        if self._accepted == (name, loaded):
            return self._accepted_id  # the same model as the last request: no need to look
        for record in self.session.models().all():
            if name in (record.id, record.name):
                if record.file.resolve() == loaded.resolve():
                    self._accepted, self._accepted_id = (name, loaded), record.id
                    return record.id
                if self.options.switch_models and not record.missing:
                    return record.id  # loaded when its turn comes (see answer)
                raise ApiError(
                    400,
                    f"The model {name!r} is installed but not loaded; the loaded one is "
                    f"{engine.model.name!r}. Switch models in Steward, or ask for that one.",
                    code="model_not_loaded",
                    param="model",
                )
        raise ApiError(
            404, f"The model {name!r} does not exist.", code="model_not_found", param="model"
        )

    # --- answers --------------------------------------------------------------------------

    async def prepare(self, body: object) -> tuple[ApiRequest, str]:
        engine = self.session.engine()
        limit = engine.settings.max_tokens if engine is not None else 512
        request = parse_request(body, max_tokens_limit=limit)
        model = self._check_model(request.model)
        if request.wants_tools and not await self._template_has_tools():
            raise ApiError(
                400,
                "The loaded model's chat template has no tool support; send the request "
                "without tools.",
                param="tools",
            )
        return request, model

    async def _template_has_tools(self) -> bool:
        engine = self.session.engine()
        info = await self.session.load_engine()
        return engine is not None and info is not None and engine.template_mentions("tools")

    @property
    def busy(self) -> bool:
        """Is an answer being written (the model in use by the API)?"""
        return self._lock.locked()

    def refuse_when_full(self) -> None:
        """ApiError 429 when as many requests wait as the queue holds."""
        if self._lock.locked() and self._waiting >= self.options.queue:
            raise ApiError(
                429,
                "Too many requests are waiting for the model; try again shortly.",
                type="rate_limit_error",
                code="rate_limit_exceeded",
                headers={"Retry-After": "2"},
            )

    @contextlib.asynccontextmanager
    async def turn(self, *, refuse: bool = True) -> AsyncIterator[None]:
        """The model, after the requests before this one (429 when too many wait)."""
        if refuse:
            self.refuse_when_full()
        self._waiting += 1
        try:
            await self._lock.acquire()
        finally:
            self._waiting -= 1
        try:
            yield
        finally:
            self._lock.release()

    async def answer(
        self, request: ApiRequest, send: Callable[[str], Awaitable[None]]
    ) -> tuple[str, int, int]:
        """Generate, passing each piece of text to ``send``; (finish reason, prompt tokens,
        completion tokens). Gives way to the desktop chat and goes on after it."""
        await self._switch_if_asked(request.model)
        engine = self.session.engine()
        assert engine is not None
        if engine.info is None:
            await self.session.load_engine()
        stops = StopFinder(request.stops)
        sent: list[str] = []

        async def keep_and_send(text: str) -> None:
            sent.append(text)
            await send(text)

        run = _Run(request, stops, keep_and_send)
        if self._cloud_allowed("cloud"):
            await self._in_cloud(run, _t("the cloud policy, allowed for the API"))
        while run.produced < request.params.max_tokens and run.finish is None:
            await self.session.chat_idle()
            self._pause = threading.Event()
            try:
                await run.go(self._local(engine, run), self._pause)
            except ContextOverflowError as exc:
                if run.produced or not self._cloud_allowed("auto"):
                    raise ApiError(400, exc.user_text(), code="context_length_exceeded") from exc
                await self._in_cloud(run, _t("too long for the local model"))
            finally:
                self._pause = None
        if not stops.stopped and (tail := stops.flush()):
            await keep_and_send(tail)
        if self.options.keep_history:
            await self._keep(request, "".join(sent))
        return run.finish or "length", run.prompt_tokens, run.produced

    def _local(self, engine: LocalEngine, run: _Run) -> Callable[[threading.Event], Any]:
        def events(pause: threading.Event) -> AsyncIterator[Any]:
            return engine.generate(
                run.messages(), conversation=CONVERSATION, params=run.params(), cancel=pause
            )

        return events

    def _cloud_allowed(self, policy: str) -> bool:
        if not self.options.allow_cloud:
            return False
        gate = self.session.gate()
        return gate.enabled and gate.policy == policy

    async def _in_cloud(self, run: _Run, reason: str) -> None:
        """The whole answer from the cloud endpoint (the user allowed it for the API: that
        is the consent), redacted as the cloud settings say."""
        gate = self.session.gate()
        outgoing = gate.prepare(run.request.messages)
        await gate.authorize(outgoing, reason=reason, explicit=True)
        log.info("%s", gate.routed(outgoing, reason).text())

        def events(pause: threading.Event) -> AsyncIterator[Any]:
            return gate.stream(outgoing, run.params(), pause)

        await run.go(events, threading.Event())
        run.finish = run.finish or "length"

    async def _switch_if_asked(self, name: str) -> None:
        """Load the model a request names, when the user allowed requests to switch it."""
        engine = self.session.engine()
        if not self.options.switch_models or engine is None:
            return
        for record in self.session.models().all():
            if name in (record.id, record.name):
                if record.file.resolve() != engine.model.path.resolve():
                    log.info("the API switches the model, as allowed")
                    await self.session.use_model(record)
                    self._accepted = None
                return

    async def _keep(self, request: ApiRequest, answer: str) -> None:
        """Keep the request and its answer as a conversation in the encrypted history."""
        from app.core.assistant import title_from

        assistant = self.session.assistant()
        said = [m for m in request.messages if m.role != "system"]
        engine = self.session.engine()
        model = engine.model.name if engine is not None else request.model

        def write() -> None:
            db = assistant.db
            last = next((m.content for m in reversed(said) if m.role == "user"), "API request")
            conv = db.create_conversation("API: " + title_from(last), model)
            for message in said:
                db.add_message(conv.id, message.role, message.content)
            db.add_message(conv.id, "assistant", answer, model=model)

        await assistant.db_call(write)


@dataclass
class _Run:
    """One API answer across the pieces the chat may have cut it into."""

    request: ApiRequest
    stops: StopFinder
    send: Callable[[str], Awaitable[None]]
    written: str = ""
    produced: int = 0
    prompt_tokens: int = 0
    finish: str | None = None  # None: not finished (paused for the chat, or not started)

    def messages(self) -> list[ChatMessage]:
        messages = list(self.request.messages)
        if self.written:  # paused for the chat: go on with the answer where it stopped
            messages.append(ChatMessage("assistant", self.written))
        return messages

    def params(self) -> SamplingParams:
        return _replace_max(self.request.params, self.request.params.max_tokens - self.produced)

    async def go(
        self, events: Callable[[threading.Event], AsyncIterator[Any]], pause: threading.Event
    ) -> None:
        """Generate until the end, the limit, a stop sequence or ``pause``."""
        async for event in events(pause):
            if isinstance(event, TokenEvent):
                self.written += event.text
                if text := self.stops.feed(event.text):
                    await self.send(text)
                if self.stops.stopped:
                    pause.set()  # the rest is not needed
            elif isinstance(event, DoneEvent):
                stats = event.stats
                self.prompt_tokens = self.prompt_tokens or stats.prompt_tokens
                self.produced += stats.completion_tokens
                if self.stops.stopped:
                    self.finish = "stop"
                elif stats.finish_reason != "cancelled":
                    self.finish = stats.finish_reason
                # cancelled: the chat wanted the model; the caller waits for it, goes on


def _replace_max(params: SamplingParams, max_tokens: int) -> SamplingParams:
    import dataclasses

    return dataclasses.replace(params, max_tokens=max_tokens)


def bind(options: ApiOptions) -> socket.socket:
    """The listening socket, or PortBusyError saying what to do."""
    family = socket.AF_INET6 if ":" in options.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.bind((options.host, options.port))
    except OSError as exc:
        sock.close()
        raise PortBusyError(
            f"Port {options.port} on {options.host} is in use ({exc.strerror}).",
            hint="Stop what uses it, or choose another port (`steward serve --port N`, or "
            "Settings › Local API).",
        ) from exc
    sock.listen(64)
    sock.setblocking(False)
    return sock


async def serve(
    api: Api,
    sock: socket.socket,
    started: asyncio.Event | None = None,
    *,
    signals: bool = True,
) -> None:
    """Answer on ``sock`` until cancelled (``signals``: Ctrl+C and SIGTERM stop it — for
    `steward serve`; the desktop app keeps its own handlers)."""
    import uvicorn

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            if signals:
                with super().capture_signals():
                    yield
            else:
                yield

    api.port = sock.getsockname()[1]
    from app.api.http import make_app

    config = uvicorn.Config(  # each choice named: the frozen app bundles just these
        make_app(api),
        http="h11",
        ws="none",
        lifespan="off",
        loop="none",
        log_level="warning",
        access_log=False,
    )
    server = Server(config)
    task = asyncio.ensure_future(server.serve(sockets=[sock]))
    try:
        while not server.started and not task.done():
            await asyncio.sleep(0.01)
        if started is not None:
            started.set()
        await task
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(task), 5)
        sock.close()


def api_token(steward: Steward, *, renew: bool = False) -> str:
    """The API's bearer token, made (and kept in the secret store) on first use or when
    ``renew``."""
    from app.core.steward import SecretStore

    store = SecretStore(steward)
    token = None if renew else store.get(API_KEY)
    if not token:
        token = new_token()
        store.set(API_KEY, token)
    return token


class ApiServer:
    """The API while the desktop app runs: started, restarted with new settings, stopped."""

    def __init__(self) -> None:
        self.task: asyncio.Future[None] | None = None
        self.api: Api | None = None
        self.url = ""

    async def start(self, session: Session, token: str, options: ApiOptions) -> str:
        """Listen (PortBusyError when it cannot); returns the base URL."""
        await self.stop()
        sock = bind(options)
        self.api = Api(session, token, options)
        started = asyncio.Event()
        self.task = asyncio.ensure_future(serve(self.api, sock, started, signals=False))
        await started.wait()
        host = "127.0.0.1" if options.host in ("0.0.0.0", "::") else options.host
        self.url = f"http://{host}:{self.api.port}/v1"
        return self.url

    async def stop(self) -> None:
        task, self.task = self.task, None
        if self.api is not None:
            with contextlib.suppress(ValueError):
                self.api.session.on_chat_turn.remove(self.api._chat_wants_the_model)
        self.api, self.url = None, ""
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


__all__ = [
    "API_KEY",
    "Api",
    "ApiOptions",
    "ApiServer",
    "PortBusyError",
    "api_token",
    "bind",
    "new_token",
    "serve",
]
