"""Attacks on the promise that a workflow's file work stays inside its grant: links planted at
temporary names and final targets, links swapped in while an approval question waits or
between the items of a ``for_each``, links put in place before an undo; programs named by
relative paths and arguments that data fills in; data that looks like ``$VAR`` or carries
terminal escape codes. Each of these succeeded before the grant was enforced where the files
are used; each test checks that nothing outside the grant changed."""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
from pathlib import Path
from typing import Any

import pytest

from app.automations.history import RunRecord
from app.automations.runner import ApprovalRequest
from app.automations.service import Automations
from app.automations.workflow import InvalidWorkflow
from tests.unit.automations.conftest import step, workflow, yes


@pytest.fixture
def g(granted: Path) -> Path:
    """The granted folder (short: it is in nearly every path here)."""
    return granted


def state(folder: Path) -> dict[str, tuple[str, bytes | str]]:
    """Everything below ``folder``: files with their bytes, links with their targets."""
    seen: dict[str, tuple[str, bytes | str]] = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root, name)
            if path.is_symlink():
                seen[str(path)] = ("link", os.readlink(path))
            elif path.is_file():
                seen[str(path)] = ("file", path.read_bytes())
            else:
                seen[str(path)] = ("dir", b"")
    return seen


def write_grant(folder: Path) -> list[dict[str, str]]:
    return [{"kind": "files.write", "scope": str(folder)}]


def run_doc(auto: Automations, doc: dict[str, Any], **kw: Any) -> RunRecord:
    stored = auto.create(doc)
    return asyncio.run(auto.run(stored, approver=kw.pop("approver", yes), **kw))


def test_write_never_follows_a_link_at_a_temporary_name(
    auto: Automations, g: Path, outside: Path
) -> None:
    (g / "out").mkdir()
    before = state(outside)
    (g / "out" / ".notes.txt.steward-tmp").symlink_to(outside / "secret.txt")
    doc = workflow(
        [step("w", "files.write", path=str(g / "out" / "notes.txt"), text="mine")],
        write_grant(g),
    )
    run = run_doc(auto, doc)
    assert run.status == "succeeded", run.error
    assert state(outside) == before
    notes = g / "out" / "notes.txt"
    assert not notes.is_symlink() and notes.read_text() == "mine"


def test_write_replaces_a_link_at_its_target_instead_of_writing_through(
    auto: Automations, g: Path, outside: Path
) -> None:
    before = state(outside)
    (g / "notes.txt").symlink_to(g / "real.txt")
    (g / "real.txt").write_text("inside")
    # the planted link is checked (it resolves inside), then swapped to point out
    doc = workflow(
        [step("w", "files.write", path=str(g / "notes.txt"), text="new")], write_grant(g)
    )
    stored = auto.create(doc)

    async def swap_then_yes(request: ApprovalRequest) -> str:
        (g / "notes.txt").unlink()
        (g / "notes.txt").symlink_to(outside / "secret.txt")
        return "once"

    run = asyncio.run(auto.run(stored, approver=swap_then_yes))
    assert run.status == "failed"
    assert "outside the granted folders" in (run.error or "")  # checked again after the wait
    assert state(outside) == before


@pytest.mark.parametrize("action", ["files.copy", "files.move"])
def test_copy_or_move_into_a_folder_never_follows_a_link_at_the_final_target(
    auto: Automations, g: Path, outside: Path, action: str
) -> None:
    (g / "in").mkdir()
    (g / "dst").mkdir()
    (g / "in" / "a.txt").write_text("payload")
    (g / "dst" / "a.txt").symlink_to(outside / "a.txt")  # dangling: would be created outside
    (g / "dst" / "secret.txt").symlink_to(outside / "secret.txt")
    (g / "in" / "secret.txt").write_text("overwrite attempt")
    before = state(outside)
    doc = workflow(
        [
            step(
                "one",
                action,
                source=str(g / "in" / "a.txt"),
                destination=str(g / "dst") + "/",
                overwrite=True,
            ),
            step(
                "two",
                action,
                source=str(g / "in" / "secret.txt"),
                destination=str(g / "dst") + "/",
                overwrite=True,
            ),
        ],
        write_grant(g),
    )
    run = run_doc(auto, doc)
    assert state(outside) == before, "nothing outside the grant may change"
    assert run.status == "succeeded", run.error
    assert (g / "dst" / "a.txt").read_text() == "payload"
    assert not (g / "dst" / "a.txt").is_symlink()
    assert (g / "dst" / "secret.txt").read_text() == "overwrite attempt"
    # undo puts the links back as links; it never copies the outside folder into the trash
    done = auto.undo(run.id)
    assert all(not line.startswith("refused") for line in done), done
    assert os.readlink(g / "dst" / "secret.txt") == str(outside / "secret.txt")
    assert state(outside) == before
    trash = auto.trash / run.id
    kept = [p.read_bytes() for p in trash.rglob("*") if p.is_file() and not p.is_symlink()]
    assert (outside / "secret.txt").read_bytes() not in kept


