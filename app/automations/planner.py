"""The planner: a conversation in, a workflow draft (or a question, or a refusal) out.

It never runs anything. It reads the user's words (:mod:`app.automations.intent`), refuses
what no plugin offers or what touches keys and passwords, asks back when the words leave
something open, and otherwise asks the model for a draft under a JSON schema built from the
registered actions and from the request itself: action ids are an enum, each action's
parameters come from its own schema with every string bounded, a path can only be one the
user named, a web address only one the user wrote, a program only one the user quoted. The
local engine turns that schema into a llama.cpp grammar, so the answer always parses.

Parsing is not enough, so the draft is compiled into a workflow document (step names,
``for_each`` over a listing, the permissions each step needs) and its meaning is checked:
the document validates, the trigger is the one the words describe, every thing asked for has
a step, nothing dangerous was added that nobody asked for, and every reference points at an
output that exists. A draft with problems goes back to the model with the problems listed;
after that, to the cloud model when the user allows it; after that, the user is asked.

Content a workflow will later read (files, web pages, the clipboard) is never shown to the
planner: it plans first, the runner executes later, and what a step reads can only ever be
data.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Literal

from app.automations import conditions, intent, zh
from app.automations.api import SCOPED, Action
from app.automations.intent import Facts
from app.automations.plugins import Registry
from app.automations.review import (
    WATCH_EVENTS_DEFAULT as WATCH_EVENTS_DEFAULT,
)
from app.automations.review import (
    Review,
    ReviewPermission,
    ReviewStep,
    review,
    review_text,
    when_in_words,
)
from app.automations.scopes import url_host
from app.automations.workflow import (
    REFERENCE,
    SCHEMA_VERSION,
    VERSION_KEY,
    references,
    validate,
)
from app.core.llm.engine import SamplingParams
from app.core.llm.prompt import ChatMessage

log = logging.getLogger(__name__)

MAX_STEPS = 4
NAME_LENGTH = 40
ATTEMPTS = 3  # local drafts before the cloud (if allowed) or a question
# why a draft is sent to the cloud, as the consent question and the routed notice say it
PLANNER_CLOUD_REASON = "drafting a workflow the local model could not draft"
DRAFT_TOKENS = 400
TEXT_LIMITS = {"template": 160, "text": 160, "body": 160, "instruction": 160, "heading": 60}
DEFAULT_TEXT_LIMIT = 80
# actions that only appear in the grammar when the words ask for them
ONLY_WHEN_ASKED = {
    "files.delete": "deleting files",
    "files.move": "moving files",
    "http.post": "sending data to a web address",
    "clipboard.read": "reading the clipboard",
    "clipboard.write": "putting text on the clipboard",
}
STEP_NAMES = {
    "files.list": "list",
    "files.read": "read",
    "files.write": "write",
    "files.append": "append",
    "files.move": "move",
    "files.copy": "copy",
    "files.delete": "delete",
    "notes.append": "note",
    "model.prompt": "ask_model",
    "http.get": "fetch",
    "http.post": "send",
    "process.run": "run",
    "notify.show": "notify",
}
PREFERRED_TEXT = ("text", "body", "stdout", "first", "path")
# parameters that name one file (never a folder)
FILE_PARAMS = {
    ("files.read", "path"),
    ("files.write", "path"),
    ("files.append", "path"),
    ("notes.append", "file"),
}
# optional free-text parameters a draft may fill (others keep their defaults: a small model
# fills every optional text it is offered, mostly with noise)
OPTIONAL_TEXT = ("title", "body", "heading", "instruction", "pattern", "contains")

Kind = Literal["workflow", "question", "refusal"]
Generate = Callable[[list[ChatMessage], SamplingParams], Awaitable[str]]


@dataclass
class Plan:
    """What the planner answers: a workflow document, or a question, or a refusal."""

    kind: Kind
    text: str = ""
    workflow: dict[str, Any] | None = None
    draft: dict[str, Any] | None = None  # the model's compact draft (refinement edits it)
    request: str = ""
    attempts: int = 0
    used_cloud: bool = False
    repairs: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.workflow is not None:
            out["workflow"] = self.workflow
        if self.text:
            out["text"] = self.text
        return out


# --- the schema the model fills ------------------------------------------------------------


def _is_folder(path: str) -> bool:
    return not PurePosixPath(path.rstrip("/")).suffix


def _text_schema(name: str, schema: Mapping[str, Any], refs: list[str]) -> dict[str, Any]:
    limit = min(int(schema.get("maxLength", DEFAULT_TEXT_LIMIT)), TEXT_LIMITS.get(name, 80))
    free = {"type": "string", "maxLength": max(1, limit)}
    return {"anyOf": [{"enum": refs}, free]} if refs else free


FILE_CHORES = {"files.move", "files.copy", "files.delete"}
USES_TEXT = {
    "model.prompt",
    "notify.show",
    "http.post",
    "files.write",
    "files.append",
    "notes.append",
    "clipboard.write",
}


def relevant_actions(registry: Registry, facts: Facts) -> list[Action]:
    wanted = {a for c in facts.wants for a in c.actions}
    if facts.commands:
        wanted.add("process.run")
    if facts.urls and "http.post" not in wanted:
        wanted.add("http.get")
    if wanted & FILE_CHORES or any(c.name == "listing a folder" for c in facts.wants):
        wanted.add("files.list")
    named_file = any(not _is_folder(p) for p in facts.paths)
    if (named_file or facts.trigger == "folder_watch") and wanted & USES_TEXT:
        wanted.add("files.read")
    words = set(re.findall(r"[a-z]{4,}", facts.text.lower()))
    chosen = []
    for action in registry.actions.values():
        builtin = action.plugin.startswith("app.automations.builtins")
        named = not builtin and bool(words & set(re.findall(r"[a-z]{4,}", action.title.lower())))
        if action.id in wanted or named:
            chosen.append(action)
    return chosen


SINK_ORDER = (
    ("moving files", ("files.move",)),
    ("copying files", ("files.copy",)),
    ("deleting files", ("files.delete",)),
    ("a note", ("notes.append", "files.append", "files.write")),
    ("saving to a file", ("files.write", "files.append", "notes.append")),
    ("sending data to a web address", ("http.post",)),
    ("putting text on the clipboard", ("clipboard.write",)),
    ("a notification", ("notify.show",)),
)
READING = re.compile(r"\b(read|show (?:it|me)|contents?|what it says|tell me what)\b", re.I)


def plan_stages(registry: Registry, facts: Facts) -> list[list[Action]] | None:
    """The steps the words call for, in data-flow order: where the data comes from (a
    program, a web page, a listing, a file), what is done to it (the model, picking lines),
    where it goes (files, notes, a notification); each stage a set of actions the model
    chooses from. None when the words do not say enough (the model then picks freely among
    the relevant actions, one to four steps)."""
    wants = {c.name for c in facts.wants}
    stages: list[tuple[str, ...]] = []
    chores = wants & {"moving files", "copying files", "deleting files"}
    transform: tuple[str, ...] = ()
    if "a summary by the model" in wants or "the model's help" in wants:
        transform = ("model.prompt",)
    elif "picking lines" in wants:
        transform = ("text.lines", "text.match")
    sinks = [actions for name, actions in SINK_ORDER if name in wants]
    if "a note" in wants and "saving to a file" in wants:
        sinks = [a for a in sinks if a != ("files.write", "files.append", "notes.append")]
    if facts.commands:
        stages.append(("process.run",))
    elif "fetching a web page" in wants and "sending data to a web address" not in wants:
        stages.append(("http.get",))
    elif (chores and facts.trigger != "folder_watch" and facts.patterns) or (
        "listing a folder" in wants and not chores
    ):
        stages.append(("files.list",))
    elif (
        transform
        or (READING.search(facts.text) and any(not _is_folder(p) for p in facts.files_named))
        or (facts.trigger == "folder_watch" and transform)
    ):
        stages.append(("files.read",))
    if transform:
        stages.append(transform)
    stages += sinks
    if not stages:
        return None
    available = [[registry.actions[a] for a in stage if a in registry.actions] for stage in stages]
    if any(not stage for stage in available) or len(available) > MAX_STEPS:
        return None
    return available


class DraftSchema:
    """The JSON schema of a draft for one request: built from the registry and the facts."""

    def __init__(self, registry: Registry, facts: Facts, first_position: int = 0) -> None:
        self.registry = registry
        self.facts = facts
        self.first = first_position
        self.after_listing: int | None = None  # the position of a files.list stage
        self.handed_over = False  # "append this …": the text is what the chat hands over

    def path_options(
        self, position: int, param: str, folders_only: bool, files_only: bool = False
    ) -> list[str]:
        facts = self.facts
        named = facts.files_named if not folders_only else [p for p in facts.paths if _is_folder(p)]
        if files_only:
            named = [p for p in named if not _is_folder(p)]
        if facts.trigger == "folder_watch" and param in ("source", "path") and not files_only:
            return ["{{trigger.path}}"]  # the file that arrived, never the whole folder
        listed = self.after_listing is not None and position > self.after_listing
        if listed and param in ("source", "path") and not files_only:
            return ["{{item}}"]  # each listed file
        if facts.trigger == "folder_watch" and param in ("destination", "path", "file"):
            # never into the watched folder: the workflow would set itself off again
            named = [p for p in named if p != facts.watch_folder]
        options = list(named)
        if facts.trigger == "folder_watch" and not folders_only:
            options.append("{{trigger.path}}")
        if position > 0 and not folders_only:
            options.append("{{item}}")
        return options

    def action_schema(self, action: Action, position: int) -> dict[str, Any] | None:
        facts = self.facts
        scoped = {p.param: p.kind for p in action.permissions if p.param and p.kind in SCOPED}
        refs = [f"{{{{steps.s{n}.output}}}}" for n in range(1, position + 1)]
        if facts.trigger == "folder_watch":
            refs += ["{{trigger.path}}", "{{trigger.name}}"]
        properties: dict[str, Any] = {}
        required: list[str] = []
        declared = action.parameters.get("properties", {})
        needed = set(action.parameters.get("required", []))
        for name, schema in declared.items():
            kind = scoped.get(name)
            must = name in needed
            if kind in ("files.read", "files.write"):
                folders_only = name in ("folder", "cwd") or action.id == "files.list"
                must = must or name == "cwd"  # a named folder to run in is the one meant
                options = self.path_options(
                    position, name, folders_only, (action.id, name) in FILE_PARAMS
                )
                if not options:
                    if must:
                        return None
                    continue
                properties[name] = {"enum": options}
            elif kind == "network":
                if not facts.urls:
                    return None
                properties[name] = {"enum": list(facts.urls)}
            elif kind == "process.run":
                if not facts.commands:
                    return None
                properties[name] = {"enum": sorted({c.program for c in facts.commands})}
            elif name == "args" and action.id == "process.run":
                properties[name] = {"enum": [list(c.args) for c in facts.commands]}
            elif name == "cwd" and action.id == "process.run":
                folders = [p for p in facts.paths if _is_folder(p)]
                if not folders:
                    continue
                properties[name] = {"enum": folders}
                must = True
            elif name == "pattern" and facts.patterns and action.id.startswith("files."):
                properties[name] = {"enum": list(facts.patterns)}
                must = True
            elif "enum" in schema:
                properties[name] = {"enum": list(schema["enum"])}
            elif schema.get("type") == "string":
                if not must and name not in OPTIONAL_TEXT:
                    continue
                if name == "instruction" and not any(
                    c.name == "the model's help" for c in facts.wants
                ):
                    continue  # a summary needs none; the model would fill it with noise
                if self.handed_over and name in ("text", "body", "input"):
                    properties[name] = {"enum": ["{{trigger.text}}"]}
                else:
                    properties[name] = _text_schema(name, schema, refs)
            elif schema.get("type") == "boolean" and not must:
                continue
            elif must:
                properties[name] = {k: v for k, v in schema.items() if k != "default"}
            else:
                continue
            if must:
                required.append(name)
        return {
            "type": "object",
            "properties": {
                "action": {"const": action.id},
                "params": {
                    "type": "object",
                    "properties": properties,
                    "required": required,
                    "additionalProperties": False,
                },
            },
            "required": ["action", "params"],
            "additionalProperties": False,
        }

    def actions(self) -> list[Action]:
        """The actions a draft for this request may use: what the words ask for and what
        those need (a listing before moving "the PDFs", a read before a summary), plus any
        plugin action the words name by its title. Narrower is better for a small model:
        it cannot pick what is not offered."""
        return relevant_actions(self.registry, self.facts)

    def step(self, position: int, allowed: Sequence[Action] | None = None) -> dict[str, Any]:
        options = [
            schema
            for action in (allowed if allowed is not None else self.actions())
            if (schema := self.action_schema(action, position)) is not None
        ]
        return {"anyOf": options}

    def build(
        self,
        *,
        with_name: bool = True,
        max_new: int = MAX_STEPS,
        stages: list[list[Action]] | None = None,
    ) -> dict[str, Any]:
        count = max(1, min(max_new, MAX_STEPS))
        if stages is None and self.first == 0:
            stages = plan_stages(self.registry, self.facts)
        steps: dict[str, Any]
        listing = [n for n, st in enumerate(stages or []) if [a.id for a in st] == ["files.list"]]
        self.after_listing = self.first + listing[0] if listing else None
        staged = [self.step(self.first + n, stage) for n, stage in enumerate(stages or [])]
        if any(not step["anyOf"] for step in staged):
            stages = None  # a stage none of whose actions can be filled in: choose freely
            self.after_listing = None
        if stages:
            # the shape the words call for: one step per stage, each from its stage's actions
            steps = {
                "type": "array",
                "prefixItems": staged,
            }
        else:
            steps = {
                "anyOf": [
                    {
                        "type": "array",
                        "prefixItems": [self.step(self.first + n) for n in range(length)],
                    }
                    for length in range(1, count + 1)
                ]
            }
            if not self.step(self.first)["anyOf"]:
                raise DraftError("no action can be filled in with what the request names")
        properties: dict[str, Any] = {}
        if with_name:
            properties["name"] = {"type": "string", "minLength": 3, "maxLength": NAME_LENGTH}
        properties["steps"] = steps
        return {
            "type": "object",
            "properties": properties,
            "required": list(properties),
            "additionalProperties": False,
        }


# --- the prompt ----------------------------------------------------------------------------

EXAMPLES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    (
        "Move the PDFs in ~/Downloads into ~/Downloads/PDFs",
        "By hand. Named: ~/Downloads, ~/Downloads/PDFs; files *.pdf\n"
        "Asked for: moving files (files.move)",
        {
            "name": "Tidy PDFs",
            "steps": [
                {"action": "files.list", "params": {"folder": "~/Downloads", "pattern": "*.pdf"}},
                {
                    "action": "files.move",
                    "params": {"source": "{{item}}", "destination": "~/Downloads/PDFs"},
                },
            ],
        },
    ),
    (
        "When a text file lands in ~/Notes/inbox, summarize it into my journal",
        "When a file appears in ~/Notes/inbox. Named: ~/Notes/inbox, ~/Notes/journal.md\n"
        "Asked for: a summary by the model (model.prompt); a note (notes.append or "
        "files.append or files.write)",
        {
            "name": "Summarize new notes",
            "steps": [
                {"action": "files.read", "params": {"path": "{{trigger.path}}"}},
                {
                    "action": "model.prompt",
                    "params": {"task": "summarize", "input": "{{steps.s1.output}}"},
                },
                {
                    "action": "notes.append",
                    "params": {"file": "~/Notes/journal.md", "text": "{{steps.s2.output}}"},
                },
            ],
        },
    ),
    (
        "Every weekday at 17:00 remind me to write my timesheet",
        "Every weekday at 17:00. Named: nothing\nAsked for: a notification (notify.show)",
        {
            "name": "Timesheet reminder",
            "steps": [
                {
                    "action": "notify.show",
                    "params": {"title": "Timesheet", "body": "Time to write your timesheet"},
                }
            ],
        },
    ),
    (
        "Every hour fetch https://example.com/status and tell me what it says",
        "Every hour. Named: https://example.com/status\nAsked for: a notification "
        "(notify.show); fetching a web page (http.get or http.post)",
        {
            "name": "Status check",
            "steps": [
                {"action": "http.get", "params": {"url": "https://example.com/status"}},
                {
                    "action": "notify.show",
                    "params": {"title": "Status", "body": "{{steps.s1.output}}"},
                },
            ],
        },
    ),
)


# what a folder watch reacts to when its document does not say (the trigger's own default)
def trigger_document(facts: Facts) -> dict[str, Any]:
    if facts.trigger == "schedule":
        if facts.every_minutes is not None:
            return {"type": "schedule", "every_minutes": facts.every_minutes}
        at: dict[str, Any] = {"hour": facts.hour or 0, "minute": facts.minute}
        if tuple(facts.weekdays) != intent.WEEKDAYS:
            at["weekdays"] = list(facts.weekdays)
        return {"type": "schedule", "at": at}
    if facts.trigger == "folder_watch":
        trigger: dict[str, Any] = {"type": "folder_watch", "folder": facts.watch_folder or ""}
        if facts.patterns:
            trigger["pattern"] = facts.patterns[0]
        trigger["events"] = list(facts.watch_events)
        return trigger
    return {"type": facts.trigger}


def _named(facts: Facts) -> str:
    parts = facts.files_named + facts.urls
    parts += [" ".join((c.program, *c.args)) for c in facts.commands]
    named = ", ".join(parts) or "nothing"
    if facts.patterns:
        named += "; files " + ", ".join(facts.patterns)
    return named


def _context(facts: Facts) -> str:
    context = f"{when_in_words(trigger_document(facts))}. Named: {_named(facts)}"
    asked = [f"{c.name} ({' or '.join(c.actions)})" for c in facts.wants]
    if facts.commands:
        asked.append("running a program (process.run)")
    if asked:
        context += "\nAsked for: " + "; ".join(asked)
    return context


def system_prompt(registry: Registry, actions: Sequence[Action]) -> str:
    lines = [
        "You turn a request into a Steward workflow draft, as JSON. Steps run in order; each "
        "step is one action. A step can use an earlier step's result as {{steps.s1.output}} "
        "(s1 is the first step, s2 the second, ...). After a files.list step, {{item}} is "
        "each listed file. Use only the paths, web addresses and programs the request names. "
        "Add no step the request does not ask for.",
        "",
        "Actions:",
    ]
    lines += [f"- {a.id}: {a.title}. {a.description}" for a in actions]
    return "\n".join(lines)


def few_shot(registry: Registry) -> list[ChatMessage]:
    messages = []
    for request, context, draft in EXAMPLES:
        if all(step["action"] in registry.actions for step in draft["steps"]):
            messages.append(ChatMessage("user", f"Request: {request}\nWhen: {context}"))
            messages.append(ChatMessage("assistant", json.dumps(draft)))
    return messages


# --- from draft to document ----------------------------------------------------------------


class DraftError(ValueError):
    pass


def _string_output(action: Action) -> str | None:
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
) -> tuple[dict[str, Any], list[str]]:
    """The workflow document for a draft, and the problems found while making it."""
    problems: list[str] = []
    raw_steps = draft.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise DraftError("the draft has no steps")
    ids: list[str] = []
    actions: list[Action] = []
    steps: list[dict[str, Any]] = []
    trigger = trigger_document(facts)
    for n, raw in enumerate(raw_steps):
        action = registry.actions.get(str(raw.get("action")))
        if action is None:
            raise DraftError(f"step {n + 1} uses an unknown action")
        base = STEP_NAMES.get(action.id, re.sub(r"[^a-z0-9_]", "_", action.id.split(".")[-1]))
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
                    problems.append(f"step {n + 1} uses the result of a later step")
                    continue
                suffix = _string_output(actions[index])
                if suffix is None:
                    problems.append(
                        f"step {n + 1} uses step {index + 1}'s result as text, but that is a list"
                    )
                    continue
                params[key] = f"{{{{steps.{ids[index]}.output{suffix}}}}}"
            if value == "{{item}}":
                source = next(
                    (i for i in range(n - 1, -1, -1) if _list_output(actions[i]) is not None), None
                )
                if source is None:
                    problems.append(f"step {n + 1} uses {{{{item}}}} but nothing is listed before")
                    continue
                step["for_each"] = (
                    f"{{{{steps.{ids[source]}.output{_list_output(actions[source])}}}}}"
                )
            if key == "destination" and value in facts.paths and _is_folder(value):
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
) -> tuple[list[dict[str, str]], list[str]]:
    """Exactly the permissions the steps and the trigger need, each as narrow as the
    parameters allow (a file, a folder, a host, a program); and the parameters that name
    nothing the request named."""
    problems: list[str] = []
    scopes: dict[tuple[str, str], None] = {}
    trigger = document["trigger"]
    kind = registry.triggers.get(trigger["type"])
    for permission in kind.permissions if kind else ():
        if permission.param and permission.param in trigger:
            scopes[(permission.kind, intent.normalize_path(str(trigger[permission.param])))] = None
    list_folder = {
        s["id"]: s["params"]["folder"]
        for s in document["steps"]
        if s["action"] == "files.list" and isinstance(s["params"].get("folder"), str)
    }
    for n, step in enumerate(document["steps"]):
        action = registry.actions.get(step["action"])
        for permission in action.permissions if action else ():
            if not permission.param:
                scopes[(permission.kind, "")] = None
                continue
            value = step["params"].get(permission.param)
            if value is None:
                continue
            scope = _scope_of(
                permission.kind, permission.param, str(value), step, trigger, list_folder, action
            )
            if scope is None:
                problems.append(
                    f"step {n + 1}: {permission.param} must be something the request names"
                )
                continue
            scopes[(permission.kind, scope)] = None
    permissions = []
    for kind_name, scope in scopes:
        if kind_name == "files.read" and ("files.write", scope) in scopes:
            continue
        permissions.append({"kind": kind_name, "scope": scope} if scope else {"kind": kind_name})
    return permissions, problems


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
    if _is_folder(path) and (param in ("folder", "destination", "cwd") or value.endswith("/")):
        return path
    return path  # a file: exactly that file


# --- meaning -------------------------------------------------------------------------------


def meaning_problems(document: Mapping[str, Any], registry: Registry, facts: Facts) -> list[str]:
    """What is wrong with a compiled draft beyond its schema."""
    workflow, found = validate(dict(document), registry)
    problems = [str(p) for p in found]
    steps = document.get("steps", [])
    used = {s["action"] for s in steps}
    for capability in facts.wants:
        offered = [a for a in capability.actions if a in registry.actions]
        if offered and not used & set(offered):
            problems.append(
                f"the request asks for {capability.name}, but no step uses " + " or ".join(offered)
            )
    if facts.condition is not None and not conditions.tested(document, facts.condition):
        problems.append(
            f"the request acts {facts.condition.in_words()}, but no step tests the text"
        )
    for action_id, asked in ONLY_WHEN_ASKED.items():
        if action_id in used and not any(c.name == asked for c in facts.wants):
            problems.append(f"{action_id} was not asked for")
    if "process.run" in used and not facts.commands:
        problems.append("process.run was not asked for")
    if facts.commands and "process.run" not in used and "process.run" in registry.actions:
        problems.append(f"the request runs {facts.commands[0].program}, but no step runs it")
    for n, step in enumerate(steps):
        if _aimless_prompt(step):
            problems.append(f"step {n + 1}: model.prompt has neither a task nor an instruction")
    named = [intent.normalize_path(p) for p in facts.files_named]
    for n, step in enumerate(steps):
        for key, value in step.get("params", {}).items():
            if not isinstance(value, str) or REFERENCE.search(value):
                continue
            action = registry.actions.get(step["action"])
            scoped = {p.param for p in action.permissions if p.param} if action else set()
            if key in scoped and step["action"] not in ("process.run",):
                if value.startswith(("http://", "https://")):
                    if value not in facts.urls:
                        problems.append(
                            f"step {n + 1}: {value} is not an address the request names"
                        )
                    continue
                path = intent.normalize_path(value)
                if intent.is_sensitive(path):
                    problems.append(f"step {n + 1}: {value} holds keys or system settings")
                elif not any(path == p or path.startswith(p + "/") for p in named):
                    problems.append(f"step {n + 1}: {value} is not a place the request names")
        if (
            n
            and step.get("params") == steps[n - 1].get("params")
            and step["action"] == steps[n - 1]["action"]
        ):
            problems.append(f"step {n + 1} repeats step {n}")
    if (
        facts.patterns
        and not any(
            s["action"] == "files.list" and s.get("params", {}).get("pattern") in facts.patterns
            for s in steps
        )
        and document.get("trigger", {}).get("pattern") not in facts.patterns
    ):
        problems.append(
            f"the request is about {facts.patterns[0]} files, but no step lists them "
            f"(files.list with the pattern {facts.patterns[0]})"
        )
    for n, step in enumerate(steps):
        path = step.get("params", {}).get("path")
        if step["action"] == "files.read" and isinstance(path, str) and not REFERENCE.search(path):
            later = steps[n + 1 :]
            if any(
                path in (s.get("params", {}).get("path"), s.get("params", {}).get("file"))
                for s in later
            ):
                problems.append(f"step {n + 1} reads {path}, which a later step writes")
    watched = document.get("trigger", {}).get("folder")
    mentioned = [
        f'"{p}"' for s in steps for p in s.get("params", {}).values() if isinstance(p, str)
    ] + [json.dumps(document.get("trigger", {}))]
    for path in facts.files_named:
        if not any(f'"{path}' in text for text in mentioned):
            problems.append(f"the request names {path}, but no step uses it")
    for n, step in enumerate(steps):
        params = step.get("params", {})
        if (
            watched
            and step["action"] != "files.list"
            and watched in (params.get("source"), params.get("path"))
        ):
            problems.append(
                f"step {n + 1} acts on the whole watched folder; the file that arrived is "
                "{{trigger.path}}"
            )
        source, target = params.get("source"), params.get("destination")
        if (
            isinstance(source, str)
            and isinstance(target, str)
            and _backwards(facts.text, source, target)
        ):
            problems.append(f"step {n + 1} goes the wrong way: from {target} to {source}")
    trigger = document.get("trigger", {})
    if trigger != trigger_document(facts):
        problems.append(f"the trigger should be: {when_in_words(trigger_document(facts))}")
    if workflow is not None:
        referenced = {
            ref.split(".")[1]
            for s in steps
            for _, text in _strings(s)
            for ref in references(text)
            if ref.startswith("steps.")
        }
        for n, step in enumerate(steps[:-1]):
            if _is_source(registry.actions[step["action"]]) and step["id"] not in referenced:
                problems.append(f"step {n + 1}'s result is never used")
    return problems


SINKS = {a for _, actions in SINK_ORDER for a in actions}


def _is_source(action: Action) -> bool:
    """Does the step exist for its result (rather than for what it does)?"""
    if action.plugin.startswith("app.automations.builtins"):
        return action.id not in SINKS
    return not any(
        p.kind in ("files.write", "network", "process.run", "notify", "clipboard")
        for p in action.permissions
    )


def _position(text: str, path: str) -> int:
    path = path.rstrip("/")
    found = [m.start() for m in re.finditer(re.escape(path) + r"(?![\w.-])", text)]
    if not found and path.startswith("~/"):
        found = [m.start() for m in re.finditer(re.escape(path[2:]) + r"(?![\w.-])", text)]
    return found[0] if found else -1


def _backwards(text: str, source: str, target: str) -> bool:
    """Does the request name ``target`` before ``source`` ("to X from Y" aside)?"""
    if REFERENCE.search(source) or REFERENCE.search(target):
        return False
    a, b = _position(text, source), _position(text, target)
    return a >= 0 and b >= 0 and b < a and not re.search(r"\bfrom\b", text[b:a], re.I)


def _strings(step: Mapping[str, Any]) -> list[tuple[str, str]]:
    out = [("for_each", step["for_each"])] if step.get("for_each") else []
    out += [(k, v) for k, v in step.get("params", {}).items() if isinstance(v, str)]
    return out


def _aimless_prompt(step: Mapping[str, Any]) -> bool:
    """A model step that would fail when it runs: a custom prompt with no instruction."""
    params = step.get("params", {})
    return (
        step.get("action") == "model.prompt"
        and params.get("task", "custom") == "custom"
        and not str(params.get("instruction", "")).strip()
    )


def repair(
    document: dict[str, Any], problems: list[str], facts: Facts, registry: Registry
) -> list[str]:
    """Fix what can be fixed without guessing; returns what was done."""
    done = []
    steps = document["steps"]
    # a summary was asked for and the model step says neither what to do nor how
    if any(c.name == "a summary by the model" for c in facts.wants):
        for n, step in enumerate(steps):
            if _aimless_prompt(step):
                step["params"]["task"] = "summarize"
                done.append(f"step {n + 1} summarizes, as asked")
    # a result nobody uses, followed by a step with a free text: the text is the result
    # ("read ~/todo.md and show it in a notification")
    used = {
        ref.split(".")[1]
        for s in steps
        for _, text in _strings(s)
        for ref in references(text)
        if ref.startswith("steps.")
    }
    for n, step in enumerate(steps[:-1]):
        action = registry.actions.get(step["action"])
        suffix = _string_output(action) if action else None
        if (
            step["id"] in used
            or suffix is None
            or f"step {n + 1}'s result is never used" not in problems
        ):
            continue
        after = steps[n + 1]
        for key in ("input", "body", "text"):
            value = after["params"].get(key)
            if isinstance(value, str) and not REFERENCE.search(value):
                after["params"][key] = f"{{{{steps.{step['id']}.output{suffix}}}}}"
                done.append(f"step {n + 2} now uses step {n + 1}'s result")
                used.add(step["id"])
                break
    # a read of the file a later step writes, while a file the request names goes unread
    unread = [
        p
        for p in facts.files_named
        if not _is_folder(p) and f"the request names {p}, but no step uses it" in problems
    ]
    for n, step in enumerate(steps):
        path = step["params"].get("path")
        watch = document["trigger"].get("type") == "folder_watch"
        if step["action"] != "files.read" or not (unread or watch) or not isinstance(path, str):
            continue
        written = any(
            path in (s["params"].get("path"), s["params"].get("file")) for s in steps[n + 1 :]
        )
        if written and document["trigger"].get("type") == "folder_watch":
            step["params"]["path"] = "{{trigger.path}}"
            done.append(f"step {n + 1} now reads the file that arrived")
            document["permissions"] = derive_permissions(document, registry)[0]
        elif written:
            step["params"]["path"] = unread.pop(0)
            done.append(f"step {n + 1} now reads {step['params']['path']}")
            document["permissions"] = derive_permissions(document, registry)[0]
    # a step that only reads and whose result nobody uses does nothing: leave it out
    for n in range(len(steps) - 2, -1, -1):
        step = steps[n]
        action = registry.actions.get(step["action"])
        quiet = action is not None and all(
            p.kind in ("files.read", "model") for p in action.permissions
        )
        if (
            quiet
            and step["id"] not in used
            and not any(
                step["id"] in ref for s in steps for _, t in _strings(s) for ref in references(t)
            )
        ):
            del steps[n]
            done.append(f"left out step {n + 1} ({step['action']}): its result was never used")
    if any("left out" in d for d in done):
        document["permissions"] = derive_permissions(document, registry)[0]
    for n, step in enumerate(steps):
        params = step["params"]
        source, target = params.get("source"), params.get("destination")
        if f"step {n + 1} goes the wrong way: from {target} to {source}" in problems:
            params["source"] = str(target).rstrip("/") if isinstance(target, str) else target
            params["destination"] = (
                f"{source}/" if isinstance(source, str) and _is_folder(source) else source
            )
            done.append(
                f"step {n + 1} now copies from {params['source']} to {params['destination']}"
            )
    if any("now copies from" in d for d in done):
        document["permissions"] = derive_permissions(document, registry)[0]
    wanted_notification = any(c.name == "a notification" for c in facts.wants)
    if wanted_notification and not any(s["action"] == "notify.show" for s in steps):
        last = steps[-1]
        body = f"{document['name']} ran"
        if last["action"] in ("model.prompt", "http.get", "files.read"):
            suffix = ".body" if last["action"] == "http.get" else ""
            body = f"{{{{steps.{last['id']}.output{suffix}}}}}"
        steps.append(
            {
                "id": "notify",
                "action": "notify.show",
                "params": {"title": document["name"], "body": body},
            }
        )
        document["permissions"] = derive_permissions(document, registry)[0]
        done.append("added the notification the request asks for")
    return done


# --- the planner ---------------------------------------------------------------------------


def _join(conversation: Sequence[str] | str) -> str:
    if isinstance(conversation, str):
        return conversation
    return "\n".join(m.strip() for m in conversation if m.strip())


REMOVE = re.compile(r"\b(don'?t|do not|no need|remove|drop|without|skip|no more|stop)\b", re.I)
REFINE = re.compile(
    r"\b(also|too|as well|instead|make it|change|rather|actually|and then|then also|plus)\b|"
    r"^\s*(and|but)\b",
    re.I,
)


def _apply_trigger(facts: Facts, trigger: Mapping[str, Any]) -> None:
    """Set the trigger facts from a draft's trigger (refinement keeps what was agreed)."""
    facts.trigger = str(trigger.get("type", "manual"))
    facts.every_minutes = trigger.get("every_minutes")
    at = trigger.get("at") or {}
    facts.hour = at.get("hour")
    facts.minute = int(at.get("minute", 0))
    facts.weekdays = tuple(at.get("weekdays") or intent.WEEKDAYS)
    facts.watch_folder = trigger.get("folder")
    facts.watch_events = tuple(trigger.get("events") or ("created",))
    pattern = trigger.get("pattern")
    if pattern:
        facts.patterns = [pattern, *[p for p in facts.patterns if p != pattern]]


