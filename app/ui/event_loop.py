"""asyncio on Qt's event loop (qasync), set up the way asyncio's own loops are."""

from __future__ import annotations

import asyncio
import sys

import qasync
from PySide6.QtCore import QCoreApplication


def qt_event_loop(app: QCoreApplication) -> qasync.QEventLoop:
    """A qasync loop, made the current one, with asyncio's async-generator hooks installed.

    asyncio's loops install them while running; qasync does not. Without them an async
    generator left unfinished (an HTTP response read up to the end of the answer, say) is
    finalised by the garbage collector outside the loop, where its cleanup cannot await;
    with them its aclose() is scheduled on this loop, as on any asyncio loop.
    """
    loop = qasync.QEventLoop(app, already_running=False)
    asyncio.set_event_loop(loop)
    sys.set_asyncgen_hooks(
        firstiter=loop._asyncgen_firstiter_hook,
        finalizer=loop._asyncgen_finalizer_hook,
    )
    return loop


def close_event_loop(loop: qasync.QEventLoop) -> None:
    """Finish what the hooks scheduled, then close the loop and remove the hooks."""
    if not loop.is_closed():
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
    sys.set_asyncgen_hooks(firstiter=None, finalizer=None)
    asyncio.set_event_loop(None)
