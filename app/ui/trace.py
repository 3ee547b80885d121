"""Milestones of a run (first paint, history listed, model loaded, answer finished), written
with their wall-clock time only when $STEWARD_TRACE names a file. The desktop benchmarks
measure the real app from outside with it; nothing is written otherwise, and never content."""

from __future__ import annotations

import os
import time

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

TRACE_ENV = "STEWARD_TRACE"


def mark(name: str) -> None:
    path = os.environ.get(TRACE_ENV)
    if not path:
        return
    with open(path, "a", encoding="utf-8") as out:
        out.write(f"{name} {time.time():.6f} {os.getpid()}\n")


class FirstPaint(QObject):
    """Marks "painted" once the watched window has painted and the event loop is free again
    (so the window accepts input), then removes itself."""

    done = Signal()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._painted)
        return False

    def _painted(self) -> None:
        mark("painted")
        self.done.emit()
