"""An async client for OpenAI-compatible chat completions (OpenAI, OpenRouter, llama.cpp's and
Ollama's servers, LM Studio's server…), streaming server-sent events over httpx.

Connect and first-byte time limits, retries with backoff on 429 and 5xx before any text has
arrived (honouring Retry-After), cancel within 100 ms, and every failure turned into a
:class:`CloudError` with one clear sentence. The API key is only ever sent in the
Authorization header; it is never logged and never part of an error message.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import json
import logging
import ssl
import threading
import time
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from app.core.errors import KnownError
from app.core.llm.engine import DoneEvent, FinishReason, GenerationStats, SamplingParams, TokenEvent
from app.core.llm.prompt import ChatMessage
from app.language import _t

if TYPE_CHECKING:  # imported when a client is made: the window paints without it
    import httpx

log = logging.getLogger(__name__)

CloudFailure = Literal[
    "unreachable",
    "dns",
    "tls",
    "auth",
    "model",
    "rate_limited",
    "server",
    "timeout",
    "disconnected",
    "malformed",
    "config",
]
MAX_RETRY_AFTER = 30.0
CANCEL_POLL = 0.02


class CloudError(KnownError):
    """The cloud endpoint could not answer; ``kind`` says why."""

    def __init__(self, kind: CloudFailure, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.kind = kind


@dataclass(frozen=True)
class CloudEndpoint:
    base_url: str
    model: str
    api_key: str = ""
    connect_timeout: float = 10.0
    first_byte_timeout: float = 60.0
    max_retries: int = 3

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc or self.base_url

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path


def validate_base_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CloudError(
            "config",
            f"{url!r} is not an http(s) URL.",
            hint=_t("Give the API's base URL, e.g. https://api.openai.com/v1."),
        )
    return url.strip().rstrip("/")


def _retry_after(response: httpx.Response, attempt: int) -> float:
    value = response.headers.get("retry-after", "").strip()
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(value)
                return max(0.0, (when - datetime.now(UTC)).total_seconds())
            except (TypeError, ValueError):
                pass
    return float(min(8.0, 0.5 * 2.0**attempt))


def _connect_error(endpoint: CloudEndpoint, exc: Exception) -> CloudError:
    text = str(exc)
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLError):
            return CloudError(
                "tls",
                f"The secure connection to {endpoint.host} failed: {cause.reason or cause}.",
                hint=_t("Check the URL; the server's certificate is not trusted."),
            )
        cause = cause.__cause__ or cause.__context__
    if "Name or service not known" in text or "getaddrinfo" in text or "nodename" in text:
        return CloudError(
            "dns",
            f"The cloud endpoint's host name {urlsplit(endpoint.base_url).hostname} "
            "could not be resolved.",
            hint=_t("Check the URL and your network connection."),
        )
    if "CERTIFICATE" in text.upper() or "SSL" in text.upper():
        return CloudError("tls", f"The secure connection to {endpoint.host} failed.")
    return CloudError(
        "unreachable",
        f"Cannot reach the cloud endpoint {endpoint.host}: {text or type(exc).__name__}.",
        hint=_t("Is the server running and the URL right?"),
    )


def _status_error(endpoint: CloudEndpoint, response: httpx.Response, body: str) -> CloudError:
    code = response.status_code
    detail = ""
    try:
        payload = json.loads(body)
        err = payload.get("error") if isinstance(payload, dict) else None
        detail = str(err.get("message") if isinstance(err, dict) else err or "")[:200]
    except ValueError:
        pass
    suffix = f": {detail}" if detail else ""
    if code in (401, 403):
        return CloudError(
            "auth",
            f"The cloud endpoint {endpoint.host} refused the API key (HTTP {code}){suffix}.",
            hint=_t("Set the right key with `steward cloud set`."),
        )
    if code == 404:
        return CloudError(
            "model",
            f"The cloud endpoint {endpoint.host} does not offer the model {endpoint.model!r} "
            f"or this API path (HTTP 404){suffix}.",
            hint=_t("Check the model name and base URL with `steward cloud set`."),
        )
    if code == 429:
        return CloudError(
            "rate_limited",
            f"The cloud endpoint {endpoint.host} is rate-limiting requests (HTTP 429).",
            hint=_t("Try again in {0:.0f} s.").format(_retry_after(response, 0)),
        )
    return CloudError("server", f"The cloud endpoint {endpoint.host} failed (HTTP {code}){suffix}.")


def _chunk_events(chunk: Any, texts: list[str]) -> list[tuple[str, object]]:
    """One stream chunk: its text added to ``texts``; its finish reason, usage or error
    returned (an error raised)."""
    events: list[tuple[str, object]] = []
    if choices := chunk.get("choices"):
        choice = choices[0]
        delta = choice.get("delta")
        if delta and (text := delta.get("content")):
            texts.append(text)
        if choice.get("finish_reason"):
            events.append(("finish", choice["finish_reason"]))
    elif "error" in chunk:
        raise CloudError(
            "server",
            f"The cloud endpoint reported an error: {str(chunk['error'])[:200]}.",
        )
    if chunk.get("usage"):
        events.append(("usage", chunk["usage"]))
    return events


class CloudClient:
    """Chat completions from one OpenAI-compatible endpoint."""

    def __init__(self, endpoint: CloudEndpoint, *, verify: ssl.SSLContext | bool = True) -> None:
        import httpx

        self.endpoint = endpoint
        self.received_chunks = 0  # text chunks in the last answer (one event may carry several)
        headers = {"Accept": "text/event-stream"}
        if endpoint.api_key:
            headers["Authorization"] = f"Bearer {endpoint.api_key}"
        self._client = httpx.AsyncClient(
            headers=headers,
            timeout=httpx.Timeout(
                connect=endpoint.connect_timeout,
                read=endpoint.first_byte_timeout,
                write=endpoint.connect_timeout,
                pool=endpoint.connect_timeout,
            ),
            verify=verify,
            follow_redirects=False,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def test_connection(self) -> float:
        """Ask for one token; returns the round trip in ms or raises CloudError."""
        started = time.perf_counter()
        async for _ in self.stream_chat(
            [ChatMessage("user", "Reply with the word OK.")], SamplingParams(max_tokens=1)
        ):
            pass
        return (time.perf_counter() - started) * 1000

    async def stream_chat(
        self,
        messages: Sequence[ChatMessage],
        params: SamplingParams,
        cancel: threading.Event | None = None,
    ) -> AsyncIterator[TokenEvent | DoneEvent]:
        """Stream an answer: TokenEvents, then one DoneEvent (as the local engine does)."""
        cancel = cancel or threading.Event()
        queue: asyncio.Queue[TokenEvent | DoneEvent | BaseException | None] = asyncio.Queue()
        producer = asyncio.ensure_future(self._produce(messages, params, cancel, queue))

        async def watch() -> None:
            while not cancel.is_set():
                await asyncio.sleep(CANCEL_POLL)
            producer.cancel()

        watcher = asyncio.ensure_future(watch())
        finished = False
        try:
            while (item := await queue.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                yield item
            finished = True
        finally:
            watcher.cancel()
            if not finished:  # the consumer left early: stop the request, not the caller
                producer.cancel()
            await asyncio.gather(producer, watcher, return_exceptions=True)

    async def _produce(
        self,
        messages: Sequence[ChatMessage],
        params: SamplingParams,
        cancel: threading.Event,
        queue: asyncio.Queue[TokenEvent | DoneEvent | BaseException | None],
    ) -> None:
        started = time.perf_counter()
        first = last = 0.0
        produced = 0
        usage: dict[str, Any] = {}
        finish: FinishReason = "stop"
        try:
            # closed here, on this loop, even when the stream ends early (not left to the GC)
            async with contextlib.aclosing(self._events(messages, params)) as events:
                async for kind, value in events:
                    if kind == "text" and isinstance(value, list):
                        now = time.perf_counter()
                        first = first or now
                        last = now
                        produced += len(value)
                        await queue.put(TokenEvent("".join(value)))
                    elif kind == "usage" and isinstance(value, dict):
                        usage = value
                    elif kind == "finish" and value == "length":
                        finish = "length"
        except asyncio.CancelledError:
            finish = "cancelled"
        except BaseException as exc:
            await queue.put(exc)
            await queue.put(None)
            return
        if cancel.is_set():
            finish = "cancelled"
        completion = int(usage.get("completion_tokens") or produced)
        rate = (produced - 1) / (last - first) if produced > 1 and last > first else 0.0
        self.received_chunks = produced
        await queue.put(
            DoneEvent(
                GenerationStats(
                    prompt_tokens=int(usage.get("prompt_tokens") or 0),
                    cached_tokens=0,
                    completion_tokens=completion,
                    ttft_ms=((first or time.perf_counter()) - started) * 1000,
                    tokens_per_s=rate,
                    finish_reason=finish,
                )
            )
        )
        await queue.put(None)

    async def _events(
        self, messages: Sequence[ChatMessage], params: SamplingParams
    ) -> AsyncGenerator[tuple[str, object], None]:
        import httpx

        endpoint = self.endpoint
        body: dict[str, Any] = {
            "model": endpoint.model,
            "messages": [m.as_dict() for m in messages],
            "stream": True,
            "temperature": params.temperature,
            "top_p": params.top_p,
            "max_tokens": params.max_tokens,
        }
        if params.seed >= 0:
            body["seed"] = params.seed
        if params.json_schema:
            # JSON mode with the schema alongside (llama.cpp's server turns it into a grammar)
            body["response_format"] = {
                "type": "json_object",
                "schema": json.loads(params.json_schema),
            }
        attempt = 0
        while True:
            try:
                async with self._client.stream(
                    "POST", endpoint.url("/chat/completions"), json=body
                ) as response:
                    if response.status_code >= 400:
                        text = (await response.aread()).decode("utf-8", "replace")
                        retryable = response.status_code == 429 or response.status_code >= 500
                        wait = _retry_after(response, attempt)
                        if retryable and attempt < endpoint.max_retries and wait <= MAX_RETRY_AFTER:
                            attempt += 1
                            log.info(
                                "cloud HTTP %d, retry %d in %.1f s",
                                response.status_code,
                                attempt,
                                wait,
                            )
                            await asyncio.sleep(wait)
                            continue
                        raise _status_error(endpoint, response, text)
                    async for event in self._parse(response):
                        yield event
                    return
            except httpx.ConnectError as exc:
                raise _connect_error(endpoint, exc) from None
            except httpx.ConnectTimeout:
                raise CloudError(
                    "timeout",
                    f"Connecting to {endpoint.host} took longer than "
                    f"{endpoint.connect_timeout:g} s.",
                ) from None
            except httpx.ReadTimeout:
                raise CloudError(
                    "timeout",
                    f"The cloud endpoint {endpoint.host} sent nothing for "
                    f"{endpoint.first_byte_timeout:g} s.",
                    hint=_t("It may be overloaded; try again later."),
                ) from None
            except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
                raise CloudError(
                    "disconnected",
                    f"The connection to {endpoint.host} was lost in the middle of the answer.",
                    hint=_t("What arrived was kept."),
                ) from exc

    async def _parse(self, response: httpx.Response) -> AsyncIterator[tuple[str, object]]:
        """Events from the SSE body. All complete lines of one network read are parsed
        together and their text handed over as one piece: consumers want text, not chunk
        boundaries, and one hand-over per read keeps the client as fast as a bare loop."""
        done = False
        pending = b""
        async for data in response.aiter_bytes():
            # decode all complete lines of this read at once (a newline never falls inside a
            # UTF-8 sequence, so the split is safe); keep the unfinished line for the next read
            complete, newline, rest = (pending + data).rpartition(b"\n")
            if not newline:
                pending = rest
                continue
            pending = rest
            texts: list[str] = []
            for line in complete.decode("utf-8", "replace").split("\n"):
                if not line.startswith("data:"):
                    continue  # blank separators, comments (":") and event names
                payload = line[5:].strip()
                if payload == "[DONE]":
                    done = True
                    break
                try:
                    for event in _chunk_events(json.loads(payload), texts):
                        yield event
                except (ValueError, AttributeError, TypeError, IndexError) as exc:
                    if texts:
                        yield "text", texts
                    raise CloudError(
                        "malformed",
                        f"The cloud endpoint {self.endpoint.host} sent a malformed stream chunk.",
                        hint=_t("What arrived before it was kept."),
                    ) from exc
            if texts:
                yield "text", texts
            if done:
                return
        raise CloudError(
            "disconnected",
            f"The stream from {self.endpoint.host} ended before the answer was complete.",
            hint=_t("What arrived was kept."),
        )
