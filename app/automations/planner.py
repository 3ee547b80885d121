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
from typing import Any, Literal

from app.automations import conditions, intent, wording, zh_replies
from app.automations.api import Action
from app.automations.compiler import compile_draft, string_output
from app.automations.draft import (
    NAME_LENGTH,
    DraftError,
    DraftSchema,
    Shapes,
    context_line,
    few_shot,
    in_action_ids,
    in_terms,
    system_prompt,
    trigger_document,
)
from app.automations.intent import Facts
from app.automations.mcp.tools import tool_asks
from app.automations.meaning import meaning_problems, repair
from app.automations.plugins import Registry
from app.automations.problems import Problem
from app.automations.review import (
    WATCH_EVENTS_DEFAULT as WATCH_EVENTS_DEFAULT,
)
from app.automations.review import (
    Language,
    Review,
    ReviewPermission,
    ReviewStep,
    language_of,
    review,
    review_text,
    when_in_words,
)
from app.automations.scopes import ScopeError, resolve_program
from app.automations.stages import MAX_STEPS, sink_stages
from app.core.llm.engine import SamplingParams
from app.core.llm.prompt import ChatMessage
from app.language import N_

log = logging.getLogger(__name__)
ATTEMPTS = 3  # local drafts before the cloud (if allowed) or a question
# why a draft is sent to the cloud, as the consent question and the routed notice say it
PLANNER_CLOUD_REASON = N_("drafting a workflow the local model could not draft")
DRAFT_TOKENS = 400

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
    language: Language = "en"  # of the request: questions, refusals and the card use it

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.workflow is not None:
            out["workflow"] = self.workflow
        if self.text:
            out["text"] = self.text
        return out


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
    """A question or refusal to words written in Chinese is said in Chinese, and the card of
    a draft from them is written in Chinese."""
    result.language = language_of(words)
    if result.language != "zh":
        return result
    if result.workflow is not None:  # the model names a draft in English
        result.workflow["name"] = zh_replies.name_for(words.splitlines()[0], NAME_LENGTH)
    else:
        result.text = zh_replies.say(result.text)
    return result


def _place_question(facts: Facts) -> str | None:
    """What to ask when files are to be moved, copied, deleted or listed without the places."""
    asked = {c.name for c in facts.wants}
    needs_place = {"moving files", "copying files", "deleting files", "listing a folder"}
    if asked & needs_place and not facts.paths:
        return "Which folder (or file) do you mean? Name it, like ~/Downloads."
    if "copying files" in asked and len(facts.paths) < 2:
        return "Copy from where to where? Name both folders."
    if "moving files" in asked and len(facts.paths) < 2:
        return "Move the files from where to where? Name both folders."
    return None


