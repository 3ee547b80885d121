"""qasync's ``asyncSlot``, typed: a coroutine method becomes a Qt slot that starts it as a
task on the GUI thread's asyncio loop (qasync ships no type information)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar, cast

import qasync

P = ParamSpec("P")
T = TypeVar("T")
AsyncMethod = Callable[P, Coroutine[Any, Any, None]]


def async_slot(*types: type) -> Callable[[AsyncMethod[P]], Callable[P, object]]:
    """``@async_slot(str)`` over ``async def on_x(self, text: str)``; calling the result
    (or emitting a connected signal) starts the coroutine and returns at once."""
    return cast(Callable[[AsyncMethod[P]], Callable[P, object]], qasync.asyncSlot(*types))


async def off_gui(fn: Callable[[], T]) -> T:
    """``fn()`` on a worker thread, awaited on the GUI thread's loop (disk, keyring, hashing
    never block the window)."""
    return await asyncio.get_running_loop().run_in_executor(None, fn)


__all__ = ["async_slot", "off_gui"]
