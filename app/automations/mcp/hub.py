"""The MCP servers while Steward runs: started when first needed, listed, called, restarted
with back-off after they die, given a time limit, and stopped with Steward.

The connections live on a thread of their own with its own event loop (the SDK's task
groups stay on the loop that entered them); the desktop app's loop, the terminal's and the
scheduler's reach them through ``await hub.call(...)`` without blocking.

A stdio server gets only the environment it declares plus PATH and HOME (on Windows, the
few variables a process needs to start at all); its error output goes to a log file of its
own, the end of which is shown when it fails.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO, TypeVar

from app.automations.mcp.config import ServerConfig, ServerStore
from app.automations.mcp.definitions import ToolDefinition
from app.core.errors import KnownError
from app.core.text import visible
from app.language import _t

log = logging.getLogger(__name__)

T = TypeVar("T")
BACKOFF_S = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 60.0)  # between starts after a server died
LOG_TAIL = 600  # characters of a server's error output shown when it fails
# what a stdio server inherits from Steward's environment (besides what it declares)
INHERITED = (
    ("PATH", "HOME")
    if sys.platform != "win32"
    else ("PATH", "PATHEXT", "SYSTEMROOT", "SYSTEMDRIVE", "TEMP", "USERPROFILE", "APPDATA")
)

State = Literal["off", "stopped", "starting", "running", "failed"]


class ServerFailed(KnownError):
    """A server could not be started, stopped during a call, did not answer in time, or
    answered something that is not MCP: the message says which, for the user."""


class ToolChanged(KnownError):
    """The server describes the tool differently from the definition the call was approved
    for."""

    def __init__(self, tool: str) -> None:
        super().__init__(f"the server now describes {tool} differently, or no longer lists it")
        self.tool = tool


@dataclass
class ServerStatus:
    name: str
    state: State
    error: str = ""
    tools: int = 0
    starts: int = 0
    # when it may be started again (monotonic time), after it died
    not_before: float = 0.0


def server_environment(declared: dict[str, str]) -> dict[str, str]:
    inherited = {k: os.environ[k] for k in INHERITED if k in os.environ}
    return inherited | declared


def _restrict_sdk_environment() -> None:
    """The SDK's stdio client adds a default set of variables (HOME, LOGNAME, PATH, SHELL,
    TERM, USER) to what a server is given; Steward gives only its own set."""
    import mcp.client.stdio as stdio

    stdio.get_default_environment = lambda: {}


@dataclass
class _Connection:
    config: ServerConfig
    client: Any = None
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    tools: list[dict[str, Any]] = field(default_factory=list)

    @property
    def alive(self) -> bool:
        return self.client is not None and self.task is not None and not self.task.done()


class McpHub:
    def __init__(self, store: ServerStore, logs: Path) -> None:
        self.store = store
        self.logs = logs
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._connections: dict[str, _Connection] = {}
        self._starting: dict[str, asyncio.Lock] = {}
        self.statuses: dict[str, ServerStatus] = {}
        # told (on the hub's thread) whenever a server lists its tools
        self.on_listed: list[Callable[[ServerConfig, list[dict[str, Any]]], None]] = []

    # --- the hub's own loop ---------------------------------------------------------------

    def _submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        with self._lock:
            if self._loop is None:
                _restrict_sdk_environment()
                loop = asyncio.new_event_loop()
                ready = threading.Event()

                def run() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(ready.set)
                    loop.run_forever()

                self._thread = threading.Thread(target=run, name="steward-mcp", daemon=True)
                self._thread.start()
                ready.wait()
                self._loop = loop
            return asyncio.run_coroutine_threadsafe(coro, self._loop)

    async def _on_hub(self, coro: Coroutine[Any, Any, T]) -> T:
        return await asyncio.wrap_future(self._submit(coro))

    def status(self, name: str) -> ServerStatus:
        config = self.store.server(name)
        known = self.statuses.get(name)
        if not config.enabled:
            return ServerStatus(name, "off", tools=known.tools if known else 0)
        return known or ServerStatus(name, "stopped")

    # --- what front ends and actions call -------------------------------------------------

    async def list_tools(self, name: str) -> list[dict[str, Any]]:
        """The tools of an enabled server as it lists them now (started if need be)."""
        return await self._on_hub(self._list(name))

    async def call(
        self,
        name: str,
        tool: str,
        arguments: dict[str, Any],
        *,
        timeout: float | None = None,
        expected: str | None = None,
    ) -> dict[str, Any]:
        """Call a tool; the result as the server sent it (``content``, ``isError``, …).
        With ``expected`` (a definition's hash), the call is made only when the server's
        listing of the tool (from this start of it, or listed since) still hashes to it:
        ToolChanged otherwise."""
        return await self._on_hub(self._call(name, tool, arguments, timeout, expected))

    def close(self) -> None:
        """Stop every server (each gets the SDK's bounded shutdown) and the hub's thread."""
        with self._lock:
            loop, self._loop = self._loop, None
        if loop is None:
            return
        future = asyncio.run_coroutine_threadsafe(self._stop_all(), loop)
        with contextlib.suppress(Exception):
            future.result(timeout=15)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=5)
        with contextlib.suppress(RuntimeError):
            loop.close()

    async def stop(self, name: str) -> None:
        await self._on_hub(self._stop(name))

    # --- on the hub's loop ----------------------------------------------------------------

    async def _list(self, name: str) -> list[dict[str, Any]]:
        running = self._connections.get(name)
        connection = await self._connected(name)
        if connection is running:  # (a server started just now has listed them already)
            connection.tools = await _all_tools(connection.client)
            self._listed(connection)
        return connection.tools

    def _listed(self, connection: _Connection) -> None:
        self.statuses[connection.config.name].tools = len(connection.tools)
        for listener in self.on_listed:
            listener(connection.config, connection.tools)

    async def _call(
        self,
        name: str,
        tool: str,
        arguments: dict[str, Any],
        timeout: float | None,
        expected: str | None,
    ) -> dict[str, Any]:
        connection = await self._connected(name)
        if expected is not None:
            listed = next((t for t in connection.tools if t.get("name") == tool), None)
            if listed is None or ToolDefinition(name, tool, listed).hash != expected:
                raise ToolChanged(tool)
        limit = timeout or connection.config.timeout_s
        try:
            async with asyncio.timeout(limit):
                result = await connection.client.call_tool(
                    tool, arguments, read_timeout_seconds=limit
                )
        except TimeoutError:
            raise ServerFailed(
                _t("The MCP server {0} did not answer within {1:g} s.").format(name, limit)
            ) from None
        except Exception as exc:
            if not connection.alive or _closed(exc):
                await self._died(connection, f"stopped during the call ({_said(exc)})")
                raise ServerFailed(
                    _t("The MCP server {0} stopped during the call.{1}").format(
                        name, self._tail(name)
                    )
                ) from None
            raise ServerFailed(
                _t(
                    "The MCP server {0} answered with something that is not a valid result ({1})."
                ).format(name, _said(exc))
            ) from None
        dumped: dict[str, Any] = result.model_dump(by_alias=True, exclude_none=True, mode="json")
        return dumped

    async def _connected(self, name: str) -> _Connection:
        connection = self._connections.get(name)
        if connection is not None and connection.alive:
            return connection
        lock = self._starting.setdefault(name, asyncio.Lock())
        async with lock:
            connection = self._connections.get(name)
            if connection is not None and connection.alive:
                return connection
            config = self.store.server(name)
            if not config.enabled:
                raise ServerFailed(
                    _t(
                        "The MCP server {0} is switched off; switch it on in Settings › Tools (or "
                        "`steward mcp enable {0}`) after checking its command line."
                    ).format(name)
                )
            return await self._start(config)

    async def _start(self, config: ServerConfig) -> _Connection:
        name = config.name
        status = self.statuses.setdefault(name, ServerStatus(name, "stopped"))
        wait = status.not_before - time.monotonic()
        if wait > 0:
            if wait > config.timeout_s:
                raise ServerFailed(
                    _t(
                        "The MCP server {0} stopped {1} times; Steward tries again in {2:.0f} s. "
                        "{3}"
                    ).format(name, status.starts, wait, status.error)
                )
            await asyncio.sleep(wait)
        status.state, status.error = "starting", ""
        status.starts += 1
        connection = _Connection(config)
        started: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        connection.task = asyncio.create_task(self._hold(connection, started))
        try:
            async with asyncio.timeout(config.timeout_s):
                await asyncio.shield(started)
                tools = await _all_tools(connection.client)
        except BaseException as exc:
            connection.stop.set()
            connection.task.cancel()
            with contextlib.suppress(BaseException):
                await connection.task
            if isinstance(exc, asyncio.CancelledError):
                raise
            why = (
                f"did not start within {config.timeout_s:g} s"
                if isinstance(exc, TimeoutError)
                else f"could not be started ({_said(exc)})"
            )
            self._failed(status, why)
            raise ServerFailed(
                _t("The MCP server {0} {1}.{2}").format(name, why, self._tail(name))
            ) from None
        connection.tools = tools
        self._connections[name] = connection
        status.state = "running"
        self._listed(connection)
        return connection

    def _failed(self, status: ServerStatus, why: str) -> None:
        status.state, status.error = "failed", why
        step = BACKOFF_S[min(status.starts, len(BACKOFF_S)) - 1] if status.starts > 1 else 0.0
        status.not_before = time.monotonic() + step

    async def _hold(self, connection: _Connection, started: asyncio.Future[None]) -> None:
        """Enter the client and keep it until told to stop (in this one task, as the SDK's
        task groups require)."""
        from mcp import Client

        config = connection.config
        try:
            with self._error_log(config.name) as errors:
                async with Client(
                    self._transport(config, errors), read_timeout_seconds=config.timeout_s
                ) as client:
                    connection.client = client
                    started.set_result(None)
                    await connection.stop.wait()
        except BaseException as exc:
            if not started.done():
                started.set_exception(exc if isinstance(exc, Exception) else RuntimeError(exc))
            elif not connection.stop.is_set():  # (its name is the user's words: not logged)
                log.info("an MCP server ended (%s)", type(exc).__name__)
            if isinstance(exc, asyncio.CancelledError):
                raise
        finally:
            connection.client = None

    def _transport(self, config: ServerConfig, errors: TextIO) -> Any:
        if config.transport == "http":
            return _http_transport(config.url, self.store.resolved(config.headers))
        from mcp.client.stdio import StdioServerParameters, stdio_client

        params = StdioServerParameters(
            command=config.command,
            args=list(config.args),
            env=server_environment(self.store.resolved(config.env)),
            cwd=config.cwd or None,
        )
        return stdio_client(params, errlog=errors)

    @contextlib.contextmanager
    def _error_log(self, name: str) -> Any:
        """The server's error output, for the user (it may quote their data: mode 0600,
        written anew at each start)."""
        self.logs.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self.logs / f"{name}.log"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.chmod(path, 0o600)
        with open(fd, "w", encoding="utf-8") as errors:
            yield errors

    def _tail(self, name: str) -> str:
        try:
            text = (self.logs / f"{name}.log").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        text = text.strip()[-LOG_TAIL:]
        return f" Its last output: {visible(text, keep_newlines=True)}" if text else ""

    async def _died(self, connection: _Connection, why: str) -> None:
        name = connection.config.name
        if self._connections.get(name) is connection:
            del self._connections[name]
        status = self.statuses.setdefault(name, ServerStatus(name, "stopped"))
        self._failed(status, why)
        connection.stop.set()
        if connection.task is not None:
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(connection.task, 10)

    async def _stop(self, name: str) -> None:
        connection = self._connections.pop(name, None)
        if connection is not None:
            connection.stop.set()
            if connection.task is not None:
                with contextlib.suppress(BaseException):
                    await asyncio.wait_for(connection.task, 10)
        if name in self.statuses:
            self.statuses[name].state = "stopped"

    async def _stop_all(self) -> None:
        await asyncio.gather(*(self._stop(n) for n in list(self._connections)))


@contextlib.asynccontextmanager
async def _http_transport(url: str, headers: dict[str, str]) -> Any:
    """Streamable HTTP with the server's headers; the HTTP client closed with it."""
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    async with (
        create_mcp_http_client(headers=headers) as http,
        streamable_http_client(url, http_client=http) as streams,
    ):
        yield streams


async def _all_tools(client: Any) -> list[dict[str, Any]]:
    tools: list[dict[str, Any]] = []
    cursor = None
    for _ in range(50):  # pages; a server that pages without end is cut off here
        page = await client.list_tools(cursor=cursor)
        tools += [t.model_dump(by_alias=True, exclude_none=True, mode="json") for t in page.tools]
        cursor = page.next_cursor
        if not cursor:
            break
    return tools


def _closed(exc: BaseException) -> bool:
    import anyio
    from mcp.shared.exceptions import MCPError

    if isinstance(exc, MCPError):
        return exc.error.code == -32000  # the connection closed
    return isinstance(exc, anyio.ClosedResourceError | anyio.BrokenResourceError | EOFError)


def _said(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(_said(e) for e in exc.exceptions[:3])
    text = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
    return visible(text) if text else type(exc).__name__


__all__ = ["McpHub", "ServerFailed", "ServerStatus", "ToolChanged", "server_environment"]