def test_a_folder_swapped_for_a_link_while_approval_waits_is_not_written_through(
    auto: Automations, g: Path, outside: Path
) -> None:
    (g / "out").mkdir()
    before = state(outside)
    doc = workflow(
        [step("w", "files.write", path=str(g / "out" / "new.txt"), text="x")], write_grant(g)
    )
    stored = auto.create(doc)

    async def swap_then_yes(request: ApprovalRequest) -> str:
        shutil.rmtree(g / "out")
        (g / "out").symlink_to(outside)
        return "once"

    run = asyncio.run(auto.run(stored, approver=swap_then_yes))
    assert run.status == "failed"
    assert state(outside) == before
    assert not (outside / "new.txt").exists()


def test_each_for_each_item_is_checked_when_it_runs(
    auto: Automations, g: Path, outside: Path
) -> None:
    # item 1 copies a folder holding a link out of the grant; item 2's path only leads
    # outside through that new link: checked before item 1 ran, it looked inside
    (g / "in" / "d").mkdir(parents=True)
    (g / "in" / "d" / "l").symlink_to(outside)
    (outside / "x.txt").write_text("outside x")
    before = state(outside)
    doc = workflow(
        [
            step(
                "names",
                "text.lines",
                text=f"{g}/in/d\n{g}/in/d.bak/l/x.txt",
            ),
            {
                "id": "copy",
                "action": "files.copy",
                "for_each": "{{steps.names.output.lines}}",
                "params": {"source": "{{item}}", "destination": "{{item}}.bak"},
            },
        ],
        write_grant(g),
    )
    run = run_doc(auto, doc)
    assert run.status == "failed"
    assert "permission denied" in (run.error or "") or "link" in (run.error or "")
    assert state(outside) == before
    assert os.path.islink(g / "in" / "d.bak" / "l")  # item 1 ran: the link copied as a link


def test_undo_refuses_to_work_through_a_folder_swapped_for_a_link(
    auto: Automations, g: Path, outside: Path
) -> None:
    (g / "out").mkdir()
    (g / "out" / "notes.txt").write_text("v1")
    doc = workflow(
        [
            step("w", "files.write", path=str(g / "out" / "notes.txt"), text="v2"),
            step("n", "files.write", path=str(g / "out" / "new.txt"), text="new"),
        ],
        write_grant(g),
    )
    run = run_doc(auto, doc)
    assert run.status == "succeeded", run.error
    # the run's folder is replaced by a link to a folder with files of the same names
    (outside / "notes.txt").write_text("outside notes")
    (outside / "new.txt").write_text("outside new")
    shutil.rmtree(g / "out")
    (g / "out").symlink_to(outside)
    before = state(outside)
    done = auto.undo(run.id)
    assert all(line.startswith("refused") for line in done), done
    assert state(outside) == before
    record = auto.history.run(run.id)
    assert record.undone
    assert all(f.undo and f.undo.startswith("refused: ") for f in record.files)


def test_undo_stays_inside_the_grant_and_puts_everything_back(auto: Automations, g: Path) -> None:
    (g / "keep.txt").write_text("v1")
    doc = workflow(
        [
            step("w", "files.write", path=str(g / "keep.txt"), text="v2"),
            step("n", "files.write", path=str(g / "sub" / "new.txt"), text="new"),
            step("d", "files.delete", path=str(g / "keep.txt")),
        ],
        write_grant(g),
    )
    run = run_doc(auto, doc)
    assert run.status == "succeeded", run.error
    done = auto.undo(run.id)
    assert [line.split()[0] for line in done] == ["removed", "removed-folder", "restored"], done
    assert (g / "keep.txt").read_text() == "v1"
    assert not (g / "sub").exists()  # the folder the run made for new.txt went with it


def test_a_grant_whose_own_path_is_a_link_is_refused(
    auto: Automations, tmp_path: Path, outside: Path
) -> None:
    link = tmp_path / "looks-private"
    link.symlink_to(outside)
    before = state(outside)
    doc = workflow(
        [step("w", "files.write", path=str(link / "x.txt"), text="x")], write_grant(link)
    )
    with pytest.raises(InvalidWorkflow, match="is a link") as refused:
        auto.create(doc)
    assert str(outside) in str(refused.value)  # the real folder is named
    # a grant that was a folder when approved and is a link by the time it runs
    real = tmp_path / "private"
    real.mkdir()
    doc = workflow(
        [step("w", "files.write", path=str(real / "x.txt"), text="x")], write_grant(real)
    )
    stored = auto.create(doc)
    real.rmdir()
    real.symlink_to(outside)
    with pytest.raises(InvalidWorkflow, match="is a link"):  # checked again before it runs
        asyncio.run(auto.run(stored, approver=yes))
    assert auto.history.runs(stored.id) == []
    assert state(outside) == before


