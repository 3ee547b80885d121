"""The engine thread's plumbing: the one worker thread that owns the model, the coalesced
wake-ups that hand tokens to the event loop, and a stop signal made of two events."""

from __future__ import annotations

import asyncio
import concurrent.futures
import queue
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class EitherEvent:
    """Set when either of two events is set (the user's Stop, or the consumer leaving)."""

    def __init__(self, first: threading.Event, second: threading.Event) -> None:
        self._events = (first, second)

    def is_set(self) -> bool:
        return self._events[0].is_set() or self._events[1].is_set()


class Waker:
    """Wakes the event loop from the engine thread, for tokens at most once per ``interval``.

    Each wake-up runs Python on the loop's thread; with as many compute threads as cores it
    preempts llama.cpp mid-token (measured on 2 cores: a wake-up per token cost ~4% of the
    decode rate, one per 15 ms ~3%, one per 100 ms nothing). A token that arrives less than
    ``interval`` after the last wake-up waits for the next token (or the end, which wakes at
    once) instead of waking the loop: one cross-thread wake-up per interval, no timers on the
    loop, and a token is never later than ``interval`` plus one token's time. Every other
    event wakes the loop at once.
    """

    def __init__(
        self, loop: asyncio.AbstractEventLoop, ready: asyncio.Event, interval: float
    ) -> None:
        self._loop = loop
        self._ready = ready
        self.interval = interval
        self._lock = threading.Lock()
        self._scheduled = False
        self._last = 0.0

    def __call__(self, *, urgent: bool) -> None:
        now = time.perf_counter()
        with self._lock:
            if self._scheduled:
                return  # the wake-up on its way delivers this event too
            if not urgent and now - self._last < self.interval:
                return  # delivered with the next token, or with the end
            self._scheduled = True
            self._last = now
        self._loop.call_soon_threadsafe(self._fire)

    def _fire(self) -> None:
        with self._lock:
            self._scheduled = False
        self._ready.set()


class Worker:
    """A thread that runs submitted callables in order. Once stopped it takes no more (a
    job left in its queue would wait forever)."""

    def __init__(self, name: str) -> None:
        self._jobs: queue.SimpleQueue[
            tuple[Callable[[], Any], concurrent.futures.Future[Any]] | None
        ] = queue.SimpleQueue()
        self._stopped = False
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    @property
    def stopped(self) -> bool:
        return self._stopped

    def submit(self, fn: Callable[[], T]) -> concurrent.futures.Future[T]:
        if self._stopped:
            raise RuntimeError("the worker thread has stopped")
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._jobs.put((fn, future))
        return future

    def _loop(self) -> None:
        while (job := self._jobs.get()) is not None:
            fn, future = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn())
            except BaseException as exc:
                future.set_exception(exc)

    def stop(self, timeout: float = 5.0) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._jobs.put(None)
        self._thread.join(timeout)


__all__ = ["EitherEvent", "Waker", "Worker"]
