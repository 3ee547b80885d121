"""The store service: one thread owns the encrypted database connection, and every call to
it (chat, history, automations) is queued there. Async callers await it; the GUI thread never
waits on disk."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from app.core.store.database import Database

T = TypeVar("T")
THREAD_NAME = "steward-db"


class StoreCall(Protocol):
    """How async code reaches the store: ``await call(lambda: history.workflows())``."""

    def __call__(self, fn: Callable[[], T], /) -> Awaitable[T]: ...


async def inline(fn: Callable[[], T]) -> T:
    """A StoreCall that runs ``fn`` right here (the terminal, tests: no GUI thread to spare)."""
    return fn()


class StoreService:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._thread = concurrent.futures.ThreadPoolExecutor(1, THREAD_NAME)
        self._closed = threading.Event()

    async def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` (which uses ``self.db``) on the database thread."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, fn)

    def call_blocking(self, fn: Callable[[], T], timeout: float = 10.0) -> T:
        """Run ``fn`` on the database thread and wait (for code that has no event loop)."""
        return self._thread.submit(fn).result(timeout=timeout)

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def close(self, *, close_db: bool = False) -> None:
        """Finish queued calls, then end the thread (and the connection, when asked)."""
        if self._closed.is_set():
            return
        self._closed.set()
        if close_db:
            self._thread.submit(self.db.close)
        self._thread.shutdown(wait=True)


__all__ = ["THREAD_NAME", "StoreCall", "StoreService", "inline"]
