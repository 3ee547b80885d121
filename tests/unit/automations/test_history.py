"""Run history in the encrypted database: every run and step with inputs, outputs cut to a
limit, status, error and duration; nothing of it readable without the key."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app.automations.service import Automations
from tests.unit.automations.conftest import step, workflow, yes


def test_runs_and_steps_are_recorded(auto: Automations, work: Path) -> None:
    (work / "in.txt").write_text("a secret shopping list " * 1000)
    doc = workflow(
        [
            step("read", "files.read", path=str(work / "in.txt")),
            step("boom", "test.boom", value="x"),
            step("never", "test.noop"),
        ],
        [{"kind": "files.read", "scope": str(work)}],
        name="Recorded",
    )
    stored = auto.create(doc)
    result = asyncio.run(auto.run(stored, approver=yes))
    assert result.status == "failed"
    again = auto.history.run(result.id[:8])
    assert again.workflow_name == "Recorded" and again.status == "failed"
    assert again.error == "step boom: the plugin broke"
    assert again.duration_ms is not None and again.duration_ms > 0
    read, boom, never = again.steps
    assert read.status == "ok" and read.inputs == {"path": str(work / "in.txt")}
    assert read.output["length"] > 4000 and len(read.output["truncated"]) == 4000
    assert boom.status == "failed" and boom.error == "the plugin broke" and boom.attempts == 1
    assert never.status == "skipped" and never.output is None
    assert [r.id for r in auto.history.runs(stored.id)] == [result.id]


def test_the_history_is_encrypted_on_disk(auto: Automations, work: Path) -> None:
    marker = "unmistakable-marker-text-4242"
    doc = workflow([step("t", "text.template", template=marker)], name=marker)
    asyncio.run(auto.run(auto.create(doc)))
    auto.history.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = b"".join(
        p.read_bytes() for p in auto.paths.database.parent.glob("steward.db*") if p.is_file()
    )
    assert raw and marker.encode() not in raw


def test_a_long_workflow_is_recorded_completely(auto: Automations) -> None:
    doc = workflow([step(f"s{n}", "test.noop") for n in range(100)])
    result = asyncio.run(auto.run(auto.create(doc)))
    assert result.status == "succeeded"
    stored = auto.history.run(result.id)
    assert len(stored.steps) == 100 and all(s.status == "ok" for s in stored.steps)


def test_undo_twice_or_without_changes_is_refused_clearly(auto: Automations, work: Path) -> None:
    import pytest

    from app.core.errors import UsageError

    target = work / "t.txt"
    doc = workflow(
        [step("w", "files.write", path=str(target), text="x")],
        [{"kind": "files.write", "scope": str(work)}],
    )
    result = asyncio.run(auto.run(auto.create(doc), approver=yes))
    auto.undo(result.id)
    with pytest.raises(UsageError, match="already undone"):
        auto.undo(result.id)
    plain = asyncio.run(auto.run(auto.create(workflow([step("n", "test.noop")]))))
    with pytest.raises(UsageError, match="changed no files"):
        auto.undo(plain.id)
