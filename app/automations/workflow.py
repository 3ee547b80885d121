"""Workflow documents: their schema, validation, references and permission scopes.

A workflow is a JSON document::

    {
      "steward_workflow": 1,
      "name": "Summarise new notes",
      "trigger": {"type": "folder_watch", "folder": "~/Notes/inbox", "pattern": "*.txt"},
      "steps": [
        {"id": "read", "action": "files.read", "params": {"path": "{{trigger.path}}"}},
        {"id": "sum", "action": "model.prompt",
         "params": {"task": "summarize", "input": "{{steps.read.output}}"}},
        {"id": "save", "action": "notes.append",
         "params": {"file": "~/Notes/summaries.md", "text": "{{steps.sum.output}}"}}
      ],
      "permissions": [
        {"kind": "files.read", "scope": "~/Notes/inbox"},
        {"kind": "files.write", "scope": "~/Notes"},
        {"kind": "model"}
      ]
    }

Parameters may refer to earlier outputs (``{{steps.ID.output}}``, ``{{steps.ID.output.KEY}}``),
to what the trigger provides (``{{trigger.path}}``), to the run (``{{run.id}}``, ``{{run.date}}``,
``{{run.time}}``), and in a ``for_each`` step to the current ``{{item}}``. References are
expanded exactly once: text that looks like ``{{...}}`` inside a file, a web page or a model's
answer stays text.

:func:`validate` lists every problem with its place; an invalid document is never run.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import jsonschema

from app.automations.api import PERMISSION_KINDS, SCOPED, Action, Permission
from app.automations.plugins import Registry
from app.automations.scopes import (
    Grant,
    ScopeError,
    check_scope,
    expand_path,
)
from app.core.errors import KnownError
from app.language import _t

SCHEMA_VERSION = 1
VERSION_KEY = "steward_workflow"
MAX_STEPS = 200
MAX_FOR_EACH = 1000
STEP_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
REFERENCE = re.compile(r"\{\{\s*([A-Za-z_][\w-]*(?:\.[\w-]+)*)\s*\}\}")
MISSED_POLICIES = ("skip", "run_once")
TOP_KEYS = {VERSION_KEY, "name", "description", "trigger", "steps", "permissions", "missed"}
STEP_KEYS = {"id", "action", "params", "for_each", "title"}
RUN_KEYS = ("id", "date", "time", "workflow")


@dataclass(frozen=True)
class Problem:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class InvalidWorkflow(KnownError):
    """A document that did not validate; ``problems`` says everything that is wrong."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        super().__init__(f"The workflow is not valid ({count}); nothing was run or saved:\n{lines}")


@dataclass(frozen=True)
class Step:
    id: str
    action: str
    params: dict[str, Any]
    for_each: str | None = None
    title: str = ""


@dataclass(frozen=True)
class Workflow:
    """A validated workflow document."""

    name: str
    trigger_type: str
    trigger: dict[str, Any]  # the trigger's parameters (everything but "type")
    steps: tuple[Step, ...]
    grants: tuple[Grant, ...]
    missed: str = "skip"
    description: str = ""
    document: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def fingerprint(self) -> str:
        """Changes whenever what the workflow may do changes (trigger, steps, permissions):
        the user's approval is for exactly this."""
        return fingerprint(self.document)


