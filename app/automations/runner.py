"""Running a workflow: references filled in once, permissions enforced, approval asked,
time limits, retries, cancellation, and a complete record in the history.

Nothing in a run's data can change what the run does: steps come only from the validated
document, every parameter filled in from data is checked against the granted folders,
hosts and programs again, and a step that writes, deletes, runs a program or sends data out
runs only when the user approved this workflow's exact steps and permissions (now, or
before). Where nobody can be asked, such a step fails the run as ``approval_required``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import json
import logging
import os
import stat
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol

import jsonschema

from app.automations.api import Action, FileKind, GrantedTree, OutsideGrant, Permission
from app.automations.history import FileChange, History, RunRecord, StepRecord
from app.automations.plugins import Registry
from app.automations.workflow import (
    MAX_FOR_EACH,
    Grant,
    Pending,
    ScopeError,
    Step,
    Unresolved,
    Workflow,
    as_text,
    check_scope,
    expand,
    grant_root,
    run_scope,
    templated,
    walk_strings,
)
from app.core.store.database import new_id, now
from app.core.store.service import StoreCall, inline
from app.core.text import visible

log = logging.getLogger(__name__)

OUTPUT_LIMIT = 1_000_000  # characters of JSON an action may return
FLUSH_AFTER_S = 0.1  # a step slower than this is written at once; quick ones at the end

Decision = Literal["once", "always", "deny"]


@dataclass(frozen=True)
class ApprovalRequest:
    workflow: str
    position: int  # 1-based
    step_id: str
    action: str
    title: str
    what: str  # what the step will do, with its parameters filled in
    permissions: tuple[str, ...]


Approver = Callable[[ApprovalRequest], Awaitable[Decision]]


class Services(Protocol):
    """What the front end offers actions (the model, notifications, the clipboard)."""

    async def generate(self, prompt: str, *, system: str, max_tokens: int) -> str: ...

    async def notify(self, title: str, body: str) -> None: ...

    async def read_clipboard(self) -> str: ...

    async def write_clipboard(self, text: str) -> None: ...


class Unavailable(RuntimeError):
    pass


class HeadlessServices:
    """Services without a desktop: notifications are logged, there is no clipboard, and the
    model is used only when an engine is given."""

    def __init__(
        self,
        generate: Callable[..., Awaitable[str]] | None = None,
        notify_to: Callable[[str], None] | None = None,
    ) -> None:
        self._generate = generate
        self._notify_to = notify_to
        self.notifications: list[tuple[str, str]] = []

    async def generate(self, prompt: str, *, system: str, max_tokens: int) -> str:
        if self._generate is None:
            raise Unavailable("no model is available to this run")
        return await self._generate(prompt, system=system, max_tokens=max_tokens)

    async def notify(self, title: str, body: str) -> None:
        self.notifications.append((title, body))
        log.warning("notification (%d characters; no desktop to show it)", len(title) + len(body))
        if self._notify_to is not None:
            self._notify_to(f"{title}: {body}")

    async def read_clipboard(self) -> str:
        raise Unavailable("the clipboard needs the Steward desktop app to be running")

    async def write_clipboard(self, text: str) -> None:
        raise Unavailable("the clipboard needs the Steward desktop app to be running")


class StepFailed(Exception):
    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status


class _Journal:
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


class _Context:
    def __init__(
        self,
        run: RunRecord,
        journal: _Journal,
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
        raise OutsideGrant(f"{path} is outside the folders granted for {kind}")

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


def templated_pending(value: Any) -> bool:
    return isinstance(value, str) and "<steps." in value and ">" in value


def describe(action: Action, params: Mapping[str, Any]) -> str:
    """One line saying what a step with these parameters does, for approval questions and
    dry runs; what came from data is shown escaped (no control or escape characters)."""
    if action.describe is not None:
        with contextlib.suppress(Exception):
            return visible(action.describe(dict(params)))
    shown = json.dumps(params, ensure_ascii=False)
    if len(shown) > 400:
        shown = shown[:399] + "…"
    return visible(f"{action.title}: {shown}")


@dataclass(frozen=True)
class _Planned:
    """What a dry run says of a step it does not run: the inputs as far as known, the
    lines the runner wrote, or why the step would fail."""

    inputs: Any
    lines: list[str]
    failure: str | None = None


DRY_ITEMS_SHOWN = 20  # a dry run over a known list shows this many of its items


@dataclass
class RunOptions:
    dry_run: bool = False
    approver: Approver | None = None  # None: nobody can be asked (daemon, no terminal)
    approved: bool = False  # the user approved this exact workflow before
    on_approved_always: Callable[[], Awaitable[None]] | None = None
    # digests of data-built program values the user approved "always" (see
    # data_values_digest), and where to remember a new one
    approved_values: frozenset[str] = frozenset()
    on_values_approved: Callable[[str], Awaitable[None]] | None = None
    on_step: Callable[[StepRecord], None] | None = None
    trigger_data: dict[str, Any] = field(default_factory=dict)


class Runner:
    def __init__(
        self,
        registry: Registry,
        services: Services,
        trash: Path,
        history: History | None = None,
        *,
        output_limit: int = OUTPUT_LIMIT,
        call: StoreCall = inline,
    ) -> None:
        self.registry = registry
        self.services = services
        self.trash = trash
        self.history = history
        self.output_limit = output_limit
        self.call = call  # the history is written through the store service

    async def run(
        self,
        workflow: Workflow,
        options: RunOptions | None = None,
        *,
        workflow_id: str = "",
    ) -> RunRecord:
        """Run (or dry-run) a validated workflow and record it. Cancelling the task that
        awaits this stops the current step and records the run as cancelled."""
        options = options or RunOptions()
        sample = ""
        if options.dry_run and not options.trigger_data:
            options.trigger_data, sample = self._sample_event(workflow)
        started = time.perf_counter()
        when = datetime.now().astimezone()
        run = RunRecord(
            id=new_id(),
            workflow_id=workflow_id,
            workflow_name=workflow.name,
            trigger=workflow.trigger_type,
            trigger_data=dict(options.trigger_data),
            dry_run=options.dry_run,
            sample=sample,
            started=now(),
        )
        run.steps = [
            StepRecord(position=n, step_id=s.id, action=s.action)
            for n, s in enumerate(workflow.steps)
        ]
        journal = _Journal(self.trash / run.id, granted_trees(workflow.grants))
        if self.history is not None:
            await self.call(functools.partial(self.history.begin_run, run))
        scope: dict[str, Any] = {
            "steps": {},
            "trigger": dict(options.trigger_data),
            "run": run_scope(run.id, workflow.name, when),
        }
        state = _RunState(approved=options.approved, values=set(options.approved_values))
        written = 0
        try:
            for step, record in zip(workflow.steps, run.steps, strict=True):
                await self._step(workflow, step, record, scope, journal, run, options, state)
                if options.on_step is not None:
                    options.on_step(record)
                if (history := self.history) is not None and (
                    record.duration_ms > FLUSH_AFTER_S * 1000 or journal.unsaved
                ):
                    steps = run.steps[written : record.position + 1]
                    changes = journal.changes[len(journal.changes) - journal.unsaved :]
                    await self.call(
                        functools.partial(
                            history.save_progress, run, steps, changes, finished=False
                        )
                    )
                    written, journal.unsaved = record.position + 1, 0
            run.status = "succeeded"
        except StepFailed as exc:
            run.status = exc.status
            run.error = str(exc)
        except asyncio.CancelledError:
            run.status, run.error = "cancelled", "cancelled by the user"
            for record in run.steps:
                if record.status in ("pending", "running"):
                    record.status = "cancelled"
            await self._finish(run, started, written, journal)
            raise
        for record in run.steps:
            if record.status == "pending":
                record.status = "skipped"
        await self._finish(run, started, written, journal)
        if run.status == "approval_required":
            with contextlib.suppress(Exception):
                await self.services.notify(
                    f"Steward: {workflow.name} needs your approval",
                    f"{run.error} Run it once with `steward automations run` or from the "
                    "automations panel to approve it.",
                )
        return run

    def _sample_event(self, workflow: Workflow) -> tuple[dict[str, Any], str]:
        """What a dry run of a triggered workflow uses as its event, and what it says of it:
        an event made from what is there now (the newest matching file), or, with none,
        the trigger's values marked as known only when it fires."""
        trigger = self.registry.triggers.get(workflow.trigger_type)
        if trigger is None:
            return {}, ""
        wanted = list(trigger.data.get("properties", {}))
        if not wanted or workflow.trigger_type == "manual":
            return {}, ""
        data: dict[str, Any] | None = None
        if trigger.sample is not None:
            with contextlib.suppress(Exception):  # a plugin's sample is a help, not a need
                data = trigger.sample(dict(workflow.trigger))
        if data:
            return dict(data), "a sample event, from what is there now"
        pending = {name: Pending(f"<trigger.{name}: known when it fires>") for name in wanted}
        return pending, "no sample event: nothing there matches yet"

    async def _finish(
        self, run: RunRecord, started: float, written: int, journal: _Journal
    ) -> None:
        run.duration_ms = (time.perf_counter() - started) * 1000
        if (history := self.history) is not None:
            steps = run.steps[written:]
            changes = journal.changes[len(journal.changes) - journal.unsaved :]
            # recorded even when the run was cancelled (quit): the save is not cancelled
            await asyncio.shield(
                self.call(lambda: history.save_progress(run, steps, changes, finished=True))
            )

    async def _step(
        self,
        workflow: Workflow,
        step: Step,
        record: StepRecord,
        scope: dict[str, Any],
        journal: _Journal,
        run: RunRecord,
        options: RunOptions,
        state: _RunState,
    ) -> None:
        action = self.registry.actions.get(step.action)
        if action is None:
            record.status, record.error = "failed", f"the action {step.action} is not installed"
            raise StepFailed("failed", f"step {step.id}: {record.error}")
        begun = time.perf_counter()
        record.status = "running"
        try:
            if options.dry_run:
                if await self._dry_read(workflow, step, action, record, scope, journal, run):
                    return
                planned = self._dry(workflow, step, action, scope)
                record.inputs = planned.inputs
                if planned.failure is not None:
                    raise StepFailed("failed", planned.failure)
                # what the runner says the step would do, never text a step produced
                record.output, record.status = "\n".join(planned.lines), "dry_run"
                scope["steps"][step.id] = {"output": Pending(f"<steps.{step.id}.output>")}
                return
            items: list[Any] | None = None
            if step.for_each is not None:
                items = self._items(step, scope)
            each = items is not None
            calls = [
                self._prepare(workflow, step, action, scope, item, each)
                for item in (items if items is not None else [None])
            ]
            record.inputs = calls if each else calls[0]
            asked = False
            if action.needs_approval:
                asked = await self._approve(workflow, step, action, record, calls, options, state)
            outputs = []
            for n, (item, params) in enumerate(zip(items or [None], calls, strict=True)):
                if asked or n > 0:
                    # a wait for the user, or an earlier item, may have changed the files:
                    # check again, and act only on exactly what was checked and shown
                    self._unchanged(workflow, step, action, scope, item, each, params)
                outputs.append(await self._call(action, params, record, run, journal))
            record.output = outputs if each else outputs[0]
            scope["steps"][step.id] = {"output": record.output}
            record.status = "ok"
        except StepFailed as exc:
            record.status, record.error = exc.status, str(exc)
            raise StepFailed(exc.status, f"step {step.id}: {exc}") from None
        finally:
            record.duration_ms = (time.perf_counter() - begun) * 1000

    def _items(self, step: Step, scope: Mapping[str, Any]) -> list[Any]:
        try:
            items = expand(step.for_each, scope)
        except Unresolved as exc:
            raise StepFailed("failed", str(exc)) from None
        if not isinstance(items, list):
            raise StepFailed("failed", f"for_each needs a list, got {type(items).__name__}")
        if len(items) > MAX_FOR_EACH:
            raise StepFailed("failed", f"for_each has {len(items)} items (at most {MAX_FOR_EACH})")
        return items

    def _prepare(
        self,
        workflow: Workflow,
        step: Step,
        action: Action,
        scope: Mapping[str, Any],
        item: Any,
        each: bool,
    ) -> dict[str, Any]:
        """Fill in references (once), check the result against the action's schema, and
        check every scoped parameter against the grants, after filling in."""
        local = {**scope, "item": item} if each else scope
        try:
            params = expand(step.params, local)
        except Unresolved as exc:
            raise StepFailed("failed", str(exc)) from None
        errors = sorted(
            jsonschema.Draft202012Validator(action.parameters).iter_errors(params),
            key=lambda e: list(e.absolute_path),
        )
        if errors:
            error = errors[0]
            place = ".".join(str(p) for p in error.absolute_path) or "params"
            message = error.message if len(error.message) < 300 else error.message[:299] + "…"
            raise StepFailed("failed", f"parameter {place}: {message}")
        for permission in action.permissions:
            try:
                if permission.param is None:
                    check_scope(permission, None, workflow.grants)
                elif permission.param in params:
                    params[permission.param] = check_scope(
                        permission, params[permission.param], workflow.grants
                    )
            except ScopeError as exc:
                raise StepFailed("failed", f"permission denied: {exc}") from None
        assert isinstance(params, dict)
        if any(p.kind == "process.run" for p in action.permissions):
            _check_data_arguments(step, params, workflow)
        return params

    async def _dry_read(
        self,
        workflow: Workflow,
        step: Step,
        action: Action,
        record: StepRecord,
        scope: dict[str, Any],
        journal: _Journal,
        run: RunRecord,
    ) -> bool:
        """In a dry run, a step that only reads runs for real when everything it needs is
        known, so later steps show what they would do with the real files; True if it ran."""
        if not action.reads_only or action.needs_approval or step.for_each is not None:
            return False
        try:
            known = expand(step.params, scope)
        except Unresolved:
            return False
        if any(isinstance(v, Pending) or templated_pending(v) for _, v in walk_strings(known)):
            return False
        params = self._prepare(workflow, step, action, scope, None, False)
        record.inputs = params
        record.output = await self._call(action, params, record, run, journal)
        record.status = "ok"  # it ran for real: its output is data, never a "would" line
        scope["steps"][step.id] = {"output": record.output}
        return True

    def _dry(
        self, workflow: Workflow, step: Step, action: Action, scope: Mapping[str, Any]
    ) -> _Planned:
        """What the step would do, without doing it: parameters filled in as far as they
        are known before the run, and the permission checks that can be made now. Over a
        list that is already known (a folder listed for real), each item is shown."""
        if step.for_each is not None:
            each = self._dry_each(workflow, step, action, scope)
            if each is not None:
                return each
        local = {**scope, "item": Pending(f"<each item of {step.for_each}>")}
        try:
            params = expand(step.params, local)
        except Unresolved as exc:
            return _Planned(step.params, [], str(exc))
        notes = []
        for permission in action.permissions:
            if permission.param and permission.param not in params:
                continue
            value = params.get(permission.param) if permission.param else None
            if isinstance(value, Pending) or templated_pending(value):
                notes.append(f"{permission.kind} checked when the run fills in {permission.param}")
                continue
            try:
                check_scope(permission, value, workflow.grants)
            except ScopeError as exc:
                return _Planned(params, [], f"permission denied: {exc}")
        what = describe(action, params)
        if step.for_each:
            what = f"for each item of {step.for_each}: {what}"
        if action.needs_approval:
            what += " (asks for approval unless approved before)"
        if notes:
            what += " [" + "; ".join(notes) + "]"
        return _Planned(params, [f"would {what[0].lower()}{what[1:]}"])

    def _dry_each(
        self, workflow: Workflow, step: Step, action: Action, scope: Mapping[str, Any]
    ) -> _Planned | None:
        try:
            items = expand(step.for_each, scope)
        except Unresolved:
            return None
        if not isinstance(items, list):
            return None
        if not items:
            return _Planned([], [f"would do nothing: {step.for_each} is empty"])
        calls: list[dict[str, Any]] = []
        lines: list[str] = []
        for item in items[:MAX_FOR_EACH]:
            try:
                params = self._prepare(workflow, step, action, scope, item, True)
            except StepFailed as exc:
                return _Planned(calls, [], str(exc))
            calls.append(params)
            if len(lines) < DRY_ITEMS_SHOWN:
                what = describe(action, params)
                lines.append(f"would {what[0].lower()}{what[1:]}")
        more = len(items) - len(lines)
        if more > 0:
            lines.append(f"… and {more} more")
        if action.needs_approval:
            lines.append("(asks for approval unless approved before)")
        return _Planned(calls, lines)

    async def _approve(
        self,
        workflow: Workflow,
        step: Step,
        action: Action,
        record: StepRecord,
        calls: list[dict[str, Any]],
        options: RunOptions,
        state: _RunState,
    ) -> bool:
        """Ask unless approved; True when the user was asked (and so time passed)."""
        values = data_values_digest(step, action, calls)
        if state.approved and (values is None or values in state.values):
            return False
        if options.approver is None:
            because = (
                "its program or arguments come from data and these values were not approved"
                if state.approved
                else "the workflow's steps and permissions have not been approved"
            )
            raise StepFailed(
                "approval_required",
                f"{action.title} needs your approval and nobody could be asked ({because}).",
            )
        shown = "; ".join(describe(action, c) for c in calls[:5])
        if len(calls) > 5:
            shown += f"; and {len(calls) - 5} more"
        labels = dict.fromkeys(_label(p, c) for c in calls[:5] for p in action.permissions)
        request = ApprovalRequest(
            workflow=workflow.name,
            position=record.position + 1,
            step_id=step.id,
            action=action.id,
            title=action.title,
            what=shown,
            permissions=tuple(labels),
        )
        decision = await options.approver(request)
        if decision == "deny":
            raise StepFailed("denied", f"{action.title} was not approved")
        if values is not None:
            state.values.add(values)  # for this run: these exact values were shown
        if decision == "always":
            if not state.approved and options.on_approved_always is not None:
                await options.on_approved_always()
            state.approved = True
            if values is not None and options.on_values_approved is not None:
                await options.on_values_approved(values)
        return True

    def _unchanged(
        self,
        workflow: Workflow,
        step: Step,
        action: Action,
        scope: Mapping[str, Any],
        item: Any,
        each: bool,
        checked: dict[str, Any],
    ) -> None:
        """Check a call again just before it runs; it must still be what was checked (and
        shown for approval): a path that now resolves elsewhere has had a link put in it."""
        fresh = self._prepare(workflow, step, action, scope, item, each)
        if fresh != checked:
            changed = [k for k in checked if fresh.get(k) != checked[k]]
            raise StepFailed(
                "failed",
                f"{', '.join(changed) or 'a parameter'} changed after it was checked (a link "
                "or folder was replaced while the step waited); nothing was done",
            )

    async def _call(
        self,
        action: Action,
        params: dict[str, Any],
        record: StepRecord,
        run: RunRecord,
        journal: _Journal,
    ) -> Any:
        allowed = frozenset(p.kind for p in action.permissions)
        last = ""
        for attempt in range(action.retries + 1):
            record.attempts = attempt + 1
            context = _Context(run, journal, self.services, record, allowed, journal.trees)
            changes_before = len(journal.changes)
            limit = asyncio.timeout(action.timeout_s)
            try:
                async with limit:
                    output = await action.run(context, params)
            except TimeoutError as exc:
                if limit.expired():  # ours; a TimeoutError of the action's own is a failure
                    last, status = f"timed out after {action.timeout_s:g} s", "timeout"
                else:
                    last, status = _error_text(exc), "failed"
            except asyncio.CancelledError:
                context._cancelled = True
                raise
            except Exception as exc:
                last = _error_text(exc)
                status = "failed"
            else:
                journal.unsaved += len(journal.changes) - changes_before
                return self._checked_output(action, output)
            journal.unsaved += len(journal.changes) - changes_before
            if attempt < action.retries:
                log.info("step %d attempt %d %s; retrying", record.position, attempt + 1, status)
        raise StepFailed("timeout" if status == "timeout" else "failed", last)

    def _checked_output(self, action: Action, output: Any) -> Any:
        try:
            text = json.dumps(output, ensure_ascii=False)
        except (TypeError, ValueError) as exc:
            raise StepFailed("failed", f"the action returned something not JSON ({exc})") from None
        if len(text) > self.output_limit:
            raise StepFailed(
                "failed",
                f"the action's output ({len(text):,} characters) is over the "
                f"{self.output_limit:,}-character limit",
            )
        errors = list(jsonschema.Draft202012Validator(action.output).iter_errors(output))
        if errors:
            raise StepFailed(
                "failed",
                f"the action's output does not match its schema: {errors[0].message[:300]}",
            )
        return output


