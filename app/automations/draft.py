"""What the model is asked for when it drafts a workflow: the actions a request calls for
(in data-flow order: where the data comes from, what is done to it, where it goes), the JSON
schema of a draft built from those actions and from the request itself (a path can only be
one the user named, a web address only one the user wrote, a program only one the user
quoted; every string bounded), and the system prompt with its worked examples. The local
engine turns the schema into a llama.cpp grammar, so the answer always parses."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from app.automations import intent
from app.automations.api import SCOPED, Action
from app.automations.intent import Facts
from app.automations.plugins import Registry
from app.automations.review import when_in_words
from app.automations.stages import (
    MAX_STEPS,
    is_folder,
    plan_stages,
    relevant_actions,
    what_it_reads,
)
from app.core.llm.prompt import ChatMessage
from app.language import _t

NAME_LENGTH = 40


TEXT_LIMITS = {"template": 160, "text": 160, "body": 160, "instruction": 160, "heading": 60}


DEFAULT_TEXT_LIMIT = 80


PREFERRED_TEXT = ("text", "body", "stdout", "first", "path")


# optional free-text parameters a draft may fill (others keep their defaults: a small model
# fills every optional text it is offered, mostly with noise)
OPTIONAL_TEXT = ("title", "body", "heading", "instruction", "pattern", "contains")


def _text_schema(name: str, schema: Mapping[str, Any], refs: list[str]) -> dict[str, Any]:
    limit = min(int(schema.get("maxLength", DEFAULT_TEXT_LIMIT)), TEXT_LIMITS.get(name, 80))
    free = {"type": "string", "maxLength": max(1, limit)}
    return {"anyOf": [{"enum": refs}, free]} if refs else free


# how much of a draft's shape the schema fixes: "fixed" (the stages the words call for, one
# step each: what a small model needs) or "free" (one to four steps from the actions the
# request calls for, in any order: for a model that drafts well on its own). The meaning
# checks are the same for both.
Shapes = Literal["fixed", "free"]
SHAPES: tuple[Shapes, ...] = ("fixed", "free")


def _works_on_files(action: Action) -> bool:
    return any(p.kind in ("files.read", "files.write") for p in action.permissions)


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
        self.after_listing: int | None = None  # the position of a listing stage
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
                "action": {"const": action.term},
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
            return self._path(action, name, must, position, reads=kind == "files.read")
        if kind == "network":  # an address the request wrote, or no such step
            if not facts.urls:
                raise _Unfillable
            return {"enum": self._addresses(action)}, must
        if kind == "process.run":
            if not facts.commands:
                raise _Unfillable
            return {"enum": sorted({c.program for c in facts.commands})}, must
        runs_programs = any(p.kind == "process.run" for p in action.permissions)
        if name == "args" and runs_programs:
            return {"enum": [list(c.args) for c in facts.commands]}, must
        if name == "pattern" and facts.patterns and _works_on_files(action):
            return {"enum": list(facts.patterns)}, True
        if "enum" in schema:
            return {"enum": list(schema["enum"])}, must
        if schema.get("type") == "string":
            return self._text(action, name, schema, must, refs)
        if must:
            return {k: v for k, v in schema.items() if k != "default"}, True
        return None

    def _addresses(self, action: Action) -> list[str]:
        """The web addresses a step may use: where the words send things ("post it to
        https://…") for a step that sends, the others for one that fetches, when both kinds
        are written; otherwise all."""
        urls = self.facts.urls
        destinations = [u for u in urls if u in self.facts.destinations]
        sources = [u for u in urls if u not in destinations]
        if destinations and sources:
            return list(destinations) if action.role == "send" else sources
        return list(urls)

    def _path(
        self, action: Action, name: str, must: bool, position: int, reads: bool
    ) -> tuple[dict[str, Any], bool] | None:
        kind = action.path_kind(name)
        folders_only = kind == "folder" or name == "folder"
        options = self.path_options(position, name, folders_only, kind in ("file", "notes"))
        named = [o for o in options if "{{" not in o]
        if action.role == "store" and named:
            # a text is stored in the file the request names, never over the file that
            # arrived or each listed one
            options = named
        toward = [o for o in named if o in self.facts.destinations]
        if toward and len(toward) < len(named):  # "…in ~/Downloads to ~/Archive"
            if name == "destination" or action.role == "store":
                options = toward  # where the words send things
            elif reads:  # what is read is not where things go
                options = [o for o in options if o not in toward]
        if folders_only and not must:
            # a named folder to work in (a program's) is the one meant; none, none
            return ({"enum": options}, True) if options else None
        return _enum(options, must)

    def _text(
        self, action: Action, name: str, schema: Mapping[str, Any], must: bool, refs: list[str]
    ) -> tuple[dict[str, Any], bool] | None:
        if not must and name not in OPTIONAL_TEXT:
            return None
        offered_when = action.planning.offers.get(name) if action.planning is not None else None
        if offered_when is not None and not any(c.name == offered_when for c in self.facts.wants):
            return None  # (a summary needs no instruction: the model would fill it with noise)
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
        listing = [
            n for n, st in enumerate(stages or []) if [what_it_reads(a) for a in st] == ["folder"]
        ]
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
                raise DraftError(_t("no action can be filled in with what the request names"))
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


# worked examples, each step's action by the id its steps get (Action.step_id), shown to the
# model in the action's own term; an example whose steps the installed actions do not offer
# is left out, and the "When:" line of each is made as for any request
EXAMPLES: tuple[tuple[str, dict[str, Any]], ...] = (
    (
        "Move the PDFs in ~/Downloads into ~/Downloads/PDFs",
        {
            "name": "Tidy PDFs",
            "steps": [
                {"action": "list", "params": {"folder": "~/Downloads", "pattern": "*.pdf"}},
                {
                    "action": "move",
                    "params": {"source": "{{item}}", "destination": "~/Downloads/PDFs"},
                },
            ],
        },
    ),
    (
        "When a text file lands in ~/Notes/inbox, summarize it into my journal",
        {
            "name": "Summarize new notes",
            "steps": [
                {"action": "read", "params": {"path": "{{trigger.path}}"}},
                {
                    "action": "ask_model",
                    "params": {"task": "summarize", "input": "{{steps.s1.output}}"},
                },
                {
                    "action": "note",
                    "params": {"file": "~/Notes/journal.md", "text": "{{steps.s2.output}}"},
                },
            ],
        },
    ),
    (
        "Every weekday at 17:00 remind me to write my timesheet",
        {
            "name": "Timesheet reminder",
            "steps": [
                {
                    "action": "notify",
                    "params": {"title": "Timesheet", "body": "Time to write your timesheet"},
                }
            ],
        },
    ),
    (
        "Every hour fetch https://example.com/status and tell me what it says",
        {
            "name": "Status check",
            "steps": [
                {"action": "fetch", "params": {"url": "https://example.com/status"}},
                {
                    "action": "notify",
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
    asked = [f"{c.name} ({' or '.join(registry.term(a) for a in c.actions)})" for c in facts.wants]
    runner = registry.reading("program")
    if facts.commands and runner:
        asked.append(f"running a program ({runner[0].term})")
    if asked:
        context += "\nAsked for: " + "; ".join(asked)
    return context


def system_prompt(registry: Registry) -> str:
    """Every installed action, by term: the same for every request."""
    lister = registry.reading("folder")
    listing = f"After a {lister[0].term} step, {{{{item}}}} is each listed file. " if lister else ""
    lines = [
        "You turn a request into a Steward workflow draft, as JSON. Steps run in order; each "
        "step is one action. A step can use an earlier step's result as {{steps.s1.output}} "
        f"(s1 is the first step, s2 the second, ...). {listing}Use only the paths, web "
        "addresses and programs the request names. Add no step the request does not ask for.",
        "",
        "Actions:",
    ]
    lines += [f"- {a.term}: {a.title}. {a.description}" for a in registry.by_term()]
    return "\n".join(lines)


def few_shot(registry: Registry) -> list[ChatMessage]:
    messages = []
    for request, draft in EXAMPLES:
        actions = [registry.with_step_id(step["action"]) for step in draft["steps"]]
        if all(actions):
            steps = [
                {**step, "action": action.term}
                for step, action in zip(draft["steps"], actions, strict=True)
                if action is not None
            ]
            facts = intent.read(request, registry)
            context = context_line(facts, registry)
            messages.append(ChatMessage("user", f"Request: {request}\nWhen: {context}"))
            messages.append(ChatMessage("assistant", json.dumps({**draft, "steps": steps})))
    return messages


def in_terms(draft: Mapping[str, Any], registry: Registry) -> dict[str, Any]:
    """A draft as the model sees it: each step's action by its term."""
    steps = [{**s, "action": registry.term(str(s.get("action")))} for s in draft["steps"]]
    return {**draft, "steps": steps}


def in_action_ids(draft: Mapping[str, Any], registry: Registry) -> dict[str, Any]:
    """A draft the model wrote, with each step's action by its id (a name no action has is
    kept, and compiling the draft says so)."""
    steps = draft.get("steps")
    if not isinstance(steps, list):
        return dict(draft)
    named = [
        {**s, "action": getattr(registry.named(str(s.get("action"))), "id", s.get("action"))}
        if isinstance(s, dict)
        else s
        for s in steps
    ]
    return {**draft, "steps": named}


class DraftError(ValueError):
    pass
