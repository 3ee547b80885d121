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
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), seconds)


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

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> bool:
        """Start firing workflows; False when another Steward already runs them."""
        if self.lock is not None:
            try:
                self.lock.acquire(timeout=0)
            except Timeout:
                log.info("another Steward process runs the automations")
                return False
        interrupted = self.history.mark_interrupted()
        if interrupted:
            log.warning("%d runs were interrupted when Steward last stopped", interrupted)
        self._main = asyncio.get_running_loop().create_task(self._loop(), name="scheduler")
        return True

    @property
    def running(self) -> bool:
        return self._main is not None and not self._main.done()

    def reload(self) -> None:
        """Workflows were added, changed or removed: look at them again now."""
        self._wake.set()

    async def stop(self) -> None:
        tasks = [t for _, t in self._watchers.values()] + list(self._runs.values())
        if self._main is not None:
            tasks.append(self._main)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._watchers.clear()
        self._main = None
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

    def _enabled(self) -> list[StoredWorkflow]:
        return [wf for wf in self.history.workflows() if wf.enabled]

    async def _loop(self) -> None:
        now = self.clock.now()
        for wf in self._enabled():
            if wf.document["trigger"]["type"] == "schedule":
                self._catch_up(wf, now)
            elif wf.document["trigger"]["type"] == "app_start":
                self._fire(wf, {}, Fired(wf.id, now, "app_start"))
        while True:
            self._wake.clear()
            workflows = self._enabled()
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
                    self.history.set_last_fired(wf.id, now.isoformat())
                    due = next_due(trigger, now)
                if due is not None and (soonest is None or due < soonest):
                    soonest = due
            await self.clock.wait(soonest, self._wake)

    @staticmethod
    def _base(wf: StoredWorkflow) -> datetime:
        return parse_time(wf.last_fired or wf.created)

    def _catch_up(self, wf: StoredWorkflow, now: datetime) -> None:
        due = next_due(wf.document["trigger"], self._base(wf))
        if due is None or due > now:
            return
        latest = due
        while (
            following := next_due(wf.document["trigger"], latest)
        ) is not None and following <= now:
            latest = following
        if wf.document.get("missed", "skip") == "run_once":
            log.info("workflow %s missed runs while Steward was closed; running it once", wf.name)
            self._fire(wf, {"time": latest.isoformat()}, Fired(wf.id, latest, "missed"))
        else:
            log.info("workflow %s missed runs while Steward was closed; skipped", wf.name)
        self.history.set_last_fired(wf.id, now.isoformat())

    def _fire(self, wf: StoredWorkflow, data: dict[str, Any], fired: Fired) -> None:
        if wf.id in self._runs:
            log.info("workflow %s is still running; this trigger is skipped", wf.name)
            return
        self.fired.append(fired)
        task = asyncio.get_running_loop().create_task(self._run(wf, data), name=f"run {wf.name}")
        self._runs[wf.id] = task
        task.add_done_callback(functools.partial(self._ended, wf.id))

    def _ended(self, workflow_id: str, _task: asyncio.Task[None]) -> None:
        self._runs.pop(workflow_id, None)

    async def _run(self, wf: StoredWorkflow, data: dict[str, Any]) -> None:
        try:
            record = await self.automations.run(wf, approver=self.approver, trigger_data=data)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # an invalid workflow (a plugin went away), a full disk…
            log.warning("workflow %s could not run: %s", wf.name, exc)
            with contextlib.suppress(Exception):
                await self.automations.runner.services.notify(
                    f"Steward: {wf.name} could not run", str(exc).splitlines()[0]
                )
            return
        if self.on_run is not None:
            self.on_run(record)

    # --- watchers -------------------------------------------------------------------------

    def _sync_watchers(self, workflows: list[StoredWorkflow]) -> None:
        wanted: dict[str, tuple[str, StoredWorkflow]] = {}
        for wf in workflows:
            trigger = self.automations.registry.triggers.get(wf.document["trigger"]["type"])
            if trigger is not None and trigger.watch is not None:
                wanted[wf.id] = (fingerprint(wf.document), wf)
        for key in list(self._watchers):
            if key not in wanted or wanted[key][0] != self._watchers[key][0]:
                self._watchers.pop(key)[1].cancel()
        for key, (print_, wf) in wanted.items():
            if key not in self._watchers:
                task = asyncio.get_running_loop().create_task(
                    self._watch(wf), name=f"watch {wf.name}"
                )
                self._watchers[key] = (print_, task)

    async def _watch(self, wf: StoredWorkflow) -> None:
        trigger_doc = wf.document["trigger"]
        trigger = self.automations.registry.triggers[trigger_doc["type"]]
        assert trigger.watch is not None
        params = {k: v for k, v in trigger_doc.items() if k != "type"}

        def fire(data: dict[str, Any]) -> None:
            self._fire(wf, data, Fired(wf.id, self.clock.now(), trigger.id))

        try:
            await trigger.watch(params, fire)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("the trigger of workflow %s stopped: %s", wf.name, exc)
            with contextlib.suppress(Exception):
                await self.automations.runner.services.notify(
                    f"Steward: {wf.name} is not watching any more", str(exc)[:300]
                )


__all__ = ["Clock", "Fired", "ManualClock", "Scheduler", "SystemClock", "next_due"]
