"""qasync's ``asyncSlot``, typed: a coroutine method becomes a Qt slot that starts it as a
task on the GUI thread's asyncio loop (qasync ships no type information)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, cast

import qasync

P = ParamSpec("P")
AsyncMethod = Callable[P, Coroutine[Any, Any, None]]


def async_slot(*types: type) -> Callable[[AsyncMethod[P]], Callable[P, object]]:
    """``@async_slot(str)`` over ``async def on_x(self, text: str)``; calling the result
    (or emitting a connected signal) starts the coroutine and returns at once."""
    return cast(Callable[[AsyncMethod[P]], Callable[P, object]], qasync.asyncSlot(*types))


__all__ = ["async_slot"]
