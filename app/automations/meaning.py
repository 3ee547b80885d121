"""Does a compiled draft mean what the request asks? The document validates, the trigger is
the one the words describe, every thing asked for has a step, nothing dangerous was added
that nobody asked for, every named place and address is used, and every result is used.
What can be fixed without guessing is repaired; the rest goes back to the model."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from app.automations import conditions, intent
from app.automations.api import Action
from app.automations.compiler import derive_permissions, string_output
from app.automations.draft import ONLY_WHEN_ASKED, SINK_ORDER, is_folder, trigger_document
from app.automations.intent import Facts
from app.automations.plugins import Registry
from app.automations.problems import Problem, found
from app.automations.review import when_in_words
from app.automations.workflow import REFERENCE, references, validate

Steps = list[dict[str, Any]]


def meaning_problems(
    document: Mapping[str, Any], registry: Registry, facts: Facts
) -> list[Problem]:
    """What is wrong with a compiled draft beyond its schema."""
    workflow, invalid = validate(dict(document), registry)
    problems = [Problem("invalid", None, str(p), str(p)) for p in invalid]
    steps = list(document.get("steps", []))
    problems += _asked_for(document, steps, registry, facts)
    problems += _places(steps, registry, facts)
    problems += _named_things(document, steps, facts)
    problems += _direction(document, steps, registry, facts)
    if workflow is not None:
        problems += _unused_results(steps, registry)
    return problems


def _asked_for(
    document: Mapping[str, Any], steps: Steps, registry: Registry, facts: Facts
) -> list[Problem]:
    """Every thing asked for has a step; nothing is done that nobody asked for."""
    problems = []
    used = {s["action"] for s in steps}
    for capability in facts.wants:
        offered = [a for a in capability.actions if a in registry.actions]
        if offered and not used & set(offered):
            message = f"the request asks for {capability.name}, but no step uses "
            problems.append(
                Problem("missing_step", None, capability.name, message + " or ".join(offered))
            )
    if facts.condition is not None and not conditions.tested(document, facts.condition):
        words = facts.condition.in_words()
        message = f"the request acts {words}, but no step tests the text"
        problems.append(Problem("condition_untested", None, facts.condition.term, message))
    for action_id, asked in ONLY_WHEN_ASKED.items():
        if action_id in used and not any(c.name == asked for c in facts.wants):
            problems.append(Problem("not_asked", None, action_id, f"{action_id} was not asked for"))
    if "process.run" in used and not facts.commands:
        problems.append(Problem("not_asked", None, "process.run", "process.run was not asked for"))
    if facts.commands and "process.run" not in used and "process.run" in registry.actions:
        program = facts.commands[0].program
        message = f"the request runs {program}, but no step runs it"
        problems.append(Problem("command_not_run", None, program, message))
    programs = {c.program for c in facts.commands}
    for n, step in enumerate(steps, 1):
        program = step.get("params", {}).get("program")
        if step["action"] == "process.run" and programs and program not in programs:
            message = f"step {n} runs {program}, a program the request does not name"
            problems.append(Problem("unnamed_program", n, str(program), message))
        if _aimless_prompt(step):
            message = f"step {n}: model.prompt has neither a task nor an instruction"
            problems.append(Problem("aimless_prompt", n, "model.prompt", message))
    return problems


def _place(n: int, value: str, facts: Facts, named: list[str]) -> Problem | None:
    """A scoped parameter's value that is not a place or address the request names."""
    if value.startswith(("http://", "https://")):
        if value in facts.urls:
            return None
        message = f"step {n}: {value} is not an address the request names"
        return Problem("unnamed_address", n, value, message)
    path = intent.normalize_path(value)
    if intent.is_sensitive(path):
        return Problem(
            "sensitive_place", n, value, f"step {n}: {value} holds keys or system settings"
        )
    if not any(path == p or path.startswith(p + "/") for p in named):
        message = f"step {n}: {value} is not a place the request names"
        return Problem("unnamed_place", n, value, message)
    return None