PROPOSABLE = {"a note", "listing a folder", "saving to a file"}
THIS = re.compile(r"\b(this|that|it|the answer|your answer)\b", re.I)


def _in_their_language(result: Plan, words: str) -> Plan:
    """A question or refusal to words written in Chinese is said in Chinese."""
    if result.kind != "workflow" and zh.has_chinese(words):
        result.text = zh.say(result.text)
    return result


def looks_like_refinement(message: str) -> bool:
    return bool(REFINE.search(message) or REMOVE.search(message))


class Planner:
    def __init__(
        self,
        registry: Registry,
        generate: Generate | None,
        *,
        cloud: Generate | None = None,
        attempts: int = ATTEMPTS,
        conversation_key: str = "steward-planner",
    ) -> None:
        self.registry = registry
        self.generate = generate
        self.cloud = cloud
        self.attempts = max(1, attempts)
        self.conversation_key = conversation_key
        self._handed_over = False  # propose(): text params may be {{trigger.text}}
        self._offered = [
            f"{a.id} {a.title} {a.description}".lower() for a in registry.actions.values()
        ]

    # public -------------------------------------------------------------------------------

    async def plan(self, conversation: Sequence[str] | str) -> Plan:
        """A draft for the user's messages so far (joined: a request may span several)."""
        started = time.perf_counter()
        request = _join(conversation)
        result = _in_their_language(await self._plan(request), request)
        result.request = request
        result.seconds = time.perf_counter() - started
        return result

    async def propose(self, message: str, handed_over: str = "") -> Plan | None:
        """One action for an ordinary chat message ("append this to my notes", "list my
        Downloads folder"), or None when the message asks for no action. ``handed_over``
        is the text "this" refers to (the last answer); the step receives it as
        {{trigger.text}} when it runs, so it is never read as part of the workflow."""
        if intent.looks_like_automation(message):
            return None
        facts = intent.read(message)
        names = {c.name for c in facts.wants}
        if not names or not names <= PROPOSABLE or facts.sensitive or facts.missing:
            return None
        if facts.unclear or not facts.files_named:
            return None
        self._handed_over = bool(handed_over) and bool(THIS.search(message))
        try:
            result = await self._plan(message)
        finally:
            self._handed_over = False
        if result.kind != "workflow" or result.workflow is None:
            return None
        if len(result.workflow["steps"]) != 1:
            return None
        result.request = message
        return result

    async def refine(self, previous: Plan, message: str) -> Plan:
        """The draft changed as ``message`` says ("also notify me", "make it 9 am instead"),
        keeping the rest; anything else is planned again from all the words."""
        started = time.perf_counter()
        result = _in_their_language(await self._refine(previous, message), message)
        result.seconds = time.perf_counter() - started
        return result

    # checks before the model ---------------------------------------------------------------

    def _before_model(self, facts: Facts) -> Plan | None:
        if facts.destructive:
            return Plan(
                "refusal",
                f"I won't draft a workflow that {facts.destructive[0]}: what it destroys can't "
                "be brought back. Name the files to remove (a folder of their own, or a kind "
                "such as *.tmp) and I can draft that.",
            )
        if facts.sensitive:
            places = ", ".join(facts.sensitive)
            return Plan(
                "refusal",
                f"I won't draft a workflow that touches {places}: keys, passwords and system "
                "settings stay out of automations.",
            )
        missing = intent.missing_capabilities(facts, self._offered)
        if missing:
            return Plan(
                "refusal",
                f"I can't {missing[0]}: no installed plugin offers it. Plugins can add actions "
                "(see the plugin guide); the rest of Steward's actions are listed with "
                "`steward plugins list`.",
            )
        if facts.unclear:
            return Plan("question", facts.unclear[0])
        if (
            {c.name for c in facts.wants} == {"a notification"}
            and facts.trigger == "manual"
            and not (facts.urls or facts.paths or facts.commands)
        ):  # a notification shown when you start it yourself tells you nothing
            return Plan(
                "question",
                'When should I notify you, and of what? For example: "every weekday at 9 '
                'remind me to stretch" or "when a PDF lands in ~/Downloads, notify me".',
            )
        if facts.condition is not None and facts.condition.negated:
            return Plan(
                "question",
                f"A workflow can act when a text contains {facts.condition.term!r}, but not when "
                "it lacks it. What does the text say when it should act?",
            )
        if not facts.wants and not facts.commands and not facts.urls:
            return Plan(
                "question",
                'What should happen, and when? For example: "every weekday at 8:30, append a '
                'task list to ~/Notes/journal.md" or "when a PDF lands in ~/Downloads, move '
                'it to ~/Documents/PDFs".',
            )
        needs_place = {"moving files", "copying files", "deleting files", "listing a folder"}
        if any(c.name in needs_place for c in facts.wants) and not facts.paths:
            return Plan(
                "question", "Which folder (or file) do you mean? Name it, like ~/Downloads."
            )
        if any(c.name == "copying files" for c in facts.wants) and len(facts.paths) < 2:
            return Plan("question", "Copy from where to where? Name both folders.")
        if any(c.name == "moving files" for c in facts.wants) and len(facts.paths) < 2:
            return Plan("question", "Move the files from where to where? Name both folders.")
        return None

    # the model ---------------------------------------------------------------------------

    async def _ask(
        self,
        generate: Generate,
        messages: list[ChatMessage],
        schema: dict[str, Any],
        seed: int,
        temperature: float,
    ) -> dict[str, Any] | None:
        params = SamplingParams(
            temperature=temperature,
            top_p=0.95,
            max_tokens=DRAFT_TOKENS,
            seed=seed,
            json_schema=json.dumps(schema, separators=(",", ":")),
        )
        text = await generate(messages, params)
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            log.info("planner: the answer was not JSON (%d characters)", len(text))
            return None
        return value if isinstance(value, dict) else None

    def _messages(
        self, facts: Facts, request: str, actions: Sequence[Action], extra: list[ChatMessage]
    ) -> list[ChatMessage]:
        return [
            # every action, in registry order: the same prefix for every request, so the
            # engine's cache skips it after the first request
            ChatMessage(
                "system", system_prompt(self.registry, list(self.registry.actions.values()))
            ),
            *few_shot(self.registry),
            ChatMessage("user", f"Request: {request}\nWhen: {_context(facts)}"),
            *extra,
        ]

    async def _plan(self, request: str) -> Plan:
        facts = intent.read(request)
        early = self._before_model(facts)
        if early is not None:
            return early
        builder = DraftSchema(self.registry, facts)
        builder.handed_over = self._handed_over
        try:
            schema = builder.build()
        except DraftError:
            return Plan(
                "question",
                "Which file or folder should it work on, and what should happen to it? Name "
                "them, like ~/Notes/journal.md.",
            )
        # the words as read (a request in Chinese, in the reader's English)
        base = self._messages(facts, facts.text, builder.actions(), [])
        return await self._draft_loop(base, schema, facts, facts.text, prefix=[])

    async def _draft_loop(
        self,
        base: list[ChatMessage],
        schema: dict[str, Any],
        facts: Facts,
        request: str,
        prefix: list[dict[str, Any]],
        name: str = "",
    ) -> Plan:
        extra: list[ChatMessage] = []
        last: list[str] = []
        # with no local model, the cloud (when allowed) drafts alone
        local = [(self.generate, False)] * self.attempts if self.generate is not None else []
        sources: list[tuple[Generate, bool]] = local
        if self.cloud is not None:
            sources.append((self.cloud, True))
        for attempt, (generate, is_cloud) in enumerate(sources, 1):
            try:
                draft = await self._ask(
                    generate,
                    base + extra,
                    schema,
                    seed=attempt * 7,
                    temperature=0.3 * (attempt > 1),
                )
            except Exception as exc:  # the cloud refused or failed: ask the user instead
                if not is_cloud:
                    raise
                log.info("planner: the cloud model was not used (%s)", type(exc).__name__)
                break
            if draft is None:
                last = ["the answer was not a JSON object"]
                continue
            if prefix:
                draft = {"name": name, "steps": [*prefix, *draft.get("steps", [])]}
            try:
                document, problems = compile_draft(draft, self.registry, facts, request)
            except DraftError as exc:
                last = [str(exc)]
                continue
            repairs: list[str] = []
            if facts.condition is not None:
                gated = conditions.gate(document, facts.condition, self.registry, _string_output)
                repairs += [gated] if gated else []
            problems += meaning_problems(document, self.registry, facts)
            if problems:
                fixed = repair(document, problems, facts, self.registry)
                if fixed and facts.condition is not None:  # a step the condition governs
                    gated = conditions.gate(
                        document, facts.condition, self.registry, _string_output
                    )
                    fixed += [gated] if gated else []
                if fixed:
                    repairs += fixed
                    problems = meaning_problems(document, self.registry, facts)
            if not problems:
                if repairs:
                    log.info("planner: repaired the draft (%d repairs)", len(repairs))
                return Plan(
                    "workflow",
                    workflow=document,
                    draft=draft,
                    attempts=attempt,
                    used_cloud=is_cloud,
                    repairs=repairs,
                )
            last = problems
            log.info("planner: attempt %d had %d problems", attempt, len(problems))
            extra = [
                ChatMessage("assistant", json.dumps(draft)),
                ChatMessage(
                    "user",
                    "That draft has problems:\n- "
                    + "\n- ".join(problems[:4])
                    + "\nWrite the corrected draft.",
                ),
            ]
        listed = "; ".join(last[:2]) if last else "the drafts did not fit the request"
        return Plan(
            "question",
            "I couldn't draft a workflow I'm sure matches what you asked "
            f"({listed}). Could you say it in other words, naming the folders and what should "
            "happen step by step?",
            attempts=len(sources),
        )

    async def _refine(self, previous: Plan, message: str) -> Plan:
        request = f"{previous.request}\n{message}".strip()
        if previous.kind != "workflow" or previous.draft is None:
            result = await self._plan(request)
            result.request = request
            return result
        old = intent.read(previous.request)
        new = intent.read(message)
        early = self._before_model(new) if new.sensitive or new.missing else None
        if early is not None:
            early.request = previous.request
            return early
        facts = intent.read(request)
        # what was asked for and is in the draft (a step removed earlier is not asked for)
        used = {s["action"] for s in previous.draft["steps"]}
        facts.wants = [c for c in old.wants if set(c.actions) & used]
        facts.unclear = []
        _apply_trigger(facts, (previous.workflow or {}).get("trigger", {"type": "manual"}))
        old = Facts(text=previous.request)
        _apply_trigger(old, (previous.workflow or {}).get("trigger", {"type": "manual"}))
        if new.trigger != "manual" or new.unclear:
            at_time = old.trigger == "schedule" and old.every_minutes is None
            merge = (
                at_time and new.every_minutes is None and (new.hour is not None or new.days_named)
            )
            if new.unclear and not merge:
                return Plan("question", new.unclear[0], request=previous.request)
            if merge:  # "make it 9 am instead", "only on weekdays": the rest stays
                if new.hour is not None:
                    facts.hour, facts.minute = new.hour, new.minute
                facts.weekdays = new.weekdays if new.days_named else old.weekdays
            else:
                facts.trigger, facts.every_minutes = new.trigger, new.every_minutes
                facts.hour, facts.minute = new.hour, new.minute
                facts.weekdays = new.weekdays if new.days_named else old.weekdays
                facts.watch_folder, facts.watch_events = new.watch_folder, new.watch_events
        steps = list(previous.draft["steps"])
        if REMOVE.search(message):
            drop = {a for c in new.wants for a in c.actions}
            kept = [s for s in steps if s["action"] not in drop]
            if kept and len(kept) < len(steps):
                steps = kept
                facts.wants = [c for c in facts.wants if c not in new.wants]
            new.wants = []
        added = [c for c in new.wants if not {s["action"] for s in steps} & set(c.actions)]
        facts.wants += [c for c in added if c not in facts.wants]
        draft = {"name": previous.draft.get("name", ""), "steps": steps}
        if not added:
            document, problems = compile_draft(draft, self.registry, facts, request)
            problems += meaning_problems(document, self.registry, facts)
            if problems:
                return await self._replan(request)
            return Plan("workflow", workflow=document, draft=draft, request=request)
        if len(steps) >= MAX_STEPS:
            return Plan(
                "question",
                f"A drafted workflow has at most {MAX_STEPS} steps; edit the JSON to add more?",
                request=previous.request,
            )
        builder = DraftSchema(self.registry, facts, first_position=len(steps))
        # only the new things asked for, as stages of their own ("also notify me": one step)
        sinks = [
            [self.registry.actions[a] for a in actions if a in self.registry.actions]
            for name, actions in SINK_ORDER
            if any(c.name == name for c in added)
        ]
        schema = builder.build(
            with_name=False,
            max_new=MAX_STEPS - len(steps),
            stages=[s for s in sinks if s][: MAX_STEPS - len(steps)] or None,
        )
        current = json.dumps({"steps": steps})
        base = self._messages(
            facts,
            message,
            builder.actions(),
            [],
        )
        base[-1] = ChatMessage(
            "user",
            f"Current draft: {current}\nAdd only the new steps for: {message}\n"
            f"When: {_context(facts)}",
        )
        result = await self._draft_loop(
            base, schema, facts, request, prefix=steps, name=str(draft["name"])
        )
        result.request = request
        return result

    async def _replan(self, request: str) -> Plan:
        result = await self._plan(request)
        result.request = request
        return result


def engine_generate_json(engine: Any, conversation_key: str = "steward-planner") -> Generate:
    """The local engine as the planner uses it: messages in, the whole (grammar-bound)
    answer out."""
    from app.core.llm.engine import TokenEvent

    async def generate(messages: list[ChatMessage], params: SamplingParams) -> str:
        pieces: list[str] = []
        async for event in engine.generate(messages, conversation=conversation_key, params=params):
            if isinstance(event, TokenEvent):
                pieces.append(event.text)
        return "".join(pieces)

    return generate


__all__ = [
    "DraftSchema",
    "Plan",
    "Planner",
    "Review",
    "ReviewPermission",
    "ReviewStep",
    "compile_draft",
    "engine_generate_json",
    "looks_like_refinement",
    "meaning_problems",
    "review",
    "review_text",
    "trigger_document",
    "when_in_words",
]