@dataclass
class _RunState:
    approved: bool = False
    values: set[str] = field(default_factory=set)  # data-built values approved (digests)


def data_values_digest(step: Step, action: Action, calls: list[dict[str, Any]]) -> str | None:
    """For a step that runs a program with anything filled in from data (program,
    arguments, working folder, input): a digest of exactly those values, which an approval
    must cover, since approving the workflow approved only its templates. None otherwise."""
    if not any(p.kind == "process.run" for p in action.permissions):
        return None
    if not any(templated(v) for _, v in walk_strings(step.params)):
        return None
    text = json.dumps(calls, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _check_data_arguments(step: Step, params: dict[str, Any], workflow: Workflow) -> None:
    """Arguments of a program filled in from data that name a path (``/x``, ``~/x``,
    ``./x``, ``--out=/x``, ``-o/x``) must lie inside the workflow's granted folders: data
    cannot point a program at a file the workflow was never given."""
    template, args = step.params.get("args"), params.get("args") or []
    if isinstance(template, list):
        from_data = [a for t, a in zip(template, args, strict=False) if templated(t)]
    else:
        from_data = list(args) if templated(template) else []
    cwd = params.get("cwd")
    for arg in from_data:
        for path in _named_paths(str(arg)):
            if not os.path.isabs(os.path.expanduser(path)) and not path.startswith("~"):
                if not cwd:
                    raise StepFailed(
                        "failed",
                        f"permission denied: the argument {arg[:200]!r} from data names a "
                        "relative path and the step has no working folder",
                    )
                path = os.path.join(cwd, path)
            try:
                check_scope(Permission("files.read", "args"), path, workflow.grants)
            except ScopeError as exc:
                raise StepFailed(
                    "failed", f"permission denied: an argument from data: {exc}"
                ) from None


def _named_paths(arg: str) -> list[str]:
    candidates = [] if arg.startswith("-") else [arg]
    if arg.startswith("-"):
        if "=" in arg:
            candidates.append(arg.split("=", 1)[1])
        elif len(arg) > 2 and arg[1] != "-":
            candidates.append(arg[2:])
    return [c for c in candidates if c.startswith(("/", "~", ".")) or "/" in c or os.sep in c]


def _label(permission: Permission, params: Mapping[str, Any]) -> str:
    if permission.param and permission.param in params:
        return visible(f"{permission.kind}({as_text(params[permission.param])[:200]})")
    return permission.kind


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        where = f" {exc.filename}" if exc.filename else ""
        return f"{exc.strerror}{where}"
    text = str(exc).strip()
    return text[:500] if text else type(exc).__name__


def undo(history: History, run_id: str, trash: Path) -> list[str]:
    """Put back every file the run changed, newest change first; returns what was done.
    What the run had left in those places is kept in the trash too, in case the undo was a
    mistake. Undo works inside the granted folder each change was made in and follows no
    link: a change it can no longer put back safely (a link now stands in its way, the
    folder is gone) is refused, and the reason recorded with the run."""
    from app.core.errors import UsageError

    run = history.run(run_id)
    if run.undone:
        raise UsageError(f"Run {run.id[:8]} was already undone ({run.undone}).")
    if not run.files:
        raise UsageError(f"Run {run.id[:8]} changed no files; there is nothing to undo.")
    missing = [c.path for c in run.files if c.saved and not os.path.lexists(c.saved)]
    if missing:
        raise UsageError(
            f"Run {run.id[:8]} cannot be undone: the kept copy of {missing[0]} is gone from "
            "Steward's trash. Nothing was changed."
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
            outcome = f"refused: {_error_text(exc)}"
            done.append(f"refused {change.path}: {_error_text(exc)}")
        outcomes[change.position] = outcome
    history.mark_undone(run.id, outcomes)
    return done


def sample_words(run: RunRecord) -> str:
    """For a dry run of a triggered workflow: what it used as the event, in a sentence."""
    if not run.sample:
        return ""
    name = run.trigger_data.get("name") or run.trigger_data.get("path")
    if isinstance(name, str) and not name.startswith("<"):
        return visible(f"As if “{name}” had just arrived ({run.sample}).")
    return f"With {run.sample}: what the trigger gives is shown as known only when it fires."


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


__all__ = [
    "ApprovalRequest",
    "Approver",
    "HeadlessServices",
    "RunOptions",
    "Runner",
    "Services",
    "StepFailed",
    "sample_words",
    "undo",
    "undo_summary",
]
