"""The scheduler: fires workflows on their schedules, folder watches and at start, in the
desktop app or ``steward daemon`` — only one of them at a time (a lock file decides).

Time comes from a :class:`Clock`, so tests drive schedules with a controllable clock
instead of sleeping. Runs missed while Steward was closed follow each workflow's ``missed``
policy: ``skip`` them, or ``run_once`` at start.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from filelock import FileLock, Timeout

from app.automations.builtins.triggers import schedule_cron
from app.automations.history import RunRecord, StoredWorkflow
from app.automations.runner import Approver
from app.automations.service import Automations
from app.automations.workflow import fingerprint

log = logging.getLogger(__name__)

IDLE_CHECK_S = 60.0  # also look again this often (clock changes, suspend)
CHANGE_CHECK_S = 1.0  # how often the database is asked whether another process changed it
MAX_QUEUED = 10_000  # events kept per workflow while its run goes on


class Clock(Protocol):
    def now(self) -> datetime: ...

    async def wait(self, until: datetime | None, wake: asyncio.Event) -> None:
        """Return at ``until`` (never, when None), or as soon as ``wake`` is set."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now().astimezone()

    async def wait(self, until: datetime | None, wake: asyncio.Event) -> None:
        seconds = IDLE_CHECK_S
        if until is not None:
            seconds = min(max((until - self.now()).total_seconds(), 0.0), IDLE_CHECK_S)
        # the loop first: a task stepped while no loop runs (Qt events processed outside
        # it) stops here, before it makes a wait it could never finish
        loop = asyncio.get_running_loop()
        waiter = loop.create_task(wake.wait())
        try:
            await asyncio.wait({waiter}, timeout=seconds)
        finally:
            waiter.cancel()


