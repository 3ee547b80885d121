"""Automations as a front end uses them: plugins discovered, workflows stored and validated,
runs made and recorded, runs undone.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from app.automations.approval import pin_tools
from app.automations.builtins import MODULES
from app.automations.history import History, RunRecord, StoredWorkflow
from app.automations.mcp.config import Secrets
from app.automations.mcp.toolbox import Toolbox
from app.automations.plugins import Registry, load_plugins
from app.automations.runner import (
    ApprovalRequest,
    Approver,
    Decision,
    Runner,
    RunOptions,
    Services,
    undo,
)
from app.automations.workflow import InvalidWorkflow, Workflow, validate
from app.core.llm.engine import LocalEngine, SamplingParams, TokenEvent
from app.core.llm.prompt import ChatMessage
from app.core.paths import Paths
from app.core.store.database import Database
from app.core.store.service import StoreCall, inline

log = logging.getLogger(__name__)

MODEL_CONVERSATION = "steward-automation"


def plugin_folder(paths: Paths) -> Path:
    """The user plugin folder: the way to extend Steward, frozen build included."""
    return paths.data / "plugins"


def trash_folder(paths: Paths) -> Path:
    return paths.data / "trash"


def discover(paths: Paths, *, entry_points: bool = True) -> Registry:
    registry = load_plugins(
        builtins=MODULES, user_folder=plugin_folder(paths), entry_points=entry_points
    )
    if registry.problems:  # `steward plugins list` names them; the log only counts
        log.warning("%d plugin problems at discovery", len(registry.problems))
    return registry


def engine_generate(engine: LocalEngine) -> Callable[..., Awaitable[str]]:
    """The local model as a model step uses it: one prompt in, the whole answer out."""

    async def generate(prompt: str, *, system: str, max_tokens: int) -> str:
        messages = [ChatMessage("system", system), ChatMessage("user", prompt)]
        params = SamplingParams(temperature=0.2, max_tokens=max_tokens, seed=42)
        pieces: list[str] = []
        async for event in engine.generate(
            messages, conversation=MODEL_CONVERSATION, params=params
        ):
            if isinstance(event, TokenEvent):
                pieces.append(event.text)
        return "".join(pieces)

    return generate


async def approve_all(request: ApprovalRequest) -> Decision:
    return "once"


class Automations:
    def __init__(
        self,
        db: Database,
        paths: Paths,
        services: Services,
        *,
        registry: Registry | None = None,
        call: StoreCall = inline,
        secrets: Secrets | None = None,
    ) -> None:
        self.paths = paths
        self.registry = registry if registry is not None else discover(paths)
        self.history = History(db)
        # MCP servers' tools, as actions in the registry (their secrets in ``secrets``)
        self.tools = Toolbox(paths, secrets)
        self.tools.attach(self.registry)
        self.trash = trash_folder(paths)
        # how async code reaches the history: the session's store thread, or right here
        self.call = call
        # told of every run once it is recorded (the tray's recent runs, say)
        self.listeners: list[Callable[[RunRecord], None]] = []
        self.runner = Runner(self.registry, services, self.trash, self.history, call=call)

    def validate(self, document: Any) -> Workflow:
        workflow, problems = validate(document, self.registry)
        if workflow is None:
            raise InvalidWorkflow(problems)
        return workflow

    def create(self, document: Any, *, enabled: bool = True) -> StoredWorkflow:
        self.validate(document)
        return self.history.add_workflow(document, enabled=enabled)

    def edit(self, ref: str, document: Any) -> StoredWorkflow:
        stored = self.history.workflow(ref)
        self.validate(document)
        return self.history.update_workflow(stored.id, document)

    async def run(
        self,
        stored: StoredWorkflow,
        *,
        dry_run: bool = False,
        approver: Approver | None = None,
        assume_yes: bool = False,
        trigger_data: dict[str, Any] | None = None,
        on_step: Callable[[Any], None] | None = None,
    ) -> RunRecord:
        """Run a stored workflow; it is validated again first (plugins may have changed
        since it was saved), and an invalid one is never run."""
        workflow = self.validate(stored.document)
        history = self.history

        async def remember() -> None:
            await self.approve(stored)

        async def remember_values(digest: str) -> None:
            await self.call(lambda: history.approve_values(stored.id, digest))

        if assume_yes:  # the user said yes to every question of this run, values included
            approver = approve_all

        options = RunOptions(
            dry_run=dry_run,
            approver=approver,
            approved=stored.approved_now or assume_yes,
            on_approved_always=remember,
            approved_values=await self.call(lambda: history.approved_values(stored.id)),
            on_values_approved=remember_values,
            on_step=on_step,
            trigger_data=trigger_data or {},
        )
        return self._recorded(await self.runner.run(workflow, options, workflow_id=stored.id))

    def _recorded(self, run: RunRecord) -> RunRecord:
        for listener in self.listeners:
            listener(run)
        return run

    async def dry_run_document(self, document: Any) -> RunRecord:
        """A dry run of a draft that is not saved (the review card's Dry run)."""
        workflow = self.validate(document)
        return self._recorded(await self.runner.run(workflow, RunOptions(dry_run=True)))

    async def run_document(
        self, document: Any, *, trigger_data: dict[str, Any] | None = None
    ) -> RunRecord:
        """Run a one-off workflow the user just approved by clicking (an action proposed in
        a chat): its steps need no further question; it is recorded in the history."""
        workflow = self.validate(document)
        if self.runner.pins is not None:  # clicking it approved its tools as shown
            actions = [self.registry.actions[s.action] for s in workflow.steps]
            await self.call(functools.partial(pin_tools, self.runner.pins, actions))
        options = RunOptions(approved=True, trigger_data=trigger_data or {})
        return self._recorded(await self.runner.run(workflow, options))

    def create_approved(self, document: Any) -> StoredWorkflow:
        """Save a draft the user approved as shown (blocking: on the store's thread)."""
        made = self.create(document, enabled=True)
        self.approve_now(made)
        return self.history.workflow(made.id)

    def approve_now(self, stored: StoredWorkflow) -> None:
        """The user approved this workflow as it is now: its steps, its permissions, and
        the definitions its MCP tools have now (pinned). Blocking."""
        workflow = self.validate(stored.document)
        if self.runner.pins is not None:
            pin_tools(self.runner.pins, [self.registry.actions[s.action] for s in workflow.steps])
        self.history.approve(stored.id, stored.document)
        stored.approved = workflow.fingerprint

    async def approve(self, stored: StoredWorkflow) -> None:
        await self.call(lambda: self.approve_now(stored))

    def close(self) -> None:
        """Stop the MCP servers this Steward started."""
        self.tools.close()

    def undo(self, run_id: str) -> list[str]:
        return undo(self.history, run_id, self.trash)


__all__ = ["Automations", "discover", "engine_generate", "plugin_folder", "trash_folder"]
