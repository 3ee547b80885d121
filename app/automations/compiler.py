"""A draft (the model's compact answer) compiled into a workflow document: step ids from the
actions' step names, ``for_each`` over a listing, references to the outputs that exist, and
the permissions each step needs, scoped to the folders, hosts and programs it uses."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from app.automations import intent
from app.automations.api import Action
from app.automations.draft import (
    NAME_LENGTH,
    PREFERRED_TEXT,
    DraftError,
    trigger_document,
)
from app.automations.intent import Facts
from app.automations.plugins import Registry
from app.automations.problems import Problem
from app.automations.scopes import url_host
from app.automations.stages import is_folder
from app.automations.workflow import REFERENCE, SCHEMA_VERSION, VERSION_KEY, references
from app.language import _t


def string_output(action: Action) -> str | None:
    """How a step's output is used as text: "" (it is text), ".KEY" or None (it is not)."""
    schema = action.output
    if schema.get("type") == "string":
        return ""
    if schema.get("type") == "object":
        props = schema.get("properties", {})
        texts = [k for k, v in props.items() if v.get("type") == "string"]
        for key in PREFERRED_TEXT:
            if key in texts:
                return f".{key}"
        if texts:
            return f".{texts[0]}"
    return None


def _list_output(action: Action) -> str | None:
    props = action.output.get("properties", {}) if action.output.get("type") == "object" else {}
    return next((f".{k}" for k, v in props.items() if v.get("type") == "array"), None)


def compile_draft(
    draft: Mapping[str, Any], registry: Registry, facts: Facts, request: str
) -> tuple[dict[str, Any], list[Problem]]:
    """The workflow document for a draft, and the problems found while making it."""
    problems: list[Problem] = []
    raw_steps = draft.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise DraftError(_t("the draft has no steps"))
    ids: list[str] = []
    actions: list[Action] = []
    steps: list[dict[str, Any]] = []
    trigger = trigger_document(facts)
    for n, raw in enumerate(raw_steps):
        action = registry.actions.get(str(raw.get("action")))
        if action is None:
            raise DraftError(_t("step {0} uses an unknown action").format(n + 1))
        base = action.step_id
        step_id = base if base not in ids else f"{base}_{n + 1}"
        params = dict(raw.get("params") or {})
        step: dict[str, Any] = {"id": step_id, "action": action.id}
        for key, value in list(params.items()):
            if not isinstance(value, str):
                continue
            match = re.fullmatch(r"\{\{steps\.s(\d+)\.output\}\}", value)
            if match:
                index = int(match.group(1)) - 1
                if index >= n:
                    message = f"step {n + 1} uses the result of a later step"
                    problems.append(Problem("later_result", n + 1, key, message))
                    continue
                suffix = string_output(actions[index])
                if suffix is None:
                    message = (
                        f"step {n + 1} uses step {index + 1}'s result as text, but that is a list"
                    )
                    problems.append(Problem("list_as_text", n + 1, key, message))
                    continue
                params[key] = f"{{{{steps.{ids[index]}.output{suffix}}}}}"
            if value == "{{item}}":
                source = next(
                    (i for i in range(n - 1, -1, -1) if _list_output(actions[i]) is not None), None
                )
                if source is None:
                    message = f"step {n + 1} uses {{{{item}}}} but nothing is listed before"
                    problems.append(Problem("item_without_listing", n + 1, key, message))
                    continue
                step["for_each"] = (
                    f"{{{{steps.{ids[source]}.output{_list_output(actions[source])}}}}}"
                )
            if key == "destination" and value in facts.paths and is_folder(value):
                params[key] = value.rstrip("/") + "/"
        step["params"] = params
        ids.append(step_id)
        actions.append(action)
        steps.append(step)
    name = str(draft.get("name") or "").strip() or "New workflow"
    document: dict[str, Any] = {
        VERSION_KEY: SCHEMA_VERSION,
        "name": name[:NAME_LENGTH],
        "description": request.strip()[:2000],
        "trigger": trigger,
        "steps": steps,
        "permissions": [],
    }
    document["permissions"], unscoped = derive_permissions(document, registry)
    problems += unscoped
    return document, problems


def derive_permissions(
    document: Mapping[str, Any], registry: Registry
) -> tuple[list[dict[str, str]], list[Problem]]:
    """Exactly the permissions the steps and the trigger need, each as narrow as the
    parameters allow (a file, a folder, a host, a program); and the parameters that name
    nothing the request named."""
    problems: list[Problem] = []
    scopes: dict[tuple[str, str], None] = {}
    trigger = document["trigger"]
    kind = registry.triggers.get(trigger["type"])
    for permission in kind.permissions if kind else ():
        if permission.param and permission.param in trigger:
            scopes[(permission.kind, intent.normalize_path(str(trigger[permission.param])))] = None
    list_folder = {
        s["id"]: folder for s in document["steps"] if (folder := _listed(registry, s)) is not None
    }
    for n, step in enumerate(document["steps"]):
        action = registry.actions.get(step["action"])
        for permission in action.permissions if action else ():
            if not permission.param:  # unscoped, or scoped by the action (an MCP server)
                scopes[(permission.kind, permission.scope)] = None
                continue
            value = step["params"].get(permission.param)
            if value is None:
                continue
            scope = _scope_of(
                permission.kind, permission.param, str(value), step, trigger, list_folder, action
            )
            if scope is None:
                message = f"step {n + 1}: {permission.param} must be something the request names"
                problems.append(Problem("unnamed_scope", n + 1, permission.param, message))
                continue
            scopes[(permission.kind, scope)] = None
    permissions = []
    for kind_name, scope in scopes:
        if kind_name == "files.read" and ("files.write", scope) in scopes:
            continue
        permissions.append({"kind": kind_name, "scope": scope} if scope else {"kind": kind_name})
    return permissions, problems


def _listed(registry: Registry, step: Mapping[str, Any]) -> str | None:
    """The folder a listing step lists (the folder parameter of an action reading one)."""
    action = registry.actions.get(step["action"])
    if action is None or action.planning is None or action.planning.reads != "folder":
        return None
    param = next((k for k, v in action.planning.paths.items() if v == "folder"), None)
    value = step["params"].get(param) if param else None
    return value if isinstance(value, str) else None


def _scope_of(
    kind: str,
    param: str,
    value: str,
    step: Mapping[str, Any],
    trigger: Mapping[str, Any],
    list_folder: Mapping[str, str],
    action: Action | None,
) -> str | None:
    if kind == "network":
        try:
            return url_host(value, param)
        except PermissionError:
            return None
    if kind == "process.run":
        return value
    if value == "{{item}}":
        source = references(str(step.get("for_each", "")))
        list_id = source[0].split(".")[1] if source else ""
        return intent.normalize_path(list_folder[list_id]) if list_id in list_folder else None
    if value == "{{trigger.path}}":
        folder = trigger.get("folder")
        return intent.normalize_path(str(folder)) if folder else None
    if REFERENCE.search(value):
        return None
    path = intent.normalize_path(value)
    if is_folder(path) and (param in ("folder", "destination", "cwd") or value.endswith("/")):
        return path
    return path  # a file: exactly that file
