"""Regression guard for PySide6 6.12.0 on Python 3.11: every Signal.emit() dropped a reference
to True and the process aborted ("bool_dealloc") after a few hundred emits; qasync's
call_soon_threadsafe emits one per call. Run in a child process: the failure is an abort."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

CHILD = r"""
import asyncio, os, sys, threading
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication
import qasync

class Emitter(QObject):
    fired = Signal(int)

app = QApplication([])
before = sys.getrefcount(True)
received = []
emitter = Emitter()
emitter.fired.connect(received.append)
for i in range(10_000):
    emitter.fired.emit(i)
assert len(received) == 10_000

loop = qasync.QEventLoop(app)
asyncio.set_event_loop(loop)
calls = []

async def main():
    done = asyncio.Event()
    def worker():
        for i in range(10_000):
            loop.call_soon_threadsafe(calls.append, i)
        loop.call_soon_threadsafe(done.set)
    threading.Thread(target=worker).start()
    await done.wait()

with loop:
    loop.run_until_complete(main())
assert len(calls) == 10_000
after = sys.getrefcount(True)
print("refcount of True", before, after)
# other code may hold a few extra references; a leak of one per emit would be ~20,000
assert abs(after - before) < 100, (before, after)
print("clean")
"""


def test_signal_emits_and_call_soon_threadsafe_do_not_abort() -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHILD], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "clean" in result.stdout
