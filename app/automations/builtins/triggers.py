"""Triggers: manual, a schedule (cron, a time of day on chosen weekdays, or an interval),
a folder watch (new or changed files matching a pattern) and app start.

Manual, schedule and app start are handled by the scheduler itself; the folder watch is a
watcher like a plugin's would be.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import os
import stat
from pathlib import Path
from typing import Any

from app.automations.api import (
    N_,
    Fire,
    Permission,
    RegisterTrigger,
    Trigger,
    hookimpl,
    integer,
    params,
    text,
)
from app.automations.builtins import trigger_words as words

WEEKDAYS = words.WEEKDAYS
DEBOUNCE_S = 0.5


def schedule_cron(p: dict[str, Any]) -> str | None:
    """The cron expression a schedule stands for (None for an interval schedule)."""
    if "cron" in p:
        return str(p["cron"])
    at = p.get("at")
    if isinstance(at, dict):
        days = at.get("weekdays") or list(WEEKDAYS)
        numbers = ",".join(str((WEEKDAYS.index(d) + 1) % 7) for d in days)
        return f"{at.get('minute', 0)} {at.get('hour', 0)} * * {numbers if len(days) < 7 else '*'}"
    return None


def check_schedule(p: dict[str, Any]) -> list[str]:
    from croniter import croniter  # imported when a schedule is checked, not at start

    given = [k for k in ("cron", "every_minutes", "at") if k in p]
    if len(given) != 1:
        return ["a schedule needs exactly one of cron, at or every_minutes"]
    cron = schedule_cron(p)
    if cron is not None and not croniter.is_valid(cron):
        return [f"{cron!r} is not a valid cron expression (minute hour day month weekday)"]
    return []


# what a watchdog event means for a file: moved in is new, closed after writing is changed
_EVENT_KINDS = {
    "created": "created",
    "modified": "modified",
    "moved": "created",
    "closed": "modified",
}


class _Quiet:
    """Files seen changing, each fired once it has been quiet for DEBOUNCE_S (a file being
    written changes many times)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, fire: Fire, pattern: str) -> None:
        self.loop, self.fire, self.pattern = loop, fire, pattern
        self.pending: dict[str, tuple[asyncio.TimerHandle, str]] = {}

    def seen(self, path: str, event: str) -> None:
        name = os.path.basename(path)
        if name.startswith(".") and name.endswith(".steward-tmp"):
            return
        if not fnmatch.fnmatch(name, self.pattern):
            return
        if (old := self.pending.pop(path, None)) is not None:
            old[0].cancel()
            if old[1] == "created":  # a new file still being written is still new
                event = "created"
        self.pending[path] = (self.loop.call_later(DEBOUNCE_S, self._emit, path, event), event)

    def _emit(self, path: str, event: str) -> None:
        self.pending.pop(path, None)
        if os.path.isfile(path):
            self.fire({"path": path, "name": os.path.basename(path), "event": event})

    def cancel(self) -> None:
        for handle, _ in self.pending.values():
            handle.cancel()
        self.pending.clear()


async def watch_folder(p: dict[str, Any], fire: Fire) -> None:
    """Fire for each new or changed file matching the pattern, once it has been quiet for
    a moment."""
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import Observer

    loop = asyncio.get_running_loop()
    folder = Path(os.path.realpath(os.path.expanduser(p["folder"])))
    if not folder.is_dir():
        raise FileNotFoundError(f"the watched folder {folder} does not exist")
    wanted = set(p.get("events", ["created", "modified"]))
    quiet = _Quiet(loop, fire, p.get("pattern", "*"))

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            kind = _EVENT_KINDS.get(event.event_type)
            if event.is_directory or kind is None or kind not in wanted:
                return
            path = event.dest_path if event.event_type == "moved" else event.src_path
            loop.call_soon_threadsafe(quiet.seen, os.fsdecode(path), kind)

    observer = Observer()
    observer.schedule(Handler(), str(folder), recursive=bool(p.get("recursive", False)))
    observer.daemon = True
    observer.start()
    if p.get("catch_up") and p.get("since"):
        # watching already, so nothing falls between the scan and the watch (a file seen by
        # both is queued once: the scheduler coalesces events for the same path)
        for path in await asyncio.to_thread(arrived_since, folder, p, str(p["since"])):
            fire({"path": path, "name": os.path.basename(path), "event": "created"})
    try:
        await asyncio.Event().wait()
    finally:
        quiet.cancel()
        observer.stop()
        with contextlib.suppress(RuntimeError):
            await asyncio.to_thread(observer.join, 5)


