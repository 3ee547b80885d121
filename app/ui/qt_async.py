"""qasync's ``asyncSlot``, typed: a coroutine method becomes a Qt slot that starts it as a
task on the GUI thread's asyncio loop (qasync ships no type information)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar, cast

import qasync
from PySide6.QtCore import Slot

P = ParamSpec("P")
T = TypeVar("T")
AsyncMethod = Callable[P, Coroutine[Any, Any, None]]


_RUNNING: set[asyncio.Future[Any]] = set()  # slot tasks not finished yet


def async_slot(*types: type) -> Callable[[AsyncMethod[P]], Callable[P, object]]:
    """``@async_slot(str)`` over ``async def on_x(self, text: str)``; calling the result
    (or emitting a connected signal) starts the coroutine and returns at once (the task is
    kept until it ends, for ``settle_slots``)."""

    def decorate(fn: AsyncMethod[P]) -> Callable[P, object]:
        slot = qasync.asyncSlot(*types)(fn)

        @Slot(*types)
        @functools.wraps(slot)
        def start(*args: Any, **kwargs: Any) -> object:
            task = slot(*args, **kwargs)
            if isinstance(task, asyncio.Future) and not task.done():
                _RUNNING.add(task)
                task.add_done_callback(_RUNNING.discard)
            return task

        return cast(Callable[P, object], start)

    return decorate


async def settle_slots(grace: float = 2.0) -> None:
    """Before the app's loop stops: slot work still running gets ``grace`` seconds to end,
    then is cancelled, so none of it wakes up on a loop that is gone. The calling task is
    left alone."""
    me = asyncio.current_task()
    pending = {t for t in _RUNNING if t is not me and not t.done()}
    if not pending:
        return
    _done, late = await asyncio.wait(pending, timeout=grace)
    for task in late:
        task.cancel()
    for task in late:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


async def off_gui(fn: Callable[[], T]) -> T:
    """``fn()`` on a worker thread, awaited on the GUI thread's loop (disk, keyring, hashing
    never block the window)."""
    return await asyncio.get_running_loop().run_in_executor(None, fn)


__all__ = ["async_slot", "off_gui", "settle_slots"]
