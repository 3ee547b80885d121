"""The local API's HTTP side: every endpoint passes the Host, token and CORS checks first,
then hands the request to :class:`app.api.server.Api`; streamed answers are server-sent
events, and a client that goes away stops its answer (and the engine)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

from app.api.openai_format import ApiError, ApiRequest, chunk, completion, new_id, usage
from app.core.errors import KnownError

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

    from app.api.server import Api


class _Http:
    """The HTTP side: every endpoint passes the Host, token and CORS checks first."""

    def __init__(self, api: Api) -> None:
        self.api = api

    def app(self) -> Starlette:
        from starlette.applications import Starlette
        from starlette.routing import Route

        routes = [
            Route("/v1/models", self.guarded(self.models), methods=["GET", "OPTIONS"]),
            Route("/v1/chat/completions", self.guarded(self.chat), methods=["POST", "OPTIONS"]),
            Route("/{rest:path}", self.guarded(self.not_found), methods=["GET", "POST", "OPTIONS"]),
        ]
        return Starlette(routes=routes)

    def guarded(
        self, handler: Callable[[Request, dict[str, str]], Awaitable[Response]]
    ) -> Callable[[Request], Awaitable[Response]]:
        from starlette.responses import JSONResponse, Response

        async def endpoint(request: Request) -> Response:
            cors = self.api.cors_headers(request)
            if request.method == "OPTIONS":  # a browser's preflight: no token in it
                return Response(status_code=204 if cors else 403, headers=cors)
            try:
                self.api.check(request)
                return await handler(request, cors)
            except KnownError as exc:
                failure = ApiError(503, exc.user_text(), type="server_error")
            except ApiError as exc:
                failure = exc
            return JSONResponse(
                failure.body(), status_code=failure.status, headers={**failure.headers, **cors}
            )

        return endpoint

    async def models(self, request: Request, cors: dict[str, str]) -> Response:
        from starlette.responses import JSONResponse

        return JSONResponse(self.api.models(), headers=cors)

    async def not_found(self, request: Request, cors: dict[str, str]) -> Response:
        raise ApiError(
            404, f"No such endpoint: {request.method} {request.url.path}.", code="not_found"
        )

    async def chat(self, request: Request, cors: dict[str, str]) -> Response:
        from starlette.responses import JSONResponse, StreamingResponse

        try:
            body = json.loads(await request.body())
        except ValueError as exc:
            raise ApiError(400, "The request body is not valid JSON.") from exc
        parsed, model = await self.api.prepare(body)
        ident = new_id()
        if parsed.stream:
            self.api.refuse_when_full()  # 429 now, before the stream starts
            return StreamingResponse(
                self.events(parsed, model, ident),
                media_type="text/event-stream",
                headers={**cors, "Cache-Control": "no-cache"},
            )
        pieces: list[str] = []

        async def keep(text: str) -> None:
            pieces.append(text)

        async with self.api.turn():
            finish, prompt, produced = await _until_disconnected(
                request, self.api.answer(parsed, keep)
            )
        return JSONResponse(
            completion(ident, model, "".join(pieces), finish, prompt, produced), headers=cors
        )

    async def events(self, parsed: ApiRequest, model: str, ident: str) -> AsyncIterator[str]:
        """The streamed answer; when the client goes away, the answer (and the engine) stops."""
        queue: asyncio.Queue[str | None] = asyncio.Queue()

        async def send(text: str) -> None:
            queue.put_nowait(chunk(ident, model, {"content": text}))

        async def run() -> tuple[str, int, int]:
            try:
                async with self.api.turn(refuse=False):
                    return await self.api.answer(parsed, send)
            finally:
                queue.put_nowait(None)

        # the first event says who speaks: at once when the request has to wait (the client
        # knows it is queued), else with the first words, so that neither side has anything
        # to do while the model reads the prompt (on two cores that would slow it)
        opening = chunk(ident, model, {"role": "assistant", "content": ""})
        opened = self.api.busy
        job = asyncio.ensure_future(run())  # in the queue before the client hears back
        try:
            if opened:
                yield opening
            while (piece := await queue.get()) is not None:
                if not opened:
                    opened = True
                    yield opening
                yield piece
            if not opened:
                yield opening
            finish, prompt, produced = await job
        finally:
            if not job.done():
                job.cancel()
        yield chunk(ident, model, {}, finish)
        if parsed.include_usage:
            yield chunk(ident, model, {}, usage_of=usage(prompt, produced))
        yield "data: [DONE]\n\n"


def make_app(api: Api) -> Starlette:
    return _Http(api).app()


async def _until_disconnected(request: Request, job: Awaitable[Any]) -> Any:
    """``job``'s result, or cancelled (and the engine stopped) when the client goes away."""
    task = asyncio.ensure_future(job)

    async def watch() -> None:
        while not await request.is_disconnected():
            await asyncio.sleep(0.05)

    watcher = asyncio.ensure_future(watch())
    try:
        await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
        if not task.done():
            task.cancel()
        return await task
    finally:
        watcher.cancel()


__all__ = ["make_app"]
