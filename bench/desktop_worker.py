"""The in-process half of the desktop benchmarks, run as `python -m bench.desktop_worker`.

``fill HOME N``: an encrypted history with one N-message conversation and 40 shorter ones.
``responsiveness HOME QUICK``: the real main window on the real store and model; a 10 ms
heartbeat timer's delays while the model loads, an answer streams, the history is searched as
someone types, and the long conversation is paged through. Prints JSON.
``window-rate HOME MAX_TOKENS``: one answer sent from the window's composer; prints the
tokens/s the window shows for it.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

SYSTEM = "You are a helpful assistant."
PROMPT = "Write a long, detailed essay about the history of the Roman Empire."


def fill(home: str, messages: int) -> None:
    from app.core.paths import resolve_paths
    from app.core.steward import Steward
    from app.core.store.database import new_id, now
    from app.core.store.models import Message
    from bench.store import corpus

    steward = Steward(resolve_paths(home).ensure())
    db = steward.open_store()
    convs, _ = corpus(max(messages, 2000))
    texts = [t for conv in convs for t in conv]
    with db.transaction():
        for n in range(40):
            conv = db.create_conversation(f"Conversation {n}: {texts[n][:30]}")
            db.insert_messages(
                [
                    Message(new_id(), conv.id, i + 1, "assistant" if i % 2 else "user", t, now())
                    for i, t in enumerate(texts[n * 25 : n * 25 + 25])
                ]
            )
        long = db.create_conversation("A very long conversation")
        db.insert_messages(
            [
                Message(
                    new_id(),
                    long.id,
                    i + 1,
                    "assistant" if i % 2 else "user",
                    f"{texts[i % len(texts)]} (message {i + 1})",
                    now(),
                    model="SmolLM2" if i % 2 else "",
                )
                for i in range(messages)
            ]
        )
    steward.close()


class Heartbeat:
    """A 10 ms timer on the GUI thread; each phase keeps how late every tick came."""

    INTERVAL_MS = 10

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.phases: dict[str, list[float]] = {}
        self._current: list[float] | None = None
        self._last = 0.0
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(self.INTERVAL_MS)
        self._timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._current is not None:
            late = (now - self._last) * 1000 - self.INTERVAL_MS
            self._current.append(max(0.0, late))
        self._last = now

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        self._current = self.phases.setdefault(name, [])
        self._last = time.perf_counter()
        self._timer.start()
        try:
            yield
        finally:
            self._timer.stop()
            self._current = None


def _window(home: str, max_tokens: int):  # type: ignore[no-untyped-def]
    """The real main window attached to the real store and the embedded model."""
    from PySide6.QtCore import QSettings

    from app.core.assistant import Assistant
    from app.core.paths import resolve_paths
    from app.core.settings import ModelSettings
    from app.core.steward import Steward
    from app.ui.main_window import MainWindow
    from app.ui.render import Theme

    paths = resolve_paths(home)
    steward = Steward(paths)
    db = steward.open_store()
    model = steward.model()
    settings = ModelSettings(
        n_ctx=2048, temperature=0.0, max_tokens=max_tokens, system_prompt=SYSTEM
    )
    from app.core.llm.engine import LocalEngine
    from app.session import Session
    from app.ui.desktop_session import DESKTOP_WAKE_S

    engine = LocalEngine(model, settings)
    engine.wake_interval = DESKTOP_WAKE_S  # as the app's own engine
    assistant = Assistant(db, engine, system_prompt=SYSTEM)
    qsettings = QSettings(str(paths.config / "bench-qt.ini"), QSettings.Format.IniFormat)
    window = MainWindow(Theme.light(), qsettings)
    # messages go through a session, as in the app (on this assistant and its engine)
    window.set_session(Session.around(assistant, paths), None)
    window.resize(1100, 720)
    window.show()
    return steward, engine, assistant, window, model, settings


async def _until(
    condition: Callable[[], bool], timeout: float = 120.0, every: float = 0.005
) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the window did not get there in time")
        await asyncio.sleep(every)


def _qt_loop():  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    from app.ui.event_loop import GuiGarbageCollector, qt_event_loop

    app = QApplication.instance() or QApplication(sys.argv[:1])
    loop = qt_event_loop(app)
    GuiGarbageCollector(app)  # as the app does
    return loop


async def _send(window, text: str) -> None:  # type: ignore[no-untyped-def]
    window.composer.setPlainText(text)
    window._on_send_button_clicked()
    await _until(lambda: window._busy)
    # polled rarely: the measurement must not add wake-ups of its own to the answer's
    await _until(lambda: not window._busy, every=0.25)


async def _stop_after_first_words(window) -> float:  # type: ignore[no-untyped-def]
    """Send, press Esc once the answer's first words are on screen, and return the ms until
    the window is ready again (the answer stopped and kept as partial)."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    window.composer.setPlainText(PROMPT)
    window._on_send_button_clicked()
    await _until(lambda: window._streaming is not None and bool(window._streaming.content))
    started = time.perf_counter()
    QTest.keyClick(window.composer, Qt.Key.Key_Escape)
    await _until(lambda: not window._busy, every=0.001)
    return (time.perf_counter() - started) * 1000