def _places(steps: Steps, registry: Registry, facts: Facts) -> list[Problem]:
    """Every place and address a step uses is one the request names; no step repeats."""
    problems = []
    named = [intent.normalize_path(p) for p in facts.files_named]
    for n, step in enumerate(steps, 1):
        action = registry.actions.get(step["action"])
        scoped = {p.param for p in action.permissions if p.param} if action else set()
        for key, value in step.get("params", {}).items():
            if key not in scoped or step["action"] == "process.run":
                continue
            if isinstance(value, str) and not REFERENCE.search(value):
                problem = _place(n, value, facts, named)
                problems += [problem] if problem else []
        before = steps[n - 2] if n > 1 else None
        if before and (before["action"], before.get("params")) == (
            step["action"],
            step.get("params"),
        ):
            problems.append(
                Problem("repeated_step", n, step["action"], f"step {n} repeats step {n - 1}")
            )
    return problems


def _named_things(document: Mapping[str, Any], steps: Steps, facts: Facts) -> list[Problem]:
    """The kinds of files and the places the request names are used, and a file is not read
    after a later step has written it."""
    problems = []
    if (
        facts.patterns
        and not any(
            s["action"] == "files.list" and s.get("params", {}).get("pattern") in facts.patterns
            for s in steps
        )
        and document.get("trigger", {}).get("pattern") not in facts.patterns
    ):
        pattern = facts.patterns[0]
        message = (
            f"the request is about {pattern} files, but no step lists them "
            f"(files.list with the pattern {pattern})"
        )
        problems.append(Problem("pattern_unlisted", None, pattern, message))
    for n, step in enumerate(steps, 1):
        path = step.get("params", {}).get("path")
        if step["action"] == "files.read" and isinstance(path, str) and not REFERENCE.search(path):
            written = [
                (s.get("params", {}).get("path"), s.get("params", {}).get("file"))
                for s in steps[n:]
            ]
            if any(path in later for later in written):
                message = f"step {n} reads {path}, which a later step writes"
                problems.append(Problem("reads_written_file", n, path, message))
    mentioned = [
        f'"{p}"' for s in steps for p in s.get("params", {}).values() if isinstance(p, str)
    ] + [json.dumps(document.get("trigger", {}))]
    for place in [*facts.files_named, *facts.urls]:
        if not any(f'"{place}' in text for text in mentioned):
            message = f"the request names {place}, but no step uses it"
            problems.append(Problem("named_unused", None, place, message))
    return problems


def _direction(
    document: Mapping[str, Any], steps: Steps, registry: Registry, facts: Facts
) -> list[Problem]:
    """The trigger is the one the words describe; a step on a watched folder acts on the
    file that arrived; moves and copies go the way the words say."""
    problems = []
    watched = document.get("trigger", {}).get("folder")
    for n, step in enumerate(steps, 1):
        params = step.get("params", {})
        if (
            watched
            and step["action"] != "files.list"
            and watched
            in (
                params.get("source"),
                params.get("path"),
            )
        ):
            message = (
                f"step {n} acts on the whole watched folder; the file that arrived is "
                "{{trigger.path}}"
            )
            problems.append(Problem("whole_watched_folder", n, watched, message))
        source, target = params.get("source"), params.get("destination")
        if (
            isinstance(source, str)
            and isinstance(target, str)
            and _backwards(facts.text, source, target)
        ):
            message = f"step {n} goes the wrong way: from {target} to {source}"
            problems.append(Problem("backwards", n, source, message))
    expected = trigger_document(facts)
    if document.get("trigger", {}) != expected:
        words = when_in_words(expected, registry)
        problems.append(Problem("wrong_trigger", None, words, f"the trigger should be: {words}"))
    return problems


def _referenced(steps: Steps) -> set[str]:
    """The ids of the steps whose results a step uses."""
    return {
        ref.split(".")[1]
        for s in steps
        for _, text in _strings(s)
        for ref in references(text)
        if ref.startswith("steps.")
    }


def _unused_results(steps: Steps, registry: Registry) -> list[Problem]:
    referenced = _referenced(steps)
    return [
        Problem("result_unused", n, step["id"], f"step {n}'s result is never used")
        for n, step in enumerate(steps[:-1], 1)
        if _is_source(registry.actions[step["action"]]) and step["id"] not in referenced
    ]


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
    document: dict[str, Any], problems: list[Problem], facts: Facts, registry: Registry
) -> list[str]:
    """Fix what can be fixed without guessing; returns what was done (in words)."""
    done: list[str] = []
    for fix in (_summarize, _use_results, _read_the_named_file, _leave_out_idle, _turn_around):
        changed = fix(document, problems, facts, registry)
        if changed and fix is not _summarize and fix is not _use_results:
            document["permissions"] = derive_permissions(document, registry)[0]
        done += changed
    done += _add_notification(document, facts, registry)
    return done