class ManualClock:
    """A clock that moves only when told to (tests and benchmarks)."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._moved = asyncio.Event()

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when
        self._moved.set()

    def advance(self, **delta: float) -> None:
        self.set(self._now + timedelta(**delta))

    async def wait(self, until: datetime | None, wake: asyncio.Event) -> None:
        while not wake.is_set() and (until is None or self._now < until):
            self._moved.clear()
            waiters = [
                asyncio.ensure_future(self._moved.wait()),
                asyncio.ensure_future(wake.wait()),
            ]
            try:
                await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waiters:
                    waiter.cancel()


def parse_time(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.astimezone()


def next_due(trigger: dict[str, Any], after: datetime) -> datetime | None:
    """When a schedule trigger fires next after ``after``."""
    if "every_minutes" in trigger:
        return after + timedelta(minutes=int(trigger["every_minutes"]))
    cron = schedule_cron(trigger)
    if cron is None:
        return None
    from croniter import croniter  # only when there is a cron schedule

    result = croniter(cron, after).get_next(datetime)
    assert isinstance(result, datetime)
    return result


@dataclass(frozen=True)
class Fired:
    workflow_id: str
    due: datetime
    reason: str  # schedule, missed, folder_watch, app_start


# a queued event: the workflow, the trigger's data, what fired, and when (wall time)
_Queued = tuple[StoredWorkflow, dict[str, Any], Fired, datetime]


def wall_now() -> datetime:
    """The real time (file times are compared with it, whatever the scheduler's clock)."""
    return datetime.now().astimezone()


class Scheduler:
    def __init__(
        self,
        automations: Automations,
        *,
        clock: Clock | None = None,
        approver: Approver | None = None,
        lock_file: Path | None = None,
        on_run: Callable[[RunRecord], None] | None = None,
    ) -> None:
        self.automations = automations
        self.history = automations.history
        self.clock: Clock = clock or SystemClock()
        self.approver = approver
        self.on_run = on_run
        self.lock = FileLock(str(lock_file)) if lock_file is not None else None
        self.fired: list[Fired] = []  # what fired, in order (shown by `daemon`, read by tests)
        self._wake = asyncio.Event()
        self._main: asyncio.Task[None] | None = None
        self._runs: dict[str, asyncio.Task[None]] = {}
        self._watchers: dict[str, tuple[str, asyncio.Task[None]]] = {}
        # events that fired while the workflow's run went on, oldest first; the run after
        # this one takes the next (one at a time, in order, nothing dropped silently)
        self._queued: dict[str, deque[_Queued]] = {}
        self._queued_paths: dict[str, set[str]] = {}
        self._overflow: dict[str, tuple[int, datetime]] = {}  # dropped, since when
        self.max_queued = MAX_QUEUED
        self._data_version: int | None = None
        self._catching_up: set[str] = set()  # overflowed, told, and catching up
        self._started_at: dict[str, datetime] = {}  # wall time the current run's event came
        self._changes: asyncio.Task[None] | None = None

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self) -> bool:
        """Start firing workflows; False when another Steward already runs them."""
        if self.lock is not None:
            try:
                self.lock.acquire(timeout=0)
            except Timeout:
                log.info("another Steward process runs the automations")
                return False
        interrupted = await self.automations.call(self.history.mark_interrupted)
        if interrupted:
            log.warning("%d runs were interrupted when Steward last stopped", interrupted)
        loop = asyncio.get_running_loop()
        self._main = loop.create_task(self._loop(), name="scheduler")
        self._changes = loop.create_task(self._watch_changes(), name="scheduler changes")
        return True

    async def _watch_changes(self) -> None:
        """Another process (the terminal, the desktop app beside a daemon) committed a change
        to the database: look at the workflows again at once, so a workflow disabled,
        changed or deleted there stops firing here."""
        while True:
            await asyncio.sleep(CHANGE_CHECK_S)
            try:
                version = await self.automations.call(self.history.data_version)
            except Exception:
                continue
            if self._data_version is not None and version != self._data_version:
                self._wake.set()
            self._data_version = version

    @property
    def running(self) -> bool:
        return self._main is not None and not self._main.done()

    def reload(self) -> None:
        """Workflows were added, changed or removed: look at them again now."""
        self._wake.set()

    async def stop(self) -> None:
        for workflow_id in self._watchers:  # where a catch-up starts next time
            when = self._watched_until(workflow_id).isoformat()
            with contextlib.suppress(Exception):
                await self.automations.call(
                    functools.partial(self.history.set_last_fired, workflow_id, when)
                )
        tasks = [t for _, t in self._watchers.values()] + list(self._runs.values())
        if self._main is not None:
            tasks.append(self._main)
        if self._changes is not None:
            tasks.append(self._changes)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._watchers.clear()
        self._queued.clear()
        self._queued_paths.clear()
        self._main = self._changes = None
        if self.lock is not None and self.lock.is_locked:
            self.lock.release()

    async def settle(self) -> None:
        """Wait until the scheduler has looked at the clock and every run it started ended
        (for tests driving a ManualClock)."""
        for _ in range(3):
            await asyncio.sleep(0)
        while self._runs:
            await asyncio.gather(*self._runs.values(), return_exceptions=True)
            for _ in range(3):
                await asyncio.sleep(0)

    # --- the loop -------------------------------------------------------------------------

    async def _enabled(self) -> list[StoredWorkflow]:
        return [wf for wf in await self.automations.call(self.history.workflows) if wf.enabled]

    async def _set_last_fired(self, workflow_id: str, when: datetime) -> None:
        await self.automations.call(
            functools.partial(self.history.set_last_fired, workflow_id, when.isoformat())
        )

    async def _loop(self) -> None:
        now = self.clock.now()
        for wf in await self._enabled():
            if wf.document["trigger"]["type"] == "schedule":
                await self._catch_up(wf, now)
            elif wf.document["trigger"]["type"] == "app_start":
                self._fire(wf, {}, Fired(wf.id, now, "app_start"))
        while True:
            self._wake.clear()
            workflows = await self._enabled()
            self._sync_watchers(workflows)
            now = self.clock.now()
            soonest: datetime | None = None
            for wf in workflows:
                trigger = wf.document["trigger"]
                if trigger["type"] != "schedule":
                    continue
                due = next_due(trigger, self._base(wf))
                if due is None:
                    continue
                if due <= now:
                    self._fire(wf, {"time": due.isoformat()}, Fired(wf.id, due, "schedule"))
                    await self._set_last_fired(wf.id, now)
                    due = next_due(trigger, now)
                if due is not None and (soonest is None or due < soonest):
                    soonest = due
            await self.clock.wait(soonest, self._wake)

    @staticmethod
    def _base(wf: StoredWorkflow) -> datetime:
        return parse_time(wf.last_fired or wf.created)

    async def _catch_up(self, wf: StoredWorkflow, now: datetime) -> None:
        due = next_due(wf.document["trigger"], self._base(wf))
        if due is None or due > now:
            return
        latest = due
        while (
            following := next_due(wf.document["trigger"], latest)
        ) is not None and following <= now:
            latest = following
        if wf.document.get("missed", "skip") == "run_once":
            log.info("workflow %s missed runs while Steward was closed; running it once", wf.id[:8])
            self._fire(wf, {"time": latest.isoformat()}, Fired(wf.id, latest, "missed"))
        else:
            log.info("workflow %s missed runs while Steward was closed; skipped", wf.id[:8])
        await self._set_last_fired(wf.id, now)

    def queued(self, workflow_id: str) -> int:
        """Events waiting for the workflow's current run to end."""
        return len(self._queued.get(workflow_id, ()))

    def _fire(self, wf: StoredWorkflow, data: dict[str, Any], fired: Fired) -> None:
        if wf.id in self._runs:
            self._enqueue(wf, data, fired)
            return
        self._start(wf, data, fired)

    def _start(self, wf: StoredWorkflow, data: dict[str, Any], fired: Fired) -> None:
        self.fired.append(fired)
        self._started_at[wf.id] = wall_now()
        task = asyncio.get_running_loop().create_task(self._run(wf, data), name=f"run {wf.id}")
        self._runs[wf.id] = task
        task.add_done_callback(functools.partial(self._ended, wf.id))

    def _enqueue(self, wf: StoredWorkflow, data: dict[str, Any], fired: Fired) -> None:
        queue = self._queued.setdefault(wf.id, deque())
        paths = self._queued_paths.setdefault(wf.id, set())
        path = data.get("path")
        if isinstance(path, str) and path in paths:
            return  # the same file fired again before its run: one run handles it
        if len(queue) < self.max_queued:
            queue.append((wf, data, fired, wall_now()))
            if isinstance(path, str):
                paths.add(path)
            return
        # a catch-up after the overflow starts at the oldest dropped file's time (or now)
        when = wall_now()
        if isinstance(path, str):
            with contextlib.suppress(OSError):
                # a millisecond early: the time goes through microseconds and back
                when = datetime.fromtimestamp(os.lstat(path).st_mtime - 0.001).astimezone()
        dropped, since = self._overflow.get(wf.id, (0, when))
        self._overflow[wf.id] = (dropped + 1, min(since, when))
        if dropped == 0:
            log.warning("workflow %s: queue full (%d); events are dropped", wf.id[:8], len(queue))

    def _ended(self, workflow_id: str, _task: asyncio.Task[None]) -> None:
        self._runs.pop(workflow_id, None)
        queue = self._queued.get(workflow_id)
        if queue:
            wf, data, fired, _ = queue.popleft()
            self._queued_paths.get(workflow_id, set()).discard(data.get("path"))
            self._start(wf, data, fired)
            return
        self._queued.pop(workflow_id, None)
        self._queued_paths.pop(workflow_id, None)
        if workflow_id in self._overflow:
            asyncio.get_running_loop().create_task(self._after_overflow(workflow_id))
        else:
            self._catching_up.discard(workflow_id)  # drained with nothing dropped: done

    async def _after_overflow(self, workflow_id: str) -> None:
        """The queue ran over and has drained: say so (recorded and notified), and have a
        folder watch that catches up look again at what arrived since the overflow."""
        dropped, since = self._overflow.pop(workflow_id)
        try:
            wf = await self.automations.call(functools.partial(self.history.workflow, workflow_id))
        except Exception:
            return  # deleted meanwhile
        catch_up = bool(wf.document["trigger"].get("catch_up"))
        if catch_up and workflow_id in self._watchers:
            self._watchers.pop(workflow_id)[1].cancel()
            self._sync_watchers(await self._enabled(), since={workflow_id: since})
        if workflow_id in self._catching_up:
            return  # the catch-up of an overflow already told: said once per episode
        self._catching_up.add(workflow_id)
        what = (
            "the folder is looked at again for what arrived since"
            if catch_up
            else "switch on catch-up for the folder watch to handle them later"
        )
        text = (
            f"{dropped} events came while {self.max_queued:,} were already waiting and were "
            f"not queued; {what}."
        )
        await self.automations.call(
            functools.partial(self.history.record_skipped, wf, "overflow", text)
        )
        with contextlib.suppress(Exception):
            await self.automations.runner.services.notify(
                f"Steward: {wf.name} had too much to do at once", text
            )

    async def _run(self, wf: StoredWorkflow, data: dict[str, Any]) -> None:
        # the workflow as it is now: one disabled, deleted or changed since its trigger
        # fired does not run as it was (another process may have changed it)
        try:
            current = await self.automations.call(functools.partial(self.history.workflow, wf.id))
        except Exception:
            return
        if not current.enabled or fingerprint(current.document) != fingerprint(wf.document):
            log.info("workflow %s changed before its run; not run", wf.id[:8])
            self._queued.pop(wf.id, None)
            self._queued_paths.pop(wf.id, None)
            self._wake.set()
            return
        wf = current
        try:
            record = await self.automations.run(wf, approver=self.approver, trigger_data=data)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # an invalid workflow (a plugin went away), a full disk…
            log.warning("workflow %s could not run (%s)", wf.id[:8], type(exc).__name__)
            with contextlib.suppress(Exception):
                await self.automations.runner.services.notify(
                    f"Steward: {wf.name} could not run", str(exc).splitlines()[0]
                )
            return
        if self.on_run is not None:
            self.on_run(record)

    # --- watchers -------------------------------------------------------------------------

    def _sync_watchers(
        self, workflows: list[StoredWorkflow], since: dict[str, datetime] | None = None
    ) -> None:
        wanted: dict[str, tuple[str, StoredWorkflow]] = {}
        for wf in workflows:
            trigger = self.automations.registry.triggers.get(wf.document["trigger"]["type"])
            if trigger is not None and trigger.watch is not None:
                wanted[wf.id] = (fingerprint(wf.document), wf)
        for key in list(self._watchers):
            if key not in wanted or wanted[key][0] != self._watchers[key][0]:
                self._watchers.pop(key)[1].cancel()
                # events of a workflow changed or switched off are not run
                self._queued.pop(key, None)
                self._queued_paths.pop(key, None)
        for key, (print_, wf) in wanted.items():
            if key not in self._watchers:
                start = (since or {}).get(key) or parse_time(wf.last_fired or wf.created)
                task = asyncio.get_running_loop().create_task(
                    self._watch(wf, start), name=f"watch {wf.id}"
                )
                self._watchers[key] = (print_, task)

    def _watched_until(self, workflow_id: str) -> datetime:
        """Up to when a folder watch saw everything through: now, or the time of the
        oldest event not yet handled (a catch-up after a restart starts there)."""
        pending = [self._started_at[workflow_id]] if workflow_id in self._runs else []
        pending += [entry[3] for entry in self._queued.get(workflow_id, ())]
        return min(pending, default=wall_now())

    async def _watch(self, wf: StoredWorkflow, since: datetime) -> None:
        trigger_doc = wf.document["trigger"]
        trigger = self.automations.registry.triggers[trigger_doc["type"]]
        assert trigger.watch is not None
        # a watcher is also told since when the workflow was last watched (catch-up)
        params = {k: v for k, v in trigger_doc.items() if k != "type"}
        params["since"] = since.isoformat()

        def fire(data: dict[str, Any]) -> None:
            self._fire(wf, data, Fired(wf.id, self.clock.now(), trigger.id))

        try:
            await trigger.watch(params, fire)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("the trigger of workflow %s stopped (%s)", wf.id[:8], type(exc).__name__)
            with contextlib.suppress(Exception):
                await self.automations.runner.services.notify(
                    f"Steward: {wf.name} is not watching any more", str(exc)[:300]
                )


__all__ = ["Clock", "Fired", "ManualClock", "Scheduler", "SystemClock", "next_due"]
