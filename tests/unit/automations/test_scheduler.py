"""The scheduler on a controllable clock (no sleeping for schedules): cron and interval
schedules fire at the expected times, missed runs follow each workflow's policy, app-start
workflows run at start, a real folder watch fires on new files, and only one scheduler runs
the automations of a data folder."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from app.automations.scheduler import ManualClock, Scheduler
from app.automations.service import Automations
from tests.unit.automations.conftest import step, workflow

START = datetime(2026, 11, 23, 7, 0).astimezone()  # a Monday


def noop(name: str, trigger: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return workflow([step("s", "test.noop")], trigger=trigger, name=name, **extra)


def created_at(auto: Automations, workflow_id: str, when: datetime) -> None:
    with auto.history.db.transaction():
        auto.history.conn.execute(
            "UPDATE workflows SET created = ? WHERE id = ?", (when.isoformat(), workflow_id)
        )


async def drive(
    scheduler: Scheduler, clock: ManualClock, until: datetime, step_minutes: float = 1
) -> None:
    assert await scheduler.start()
    await scheduler.settle()
    while clock.now() < until:
        clock.advance(minutes=step_minutes)
        await scheduler.settle()
    await scheduler.stop()


def test_cron_and_interval_schedules_fire_at_the_expected_times(auto: Automations) -> None:
    weekday = auto.create(noop("weekdays 9:00", {"type": "schedule", "cron": "0 9 * * 1-5"}))
    at = auto.create(
        noop(
            "at 8:30 mon",
            {"type": "schedule", "at": {"hour": 8, "minute": 30, "weekdays": ["mon"]}},
        )
    )
    every = auto.create(noop("every 90 min", {"type": "schedule", "every_minutes": 90}))
    off = auto.create(noop("off", {"type": "schedule", "every_minutes": 5}), enabled=False)
    for wf in (weekday, at, every, off):
        created_at(auto, wf.id, START)
    clock = ManualClock(START)
    scheduler = Scheduler(auto, clock=clock)
    asyncio.run(drive(scheduler, clock, START + timedelta(days=6), step_minutes=10))
    times: dict[str, list[str]] = {}
    for fired in scheduler.fired:
        times.setdefault(fired.workflow_id, []).append(fired.due.strftime("%a %H:%M"))
    assert times[weekday.id] == [f"{d} 09:00" for d in ("Mon", "Tue", "Wed", "Thu", "Fri")]
    assert times[at.id] == ["Mon 08:30"]
    assert times[every.id][:3] == ["Mon 08:30", "Mon 10:00", "Mon 11:30"]
    assert len(times[every.id]) == 6 * 24 * 60 // 90
    assert off.id not in times
    runs = auto.history.runs(weekday.id)
    assert len(runs) == 5 and {r.status for r in runs} == {"succeeded"}
    assert {r.trigger for r in runs} == {"schedule"}


def test_missed_runs_are_skipped_or_run_once_at_start(auto: Automations) -> None:
    skip = auto.create(noop("skip", {"type": "schedule", "cron": "0 * * * *"}))
    once = auto.create(noop("once", {"type": "schedule", "cron": "0 * * * *"}, missed="run_once"))
    for wf in (skip, once):
        created_at(auto, wf.id, START)
        auto.history.set_last_fired(wf.id, START.isoformat())
    # Steward was closed from 07:00 until 12:20: five hourly runs were missed
    clock = ManualClock(START + timedelta(hours=5, minutes=20))
    scheduler = Scheduler(auto, clock=clock)

    async def main() -> None:
        assert await scheduler.start()
        await scheduler.settle()
        assert [(f.workflow_id, f.reason, f.due.strftime("%H:%M")) for f in scheduler.fired] == [
            (once.id, "missed", "12:00")
        ]
        clock.advance(minutes=40)  # 13:00 comes: both fire as usual
        await scheduler.settle()
        await scheduler.stop()

    asyncio.run(main())
    assert {(f.workflow_id, f.reason) for f in scheduler.fired[1:]} == {
        (skip.id, "schedule"),
        (once.id, "schedule"),
    }
    assert len(auto.history.runs(once.id)) == 2
    assert len(auto.history.runs(skip.id)) == 1


def test_app_start_workflows_run_when_the_scheduler_starts(auto: Automations) -> None:
    started = auto.create(noop("at start", {"type": "app_start"}))
    manual = auto.create(noop("manual", {"type": "manual"}))
    clock = ManualClock(START)
    scheduler = Scheduler(auto, clock=clock)
    asyncio.run(drive(scheduler, clock, START + timedelta(hours=1), step_minutes=30))
    assert [f.workflow_id for f in scheduler.fired] == [started.id]
    assert auto.history.runs(manual.id) == []


def test_a_real_folder_watch_fires_for_new_matching_files(auto: Automations, work: Path) -> None:
    inbox = work / "inbox"
    inbox.mkdir()
    doc = workflow(
        [
            step("read", "files.read", path="{{trigger.path}}"),
            step(
                "copy",
                "files.append",
                path=str(work / "seen.txt"),
                text="{{trigger.name}}: {{steps.read.output}}",
            ),
        ],
        [{"kind": "files.read", "scope": str(inbox)}, {"kind": "files.write", "scope": str(work)}],
        trigger={"type": "folder_watch", "folder": str(inbox), "pattern": "*.txt"},
    )
    stored = auto.create(doc)
    auto.history.approve(stored.id, doc)
    runs: list[Any] = []
    scheduler = Scheduler(auto, on_run=runs.append)

    async def main() -> None:
        assert await scheduler.start()
        (inbox / "skip.pdf").write_text("not matched")
        # the watcher starts on its own thread: write until it has seen the file (a slow
        # start only means a later event), then stop
        for attempt in range(200):
            if attempt % 20 == 0:
                (inbox / "note.txt").write_text("hello from the inbox")
            if runs:
                break
            await asyncio.sleep(0.05)
        await scheduler.stop()

    asyncio.run(main())
    assert runs and all(r.status == "succeeded" for r in runs), runs
    assert {r.trigger_data["name"] for r in runs} == {"note.txt"}
    first = (work / "seen.txt").read_text().splitlines()[0]
    assert first == "note.txt: hello from the inbox"


def test_only_one_scheduler_runs_the_automations(auto: Automations, paths: Any) -> None:
    lock = paths.data / "automations.lock"

    async def main() -> tuple[bool, bool, bool]:
        first = Scheduler(auto, clock=ManualClock(START), lock_file=lock)
        second = Scheduler(auto, clock=ManualClock(START), lock_file=lock)
        a = await first.start()
        b = await second.start()
        await first.stop()
        c = await second.start()
        await second.stop()
        return a, b, c

    assert asyncio.run(main()) == (True, False, True)


def test_runs_left_running_are_marked_interrupted(auto: Automations) -> None:
    from app.automations.history import RunRecord

    auto.history.begin_run(
        RunRecord(
            id="r1", workflow_id="w", workflow_name="w", trigger="manual", started=START.isoformat()
        )
    )

    async def main() -> None:
        scheduler = Scheduler(auto, clock=ManualClock(START))
        assert await scheduler.start()
        await scheduler.stop()

    asyncio.run(main())
    assert auto.history.run("r1").status == "interrupted"
