"""`steward serve`: the local OpenAI-compatible API, headless (app.api.server)."""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys

from app.api.server import Api, ApiOptions, api_token, bind, serve
from app.cli import err
from app.core.errors import UsageError
from app.core.steward import Steward
from app.language import _t
from app.session import Session

# how often streamed words are handed to the server (and sent): each hand-over runs Python
# while llama.cpp's threads have every core (on 2 cores, decode through the API ÷ `steward
# ask` read 0.95 at the engine's 40 ms and 0.965 at 100 ms; the first words go at once)
SERVE_WAKE_S = 0.1


def cmd_serve(args: argparse.Namespace, steward: Steward) -> int:
    if args.show_token or args.new_token:
        print(api_token(steward, renew=args.new_token))
        return 0
    if not 1 <= args.port <= 65535:
        raise UsageError(_t("--port must be from 1 to 65535."))
    if args.host not in ("127.0.0.1", "localhost", "::1") and not args.network:
        raise UsageError(
            _t(
                "Listening on {0} makes the model reachable from the network; add "
                "--network to mean it."
            ).format(args.host)
        )
    options = ApiOptions(
        host="127.0.0.1" if args.host == "localhost" else args.host,
        port=args.port,
        origins=tuple(args.origin or ()),
        extra_hosts=tuple(args.allow_host or ()),
        queue=max(0, args.queue),
        keep_history=args.keep_history,
        switch_models=args.switch_models,
        allow_cloud=args.allow_cloud,
    )
    session = Session(steward=steward, wake_interval=SERVE_WAKE_S)
    token = api_token(steward)
    sock = bind(options)  # PortBusyError: exit 3, one line
    return asyncio.run(_run(session, token, options, sock))


async def _run(session: Session, token: str, options: ApiOptions, sock: socket.socket) -> int:
    info = await session.load_engine()
    api = Api(session, token, options)
    started = asyncio.Event()
    job = asyncio.ensure_future(serve(api, sock, started))
    await started.wait()
    where = sock.getsockname()
    name = info.ref.name if info else "no model"
    err(
        _t(
            "Steward's API: http://{0}:{1}/v1 with {2} (token: `steward serve "
            "--show-token`). Ctrl+C stops it."
        ).format(where[0], where[1], name)
    )
    if options.host not in ("127.0.0.1", "::1"):
        err(
            _t(
                "Warning: other computers on your network can reach the model (the token "
                "is still required)."
            )
        )
    sys.stderr.flush()
    try:
        await job
    finally:
        await session.aclose()
    return 0


__all__ = ["cmd_serve"]
