"""What an action runs with: the journal of the files a run changes (earlier versions kept in
Steward's trash, so a run can be undone) and the context an action gets — the granted
folders, the front end's services, the run's log and cancellation."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from app.automations.api import FileKind, GrantedTree, OutsideGrant
from app.automations.history import FileChange, RunRecord, StepRecord
from app.automations.scopes import Grant, ScopeError, grant_root
from app.automations.services import ApprovalRequest as ApprovalRequest
from app.automations.services import Approver as Approver
from app.automations.services import Decision as Decision
from app.automations.services import HeadlessServices as HeadlessServices
from app.automations.services import Services as Services
from app.automations.services import Unavailable as Unavailable
from app.automations.undo import undo as undo
from app.automations.undo import undo_summary as undo_summary
from app.language import _t

log = logging.getLogger(__name__)


class StepFailed(Exception):
    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status


class Journal:
    """File changes of one run, with the earlier versions kept in Steward's trash. Each is
    made through the granted folder it lies in, without following links, and records that
    folder so undo stays inside it too."""

    def __init__(self, folder: Path, trees: dict[str, list[GrantedTree]]) -> None:
        self.folder = folder
        self.trees = trees
        self.changes: list[FileChange] = []
        self.unsaved = 0  # changes not yet written to the history
        self._seen: set[str] = set()

    def _slot(self, path: Path) -> Path:
        return self.folder / f"{len(self.changes):04d}-{path.name}"

    def _folders_made_for(self, tree: GrantedTree, path: Path) -> None:
        """Record the folders below the grant that a change at ``path`` will create (outermost
        first), so undo removes them again once it has put their files back."""
        folder = path.parent
        missing: list[Path] = []
        while folder != tree.root and tree.contains(folder) and tree.lstat(folder) is None:
            missing.append(folder)
            folder = folder.parent
        for made in reversed(missing):
            if str(made) not in self._seen:
                self._seen.add(str(made))
                self.changes.append(
                    FileChange(
                        len(self.changes), str(made), False, None, str(tree.root), None, True
                    )
                )

    def preserve(self, tree: GrantedTree, path: Path) -> None:
        path = Path(os.path.abspath(path))
        key = str(path)
        if key in self._seen:
            return  # undo goes back to the state before the run's first change
        self._folders_made_for(tree, path)
        saved: str | None = None
        if tree.lstat(path) is not None:
            target = self._slot(path)
            tree.copy_out(path, target)
            saved = str(target)
        self._seen.add(key)
        self.changes.append(
            FileChange(len(self.changes), key, saved is not None, saved, str(tree.root))
        )

    def trash(self, tree: GrantedTree, path: Path) -> Path:
        path = Path(os.path.abspath(path))
        if tree.lstat(path) is None:
            raise FileNotFoundError(f"{path} does not exist")
        key = str(path)
        target = self._slot(path)
        tree.move_out(path, target)
        if key not in self._seen:
            self._seen.add(key)
            self.changes.append(
                FileChange(len(self.changes), key, True, str(target), str(tree.root))
            )
        return target


def granted_trees(grants: tuple[Grant, ...]) -> dict[str, list[GrantedTree]]:
    """The workflow's granted folders, resolved once, broadest first, by kind (a write
    grant allows reading too). A grant whose own path is a link is left out: it is refused
    by the permission check, with the real folder named."""
    trees: dict[str, list[GrantedTree]] = {"files.read": [], "files.write": []}
    for grant in grants:
        if grant.kind not in trees:
            continue
        try:
            tree = GrantedTree(grant_root(grant))
        except ScopeError:
            continue
        kinds = ("files.read", "files.write") if grant.kind == "files.write" else ("files.read",)
        for kind in kinds:
            trees[kind].append(tree)
    for found in trees.values():
        found.sort(key=lambda t: len(t.root.parts))
    return trees


class StepContext:
    def __init__(
        self,
        run: RunRecord,
        journal: Journal,
        services: Services,
        step: StepRecord,
        allowed: frozenset[str],
        trees: dict[str, list[GrantedTree]],
    ) -> None:
        self._trees = trees
        self.dry = run.dry_run  # a step that runs in a dry run (it only reads) changes nothing
        self._run = run
        self._journal = journal
        self._services = services
        self._step = step
        self._allowed = allowed
        self.messages: list[str] = []
        self._cancelled = False

    @property
    def run_id(self) -> str:
        return self._run.id

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def log(self, message: str) -> None:
        self.messages.append(message)
        log.info(
            "run %s step %d logged %d characters",
            self._run.id[:8],
            self._step.position,
            len(message),
        )

    def _need(self, kind: str) -> None:
        if kind not in self._allowed:
            raise PermissionError(f"this action did not declare the {kind} permission")

    def granted(self, path: Path, kind: FileKind) -> GrantedTree:
        self._need(kind)
        for tree in self._trees.get(kind, []):
            if tree.contains(path):
                return tree
        raise OutsideGrant(_t("{0} is outside the folders granted for {1}").format(path, kind))

    def _no_change(self, what: str) -> None:
        if self.dry:
            raise PermissionError(f"a dry run changes nothing ({what} refused)")

    def preserve(self, path: Path) -> None:
        self._no_change("a file change")
        self._journal.preserve(self.granted(path, "files.write"), path)

    def trash(self, path: Path) -> Path:
        self._no_change("a deletion")
        return self._journal.trash(self.granted(path, "files.write"), path)

    async def generate(self, prompt: str, *, system: str = "", max_tokens: int = 256) -> str:
        self._need("model")
        self._no_change("the model")
        return await self._services.generate(prompt, system=system, max_tokens=max_tokens)

    async def notify(self, title: str, body: str) -> None:
        self._need("notify")
        self._no_change("a notification")
        await self._services.notify(title, body)

    async def read_clipboard(self) -> str:
        self._need("clipboard")
        return await self._services.read_clipboard()

    async def write_clipboard(self, text: str) -> None:
        self._need("clipboard")
        self._no_change("the clipboard")
        await self._services.write_clipboard(text)


__all__ = ["Journal", "StepContext", "StepFailed", "granted_trees"]
