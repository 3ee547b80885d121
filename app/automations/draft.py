"""What the model is asked for when it drafts a workflow: the actions a request calls for
(in data-flow order: where the data comes from, what is done to it, where it goes), the JSON
schema of a draft built from those actions and from the request itself (a path can only be
one the user named, a web address only one the user wrote, a program only one the user
quoted; every string bounded), and the system prompt with its worked examples. The local
engine turns the schema into a llama.cpp grammar, so the answer always parses."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any, Literal

from app.automations import intent
from app.automations.api import SCOPED, Action
from app.automations.intent import Facts
from app.automations.plugins import Registry
from app.automations.review import when_in_words
from app.core.llm.prompt import ChatMessage

MAX_STEPS = 4


NAME_LENGTH = 40


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


def is_folder(path: str) -> bool:
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
    named_file = any(not is_folder(p) for p in facts.paths)
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
    elif ("fetching a web page" in wants or (facts.urls and sinks)) and (
        "sending data to a web address" not in wants or len(facts.urls) > 1
    ):  # fetched from an address the words name ("save https://… to ~/x"; with two named,
        # sent to the other)
        stages.append(("http.get",))
    elif "reading the clipboard" in wants:
        stages.append(("clipboard.read",))
    elif (chores and facts.trigger != "folder_watch" and facts.patterns) or (
        "listing a folder" in wants and not chores
    ):
        stages.append(("files.list",))
    elif (
        transform
        or (READING.search(facts.text) and any(not is_folder(p) for p in facts.files_named))
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


# how much of a draft's shape the schema fixes: "fixed" (the stages the words call for, one
# step each: what a small model needs) or "free" (one to four steps from the actions the
# request calls for, in any order: for a model that drafts well on its own). The meaning
# checks are the same for both.
Shapes = Literal["fixed", "free"]
SHAPES: tuple[Shapes, ...] = ("fixed", "free")


class _Unfillable(Exception):
    """A parameter the step needs has nothing the request names to fill it with."""


def _enum(options: list[str], must: bool) -> tuple[dict[str, Any], bool] | None:
    if options:
        return {"enum": options}, must
    if must:
        raise _Unfillable
    return None


class DraftSchema:
    """The JSON schema of a draft for one request: built from the registry and the facts."""

    def __init__(
        self,
        registry: Registry,
        facts: Facts,
        first_position: int = 0,
        shapes: Shapes = "fixed",
    ) -> None:
        self.registry = registry
        self.facts = facts
        self.first = first_position
        self.shapes = shapes
        self.after_listing: int | None = None  # the position of a files.list stage
        self.handed_over = False  # "append this …": the text is what the chat hands over

    def path_options(
        self, position: int, param: str, folders_only: bool, files_only: bool = False
    ) -> list[str]:
        facts = self.facts
        named = facts.files_named if not folders_only else [p for p in facts.paths if is_folder(p)]
        if files_only:
            named = [p for p in named if not is_folder(p)]
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
        """The schema of one step using ``action`` at ``position``: each parameter limited to
        what the request names; None when a required one has nothing to be filled with."""
        scoped = {p.param: p.kind for p in action.permissions if p.param and p.kind in SCOPED}
        refs = [f"{{{{steps.s{n}.output}}}}" for n in range(1, position + 1)]
        if self.facts.trigger == "folder_watch":
            refs += ["{{trigger.path}}", "{{trigger.name}}"]
        properties: dict[str, Any] = {}
        required: list[str] = []
        needed = set(action.parameters.get("required", []))
        try:
            for name, schema in action.parameters.get("properties", {}).items():
                filled = self._parameter(
                    action, name, schema, scoped.get(name), name in needed, position, refs
                )
                if filled is None:
                    continue
                properties[name], must = filled
                if must:
                    required.append(name)
        except _Unfillable:
            return None
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

    def _parameter(
        self,
        action: Action,
        name: str,
        schema: Mapping[str, Any],
        kind: str | None,
        must: bool,
        position: int,
        refs: list[str],
    ) -> tuple[dict[str, Any], bool] | None:
        """One parameter's schema and whether the draft must fill it; None to leave it out
        (its default applies). Raises _Unfillable when a required one cannot be filled."""
        facts = self.facts
        if kind in ("files.read", "files.write"):
            return self._path(action, name, must, position)
        if kind == "network":  # an address the request wrote, or no such step
            if not facts.urls:
                raise _Unfillable
            return {"enum": list(facts.urls)}, must
        if kind == "process.run":
            if not facts.commands:
                raise _Unfillable
            return {"enum": sorted({c.program for c in facts.commands})}, must
        if name == "args" and action.id == "process.run":
            return {"enum": [list(c.args) for c in facts.commands]}, must
        if name == "cwd" and action.id == "process.run":
            folders = [p for p in facts.paths if is_folder(p)]
            return ({"enum": folders}, True) if folders else None
        if name == "pattern" and facts.patterns and action.id.startswith("files."):
            return {"enum": list(facts.patterns)}, True
        if "enum" in schema:
            return {"enum": list(schema["enum"])}, must
        if schema.get("type") == "string":
            return self._text(name, schema, must, refs)
        if must:
            return {k: v for k, v in schema.items() if k != "default"}, True
        return None

    def _path(
        self, action: Action, name: str, must: bool, position: int
    ) -> tuple[dict[str, Any], bool] | None:
        folders_only = name in ("folder", "cwd") or action.id == "files.list"
        options = self.path_options(position, name, folders_only, (action.id, name) in FILE_PARAMS)
        if name == "cwd" and options:
            return {"enum": options}, True  # a named folder to run in is the one meant
        return _enum(options, must)

    def _text(
        self, name: str, schema: Mapping[str, Any], must: bool, refs: list[str]
    ) -> tuple[dict[str, Any], bool] | None:
        if not must and name not in OPTIONAL_TEXT:
            return None
        if name == "instruction" and not any(
            c.name == "the model's help" for c in self.facts.wants
        ):
            return None  # a summary needs none; the model would fill it with noise
        if self.handed_over and name in ("text", "body", "input"):
            return {"enum": ["{{trigger.text}}"]}, must
        return _text_schema(name, schema, refs), must

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
        if stages is None and self.first == 0 and self.shapes == "fixed":
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


def context_line(facts: Facts, registry: Registry) -> str:
    context = f"{when_in_words(trigger_document(facts), registry)}. Named: {_named(facts)}"
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


class DraftError(ValueError):
    pass
