"""Triggers lose nothing: events that come while a workflow runs wait their turn (in order,
the same file once), a queue that runs over is recorded, notified and, for a folder watch
that catches up, looked at again; a folder watch that catches up handles the files that
arrived while Steward was not watching. Real folders, a real watcher, a real database."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from app.automations.history import RunRecord
from app.automations.runner import HeadlessServices
from app.automations.scheduler import Scheduler
from app.automations.service import Automations
from tests.unit.automations.conftest import step, workflow


def sorter(inbox: Path, sorted_: Path, **trigger: Any) -> dict[str, Any]:
    return workflow(
        [step("move", "files.move", source="{{trigger.path}}", destination=str(sorted_) + "/")],
        [
            {"kind": "files.write", "scope": str(inbox)},
            {"kind": "files.write", "scope": str(sorted_)},
        ],
        trigger={"type": "folder_watch", "folder": str(inbox), "pattern": "*.txt", **trigger},
        name="Sort the inbox",
    )


async def wait_for(condition: Any, timeout: float = 240.0) -> None:
    """Wait (polling, never a fixed sleep for the result) until ``condition()`` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.05)


def setup(auto: Automations, work: Path, **trigger: Any) -> tuple[Path, Path, str]:
    inbox, sorted_ = work / "inbox", work / "sorted"
    inbox.mkdir()
    sorted_.mkdir()
    doc = sorter(inbox, sorted_, **trigger)
    stored = auto.create(doc)
    auto.history.approve(stored.id, doc)
    return inbox, sorted_, stored.id


def test_a_burst_of_files_is_all_handled_one_run_each_in_order(
    auto: Automations, work: Path
) -> None:
    inbox, sorted_, _wid = setup(auto, work)
    runs: list[RunRecord] = []
    scheduler = Scheduler(auto, on_run=runs.append)
    names = [f"{n:04d}.txt" for n in range(2000)]

    async def main() -> None:
        assert await scheduler.start()
        await wait_until_watching(scheduler, inbox, runs)
        for name in names:
            (inbox / name).write_text(name)
        await wait_for(lambda: len(burst(runs)) == len(names))
        await scheduler.stop()

    asyncio.run(main())
    assert all(r.status == "succeeded" for r in burst(runs)), [r.error for r in runs if r.error]
    handled = [r.trigger_data["name"] for r in burst(runs)]
    assert handled == names  # every file, once, in the order it arrived
    assert set(names) <= {p.name for p in sorted_.iterdir()}
    assert [p.name for p in inbox.iterdir()] in ([], ["probe.txt"])


async def wait_until_watching(scheduler: Scheduler, inbox: Path, runs: list[RunRecord]) -> None:
    """The watcher starts on its own thread: a probe file is written (again, now and then)
    until a run has handled it, so the burst that follows is seen from its first file."""
    for attempt in range(4000):
        if runs:
            return
        if attempt % 20 == 0:
            (inbox / "probe.txt").write_text("probe")
        await asyncio.sleep(0.05)
    raise AssertionError("the folder watch never started")


def burst(runs: list[RunRecord]) -> list[RunRecord]:
    return [r for r in runs if r.trigger_data["name"] != "probe.txt"]


def test_the_same_file_waiting_twice_is_handled_once(auto: Automations, work: Path) -> None:
    inbox, _, wid = setup(auto, work)
    stored = auto.history.workflow(wid)
    scheduler = Scheduler(auto)

    async def main() -> None:
        from app.automations.scheduler import Fired

        now = datetime.now().astimezone()
        gate = asyncio.Event()  # never set: the run going on does not end in this test
        scheduler._runs[wid] = asyncio.ensure_future(gate.wait())  # a run is going on
        for name in ("a.txt", "b.txt", "a.txt", "a.txt"):
            data = {"path": str(inbox / name), "name": name, "event": "created"}
            scheduler._fire(stored, data, Fired(wid, now, "folder_watch"))
        assert scheduler.queued(wid) == 2
        scheduler._runs.pop(wid).cancel()

    asyncio.run(main())


def test_an_overflowing_queue_is_recorded_notified_and_caught_up(
    auto: Automations, work: Path
) -> None:
    inbox, sorted_, wid = setup(auto, work, catch_up=True)
    runs: list[RunRecord] = []
    scheduler = Scheduler(auto, on_run=runs.append)
    scheduler.max_queued = 5
    services = auto.runner.services
    assert isinstance(services, HeadlessServices)
    names = [f"{n:03d}.txt" for n in range(60)]

    async def main() -> None:
        assert await scheduler.start()
        await wait_until_watching(scheduler, inbox, runs)
        for name in names:
            (inbox / name).write_text(name)
        await wait_for(lambda: set(names) <= {p.name for p in sorted_.iterdir()})
        await scheduler.stop()

    asyncio.run(main())
    # nothing left behind, though most events were dropped
    assert not set(names) & {p.name for p in inbox.iterdir()}
    history = auto.history.runs(wid, limit=500)
    skipped = [r for r in history if r.status == "skipped"]
    assert skipped, "the overflow is recorded in the run history"
    assert "were already waiting and were not queued" in (skipped[0].error or "")
    assert "looked at again" in (skipped[0].error or "")
    assert any("had too much to do at once" in title for title, _ in services.notifications)


def test_a_folder_watch_that_catches_up_handles_what_came_while_not_watching(
    auto: Automations, work: Path
) -> None:
    inbox, sorted_, wid = setup(auto, work, catch_up=True)
    (work / "plain").mkdir()
    _, _, other = setup(auto, work / "plain")  # the same workflow without catch-up
    # Steward was last watching an hour ago; two files came since
    last = (datetime.now().astimezone() - timedelta(hours=1)).isoformat()
    auto.history.set_last_fired(wid, last)
    auto.history.set_last_fired(other, last)
    for name in ("while-away-1.txt", "while-away-2.txt"):
        (inbox / name).write_text(name)
        (work / "plain" / "inbox" / name).write_text(name)
    runs: list[RunRecord] = []
    scheduler = Scheduler(auto, on_run=runs.append)

    async def main() -> None:
        assert await scheduler.start()
        await wait_for(lambda: len(runs) == 2)
        await scheduler.stop()

    asyncio.run(main())
    assert sorted(p.name for p in sorted_.iterdir()) == ["while-away-1.txt", "while-away-2.txt"]
    assert {r.workflow_id for r in runs} == {wid}
    # without catch-up (the default) the files stay where they are
    assert len(list((work / "plain" / "inbox").iterdir())) == 2
    # the watermark moved to when watching stopped
    assert auto.history.workflow(wid).last_fired != last


def test_a_workflow_disabled_or_changed_before_its_run_does_not_run(
    auto: Automations, work: Path
) -> None:
    inbox, _, wid = setup(auto, work)
    stored = auto.history.workflow(wid)
    scheduler = Scheduler(auto)

    async def main() -> None:
        from app.automations.scheduler import Fired

        (inbox / "a.txt").write_text("a")
        auto.history.set_enabled(wid, False)  # committed, say, by another process
        data = {"path": str(inbox / "a.txt"), "name": "a.txt", "event": "created"}
        scheduler._fire(stored, data, Fired(wid, datetime.now().astimezone(), "folder_watch"))
        await scheduler.settle()

    asyncio.run(main())
    assert auto.history.runs(wid) == []
    assert (inbox / "a.txt").exists()
