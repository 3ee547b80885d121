"""asyncio on Qt's event loop (qasync), set up the way asyncio's own loops are."""

from __future__ import annotations

import asyncio
import gc
import sys

import qasync
from PySide6.QtCore import QCoreApplication, QObject, QTimer


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


class GuiGarbageCollector(QObject):
    """Python's cycle collector, run only on the GUI thread.

    Left automatic, a collection starts in whichever thread happens to allocate at that
    moment (the database thread, the engine thread, a rendering worker); a Qt object caught
    in a reference cycle is then destroyed there, off the thread that owns it, which Qt
    reports ("Timers cannot be stopped from another thread") and which can crash. So
    automatic collection is off and this timer runs the same generational schedule on the
    GUI thread. Objects alive after start-up are frozen out of the collector's view
    (``freeze``), so the rare full collections stay short.
    """

    INTERVAL_MS = 500

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._threshold = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(self.INTERVAL_MS)
        self._timer.timeout.connect(self.collect)
        self._timer.start()

    def freeze(self) -> None:
        """Everything alive now (modules, start-up objects) is left out of later collections."""
        gc.collect()
        gc.freeze()

    def collect(self) -> None:
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self._threshold[generation]:
                gc.collect(generation)
                return

    def stop(self) -> None:
        self._timer.stop()
        gc.collect()
        gc.enable()