def _absent_program(facts: Facts) -> str | None:
    """The first program the request runs that cannot be found here: a draft with it would
    never validate."""
    for command in facts.commands:
        try:
            resolve_program(command.program)
        except ScopeError:
            return command.program
    return None


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
        shapes: Shapes = "fixed",
    ) -> None:
        self.registry = registry
        self.generate = generate
        self.shapes = shapes  # the model's setting planner_shapes (see draft.Shapes)
        self.cloud = cloud
        self.attempts = max(1, attempts)
        self.conversation_key = conversation_key
        self._examples = few_shot(registry)  # the worked examples, in the registry's words
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
        if intent.looks_like_automation(message, self.registry):
            return None
        facts = intent.read(message, self.registry)
        names = {c.name for c in facts.wants}
        # a tool of an MCP server needs no file named: its arguments are in the words
        tools = tool_asks(facts.wants, self.registry)
        if not names or not names <= PROPOSABLE | tools or facts.sensitive or facts.missing:
            return None
        if facts.unclear or not (facts.files_named or names <= tools):
            return None
        # text parameters may be {{trigger.text}}: passed along, never kept on the planner,
        # so a second request planned meanwhile cannot see it
        result = await self._plan(
            message, handed_over=bool(handed_over) and bool(THIS.search(message))
        )
        if result.kind != "workflow" or result.workflow is None:
            return None
        if len(result.workflow["steps"]) != 1:
            return None
        result.request = message
        return _in_their_language(result, message)

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
        if absent := _absent_program(facts):
            return Plan(
                "question",
                f"I can't find the program {absent} (it does not exist here or cannot be run). "
                "Which program should run? Name one on PATH, like `git`, or give the full path "
                "of a script that exists.",
            )
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
        if facts.condition is None and conditions.unreadable(facts.text):
            return Plan("question", conditions.QUESTION)
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
        if question := _place_question(facts):
            return Plan("question", question)
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
            # the system prompt and the examples (see _messages): the same for every request,
            # so their evaluated state is kept between runs
            prefix_messages=1 + len(self._examples),
        )
        text = await generate(messages, params)
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            log.info("planner: the answer was not JSON (%d characters)", len(text))
            return None
        return in_action_ids(value, self.registry) if isinstance(value, dict) else None

    def _messages(
        self, facts: Facts, request: str, actions: Sequence[Action], extra: list[ChatMessage]
    ) -> list[ChatMessage]:
        return [
            # every action, in registry order: the same prefix for every request, so the
            # engine's cache skips it after the first request (and, kept on disk, in the next
            # process: SamplingParams.prefix_messages)
            ChatMessage("system", system_prompt(self.registry)),
            *self._examples,
            ChatMessage("user", f"Request: {request}\nWhen: {context_line(facts, self.registry)}"),
            *extra,
        ]

    async def _plan(self, request: str, *, handed_over: bool = False) -> Plan:
        facts = intent.read(request, self.registry)
        early = self._before_model(facts)
        if early is not None:
            return early
        builder = DraftSchema(self.registry, facts, shapes=self.shapes)
        builder.handed_over = handed_over
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
            repairs = self._check_and_repair(document, problems, facts)
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
            last = [str(p) for p in problems]
            log.info("planner: attempt %d had %d problems", attempt, len(problems))
            extra = [
                ChatMessage("assistant", json.dumps(in_terms(draft, self.registry))),
                ChatMessage(
                    "user",
                    "That draft has problems:\n- "
                    + "\n- ".join(str(p) for p in problems[:4])
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

    def _check_and_repair(
        self, document: dict[str, Any], problems: list[Problem], facts: Facts
    ) -> list[str]:
        """Check a compiled draft's meaning and repair what can be repaired without guessing;
        ``problems`` is left holding what is still wrong. Returns the repairs made."""
        repairs: list[str] = []
        if facts.condition is not None:
            gated = conditions.gate(document, facts.condition, self.registry, string_output)
            repairs += [gated] if gated else []
        problems += meaning_problems(document, self.registry, facts)
        if problems:
            fixed = repair(document, problems, facts, self.registry)
            if fixed and facts.condition is not None:  # a step the condition governs
                gated = conditions.gate(document, facts.condition, self.registry, string_output)
                fixed += [gated] if gated else []
            if fixed:
                repairs += fixed
                problems[:] = meaning_problems(document, self.registry, facts)
        return repairs + self._in_their_words(document, facts)

    def _in_their_words(self, document: dict[str, Any], facts: Facts) -> list[str]:
        """The user's own words where a step says something (this changes no effect)."""
        done = wording.fit_the_asks(document, facts, self.registry)
        done += wording.say_the_reminder(document, facts, self.registry)
        return done + wording.name_what_is_told(document, facts, self.registry)

    async def _refine(self, previous: Plan, message: str) -> Plan:
        request = f"{previous.request}\n{message}".strip()
        if previous.kind != "workflow" or previous.draft is None:
            result = await self._plan(request)
            result.request = request
            return result
        old = intent.read(previous.request, self.registry)
        new = intent.read(message, self.registry)
        early = self._before_model(new) if new.sensitive or new.missing else None
        if early is not None:
            early.request = previous.request
            return early
        facts = intent.read(request, self.registry)
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
            self._in_their_words(document, facts)
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
            [self.registry.actions[a] for a in stage]
            for stage in sink_stages(self.registry, added, bool(facts.notes_files))
        ]
        schema = builder.build(
            with_name=False,
            max_new=MAX_STEPS - len(steps),
            stages=[s for s in sinks if s][: MAX_STEPS - len(steps)] or None,
        )
        current = json.dumps(in_terms({"steps": steps}, self.registry))
        base = self._messages(
            facts,
            message,
            builder.actions(),
            [],
        )
        base[-1] = ChatMessage(
            "user",
            f"Current draft: {current}\nAdd only the new steps for: {message}\n"
            f"When: {context_line(facts, self.registry)}",
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
