"""Undo: every file a run changed put back from Steward's trash, inside the granted folder
it was changed in and following no link; what cannot be put back safely is refused and the
reason recorded with the run."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from app.automations.api import GrantedTree
from app.automations.history import FileChange, History
from app.core.text import error_text
from app.language import _t


def undo(history: History, run_id: str, trash: Path) -> list[str]:
    """Put back every file the run changed, newest change first; returns what was done.
    What the run had left in those places is kept in the trash too, in case the undo was a
    mistake. Undo works inside the granted folder each change was made in and follows no
    link: a change it can no longer put back safely (a link now stands in its way, the
    folder is gone) is refused, and the reason recorded with the run."""
    from app.core.errors import UsageError

    run = history.run(run_id)
    if run.undone:
        raise UsageError(_t("Run {0} was already undone ({1}).").format(run.id[:8], run.undone))
    if not run.files:
        raise UsageError(
            _t("Run {0} changed no files; there is nothing to undo.").format(run.id[:8])
        )
    missing = [c.path for c in run.files if c.saved and not os.path.lexists(c.saved)]
    if missing:
        raise UsageError(
            _t(
                "Run {0} cannot be undone: the kept copy of {1} is gone from Steward's "
                "trash. Nothing was changed."
            ).format(run.id[:8], missing[0])
        )
    spare = trash / run.id
    spare.mkdir(parents=True, exist_ok=True, mode=0o700)
    done: list[str] = []
    outcomes: dict[int, str] = {}
    for change in reversed(run.files):
        try:
            outcome = _undo_change(change, spare)
            done.append(f"{outcome} {change.path}")
            outcome = _OUTCOME_WORDS.get(outcome, outcome)
        except (PermissionError, FileNotFoundError, NotADirectoryError) as exc:
            outcome = f"refused: {error_text(exc)}"
            done.append(f"refused {change.path}: {error_text(exc)}")
        outcomes[change.position] = outcome
    history.mark_undone(run.id, outcomes)
    return done


def undo_summary(done: list[str]) -> str:
    """The sentence after an undo, counting what was done: files put back to their earlier
    version, files the run had made removed, folders it had made removed (or kept, when
    something else is in them now), changes refused (the run's details say why)."""

    def count(prefix: str) -> int:
        return sum(line.startswith(prefix + " ") for line in done)

    def many(n: int, noun: str) -> str:
        return f"{n} {noun}{'s' if n != 1 else ''}"

    parts = []
    if restored := count("restored"):
        parts.append(f"put back {many(restored, 'file')} as before")
    if removed := count("removed"):
        parts.append(f"removed {many(removed, 'file')} the run had made")
    if folders := count("removed-folder"):
        parts.append(f"removed {many(folders, 'folder')} it had made")
    if kept := count("kept-folder"):
        parts.append(f"kept {many(kept, 'folder')} it had made, with other files in now")
    text = "Undone: " + (", ".join(parts) if parts else "nothing needed putting back") + "."
    if refused := count("refused"):
        text += f" {refused} left as found: not safe to put back (the run's details say why)."
    return text


_OUTCOME_WORDS = {
    "removed-folder": "removed (a folder the run made)",
    "kept-folder": "kept: a folder the run made, with other files in it now",
}


def _undo_change(change: FileChange, spare: Path) -> str:
    if not change.root:
        raise PermissionError("the run did not record its granted folder; nothing was changed")
    tree = GrantedTree(change.root)
    path = Path(change.path)
    if change.folder:
        info = tree.lstat(path)
        if info is None:
            return "removed-folder"
        if not stat.S_ISDIR(info.st_mode) or not tree.is_empty_folder(path):
            return "kept-folder"
        tree.remove(path)
        return "removed-folder"
    if tree.lstat(path) is not None:
        tree.move_out(path, spare / f"undo-{change.position:04d}-{path.name}")
    if change.existed and change.saved:
        saved = Path(change.saved)
        tree.copy_in(GrantedTree(os.path.realpath(saved.parent)), saved, path)
        return "restored"
    return "removed"


__all__ = ["undo", "undo_summary"]