def test_environment_variables_in_data_stay_text(
    auto: Automations, g: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STEWARD_PASSPHRASE", "hunter2-canary")
    (g / "name.txt").write_text("${STEWARD_PASSPHRASE}")
    doc = workflow(
        [
            step("r", "files.read", path=str(g / "name.txt")),
            step("w", "files.write", path=str(g) + "/{{steps.r.output}}.txt", text="x"),
        ],
        write_grant(g),
    )
    run = run_doc(auto, doc)
    assert run.status == "succeeded", run.error
    assert (g / "${STEWARD_PASSPHRASE}.txt").exists()
    assert not list(g.glob("hunter2*"))
    assert "hunter2-canary" not in repr(auto.history.run(run.id))


def test_a_relative_program_is_refused_not_found_in_the_steps_folder(
    auto: Automations, g: Path
) -> None:
    planted = g / "usr" / "bin" / "env"
    planted.parent.mkdir(parents=True)
    planted.write_text("#!/bin/sh\necho planted > planted-ran\n")
    planted.chmod(0o755)
    grants = [
        {"kind": "process.run", "scope": "usr/bin/env"},
        {"kind": "files.read", "scope": str(g)},
    ]
    doc = workflow(
        [step("p", "process.run", program="usr/bin/env", args=["true"], cwd=str(g))], grants
    )
    with pytest.raises(InvalidWorkflow, match="relative path"):
        auto.create(doc)
    # the same program name arriving from data is refused when the run fills it in
    (g / "which.txt").write_text("usr/bin/env")
    doc = workflow(
        [
            step("r", "files.read", path=str(g / "which.txt")),
            step("p", "process.run", program="{{steps.r.output}}", args=["true"], cwd=str(g)),
        ],
        grants,
    )
    run = run_doc(auto, doc)
    assert run.status == "failed"
    assert "relative path" in (run.error or "")
    assert not (g / "planted-ran").exists()


def test_the_program_checked_is_the_absolute_program_started(auto: Automations, g: Path) -> None:
    doc = workflow(
        [step("p", "process.run", program="true", cwd=str(g))],
        [{"kind": "process.run", "scope": "true"}, {"kind": "files.read", "scope": str(g)}],
    )
    run = run_doc(auto, doc)
    assert run.status == "succeeded", run.error
    started = run.steps[0].inputs["program"]
    assert os.path.isabs(started) and started == shutil.which("true")


def program_doc(g: Path, outside: Path) -> dict[str, Any]:
    (g / "args.txt").write_text(f"{outside}/sorted.txt")
    return workflow(
        [
            step("r", "files.read", path=str(g / "args.txt")),
            step(
                "p",
                "process.run",
                program="sort",
                args=["-o", "{{steps.r.output}}"],
                input="b\na\n",
            ),
        ],
        [{"kind": "files.read", "scope": str(g)}, {"kind": "process.run", "scope": "sort"}],
    )


def test_program_arguments_from_data_that_name_paths_are_checked_against_the_grants(
    auto: Automations, g: Path, outside: Path
) -> None:
    stored = auto.create(program_doc(g, outside))
    auto.history.approve(stored.id, stored.document)  # approved: the template, not the values
    stored = auto.history.workflow(stored.id)
    run = asyncio.run(auto.run(stored, approver=yes))
    assert run.status == "failed"
    assert "argument from data" in (run.error or "")
    assert not (outside / "sorted.txt").exists()


def test_an_approval_covers_the_values_it_showed_not_only_the_template(
    auto: Automations, g: Path, outside: Path
) -> None:
    (g / "args.txt").write_text("one")
    doc = workflow(
        [
            step("r", "files.read", path=str(g / "args.txt")),
            step("p", "process.run", program="echo", args=["{{steps.r.output}}"]),
        ],
        [{"kind": "files.read", "scope": str(g)}, {"kind": "process.run", "scope": "echo"}],
    )
    stored = auto.create(doc)
    asked: list[str] = []

    async def always(request: ApprovalRequest) -> str:
        asked.append(request.what)
        return "always"

    first = asyncio.run(auto.run(stored, approver=always))
    assert first.status == "succeeded" and asked == ["Run " + shutil.which("echo") + " one"]  # type: ignore[operator]
    stored = auto.history.workflow(stored.id)
    # the same values again: approved; nobody needs to be asked (the daemon has nobody)
    again = asyncio.run(auto.run(stored, approver=None))
    assert again.status == "succeeded", again.error
    # a changed value from the data asks again; with nobody to ask, the run stops there
    (g / "args.txt").write_text("two")
    changed = asyncio.run(auto.run(stored, approver=None))
    assert changed.status == "approval_required"
    assert "values were not approved" in (changed.error or "")


def test_escape_codes_from_data_are_shown_escaped(auto: Automations, g: Path) -> None:
    (g / "evil.txt").write_text("ok\x1b[2K\x1b[1Ahidden\u202eevil")
    doc = workflow(
        [
            step("r", "files.read", path=str(g / "evil.txt")),
            step("w", "files.write", path=str(g) + "/{{steps.r.output}}", text="x"),
        ],
        write_grant(g),
    )
    stored = auto.create(doc)
    shown: list[ApprovalRequest] = []

    async def look(request: ApprovalRequest) -> str:
        shown.append(request)
        return "deny"

    asyncio.run(auto.run(stored, approver=look))
    text = shown[0].what + " ".join(shown[0].permissions)
    assert "\x1b" not in text and "\u202e" not in text
    assert "\\x1b[2K" in text and "\\u202e" in text


def test_a_read_in_a_dry_run_is_data_not_a_line_of_what_would_happen(
    auto: Automations, g: Path
) -> None:
    (g / "note.txt").write_text("would delete everything")
    doc = workflow(
        [
            step("r", "files.read", path=str(g / "note.txt")),
            step("w", "files.write", path=str(g / "out.txt"), text="{{steps.r.output}}"),
        ],
        write_grant(g),
    )
    stored = auto.create(doc)
    run = asyncio.run(auto.run(stored, dry_run=True))
    read, write = run.steps
    assert read.status == "ok" and read.output == "would delete everything"
    assert write.status == "dry_run" and write.output.startswith("would write ")
    assert not (g / "out.txt").exists()


def test_a_plugin_action_that_only_reads_cannot_change_anything_in_a_dry_run(
    auto: Automations, g: Path
) -> None:
    doc = workflow(
        [step("s", "test.sneaky_reader", path=str(g / "x.txt"))],
        [*write_grant(g), {"kind": "notify"}],
    )
    stored = auto.create(doc)
    run = asyncio.run(auto.run(stored, dry_run=True))
    assert run.status == "failed"
    assert "a dry run changes nothing" in (run.error or "")
    assert not (g / "x.txt").exists()
    assert stat.S_ISDIR(os.lstat(g).st_mode)


def test_the_tree_itself_refuses_every_link_below_the_grant(g: Path, outside: Path) -> None:
    """What makes "checked" and "used" the same: even with no check before it, a file
    operation through a link anywhere below the grant is refused."""
    from app.automations.safefs import GrantedTree, LinkRefused

    (g / "sub").symlink_to(outside)
    (g / "file").symlink_to(outside / "secret.txt")
    (g / "real").mkdir()
    tree = GrantedTree(g)
    before = state(outside)
    with pytest.raises(LinkRefused):
        tree.write_bytes(g / "sub" / "new.txt", b"x")
    with pytest.raises(LinkRefused):
        tree.append_bytes(g / "file", b"x")
    with pytest.raises(LinkRefused):
        tree.read_text(g / "file", 100)
    with pytest.raises(LinkRefused):
        tree.copy_in(tree, g / "real", g / "sub" / "copy")
    with pytest.raises(LinkRefused):
        tree.remove(g / "sub" / "secret.txt")
    tree.write_bytes(g / "file", b"replaced")  # the link itself is replaced, not followed
    assert not (g / "file").is_symlink() and (g / "file").read_bytes() == b"replaced"
    tree.remove(g / "sub")  # removing a link removes the link
    assert not (g / "sub").exists() and state(outside) == before
    (g / "real").rename(g / "gone")
    (g / "real").symlink_to(outside)  # the grant's root itself swapped for a link
    with pytest.raises(LinkRefused):
        GrantedTree(g / "real").write_bytes(g / "real" / "x", b"x")
    assert state(outside) == before


def test_the_approval_question_names_the_permission_of_every_file(
    auto: Automations, g: Path
) -> None:
    doc = workflow(
        [
            step("names", "text.lines", text=f"{g}/a.txt\n{g}/b.txt"),
            {
                "id": "w",
                "action": "files.write",
                "for_each": "{{steps.names.output.lines}}",
                "params": {"path": "{{item}}", "text": "x"},
            },
        ],
        write_grant(g),
    )
    stored = auto.create(doc)
    asked: list[ApprovalRequest] = []

    async def look(request: ApprovalRequest) -> str:
        asked.append(request)
        return "deny"

    asyncio.run(auto.run(stored, approver=look))
    assert asked[0].permissions == (f"files.write({g}/a.txt)", f"files.write({g}/b.txt)")
