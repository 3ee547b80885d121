"""A property: whatever the files, folders and links inside and around a grant, and whatever
file actions and undos run there, nothing outside the grant is ever created, changed or
removed. Hypothesis draws the trees and the sequences; the runner, the real file actions and
undo do the work on real folders."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.automations.service import Automations
from app.automations.workflow import InvalidWorkflow
from tests.unit.automations.conftest import step, workflow, yes

# what may stand inside the grant: (name, kind, target) — targets are relative to the
# grant ("@out/…" means the folder beside it, outside the grant)
ENTRIES = [
    ("a.txt", "file", ""),
    ("sub", "dir", ""),
    ("sub/c.txt", "file", ""),
    ("to-secret", "link", "@out/secret.txt"),
    ("to-out", "link", "@out"),
    ("to-a", "link", "a.txt"),
    ("to-sub", "link", "sub"),
    ("dangling-out", "link", "@out/new.txt"),
    ("sub/to-out", "link", "@out"),
]
NAMES = [
    "a.txt",
    "b.txt",
    "sub",
    "sub/c.txt",
    "sub/d.txt",
    "to-secret",
    "to-out",
    "to-out/secret.txt",
    "to-a",
    "to-sub",
    "to-sub/e.txt",
    "dangling-out",
    "sub/to-out",
    "sub/to-out/x.txt",
    "new/deep/f.txt",
]
ACTIONS = ["files.write", "files.append", "files.copy", "files.move", "files.delete"]


def snapshot(folder: Path, skip: Path) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for root, dirs, files in os.walk(folder):
        if Path(root) == skip or skip in Path(root).parents:
            continue
        for name in sorted(dirs + files):
            path = Path(root, name)
            info = os.lstat(path)
            if path.is_symlink():
                seen[str(path)] = ("link", os.readlink(path))
            elif path.is_dir():
                seen[str(path)] = ("dir", info.st_mode)
            else:
                seen[str(path)] = ("file", info.st_mode, path.read_bytes())
    return seen


def build(base: Path, present: list[bool]) -> Path:
    g, out = base / "g", base / "out"
    g.mkdir()
    out.mkdir()
    (out / "secret.txt").write_text("outside")
    (out / "deeper").mkdir()
    (out / "deeper" / "x.txt").write_text("outside x")
    for (name, kind, target), keep in zip(ENTRIES, present, strict=True):
        path = g / name
        if not keep or not path.parent.is_dir() or path.parent.is_symlink():
            continue
        if kind == "file":
            path.write_text(name)
        elif kind == "dir":
            path.mkdir(exist_ok=True)
        else:
            real = base / target[1:] if target.startswith("@") else g / target
            path.symlink_to(real)
    return g


operation = st.tuples(
    st.sampled_from(ACTIONS),
    st.sampled_from(NAMES),
    st.sampled_from(NAMES),
    st.booleans(),  # into the destination folder (trailing slash)
    st.booleans(),  # overwrite
)


def as_step(n: int, g: Path, op: tuple[str, str, str, bool, bool]) -> dict[str, Any]:
    action, first, second, into, overwrite = op
    path = str(g / first)
    if action in ("files.write", "files.append"):
        return step(f"s{n}", action, path=path, text=f"step {n}")
    if action == "files.delete":
        return step(f"s{n}", action, path=path)
    destination = str(g / second) + ("/" if into else "")
    return step(f"s{n}", action, source=path, destination=destination, overwrite=overwrite)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    present=st.lists(st.booleans(), min_size=len(ENTRIES), max_size=len(ENTRIES)),
    runs=st.lists(st.lists(operation, min_size=1, max_size=4), min_size=1, max_size=3),
    undo=st.lists(st.booleans(), min_size=3, max_size=3),
)
def test_nothing_outside_the_grant_ever_changes(
    auto: Automations,
    present: list[bool],
    runs: list[list[tuple[str, str, str, bool, bool]]],
    undo: list[bool],
) -> None:
    base = Path(tempfile.mkdtemp(prefix="steward-grant-"))
    try:
        g = build(base, present)
        before = snapshot(base, g)
        made = []
        for n, ops in enumerate(runs):
            doc = workflow(
                [as_step(i, g, op) for i, op in enumerate(ops)],
                [{"kind": "files.write", "scope": str(g)}],
                name=f"run {n}",
            )
            try:
                stored = auto.create(doc)
            except InvalidWorkflow:
                continue  # refused before it ran: a literal path outside the grant
            made.append(asyncio.run(auto.run(stored, approver=yes)))
            assert snapshot(base, g) == before, f"run {n} changed something outside: {ops}"
        for record, wanted in zip(reversed(made), undo, strict=False):
            if wanted and record.files:
                auto.undo(record.id)
                assert snapshot(base, g) == before, "an undo changed something outside"
    finally:
        shutil.rmtree(base, ignore_errors=True)
