"""Dry runs look ahead: steps that only read run for real (inside the grants), so the steps
after them show what they would do with the real files; nothing is changed, nothing that
writes, asks, reaches the network or uses the model runs."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest

from app.automations.runner import sample_words
from app.automations.service import Automations
from app.automations.workflow import InvalidWorkflow
from tests.unit.automations.conftest import EchoModel, step, workflow


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_dry_run_lists_for_real_and_names_each_file_it_would_move(
    auto: Automations, work: Path
) -> None:
    for name in ("a.pdf", "b.pdf", "keep.txt"):
        (work / name).write_text(name)
    before = snapshot(work)
    stored = auto.create(
        workflow(
            [
                step("list", "files.list", folder=str(work), pattern="*.pdf"),
                {
                    **step("move", "files.move", source="{{item}}", destination=f"{work}/PDFs/"),
                    "for_each": "{{steps.list.output.files}}",
                },
            ],
            [{"kind": "files.write", "scope": str(work)}],
        )
    )
    run = asyncio.run(auto.run(stored, dry_run=True))
    assert run.status == "succeeded" and run.dry_run
    listed, moved = run.steps
    # the listing ran for real (its output is data); the move is the runner's account of it
    assert (listed.status, moved.status) == ("ok", "dry_run")
    assert sorted(Path(p).name for p in listed.output["files"]) == ["a.pdf", "b.pdf"]
    assert moved.output.splitlines()[:2] == [
        f"would move {work / 'a.pdf'} to {work / 'PDFs'}/",
        f"would move {work / 'b.pdf'} to {work / 'PDFs'}/",
    ]
    assert "asks for approval" in moved.output
    assert snapshot(work) == before and not (work / "PDFs").exists()


def test_only_reads_run_and_unknown_inputs_stay_unknown(
    auto: Automations, work: Path, services
) -> None:
    (work / "note.txt").write_text("hello")
    model = services._generate
    assert isinstance(model, EchoModel)
    stored = auto.create(
        workflow(
            [
                step("read", "files.read", path=str(work / "note.txt")),
                step("sum", "model.prompt", task="summarize", input="{{steps.read.output}}"),
                step(
                    "save", "files.write", path=str(work / "out.txt"), text="{{steps.sum.output}}"
                ),
            ],
            [{"kind": "files.write", "scope": str(work)}, {"kind": "model"}],
        )
    )
    run = asyncio.run(auto.run(stored, dry_run=True))
    read, summary, save = run.steps
    assert read.output == "hello"  # read for real
    assert summary.output.startswith("would ask the local model to summarize")
    assert model.prompts == []  # the model never runs in a dry run
    assert save.output.startswith("would write")
    assert not (work / "out.txt").exists()


def test_a_read_outside_the_grant_fails_the_dry_run_as_it_would_the_run(
    auto: Automations, work: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("secret")
    (work / "link.txt").write_text("fine")
    stored = auto.create(
        workflow(
            [step("read", "files.read", path=str(work / "link.txt"))],
            [{"kind": "files.read", "scope": str(work)}],
        )
    )
    (work / "link.txt").unlink()  # swapped for a link leading out after it was saved
    (work / "link.txt").symlink_to(outside)
    with pytest.raises(InvalidWorkflow, match="outside the granted folders"):
        asyncio.run(auto.run(stored, dry_run=True))  # checked again before anything is read
    assert auto.history.runs() == []


def summarize_inbox(work: Path) -> dict[str, Any]:
    inbox = work / "inbox"
    inbox.mkdir(exist_ok=True)
    return workflow(
        [
            step("read", "files.read", path="{{trigger.path}}"),
            step("save", "files.append", path=str(work / "log.md"), text="{{steps.read.output}}"),
        ],
        [{"kind": "files.read", "scope": str(inbox)}, {"kind": "files.write", "scope": str(work)}],
        trigger={"type": "folder_watch", "folder": str(inbox), "pattern": "*.txt"},
    )


def test_a_folder_watch_dry_runs_on_the_newest_matching_file_and_says_so(
    auto: Automations, work: Path
) -> None:
    """A drafted folder watch could not be dry-run ("trigger has no 'path'"); it now runs on
    the newest matching file, as if it had just arrived, and says so."""
    stored = auto.create(summarize_inbox(work))
    (work / "inbox" / "old.txt").write_text("older note")
    os.utime(work / "inbox" / "old.txt", (1, 1))
    (work / "inbox" / "new.txt").write_text("the newest note")
    (work / "inbox" / "skip.pdf").write_text("not matched")
    run = asyncio.run(auto.run(stored, dry_run=True))
    assert run.status == "succeeded", run.error
    read, save = run.steps
    assert (read.status, read.output) == ("ok", "the newest note")
    assert save.status == "dry_run" and save.output.startswith("would append 15 characters to")
    assert (
        sample_words(run)
        == "As if “new.txt” had just arrived (a sample event, from what is there now)."
    )
    assert not (work / "log.md").exists()


def test_with_nothing_there_a_folder_watch_dry_run_shows_what_waits_for_the_event(
    auto: Automations, work: Path
) -> None:
    stored = auto.create(summarize_inbox(work))
    run = asyncio.run(auto.run(stored, dry_run=True))
    assert run.status == "succeeded", run.error
    read, save = run.steps
    assert read.status == "dry_run" and "checked when the run fills in path" in read.output
    assert save.status == "dry_run" and save.output.startswith("would append")
    assert "nothing there matches yet" in sample_words(run)
    assert not (work / "log.md").exists()