def arrived_since(folder: Path, p: dict[str, Any], since: str) -> list[str]:
    """Files matching the watch that were written at or after ``since`` (ISO time), oldest
    first: what arrived while the folder was not watched."""
    from datetime import datetime

    after = datetime.fromisoformat(since).timestamp()
    pattern = p.get("pattern", "*")
    found = folder.rglob(pattern) if p.get("recursive", False) else folder.glob(pattern)
    arrived: list[tuple[float, str]] = []
    for path in found:
        name = path.name
        if name.startswith(".") and name.endswith(".steward-tmp"):
            continue
        try:
            info = path.lstat()
        except FileNotFoundError:
            continue
        if stat.S_ISREG(info.st_mode) and info.st_mtime >= after:
            arrived.append((info.st_mtime, str(path)))
    return [path for _, path in sorted(arrived)]


def newest_file(p: dict[str, Any]) -> dict[str, Any] | None:
    """For a dry run: the newest file matching the watch now, as if it had just arrived."""
    folder = Path(os.path.realpath(os.path.expanduser(p["folder"])))
    if not folder.is_dir():
        return None
    found = arrived_since(folder, p, "1970-01-01T00:00:00+00:00")
    if not found:
        return None
    path = found[-1]
    return {"path": path, "name": os.path.basename(path), "event": "created"}


NO_DATA = params()
TIME_DATA = params(("time",), time=text(40, N_("When the run was due (ISO 8601)")))


@hookimpl
def register_triggers(register: RegisterTrigger) -> None:
    register(
        Trigger(
            id="manual",
            title=N_("Manually"),
            description="Runs only when you start it.",
            describe=words.manual,
            describe_in={"zh": words.manual_zh},
            parameters=params(),
            data=params(
                (),
                text=text(100_000, N_("Text handed over when started by hand (a chat proposal)")),
            ),
        )
    )
    register(
        Trigger(
            id="schedule",
            title=N_("On a schedule"),
            description="A cron expression, a time of day on chosen weekdays, or every N minutes.",
            describe=words.schedule,
            describe_in={"zh": words.schedule_zh},
            parameters=params(
                (),
                cron=text(100, N_("minute hour day-of-month month weekday, e.g. 0 9 * * 1-5")),
                at=params(
                    ("hour",),
                    hour=integer(0, 23),
                    minute=integer(0, 59, default=0),
                    weekdays={
                        "type": "array",
                        "items": {"enum": list(WEEKDAYS)},
                        "uniqueItems": True,
                        "maxItems": 7,
                    },
                ),
                every_minutes=integer(1, 7 * 24 * 60),
            ),
            data=TIME_DATA,
            check=check_schedule,
        )
    )
    register(
        Trigger(
            id="folder_watch",
            title=N_("When files change in a folder"),
            description="New or changed files whose name matches a pattern.",
            describe=words.folder_watch,
            describe_in={"zh": words.folder_watch_zh},
            parameters=params(
                ("folder",),
                folder=text(4096),
                pattern=text(200, default="*"),
                recursive={"type": "boolean", "default": False},
                events={
                    "type": "array",
                    "items": {"enum": ["created", "modified"]},
                    "uniqueItems": True,
                    "minItems": 1,
                    "maxItems": 2,
                },
                catch_up={
                    "type": "boolean",
                    "default": False,
                    "description": "Also handle matching files that arrived while the folder "
                    "was not watched (Steward closed or restarting, or too many at once)",
                },
            ),
            data=params(
                ("path", "name", "event"),
                path=text(4096),
                name=text(255),
                event={"enum": ["created", "modified"]},
            ),
            permissions=(Permission("files.read", "folder"),),
            watch=watch_folder,
            sample=newest_file,
        )
    )
    register(
        Trigger(
            id="app_start",
            title=N_("When Steward starts"),
            description="Each time the desktop app or `steward daemon` starts.",
            describe=words.app_start,
            describe_in={"zh": words.app_start_zh},
            parameters=params(),
            data=NO_DATA,
        )
    )
