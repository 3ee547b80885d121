"""The file, notes and text actions against real files in temporary folders, run through
the real runner (so references, permissions, the journal and undo are all in play)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from app.automations.history import RunRecord
from app.automations.service import Automations
from tests.unit.automations.conftest import step, workflow, yes

WRITE = "files.write"


def run(auto: Automations, doc: dict[str, Any], **kw: Any) -> RunRecord:
    stored = auto.create(doc)
    return asyncio.run(auto.run(stored, approver=kw.pop("approver", yes), **kw))


def grant(kind: str, folder: Path) -> list[dict[str, str]]:
    return [{"kind": kind, "scope": str(folder)}]


def test_list_with_glob_and_recursion(auto: Automations, work: Path) -> None:
    (work / "sub").mkdir()
    for name in ("a.pdf", "b.txt", "sub/c.pdf", "sub/d.pdf"):
        (work / name).write_text(name)
    doc = workflow(
        [
            step("top", "files.list", folder=str(work), pattern="*.pdf"),
            step("deep", "files.list", folder=str(work), pattern="*.pdf", recursive=True),
            step("dirs", "files.list", folder=str(work), pattern="*", kind="folders"),
            step("two", "files.list", folder=str(work), pattern="**/*", kind="files", limit=2),
        ],
        grant("files.read", work),
    )
    result = run(auto, doc)
    assert result.status == "succeeded", result.error
    out = {s.step_id: s.output for s in result.steps}
    assert out["top"] == {"files": [str(work / "a.pdf")], "count": 1}
    assert out["deep"]["files"] == [str(work / p) for p in ("a.pdf", "sub/c.pdf", "sub/d.pdf")]
    assert out["dirs"]["files"] == [str(work / "sub")]
    assert out["two"]["count"] == 2


def test_list_leaves_out_symlinks_that_lead_outside(
    auto: Automations, work: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    (work / "inside.txt").write_text("fine")
    (work / "link.txt").symlink_to(outside / "secret.txt")
    doc = workflow(
        [step("l", "files.list", folder=str(work), pattern="*.txt")], grant("files.read", work)
    )
    result = run(auto, doc)
    assert result.steps[0].output["files"] == [str(work / "inside.txt")]


def test_read_write_append_and_undo(auto: Automations, work: Path) -> None:
    source = work / "in.txt"
    source.write_text("line one\nline two\n")
    target = work / "out" / "copy.txt"
    log = work / "log.txt"
    log.write_text("before\n")
    doc = workflow(
        [
            step("read", "files.read", path=str(source)),
            step("write", WRITE, path=str(target), text="copied: {{steps.read.output}}"),
            step("append", "files.append", path=str(log), text="added"),
        ],
        grant(WRITE, work),
    )
    result = run(auto, doc)
    assert result.status == "succeeded", result.error
    assert target.read_text() == "copied: line one\nline two\n"
    assert log.read_text() == "before\nadded\n"
    done = auto.undo(result.id)
    assert not target.exists()
    assert log.read_text() == "before\n"
    assert not (work / "out").exists()  # the folder the write made is gone too
    assert [line.split()[0] for line in done] == ["restored", "removed", "removed-folder"]


def test_write_refuses_to_overwrite_when_told(auto: Automations, work: Path) -> None:
    target = work / "keep.txt"
    target.write_text("precious")
    doc = workflow(
        [step("w", WRITE, path=str(target), text="new", overwrite=False)], grant(WRITE, work)
    )
    result = run(auto, doc)
    assert result.status == "failed"
    assert "exists and overwrite is off" in (result.error or "")
    assert target.read_text() == "precious"


def test_move_rename_copy_and_undo(auto: Automations, work: Path) -> None:
    (work / "a.txt").write_text("A")
    (work / "b.txt").write_text("B")
    (work / "folder").mkdir()
    (work / "folder" / "inner.txt").write_text("inner")
    doc = workflow(
        [
            step(
                "rename", "files.move", source=str(work / "a.txt"), destination=str(work / "z.txt")
            ),
            step(
                "into",
                "files.move",
                source=str(work / "b.txt"),
                destination=str(work / "dest") + "/",
            ),
            step("copy", "files.copy", source=str(work / "folder"), destination=str(work / "copy")),
        ],
        grant(WRITE, work),
    )
    result = run(auto, doc)
    assert result.status == "succeeded", result.error
    assert (work / "z.txt").read_text() == "A" and not (work / "a.txt").exists()
    assert (work / "dest" / "b.txt").read_text() == "B"
    assert (work / "copy" / "inner.txt").read_text() == "inner"
    auto.undo(result.id)
    assert (work / "a.txt").read_text() == "A" and not (work / "z.txt").exists()
    assert (work / "b.txt").read_text() == "B" and not (work / "dest" / "b.txt").exists()
    assert not (work / "copy").exists()


def test_delete_goes_to_the_trash_and_undo_restores(auto: Automations, work: Path) -> None:
    victim = work / "old.txt"
    victim.write_text("still wanted")
    doc = workflow([step("d", "files.delete", path=str(victim))], grant(WRITE, work))
    result = run(auto, doc)
    assert result.status == "succeeded"
    assert not victim.exists()
    trashed = list((auto.trash / result.id).iterdir())
    assert [p.read_text() for p in trashed] == ["still wanted"]
    auto.undo(result.id)
    assert victim.read_text() == "still wanted"


def test_for_each_moves_every_listed_file(auto: Automations, work: Path) -> None:
    for name in ("1.pdf", "2.pdf", "3.txt"):
        (work / name).write_text(name)
    doc = workflow(
        [
            step("list", "files.list", folder=str(work), pattern="*.pdf"),
            {
                "id": "move",
                "action": "files.move",
                "for_each": "{{steps.list.output.files}}",
                "params": {"source": "{{item}}", "destination": str(work / "pdfs") + "/"},
            },
        ],
        grant(WRITE, work),
    )
    result = run(auto, doc)
    assert result.status == "succeeded", result.error
    assert sorted(p.name for p in (work / "pdfs").iterdir()) == ["1.pdf", "2.pdf"]
    assert (work / "3.txt").exists()
    assert len(result.steps[1].output) == 2


def test_notes_append_timestamped_entries(auto: Automations, work: Path) -> None:
    notes = work / "notes.md"
    doc = workflow(
        [
            step("one", "notes.append", file=str(notes), text="first"),
            step("two", "notes.append", file=str(notes), text="second", heading="Idea"),
        ],
        grant(WRITE, work),
    )
    result = run(auto, doc)
    assert result.status == "succeeded", result.error
    text = notes.read_text()
    assert text.startswith("## 20") and "\n\nfirst\n" in text
    assert "— Idea\n\nsecond\n" in text
    assert text.index("first") < text.index("second")


def test_text_template_lines_and_match(auto: Automations, work: Path) -> None:
    doc = workflow(
        [
            step("t", "text.template", template="Run {{run.workflow}} on {{run.date}}"),
            step(
                "lines",
                "text.lines",
                text="TODO a\nDONE b\ntodo c\n\n",
                contains="todo",
                ignore_case=True,
            ),
            step("not", "text.lines", text="a1\nb2\nc3", pattern="[ab]", invert=True),
            step("m", "text.match", text="order #123 and #456", pattern="#(\\d+)"),
            step("miss", "text.match", text="nothing", pattern="\\d"),
        ],
    )
    result = run(auto, doc)
    assert result.status == "succeeded", result.error
    out = {s.step_id: s.output for s in result.steps}
    assert out["t"].startswith("Run test workflow on 20")
    assert out["lines"]["lines"] == ["TODO a", "todo c"]
    assert out["not"]["lines"] == ["c3"]
    assert out["m"]["matches"] == ["#123", "#456"] and out["m"]["groups"] == ["123"]
    assert out["miss"]["matched"] is False


def test_a_bad_regular_expression_is_a_clear_failure(auto: Automations) -> None:
    result = run(auto, workflow([step("m", "text.match", text="x", pattern="(")]))
    assert result.status == "failed"
    assert "not a valid regular expression" in (result.error or "")


def test_reading_a_missing_file_names_it(auto: Automations, work: Path) -> None:
    missing = work / "nope.txt"
    result = run(
        auto, workflow([step("r", "files.read", path=str(missing))], grant("files.read", work))
    )
    assert result.status == "failed"
    assert "No such file or directory" in (result.error or "") and "nope.txt" in (
        result.error or ""
    )
    assert result.steps[0].attempts == 2  # reading is safe to retry


def test_undo_counts_files_not_changes_and_removes_the_folders_the_run_made(
    auto: Automations, work: Path
) -> None:
    from app.automations.runner import undo_summary

    for name in ("1.pdf", "2.pdf"):
        (work / name).write_text(name)
    sorted_into = work / "Sorted" / "2026"
    doc = workflow(
        [
            step(
                f"m{n}",
                "files.move",
                source=str(work / name),
                destination=str(sorted_into) + "/",
            )
            for n, name in enumerate(("1.pdf", "2.pdf"))
        ],
        grant(WRITE, work),
    )
    result = run(auto, doc)
    assert result.status == "succeeded", result.error
    assert sorted(p.name for p in sorted_into.iterdir()) == ["1.pdf", "2.pdf"]
    done = auto.undo(result.id)
    assert undo_summary(done) == (
        "Undone: put back 2 files as before, removed 2 files the run had made, "
        "removed 2 folders it had made."
    )
    assert (work / "1.pdf").read_text() == "1.pdf" and (work / "2.pdf").read_text() == "2.pdf"
    assert not (work / "Sorted").exists()
    undos = [c.undo for c in auto.history.run(result.id).files if c.folder]
    assert undos == ["removed (a folder the run made)"] * 2

    # a folder the run made that holds the user's own file since is kept, with the file
    (work / "3.pdf").write_text("3.pdf")
    again = run(
        auto,
        workflow(
            [
                step(
                    "m",
                    "files.move",
                    source=str(work / "3.pdf"),
                    destination=str(sorted_into) + "/",
                )
            ],
            grant(WRITE, work),
        ),
    )
    (sorted_into / "mine.txt").write_text("the user's")
    done = auto.undo(again.id)
    assert undo_summary(done) == (
        "Undone: put back 1 file as before, removed 1 file the run had made, "
        "kept 2 folders it had made, with other files in now."
    )
    assert (sorted_into / "mine.txt").read_text() == "the user's"
    assert (work / "3.pdf").exists()