def fingerprint(document: Mapping[str, Any]) -> str:
    relevant = {k: document.get(k) for k in ("trigger", "steps", "permissions")}
    text = json.dumps(relevant, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# --- references --------------------------------------------------------------------------


def references(text: str) -> list[str]:
    return [m.group(1) for m in REFERENCE.finditer(text)]


def templated(value: Any) -> bool:
    return isinstance(value, str) and REFERENCE.search(value) is not None


def walk_strings(value: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """Every string in a parameter tree, with its place (``a.b[2]``)."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, child in value.items():
            yield from walk_strings(child, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for n, child in enumerate(value):
            yield from walk_strings(child, f"{where}[{n}]")


class Unresolved(LookupError):
    pass


class Pending(str):
    """A value known only when the run gets there (shown by dry runs)."""

    __slots__ = ()


def lookup(path: str, scope: Mapping[str, Any]) -> Any:
    """The value a reference names, from ``scope`` (steps, trigger, run, item)."""
    parts = path.split(".")
    if parts[0] not in scope:
        raise Unresolved(f"{{{{{path}}}}} refers to nothing")
    value: Any = scope[parts[0]]
    for n, part in enumerate(parts[1:], 1):
        if isinstance(value, Pending):
            return Pending(f"<{path}>")
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            where = ".".join(parts[:n])
            raise Unresolved(f"{{{{{path}}}}}: {where} has no {part!r}")
    return value


def as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def expand(value: Any, scope: Mapping[str, Any]) -> Any:
    """Fill in references, once. A string that is exactly one reference becomes the value
    itself (a list stays a list); references inside longer text become text. What is filled
    in is never looked at again, so data cannot smuggle in references of its own."""
    if isinstance(value, str):
        whole = REFERENCE.fullmatch(value.strip())
        if whole:
            return lookup(whole.group(1), scope)
        if not REFERENCE.search(value):
            return value
        pieces: list[str] = []
        last = 0
        for match in REFERENCE.finditer(value):
            pieces.append(value[last : match.start()])
            pieces.append(as_text(lookup(match.group(1), scope)))
            last = match.end()
        pieces.append(value[last:])
        return "".join(pieces)
    if isinstance(value, dict):
        return {key: expand(child, scope) for key, child in value.items()}
    if isinstance(value, list):
        return [expand(child, scope) for child in value]
    return value


def run_scope(run_id: str, workflow: str, when: datetime) -> dict[str, Any]:
    return {
        "id": run_id,
        "workflow": workflow,
        "date": when.strftime("%Y-%m-%d"),
        "time": when.strftime("%H:%M"),
    }


# --- validation --------------------------------------------------------------------------


def _schema_errors(schema: Mapping[str, Any], instance: Any, where: str) -> list[Problem]:
    """Schema problems, leaving out those at values that are references (checked when the
    run fills them in)."""
    problems: list[Problem] = []
    validator = jsonschema.Draft202012Validator(schema)
    for error in validator.iter_errors(instance):
        value: Any = instance
        skip = False
        for part in error.absolute_path:
            try:
                value = value[part]
            except (KeyError, IndexError, TypeError):
                break
            if templated(value):
                skip = True
                break
        if skip or templated(error.instance):
            continue
        place = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        problems.append(Problem(f"{where}{place}", _short(error.message)))
    return problems


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _string(
    doc: Mapping[str, Any], key: str, limit: int, problems: list[Problem], *, required: bool
) -> str:
    value = doc.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        problems.append(Problem(key, "must be a non-empty text" if required else "must be text"))
        return ""
    if len(value) > limit:
        problems.append(Problem(key, f"is longer than {limit} characters"))
    return value


def _grants(doc: Mapping[str, Any], problems: list[Problem]) -> tuple[Grant, ...]:
    raw = doc.get("permissions", [])
    if not isinstance(raw, list):
        problems.append(Problem("permissions", "must be a list"))
        return ()
    grants: list[Grant] = []
    for n, item in enumerate(raw):
        where = f"permissions[{n}]"
        if not isinstance(item, dict) or set(item) - {"kind", "scope"}:
            problems.append(Problem(where, 'must be {"kind": …, "scope": …}'))
            continue
        kind = item.get("kind")
        scope = item.get("scope", "")
        if kind not in PERMISSION_KINDS:
            problems.append(Problem(f"{where}.kind", f"unknown permission {str(kind)[:50]!r}"))
            continue
        if not isinstance(scope, str) or len(scope) > 1000:
            problems.append(Problem(f"{where}.scope", "must be text of at most 1000 characters"))
            continue
        if (kind in SCOPED or kind == "mcp") and not scope.strip():
            problems.append(Problem(f"{where}.scope", f"{kind} needs a scope"))
            continue
        if kind in ("files.read", "files.write"):
            if not expand_path(scope).is_absolute():
                problems.append(Problem(f"{where}.scope", "must be an absolute folder (or ~/…)"))
                continue
            if os.path.realpath(expand_path(scope)) == os.path.realpath("/"):
                problems.append(Problem(f"{where}.scope", "the whole disk cannot be granted"))
                continue
        if kind == "network" and ("/" in scope or ":" in scope or " " in scope):
            problems.append(Problem(f"{where}.scope", "must be a host name, like example.com"))
            continue
        grants.append(Grant(kind, scope.strip()))
    return tuple(grants)


def _check_reference(
    ref: str,
    where: str,
    earlier: dict[str, Action],
    trigger_data: Mapping[str, Any],
    for_each: bool,
) -> Problem | None:
    parts = ref.split(".")
    root = parts[0]
    if root == "steps":
        if len(parts) < 3 or parts[2] != "output":
            return Problem(where, f"{{{{{ref}}}}} should look like steps.ID.output")
        if parts[1] not in earlier:
            return Problem(where, f"{{{{{ref}}}}} refers to no earlier step {parts[1]!r}")
        return None
    if root == "trigger":
        props = trigger_data.get("properties", {}) if isinstance(trigger_data, dict) else {}
        if len(parts) < 2 or parts[1] not in props:
            offered = ", ".join(sorted(props)) or "nothing"
            return Problem(where, f"{{{{{ref}}}}}: this trigger provides {offered}")
        return None
    if root == "run":
        if len(parts) != 2 or parts[1] not in RUN_KEYS:
            return Problem(where, f"{{{{{ref}}}}}: run offers {', '.join(RUN_KEYS)}")
        return None
    if root == "item":
        return None if for_each else Problem(where, "{{item}} is only known in a for_each step")
    return Problem(where, f"{{{{{ref}}}}} refers to nothing (use steps., trigger., run.)")


def validate(document: Any, registry: Registry) -> tuple[Workflow | None, list[Problem]]:
    """Check a workflow document completely; returns the workflow (None when invalid) and
    every problem found, each with its place in the document."""
    problems: list[Problem] = []
    if not isinstance(document, dict):
        return None, [Problem("", "a workflow must be a JSON object")]
    version = document.get(VERSION_KEY)
    if version != SCHEMA_VERSION:
        problems.append(
            Problem(VERSION_KEY, f"must be {SCHEMA_VERSION} (the workflow format version)")
        )
    for key in sorted(set(document) - TOP_KEYS, key=str):
        problems.append(Problem(str(key)[:80], "is not a workflow field"))
    name = _string(document, "name", 200, problems, required=True)
    description = _string(document, "description", 2000, problems, required=False)
    missed = document.get("missed", "skip")
    if missed not in MISSED_POLICIES:
        problems.append(Problem("missed", "must be skip or run_once"))
    grants = _grants(document, problems)
    trigger_type, trigger_params, trigger_data = _trigger(document, registry, grants, problems)
    steps = _steps(document, registry, trigger_data, grants, problems)
    if problems:
        return None, problems
    workflow = Workflow(
        name=name,
        trigger_type=trigger_type,
        trigger=trigger_params,
        steps=tuple(steps),
        grants=grants,
        missed=str(missed),
        description=description,
        document=document,
    )
    return workflow, []


def _trigger(
    document: dict[str, Any], registry: Registry, grants: tuple[Grant, ...], problems: list[Problem]
) -> tuple[str, dict[str, Any], Mapping[str, Any]]:
    """The trigger's type, parameters and the data it hands to steps (problems added)."""
    trigger_doc = document.get("trigger")
    if not isinstance(trigger_doc, dict) or not isinstance(trigger_doc.get("type"), str):
        problems.append(Problem("trigger", 'must be an object with a "type"'))
        return "", {}, {}
    trigger_type = trigger_doc["type"]
    trigger_params = {k: v for k, v in trigger_doc.items() if k != "type"}
    trigger = registry.triggers.get(trigger_type)
    if trigger is None:
        known = ", ".join(sorted(registry.triggers))
        problems.append(
            Problem("trigger.type", f"unknown trigger {trigger_type[:80]!r} (known: {known})")
        )
        return trigger_type, trigger_params, {}
    found = _schema_errors(trigger.parameters, trigger_params, "trigger")
    problems += found
    if not found and trigger.check is not None:
        problems += [Problem("trigger", m) for m in trigger.check(trigger_params)]
    problems += _permission_problems(
        trigger.permissions, trigger_params, grants, "trigger", "trigger"
    )
    return trigger_type, trigger_params, trigger.data


def _permission_problems(
    permissions: Sequence[Permission],
    params: dict[str, Any],
    grants: tuple[Grant, ...],
    prefix: str,
    whole: str,
) -> list[Problem]:
    """Each permission's value (its parameter, when it names one) checked against the grants;
    a problem's place is ``prefix``.param, or ``whole`` for a permission of no parameter."""
    problems: list[Problem] = []
    for permission in permissions:
        if permission.param and permission.param not in params:
            continue  # an optional parameter left out (a missing required one is reported)
        value = params.get(permission.param) if permission.param else None
        place = f"{prefix}.{permission.param}" if permission.param else whole
        problems += _scope_problem(permission, value, grants, place)
    return problems


def _steps(
    document: dict[str, Any],
    registry: Registry,
    trigger_data: Mapping[str, Any],
    grants: tuple[Grant, ...],
    problems: list[Problem],
) -> list[Step]:
    raw_steps = document.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        problems.append(Problem("steps", "must be a list of at least one step"))
        raw_steps = []
    elif len(raw_steps) > MAX_STEPS:
        problems.append(Problem("steps", f"has more than {MAX_STEPS} steps"))
        raw_steps = raw_steps[:MAX_STEPS]
    steps: list[Step] = []
    earlier: dict[str, Action] = {}
    for n, raw in enumerate(raw_steps):
        step = _step(raw, f"steps[{n}]", registry, earlier, trigger_data, grants, problems)
        if step is not None:
            steps.append(step)
    return steps


def _scope_problem(
    permission: Permission, value: Any, grants: tuple[Grant, ...], where: str
) -> list[Problem]:
    if permission.kind in SCOPED and (value is None or templated(value)):
        # filled in at run time: the kind must be granted; the scope is checked then
        value = None
    try:
        if value is None and permission.kind in SCOPED:
            if not any(
                g.kind == permission.kind
                or (permission.kind == "files.read" and g.kind == "files.write")
                for g in grants
            ):
                raise ScopeError(_t("the workflow was not granted {0}").format(permission.kind))
        else:
            check_scope(permission, value, grants)
    except ScopeError as exc:
        return [Problem(where, str(exc))]
    return []


def _step(
    raw: Any,
    where: str,
    registry: Registry,
    earlier: dict[str, Action],
    trigger_data: Mapping[str, Any],
    grants: tuple[Grant, ...],
    problems: list[Problem],
) -> Step | None:
    if not isinstance(raw, dict):
        problems.append(Problem(where, "a step must be an object"))
        return None
    for key in sorted(set(raw) - STEP_KEYS, key=str):
        problems.append(Problem(f"{where}.{str(key)[:80]}", "is not a step field"))
    step_id = raw.get("id")
    id_problem = _step_id_problem(step_id, where, earlier)
    ok = id_problem is None
    problems += [id_problem] if id_problem else []
    action_id = raw.get("action")
    action = registry.actions.get(action_id) if isinstance(action_id, str) else None
    if action is None:
        problems.append(Problem(f"{where}.action", f"unknown action {str(action_id)[:80]!r}"))
        ok = False
    params = raw.get("params", {})
    if not isinstance(params, dict):
        problems.append(Problem(f"{where}.params", "must be an object"))
        return None
    title = raw.get("title", "")
    if not isinstance(title, str) or len(title) > 200:
        problems.append(Problem(f"{where}.title", "must be text of at most 200 characters"))
        ok = False
    for_each = raw.get("for_each")
    if for_each is not None and (
        not isinstance(for_each, str) or not REFERENCE.fullmatch(for_each.strip())
    ):
        problems.append(
            Problem(f"{where}.for_each", "must be one reference, like {{steps.list.output.files}}")
        )
        ok = False
    found = _reference_problems(where, params, for_each, ok, earlier, trigger_data)
    problems += found
    ok = ok and not found
    if action is None:
        return None
    if id_problem is None:  # later steps may refer to it (even when its parameters have problems)
        assert isinstance(step_id, str)
        earlier[step_id] = action
    errors = _schema_errors(action.parameters, params, f"{where}.params")
    problems += errors
    problems += _permission_problems(action.permissions, params, grants, f"{where}.params", where)
    if not ok or errors:
        return None
    assert isinstance(step_id, str) and isinstance(action_id, str)
    return Step(step_id, action_id, params, for_each.strip() if for_each else None, title)


def _step_id_problem(step_id: Any, where: str, earlier: dict[str, Action]) -> Problem | None:
    if not isinstance(step_id, str) or not STEP_ID.match(step_id):
        return Problem(f"{where}.id", "must be a short lower-case name (a-z, 0-9, _)")
    if step_id in earlier:
        return Problem(f"{where}.id", f"{step_id!r} is used by an earlier step")
    return None


def _reference_problems(
    where: str,
    params: dict[str, Any],
    for_each: Any,
    for_each_ok: bool,
    earlier: dict[str, Action],
    trigger_data: Mapping[str, Any],
) -> list[Problem]:
    """Every {{reference}} in the step's parameters, and in its for_each when that is
    well-formed, checked against the trigger's data and the earlier steps."""
    refs = [(f"{where}.for_each", r) for r in references(for_each or "")] if for_each_ok else []
    for place, text in walk_strings(params, f"{where}.params"):
        refs += [(place, r) for r in references(text)]
    problems: list[Problem] = []
    for place, ref in refs:
        found = _check_reference(ref, place, earlier, trigger_data, for_each is not None)
        if found is not None and not (ref == "item" and place.endswith("for_each")):
            problems.append(found)
    return problems


def load_document(text: str, source: str = "the workflow") -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidWorkflow(
            [Problem(f"line {exc.lineno}, column {exc.colno}", f"{source} is not JSON: {exc.msg}")]
        ) from exc


__all__ = [
    "Grant",
    "InvalidWorkflow",
    "Pending",
    "Problem",
    "ScopeError",
    "Step",
    "Workflow",
    "check_scope",
    "expand",
    "fingerprint",
    "load_document",
    "validate",
]