def _close(loop, steward, engine, assistant, window) -> None:  # type: ignore[no-untyped-def]
    from app.ui.event_loop import close_event_loop

    window.shutdown()
    engine.close()
    assistant.close()
    steward.close()
    close_event_loop(loop)  # stops the loop's executor threads before the process ends


def responsiveness(home: str, quick: bool) -> dict[str, object]:
    from PySide6.QtCore import Qt

    from app.core.llm.engine import LocalEngine
    from bench.store import corpus

    loop = _qt_loop()
    steward, engine, assistant, window, model, settings = _window(home, 48 if quick else 200)
    beat = Heartbeat()
    _, queries = corpus(2000)
    opened: list[float] = []
    stops: list[float] = []

    async def main() -> None:
        await window.attach(assistant)
        await engine.load()
        await asyncio.sleep(0.2)
        with beat.phase("model loading (x20)"):
            for _ in range(3 if quick else 20):
                other = LocalEngine(model, settings)
                await other.load()
                await other.aclose()
        await asyncio.sleep(0.2)
        with beat.phase("streaming an answer"):
            await _send(window, PROMPT)
        for _ in range(2 if quick else 5):
            stops.append(await _stop_after_first_words(window))
        await asyncio.sleep(0.2)
        with beat.phase("searching while typing"):
            for query in queries[: 4 if quick else 20]:
                window.search.clear()
                for n in range(1, len(query) + 1):
                    window.search.setText(query[:n])
                    await asyncio.sleep(0.06)
                await asyncio.sleep(0.3)
            window.search.clear()
            await asyncio.sleep(0.3)
        long_row = next(
            i
            for i in range(window.conversations.count())
            if window.conversations.item(i).text() == "A very long conversation"
        )
        short_row = 0 if long_row != 0 else 1

        def showing(row: int) -> bool:
            conv = window.conversations.item(row).data(Qt.ItemDataRole.UserRole)
            shown = window.view.visible_messages()
            return bool(shown) and shown[-1].conversation_id == conv.id

        for _ in range(3 if quick else 7):  # open it from another conversation, each time
            window.conversations.setCurrentRow(short_row)
            await _until(lambda: showing(short_row))
            await asyncio.sleep(0.1)
            started = time.perf_counter()
            window.conversations.setCurrentRow(long_row)
            await _until(lambda: showing(long_row), every=0.001)
            opened.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(0.2)
        with beat.phase("scrolling back through 10,000 messages"):
            # a fast, steady scroll up (a wheel notch of 3 lines every frame, ~4,000 px/s):
            # the earlier pages load as the top is reached, without waiting for them
            bar = window.view.verticalScrollBar()
            first = window.view.visible_messages()[0].seq
            pages = 0
            while pages < (4 if quick else 20):
                bar.setValue(bar.value() - 64)
                await asyncio.sleep(0.016)
                if window.view.visible_messages()[0].seq != first:
                    first = window.view.visible_messages()[0].seq
                    pages += 1

    try:
        loop.run_until_complete(main())
    finally:
        _close(loop, steward, engine, assistant, window)
    return {"phases": beat.phases, "open_ms": opened, "stop_ms": stops}


def window_rate(home: str, max_tokens: int) -> dict[str, object]:
    loop = _qt_loop()
    steward, engine, assistant, window, _, _ = _window(home, max_tokens)

    async def main() -> float:
        await window.attach(assistant)
        await engine.load()
        await _send(window, PROMPT)
        answer = window.view.visible_messages()[-1]
        assert answer.role == "assistant" and answer.tokens_per_s, answer
        assert f"{answer.tokens_per_s:.0f} tok/s" in window.view.toPlainText()
        return float(answer.tokens_per_s)

    try:
        rate = loop.run_until_complete(main())
    finally:
        _close(loop, steward, engine, assistant, window)
    return {"tokens_per_s": rate}


def main(argv: list[str]) -> int:
    command, home = argv[0], argv[1]
    if command == "fill":
        fill(home, int(argv[2]))
        return 0
    if command == "responsiveness":
        result = responsiveness(home, argv[2] == "quick")
    elif command == "window-rate":
        result = window_rate(home, int(argv[2]))
    else:
        raise SystemExit(f"unknown command {command}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
