"""Whether a step that acts on the world may run: approved before (the workflow, or "always"
for a tool of an MCP server, or these exact data-built values), or asked now — or, where
nobody can be asked, refused as ``approval_required``.

A tool of an MCP server is approved for its definition as it was then; when the server
describes it differently now, the step is ``blocked`` whatever was approved, until the user
has reviewed the change.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from app.automations.api import Action
from app.automations.arguments import data_values_digest, permission_label
from app.automations.mcp.tools import ToolAction, ToolPins, blocked_reason, tool_of
from app.automations.services import ApprovalRequest, Approver
from app.automations.step_context import StepFailed
from app.automations.workflow import Step, Workflow
from app.core.store.service import StoreCall
from app.core.text import visible

if TYPE_CHECKING:
    from app.automations.runner import RunOptions

ARGUMENTS_SHOWN = 20_000  # characters of a tool's arguments an approval question shows


@dataclass
class RunState:
    approved: bool = False
    values: set[str] = field(default_factory=set)  # data-built values approved (digests)


@dataclass
class Asking:
    """What asking needs, from the runner."""

    workflow: Workflow
    step: Step
    position: int
    options: RunOptions
    state: RunState
    pins: ToolPins | None
    call: StoreCall
    describe: Callable[[Action, dict[str, Any]], str]


async def approve_step(asking: Asking, action: Action, calls: list[dict[str, Any]]) -> bool:
    """Ask unless approved; True when the user was asked (and so time passed)."""
    tool = tool_of(action)
    if tool is not None:
        return await _approve_tool(asking, tool, calls)
    state, options = asking.state, asking.options
    values = data_values_digest(asking.step, action, calls)
    if state.approved and (values is None or values in state.values):
        return False
    approver = _approver(
        asking,
        action,
        "its program or arguments come from data and these values were not approved"
        if state.approved
        else None,
    )
    shown = "; ".join(asking.describe(action, c) for c in calls[:5])
    if len(calls) > 5:
        shown += f"; and {len(calls) - 5} more"
    decision = await approver(_request(asking, action, calls, shown))
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


async def _approve_tool(asking: Asking, tool: ToolAction, calls: list[dict[str, Any]]) -> bool:
    pins = asking.pins
    standing = await asking.call(lambda: pins.standing(tool)) if pins is not None else "new"
    if standing == "changed":
        raise StepFailed("blocked", blocked_reason(tool))
    if standing == "always" or (standing == "pinned" and asking.state.approved):
        return False
    approver = _approver(asking, tool, "this tool was not approved for these calls")
    arguments = "\n".join(json.dumps(c, ensure_ascii=False, indent=2) for c in calls)
    if len(arguments) > ARGUMENTS_SHOWN:
        arguments = arguments[:ARGUMENTS_SHOWN] + "\n…"
    shown = f"{tool.server} › {tool.tool}" + (f" ({len(calls)} calls)" if len(calls) > 1 else "")
    request = replace(
        _request(asking, tool, calls, shown),
        server=tool.server,
        tool=tool.tool,
        arguments=visible(arguments, keep_newlines=True),
        always="tool",
    )
    decision = await approver(request)
    if decision == "deny":
        raise StepFailed("denied", f"{tool.title} was not approved")
    if decision == "always" and pins is not None:
        await asking.call(lambda: pins.pin(tool, always=True))
    return True


def _approver(asking: Asking, action: Action, because: str | None) -> Approver:
    if asking.options.approver is not None:
        return asking.options.approver
    why = because or "the workflow's steps and permissions have not been approved"
    raise StepFailed(
        "approval_required",
        f"{action.title} needs your approval and nobody could be asked ({why}).",
    )


def _request(
    asking: Asking, action: Action, calls: list[dict[str, Any]], shown: str
) -> ApprovalRequest:
    labels = dict.fromkeys(permission_label(p, c) for c in calls[:5] for p in action.permissions)
    return ApprovalRequest(
        workflow=asking.workflow.name,
        position=asking.position + 1,
        step_id=asking.step.id,
        action=action.id,
        title=action.title,
        what=shown,
        permissions=tuple(labels),
    )


def pin_tools(pins: ToolPins, actions: list[Action]) -> None:
    """The user approved a workflow (or clicked a proposed action): the definitions of its
    MCP tools as they are now are the ones approved. A changed tool stays blocked:
    approving a workflow is not reviewing the change."""
    for action in actions:
        tool = tool_of(action)
        if tool is not None and pins.standing(tool) in ("new", "pinned"):
            pins.pin(tool)


__all__ = ["Asking", "RunState", "approve_step", "pin_tools"]
