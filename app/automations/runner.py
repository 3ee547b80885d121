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
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import jsonschema

from app.automations.api import Action
from app.automations.approval import Asking, RunState, approve_step
from app.automations.arguments import check_data_arguments
from app.automations.history import History, RunRecord, StepRecord
from app.automations.mcp.tools import ToolPins
from app.automations.plugins import Registry
from app.automations.scopes import ScopeError, check_scope
from app.automations.services import ApprovalRequest as ApprovalRequest
from app.automations.services import Approver as Approver
from app.automations.services import Decision as Decision
from app.automations.services import HeadlessServices as HeadlessServices
from app.automations.services import Services as Services
from app.automations.services import Unavailable as Unavailable
from app.automations.step_context import Journal, StepContext, granted_trees
from app.automations.step_context import StepFailed as StepFailed
from app.automations.undo import undo as undo
from app.automations.undo import undo_summary as undo_summary
from app.automations.workflow import (
    MAX_FOR_EACH,
    Pending,
    Step,
    Unresolved,
    Workflow,
    expand,
    run_scope,
    walk_strings,
)
from app.core.store.database import new_id, now
from app.core.store.service import StoreCall, inline
from app.core.text import error_text, visible

log = logging.getLogger(__name__)

OUTPUT_LIMIT = 1_000_000  # characters of JSON an action may return
FLUSH_AFTER_S = 0.1  # a step slower than this is written at once; quick ones at the end


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
        # the definitions of MCP tools the user approved
        self.pins = ToolPins(history.db) if history is not None else None

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
        journal = Journal(self.trash / run.id, granted_trees(workflow.grants))
        if self.history is not None:
            await self.call(functools.partial(self.history.begin_run, run))
        scope: dict[str, Any] = {
            "steps": {},
            "trigger": dict(options.trigger_data),
            "run": run_scope(run.id, workflow.name, when),
        }
        state = RunState(approved=options.approved, values=set(options.approved_values))
        written = 0
        try:
            for step, record in zip(workflow.steps, run.steps, strict=True):
                await self._step(workflow, step, record, scope, journal, run, options, state)
                if options.on_step is not None:
                    options.on_step(record)
                written = await self._save_progress(run, record, journal, written)
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
        if run.status == "approval_required" and workflow_id:  # a saved one, to run later
            with contextlib.suppress(Exception):
                await self.services.notify(
                    f"Steward: {workflow.name} needs your approval",
                    f"{run.error} Run it once with `steward automations run` or from the "
                    "automations panel to approve it.",
                )
        return run

    async def _save_progress(
        self, run: RunRecord, record: StepRecord, journal: Journal, written: int
    ) -> int:
        """Record the steps so far once a step took long or changed files (a crash then
        loses nothing it did); returns how many steps are recorded."""
        history = self.history
        if history is None or not (record.duration_ms > FLUSH_AFTER_S * 1000 or journal.unsaved):
            return written
        steps = run.steps[written : record.position + 1]
        changes = journal.changes[len(journal.changes) - journal.unsaved :]
        await self.call(
            functools.partial(history.save_progress, run, steps, changes, finished=False)
        )
        journal.unsaved = 0
        return record.position + 1

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

    async def _finish(self, run: RunRecord, started: float, written: int, journal: Journal) -> None:
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
        journal: Journal,
        run: RunRecord,
        options: RunOptions,
        state: RunState,
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
            each_item = items if items is not None else [None]
            calls = [self._prepare(workflow, step, action, scope, i, each) for i in each_item]
            record.inputs = calls if each else calls[0]
            asked = False
            if action.needs_approval and calls:  # over no items, there is nothing to approve
                asking = Asking(
                    workflow, step, record.position, options, state, self.pins, self.call, describe
                )
                asked = await approve_step(asking, action, calls)
            outputs = []
            for n, (item, params) in enumerate(zip(each_item, calls, strict=True)):
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
            check_data_arguments(step, params, workflow)
        return params

    async def _dry_read(
        self,
        workflow: Workflow,
        step: Step,
        action: Action,
        record: StepRecord,
        scope: dict[str, Any],
        journal: Journal,
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
        journal: Journal,
    ) -> Any:
        allowed = frozenset(p.kind for p in action.permissions)
        last = ""
        for attempt in range(action.retries + 1):
            record.attempts = attempt + 1
            context = StepContext(run, journal, self.services, record, allowed, journal.trees)
            changes_before = len(journal.changes)
            limit = asyncio.timeout(action.timeout_s)
            try:
                async with limit:
                    output = await action.run(context, params)
            except TimeoutError as exc:
                if limit.expired():  # ours; a TimeoutError of the action's own is a failure
                    last, status = f"timed out after {action.timeout_s:g} s", "timeout"
                else:
                    last, status = error_text(exc), "failed"
            except asyncio.CancelledError:
                context._cancelled = True
                raise
            except StepFailed:  # the action says how it failed (a changed tool: blocked)
                raise
            except Exception as exc:
                last = error_text(exc)
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


def sample_words(run: RunRecord) -> str:
    """For a dry run of a triggered workflow: what it used as the event, in a sentence."""
    if not run.sample:
        return ""
    name = run.trigger_data.get("name") or run.trigger_data.get("path")
    if isinstance(name, str) and not name.startswith("<"):
        return visible(f"As if “{name}” had just arrived ({run.sample}).")
    return f"With {run.sample}: what the trigger gives is shown as known only when it fires."


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
