"""Values a step takes from data, checked before it runs: a program's arguments that name
paths stay inside the grants, and the exact values an approval must cover are digested."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from typing import Any

from app.automations.api import Action, Permission
from app.automations.scopes import ScopeError, check_scope
from app.automations.services import ApprovalRequest as ApprovalRequest
from app.automations.services import Approver as Approver
from app.automations.services import Decision as Decision
from app.automations.services import HeadlessServices as HeadlessServices
from app.automations.services import Services as Services
from app.automations.services import Unavailable as Unavailable
from app.automations.step_context import StepFailed
from app.automations.undo import undo as undo
from app.automations.undo import undo_summary as undo_summary
from app.automations.workflow import (
    Step,
    Workflow,
    as_text,
    templated,
    walk_strings,
)
from app.core.text import visible


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


def check_data_arguments(step: Step, params: dict[str, Any], workflow: Workflow) -> None:
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
        for path in named_paths(str(arg)):
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


def named_paths(arg: str) -> list[str]:
    candidates = [] if arg.startswith("-") else [arg]
    if arg.startswith("-"):
        if "=" in arg:
            candidates.append(arg.split("=", 1)[1])
        elif len(arg) > 2 and arg[1] != "-":
            candidates.append(arg[2:])
    return [c for c in candidates if c.startswith(("/", "~", ".")) or "/" in c or os.sep in c]


def permission_label(permission: Permission, params: Mapping[str, Any]) -> str:
    if permission.param and permission.param in params:
        return visible(f"{permission.kind}({as_text(params[permission.param])[:200]})")
    if permission.scope:
        return visible(f"{permission.kind}({permission.scope})")
    return permission.kind


__all__ = ["check_data_arguments", "data_values_digest", "permission_label"]