def _summarize(
    document: dict[str, Any], problems: list[Problem], facts: Facts, registry: Registry
) -> list[str]:
    """A summary was asked for and the model step says neither what to do nor how."""
    if not any(c.name == "a summary by the model" for c in facts.wants):
        return []
    done = []
    for n, step in enumerate(document["steps"], 1):
        if _aimless_prompt(step):
            step["params"]["task"] = "summarize"
            done.append(f"step {n} summarizes, as asked")
    return done


def _use_results(
    document: dict[str, Any], problems: list[Problem], facts: Facts, registry: Registry
) -> list[str]:
    """A result nobody uses, followed by a step with a free text: the text is the result
    ("read ~/todo.md and show it in a notification")."""
    steps, done = document["steps"], []
    used = _referenced(steps)
    for n, step in enumerate(steps[:-1], 1):
        action = registry.actions.get(step["action"])
        suffix = string_output(action) if action else None
        if step["id"] in used or suffix is None or not found(problems, "result_unused", step=n):
            continue
        after = steps[n]
        for key in ("input", "body", "text"):
            value = after["params"].get(key)
            if isinstance(value, str) and not REFERENCE.search(value):
                after["params"][key] = f"{{{{steps.{step['id']}.output{suffix}}}}}"
                done.append(f"step {n + 1} now uses step {n}'s result")
                used.add(step["id"])
                break
    return done


def _read_the_named_file(
    document: dict[str, Any], problems: list[Problem], facts: Facts, registry: Registry
) -> list[str]:
    """A read of the file a later step writes, while a file the request names goes unread
    (or, on a folder watch, the file that arrived)."""
    steps, done = document["steps"], []
    unread = [
        p
        for p in facts.files_named
        if not is_folder(p) and found(problems, "named_unused", detail=p)
    ]
    watch = document["trigger"].get("type") == "folder_watch"
    for n, step in enumerate(steps, 1):
        path = step["params"].get("path")
        if step["action"] != "files.read" or not (unread or watch) or not isinstance(path, str):
            continue
        if not any(path in (s["params"].get("path"), s["params"].get("file")) for s in steps[n:]):
            continue
        step["params"]["path"] = "{{trigger.path}}" if watch else unread.pop(0)
        what = "the file that arrived" if watch else step["params"]["path"]
        done.append(f"step {n} now reads {what}")
    return done


def _leave_out_idle(
    document: dict[str, Any], problems: list[Problem], facts: Facts, registry: Registry
) -> list[str]:
    """A step that only reads and whose result nobody uses does nothing: left out."""
    steps, done = document["steps"], []
    used = _referenced(steps)
    for n in range(len(steps) - 2, -1, -1):
        step = steps[n]
        action = registry.actions.get(step["action"])
        quiet = action is not None and all(
            p.kind in ("files.read", "model") for p in action.permissions
        )
        mentioned = any(
            step["id"] in ref for s in steps for _, t in _strings(s) for ref in references(t)
        )
        if quiet and step["id"] not in used and not mentioned:
            del steps[n]
            done.append(f"left out step {n + 1} ({step['action']}): its result was never used")
    return done


def _turn_around(
    document: dict[str, Any], problems: list[Problem], facts: Facts, registry: Registry
) -> list[str]:
    """A move or copy that goes the other way from the words."""
    done = []
    for n, step in enumerate(document["steps"], 1):
        params = step["params"]
        source, target = params.get("source"), params.get("destination")
        if not isinstance(source, str) or not found(problems, "backwards", step=n, detail=source):
            continue
        params["source"] = str(target).rstrip("/") if isinstance(target, str) else target
        params["destination"] = f"{source}/" if is_folder(source) else source
        done.append(f"step {n} now copies from {params['source']} to {params['destination']}")
    return done


def _add_notification(document: dict[str, Any], facts: Facts, registry: Registry) -> list[str]:
    """A notification was asked for and no step shows one: the last step's result, shown."""
    steps = document["steps"]
    wanted = any(c.name == "a notification" for c in facts.wants)
    if not wanted or any(s["action"] == "notify.show" for s in steps):
        return []
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
    return ["added the notification the request asks for"]
