"""Workflows and their run history, in the encrypted database.

Each run, each of its steps (resolved inputs, output cut to a limit, status, error, time)
and each file it changed (with where the earlier version was kept) is a row, so a run can be
inspected and undone later.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from app.automations.workflow import fingerprint
from app.core.errors import NotFoundError, UsageError
from app.core.store.database import Database, new_id, now
from app.language import _t

STORED_OUTPUT_CHARS = 4000
# in the order _workflow() and _run() read them
_WORKFLOW_COLUMNS = "id, name, document, enabled, approved, created, updated, last_fired"
_RUN_COLUMNS = (
    "id, workflow_id, workflow_name, trigger, trigger_data, dry_run, status, error, started, "
    "duration_ms, undone"
)


@dataclass
class StoredWorkflow:
    id: str
    name: str
    document: dict[str, Any]
    enabled: bool
    approved: str  # fingerprint of the document the user approved ('' when none)
    created: str
    updated: str
    last_fired: str | None = None

    @property
    def approved_now(self) -> bool:
        return bool(self.approved) and self.approved == fingerprint(self.document)


@dataclass
class StepRecord:
    position: int
    step_id: str
    action: str
    status: str = "pending"  # ok, failed, skipped, cancelled, denied, approval_required, dry_run
    inputs: Any = None
    output: Any = None
    error: str | None = None
    attempts: int = 0
    duration_ms: float = 0.0


@dataclass
class FileChange:
    position: int
    path: str
    existed: bool
    saved: str | None  # where the earlier version is kept (None when it did not exist)
    root: str = ""  # the granted folder the change was made in (undo stays inside it)
    undo: str | None = None  # what undo did: restored, removed, or refused: why
    folder: bool = False  # a folder the run created (for a file it wrote there)


@dataclass
class RunRecord:
    id: str
    workflow_id: str
    workflow_name: str
    trigger: str
    trigger_data: dict[str, Any] = field(default_factory=dict)
    dry_run: bool = False
    status: str = "running"  # running, succeeded, failed, cancelled, approval_required, interrupted
    error: str | None = None
    started: str = ""
    duration_ms: float | None = None
    undone: str | None = None
    # a dry run of a triggered workflow: what it used as the event (not stored)
    sample: str = ""
    steps: list[StepRecord] = field(default_factory=list)
    files: list[FileChange] = field(default_factory=list)


def _dump(value: Any, limit: int | None = None) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    if limit is not None and len(text) > limit:
        text = json.dumps({"truncated": text[:limit], "length": len(text)}, ensure_ascii=False)
    return text


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)


class History:
    """The automations repository on Steward's encrypted database."""

    def __init__(self, db: Database, *, stored_output_chars: int = STORED_OUTPUT_CHARS) -> None:
        self.db = db
        self.conn = db.conn
        self.limit = stored_output_chars

    # --- workflows ------------------------------------------------------------------------

    def add_workflow(
        self, document: dict[str, Any], *, enabled: bool = True, approved: bool = False
    ) -> StoredWorkflow:
        stamp = now()
        wf = StoredWorkflow(
            id=new_id(),
            name=str(document["name"]),
            document=document,
            enabled=enabled,
            approved=fingerprint(document) if approved else "",
            created=stamp,
            updated=stamp,
        )
        with self.db.transaction():
            self.conn.execute(
                "INSERT INTO workflows (id, name, document, enabled, approved, created, updated)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (wf.id, wf.name, _dump(document), int(enabled), wf.approved, stamp, stamp),
            )
        return wf

    def update_workflow(self, workflow_id: str, document: dict[str, Any]) -> StoredWorkflow:
        """Replace the document; an approval for different steps or permissions lapses."""
        wf = self.workflow(workflow_id)
        if wf.approved != fingerprint(document):
            wf.approved = ""
        wf.document, wf.name, wf.updated = document, str(document["name"]), now()
        with self.db.transaction():
            self.conn.execute(
                "UPDATE workflows SET name = ?, document = ?, approved = ?, updated = ? "
                "WHERE id = ?",
                (wf.name, _dump(document), wf.approved, wf.updated, wf.id),
            )
        return wf

    def workflows(self) -> list[StoredWorkflow]:
        rows = self.conn.execute(
            f"SELECT {_WORKFLOW_COLUMNS} FROM workflows ORDER BY name COLLATE NOCASE, created"
        ).fetchall()
        return [self._workflow(row) for row in rows]

    @staticmethod
    def _workflow(row: Sequence[Any]) -> StoredWorkflow:
        return StoredWorkflow(
            id=row[0],
            name=row[1],
            document=json.loads(row[2]),
            enabled=bool(row[3]),
            approved=row[4],
            created=row[5],
            updated=row[6],
            last_fired=row[7],
        )

    def workflow(self, ref: str) -> StoredWorkflow:
        """A workflow by id, unique id prefix (at least 4 characters) or exact name."""
        ref = ref.strip()
        rows = self.conn.execute(
            f"SELECT {_WORKFLOW_COLUMNS} FROM workflows "
            "WHERE id = ? OR (length(?) >= 4 AND id LIKE ? || '%') OR name = ?",
            (ref, ref, ref, ref),
        ).fetchall()
        if len(rows) == 1:
            return self._workflow(rows[0])
        if not rows:
            raise NotFoundError(
                _t("No workflow {0!r}.").format(ref),
                hint=_t("`steward automations list` shows them."),
            )
        raise UsageError(
            _t("{0!r} matches {1} workflows; give more of the id.").format(ref, len(rows))
        )

    def delete_workflow(self, workflow_id: str) -> None:
        with self.db.transaction():
            self.conn.execute("DELETE FROM workflows WHERE id = ?", (workflow_id,))

    def set_enabled(self, workflow_id: str, enabled: bool) -> None:
        with self.db.transaction():
            self.conn.execute(
                "UPDATE workflows SET enabled = ? WHERE id = ?", (int(enabled), workflow_id)
            )

    def approve(self, workflow_id: str, document: dict[str, Any]) -> None:
        with self.db.transaction():
            self.conn.execute(
                "UPDATE workflows SET approved = ? WHERE id = ?",
                (fingerprint(document), workflow_id),
            )

    def set_last_fired(self, workflow_id: str, when: str) -> None:
        with self.db.transaction():
            self.conn.execute(
                "UPDATE workflows SET last_fired = ? WHERE id = ?", (when, workflow_id)
            )

    # --- runs -----------------------------------------------------------------------------

    def begin_run(self, run: RunRecord) -> None:
        with self.db.transaction():
            self.conn.execute(
                "INSERT INTO runs (id, workflow_id, workflow_name, trigger, trigger_data, "
                "dry_run, status, started) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run.id,
                    run.workflow_id,
                    run.workflow_name,
                    run.trigger,
                    _dump(run.trigger_data, self.limit),
                    int(run.dry_run),
                    run.status,
                    run.started,
                ),
            )

    def save_progress(
        self,
        run: RunRecord,
        steps: Sequence[StepRecord],
        files: Sequence[FileChange],
        *,
        finished: bool,
    ) -> None:
        """Write steps and file changes not yet written (and the run's end) at once."""
        with self.db.transaction():
            self.conn.executemany(
                "INSERT OR REPLACE INTO run_steps (run_id, position, step_id, action, status, "
                "inputs, output, error, attempts, duration_ms) VALUES (?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        run.id,
                        s.position,
                        s.step_id,
                        s.action,
                        s.status,
                        _dump(s.inputs, self.limit),
                        None if s.output is None else _dump(s.output, self.limit),
                        s.error,
                        s.attempts,
                        s.duration_ms,
                    )
                    for s in steps
                ],
            )
            self.conn.executemany(
                "INSERT OR REPLACE INTO run_files "
                "(run_id, position, path, existed, saved, root, folder) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (run.id, f.position, f.path, int(f.existed), f.saved, f.root, int(f.folder))
                    for f in files
                ],
            )
            if finished:
                self.conn.execute(
                    "UPDATE runs SET status = ?, error = ?, duration_ms = ? WHERE id = ?",
                    (run.status, run.error, run.duration_ms, run.id),
                )

    def data_version(self) -> int:
        """Changes whenever another connection commits to the database."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def record_skipped(self, wf: StoredWorkflow, trigger: str, why: str) -> RunRecord:
        """A run that did not happen (events over the queue's limit), in the history."""
        run = RunRecord(
            id=new_id(),
            workflow_id=wf.id,
            workflow_name=wf.name,
            trigger=trigger,
            status="skipped",
            error=why,
            started=now(),
            duration_ms=0.0,
        )
        self.begin_run(run)
        self.save_progress(run, [], [], finished=True)
        return run

    def mark_interrupted(self) -> int:
        """Runs left 'running' by a Steward that stopped mid-run."""
        with self.db.transaction():
            cur = self.conn.execute(
                "UPDATE runs SET status = 'interrupted', "
                "error = 'Steward stopped during this run' WHERE status = 'running'"
            )
        return int(cur.rowcount)

    def runs(
        self, workflow_id: str | None = None, limit: int = 50, *, dry_runs: bool = True
    ) -> list[RunRecord]:
        """The newest runs first (of one workflow, when given); ``dry_runs=False`` leaves dry
        runs out (a workflow's last result is that of a real run)."""
        conditions, args = [], []
        if workflow_id:
            conditions.append("workflow_id = ?")
            args.append(workflow_id)
        if not dry_runs:
            conditions.append("dry_run = 0")
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        rows = self.conn.execute(
            f"SELECT {_RUN_COLUMNS} FROM runs {where} ORDER BY started DESC LIMIT ?",
            (*args, limit),
        ).fetchall()
        return [self._run(row) for row in rows]

    @staticmethod
    def _run(row: Sequence[Any]) -> RunRecord:
        return RunRecord(
            id=row[0],
            workflow_id=row[1],
            workflow_name=row[2],
            trigger=row[3],
            trigger_data=_load(row[4]) or {},
            dry_run=bool(row[5]),
            status=row[6],
            error=row[7],
            started=row[8],
            duration_ms=row[9],
            undone=row[10],
        )

    def run(self, ref: str) -> RunRecord:
        """A run with its steps and file changes, by id or unique id prefix."""
        ref = ref.strip()
        rows = self.conn.execute(
            f"SELECT {_RUN_COLUMNS} FROM runs "
            "WHERE id = ? OR (length(?) >= 4 AND id LIKE ? || '%')",
            (ref, ref, ref),
        ).fetchall()
        if not rows:
            raise NotFoundError(
                _t("No run {0!r}.").format(ref),
                hint=_t("`steward automations history` lists the runs."),
            )
        if len(rows) > 1:
            raise UsageError(
                _t("{0!r} matches {1} runs; give more of the id.").format(ref, len(rows))
            )
        run = self._run(rows[0])
        run.steps = [
            StepRecord(
                position=r[0],
                step_id=r[1],
                action=r[2],
                status=r[3],
                inputs=_load(r[4]),
                output=_load(r[5]),
                error=r[6],
                attempts=r[7],
                duration_ms=r[8],
            )
            for r in self.conn.execute(
                "SELECT position, step_id, action, status, inputs, output, error, attempts, "
                "duration_ms FROM run_steps WHERE run_id = ? ORDER BY position",
                (run.id,),
            )
        ]
        run.files = [
            FileChange(
                position=r[0],
                path=r[1],
                existed=bool(r[2]),
                saved=r[3],
                root=r[4] or "",
                undo=r[5],
                folder=bool(r[6]),
            )
            for r in self.conn.execute(
                "SELECT position, path, existed, saved, root, undo, folder FROM run_files "
                "WHERE run_id = ? ORDER BY position",
                (run.id,),
            )
        ]
        return run

    def mark_undone(self, run_id: str, outcomes: dict[int, str] | None = None) -> None:
        """The run was undone; ``outcomes`` says per file change what undo did with it."""
        with self.db.transaction():
            self.conn.execute("UPDATE runs SET undone = ? WHERE id = ?", (now(), run_id))
            self.conn.executemany(
                "UPDATE run_files SET undo = ? WHERE run_id = ? AND position = ?",
                [(text, run_id, position) for position, text in (outcomes or {}).items()],
            )

    # --- approved data-built values -------------------------------------------------------

    def approved_values(self, workflow_id: str) -> frozenset[str]:
        rows = self.conn.execute(
            "SELECT digest FROM approved_values WHERE workflow_id = ?", (workflow_id,)
        )
        return frozenset(row[0] for row in rows)

    def approve_values(self, workflow_id: str, digest: str) -> None:
        with self.db.transaction():
            self.conn.execute(
                "INSERT OR IGNORE INTO approved_values (workflow_id, digest, created) "
                "VALUES (?, ?, ?)",
                (workflow_id, digest, now()),
            )


__all__ = ["FileChange", "History", "RunRecord", "StepRecord", "StoredWorkflow"]
