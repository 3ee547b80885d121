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
from app.automations.draft import trigger_document
from app.automations.intent import Facts
from app.automations.plugins import Registry
from app.automations.problems import Problem, found
from app.automations.review import when_in_words
from app.automations.stages import is_folder
from app.automations.wording import said_values
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
    problems += _named_things(document, steps, registry, facts)
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
            names = " or ".join(registry.term(a) for a in offered)
            message = f"the request asks for {capability.name}, but no step uses {names}"
            problems.append(Problem("missing_step", None, capability.name, message))
    if facts.condition is not None and not conditions.tested(document, facts.condition):
        words = facts.condition.in_words()
        message = f"the request acts {words}, but no step tests the text"
        problems.append(Problem("condition_untested", None, facts.condition.term, message))
    asked = {c.actions[0] for c in facts.wants}  # what each thing asked for is first of all
    runners = {a.id for a in registry.actions.values() if _runs_programs(a)}
    for action_id in sorted(used):
        action = registry.actions.get(action_id)
        if action is None:
            continue
        only_when_asked = action.planning is not None and action.planning.only_when_asked
        if (only_when_asked and action_id not in asked) or (
            action_id in runners and not facts.commands
        ):
            message = f"{action.term} was not asked for"
            problems.append(Problem("not_asked", None, action_id, message))
    if facts.commands and runners and not used & runners:
        program = facts.commands[0].program
        message = f"the request runs {program}, but no step runs it"
        problems.append(Problem("command_not_run", None, program, message))
    programs = {c.program for c in facts.commands}
    for n, step in enumerate(steps, 1):
        program = step.get("params", {}).get("program")
        if step["action"] in runners and programs and program not in programs:
            message = f"step {n} runs {program}, a program the request does not name"
            problems.append(Problem("unnamed_program", n, str(program), message))
        action = registry.actions.get(step["action"])
        for problem in _would_fail(action, step):
            message = f"step {n} ({action.term if action else ''}): {problem}"
            problems.append(Problem("would_fail", n, step["action"], message))
    return problems


def _runs_programs(action: Action) -> bool:
    return any(p.kind == "process.run" for p in action.permissions)


def _would_fail(action: Action | None, step: Mapping[str, Any]) -> list[str]:
    """What the action's own check finds wrong with a step (it would fail when it runs)."""
    if action is None or action.check is None:
        return []
    return action.check(dict(step.get("params", {})))


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
            if key not in scoped or (action is not None and _runs_programs(action)):
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


def _reads(registry: Registry, step: Mapping[str, Any]) -> str | None:
    """What a step's action reads as a source ("file", "folder", …), if it is one."""
    action = registry.actions.get(step["action"])
    return action.planning.reads if action is not None and action.planning is not None else None


def _named_things(
    document: Mapping[str, Any], steps: Steps, registry: Registry, facts: Facts
) -> list[Problem]:
    """The kinds of files and the places the request names are used, and a file is not read
    after a later step has written it."""
    problems = []
    if (
        facts.patterns
        and not any(
            _reads(registry, s) == "folder" and s.get("params", {}).get("pattern") in facts.patterns
            for s in steps
        )
        and document.get("trigger", {}).get("pattern") not in facts.patterns
    ):
        pattern = facts.patterns[0]
        listers = " or ".join(a.term for a in registry.reading("folder"))
        message = (
            f"the request is about {pattern} files, but no step lists them "
            f"({listers} with the pattern {pattern})"
        )
        problems.append(Problem("pattern_unlisted", None, pattern, message))
    for n, step in enumerate(steps, 1):
        path = step.get("params", {}).get("path")
        if (
            _reads(registry, step) == "file"
            and isinstance(path, str)
            and not REFERENCE.search(path)
        ) and any(path in _written(registry, later) for later in steps[n:]):
            message = f"step {n} reads {path}, which a later step writes"
            problems.append(Problem("reads_written_file", n, path, message))
    mentioned = [
        f'"{p}"' for s in steps for p in s.get("params", {}).values() if isinstance(p, str)
    ] + [json.dumps(document.get("trigger", {}), ensure_ascii=False)]
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
            and _reads(registry, step) != "folder"
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
    problems = [
        Problem("result_unused", n, step["id"], f"step {n}'s result is never used")
        for n, step in enumerate(steps[:-1], 1)
        if _is_source(registry.actions[step["action"]]) and step["id"] not in referenced
    ]
    for n, step in enumerate(steps, 1):
        if _unfed(steps, n, registry) is not None:
            term = registry.actions[step["action"]].term
            message = f"step {n} ({term}) works on none of the earlier steps' results"
            problems.append(Problem("unfed", n, step["id"], message))
    return problems


def _unfed(steps: Steps, n: int, registry: Registry) -> dict[str, Any] | None:
    """For a step that changes a text (a summary) written with no reference to anything
    earlier while an earlier step gives a text ("fetch…, save it, summarize it": a summary of
    the word "status"), that earlier step (the latest); otherwise None."""
    step = steps[n - 1]
    if registry.actions[step["action"]].role != "transform":
        return None
    if any(REFERENCE.search(v) for v in step["params"].values() if isinstance(v, str)):
        return None
    given = [
        s
        for s in steps[: n - 1]
        if (a := registry.actions.get(s["action"])) is not None
        and _is_source(a)
        and string_output(a) is not None
        and not s.get("for_each")
    ]
    return given[-1] if given else None


def _is_source(action: Action) -> bool:
    """Does the step exist for its result (rather than for what it does)?"""
    return action.role in ("source", "transform")


def _written(registry: Registry, step: Mapping[str, Any]) -> list[Any]:
    """The files a step stores a text in (its parameters scoped by files.write)."""
    action = registry.actions.get(step["action"])
    if action is None or action.role != "store":
        return []
    params = step.get("params", {})
    kinds = {p.param: p.kind for p in action.permissions}
    return [params.get(name) for name, kind in kinds.items() if kind == "files.write"]


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


def repair(
    document: dict[str, Any], problems: list[Problem], facts: Facts, registry: Registry
) -> list[str]:
    """Fix what can be fixed without guessing; returns what was done (in words)."""
    done: list[str] = []
    for fix in (
        _fill_asked,
        _pick_the_lines,
        _feed,
        _use_results,
        _read_the_named_file,
        _read_first,
        _leave_out_idle,
        _turn_around,
        _to_the_named_place,
    ):
        changed = fix(document, problems, facts, registry)
        if changed and fix not in (_fill_asked, _pick_the_lines, _feed, _use_results):
            document["permissions"] = derive_permissions(document, registry)[0]
        done += changed
    done += _add_telling(document, facts, registry)
    return done


def _fill_asked(
    document: dict[str, Any], problems: list[Problem], facts: Facts, registry: Registry
) -> list[str]:
    """A step that would fail as drafted gets the values its action fills in for what was
    asked (a summary asked for, and the model step says neither what to do nor how: it
    summarizes)."""
    wanted = {c.name for c in facts.wants}
    done = []
    for n, step in enumerate(document["steps"], 1):
        action = registry.actions.get(step["action"])
        if action is None or action.planning is None or not _would_fail(action, step):
            continue
        for ask, values in action.planning.fills.items():
            if ask in wanted:
                step["params"].update(said_values(values, facts, ask))
                done.append(f"step {n}: {ask}, as asked")
                break
    return done


def _pick_the_lines(
    document: dict[str, Any], problems: list[Problem], facts: Facts, registry: Registry
) -> list[str]:
    """ "Notify me of the lines containing 'urgent'": a step that picks lines by the words they
    contain, drafted without the words, picks by the words the request says (a text it was
    given that is only those words is no text: it is fed an earlier result instead)."""
    condition = facts.condition
    if condition is None or not condition.lines or not found(problems, "condition_untested"):
        return []
    for n, step in enumerate(document["steps"], 1):
        action = registry.actions.get(step["action"])
        params = step["params"]
        accepted = action.parameters.get("properties", {}) if action is not None else {}
        if action is None or action.role != "transform" or "contains" not in accepted:
            continue
        if params.get("contains") or params.get("pattern"):
            continue
        params["contains"] = condition.term
        if params.get("text") == condition.term:
            params["text"] = ""  # the words, written where the text goes
        problems.append(Problem("unfed", n, step["id"]))
        return [f"step {n} picks the lines containing {condition.term!r}, as asked"]
    return []


def _feed(
    document: dict[str, Any], problems: list[Problem], facts: Facts, registry: Registry
) -> list[str]:
    """A step that changes a text works on the latest text an earlier step gives, in the
    parameter the draft wrote freely (or left out)."""
    steps, done = document["steps"], []
    for n, step in enumerate(steps, 1):
        given = _unfed(steps, n, registry) if found(problems, "unfed", step=n) else None
        key, _ = _free_text(step, registry)
        if given is None or key is None:
            continue
        suffix = string_output(registry.actions[given["action"]])
        step["params"][key] = f"{{{{steps.{given['id']}.output{suffix}}}}}"
        done.append(f"step {n} now works on step {steps.index(given) + 1}'s result")
    return done


def _use_results(
    document: dict[str, Any], problems: list[Problem], facts: Facts, registry: Registry
) -> list[str]:
    """A result nobody uses, followed by a step with a free text (written, or left out where
    the action takes one): the text is the result ("read ~/todo.md and show it in a
    notification"). Steps that take no text in between are passed over ("…copy it to
    ~/Backups, summarize it and notify me")."""
    steps, done = document["steps"], []
    used = _referenced(steps)
    for n, step in enumerate(steps[:-1], 1):
        action = registry.actions.get(step["action"])
        suffix = string_output(action) if action else None
        if step["id"] in used or suffix is None or not found(problems, "result_unused", step=n):
            continue
        for m, after in enumerate(steps[n:], n + 1):
            key, takes_text = _free_text(after, registry)
            if key is not None:
                after["params"][key] = f"{{{{steps.{step['id']}.output{suffix}}}}}"
                done.append(f"step {m} now uses step {n}'s result")
                used.add(step["id"])
            if takes_text:
                break
    return done


def _free_text(step: dict[str, Any], registry: Registry) -> tuple[str | None, bool]:
    """The text parameter of ``step`` that is free to take a result (one written without a
    reference, or one left out that its action takes), and whether it takes a text at all."""
    action = registry.actions.get(step["action"])
    accepted = action.parameters.get("properties", {}) if action is not None else {}
    takes_text = False
    for key in ("input", "body", "text"):
        value = step["params"].get(key)
        takes_text = takes_text or key in step["params"] or key in accepted
        if value is None and accepted.get(key, {}).get("type") == "string":
            value = ""  # left out: the text it shows is the result
        if isinstance(value, str) and not REFERENCE.search(value):
            return key, True
    return None, takes_text


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
        action = registry.actions.get(step["action"])
        if action is None or _reads(registry, step) != "file" or not (unread or watch):
            continue
        param = next((k for k, v in _file_params(action).items() if v == "file"), "path")
        path = step["params"].get(param)
        if not isinstance(path, str) or not any(path in _written(registry, s) for s in steps[n:]):
            continue
        step["params"][param] = "{{trigger.path}}" if watch else unread.pop(0)
        what = "the file that arrived" if watch else step["params"][param]
        done.append(f"step {n} now reads {what}")
    return done


def _read_first(
    document: dict[str, Any], problems: list[Problem], facts: Facts, registry: Registry
) -> list[str]:
    """One file the request names, not as where things go, goes unused, and the first step
    takes a text and reads nothing ("append ~/week.md to ~/archive.md", "put ~/todo.md on the
    clipboard"): the file is read first, and its text is what that step takes."""
    steps, readers = document["steps"], registry.reading("file")
    unused = [
        p
        for p in facts.files_named
        if not (is_folder(p) or p in facts.destinations)
        and found(problems, "named_unused", detail=p)
    ]
    key = _free_text(steps[0], registry)[0] if steps else None
    suffix = string_output(readers[0]) if readers else None
    if len(unused) != 1 or key is None or suffix is None or _reads(registry, steps[0]):
        return []
    reader = readers[0]
    param = next((k for k, v in _file_params(reader).items() if v == "file"), "path")
    step_id = reader.step_id if all(s["id"] != reader.step_id for s in steps) else "read_first"
    steps[0]["params"][key] = f"{{{{steps.{step_id}.output{suffix}}}}}"
    steps.insert(0, {"id": step_id, "action": reader.id, "params": {param: unused[0]}})
    return [f"step 1 reads {unused[0]}, and step 2 takes its text"]


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


def _to_the_named_place(
    document: dict[str, Any], problems: list[Problem], facts: Facts, registry: Registry
) -> list[str]:
    """A chore drafted to put a file where it already is (its folder parameter the same as
    its source) while the place the words send it to goes unused: it goes there."""
    unused = [p for p in facts.destinations if found(problems, "named_unused", detail=p)]
    done = []
    for n, step in enumerate(document["steps"], 1):
        action = registry.actions.get(step["action"])
        if action is None or action.role != "chore" or not unused:
            continue
        params = step["params"]
        order = list(action.parameters.get("properties", {}))
        names = [k for k in order if isinstance(params.get(k), str)]
        # the later of two parameters with the same value is where it goes
        later = [b for i, a in enumerate(names) for b in names[i + 1 :] if params[a] == params[b]]
        if later and unused:
            params[later[0]] = unused.pop(0).rstrip("/") + "/"
            done.append(f"step {n} now puts it in {params[later[0]]}, as the words say")
    return done


def _add_telling(document: dict[str, Any], facts: Facts, registry: Registry) -> list[str]:
    """The user asked to be told (a notification) and no step tells them: the last step's
    result (or that the workflow ran), told by the action the ask is for."""
    steps, done = document["steps"], []
    used = {s["action"] for s in steps}
    for capability in facts.wants:
        action = registry.actions.get(capability.actions[0])
        if action is None or action.role != "tell" or used & set(capability.actions):
            continue
        params = _telling(action, document, registry)
        if params is None:
            continue
        steps.append({"id": action.step_id, "action": action.id, "params": params})
        used.add(action.id)
        done.append(f"added the step the request asks for: {capability.name}")
    if done:
        document["permissions"] = derive_permissions(document, registry)[0]
    return done


def _telling(
    action: Action, document: Mapping[str, Any], registry: Registry
) -> dict[str, Any] | None:
    """Parameters for a telling step: its text the last step's text result (or that the
    workflow ran), any other text it needs the workflow's name; None when it needs more."""
    last = document["steps"][-1]
    before = registry.actions.get(last["action"])
    body = f"{document['name']} ran"
    if before is not None and before.role in ("source", "transform") and not _runs_programs(before):
        suffix = string_output(before)
        if suffix is not None:
            body = f"{{{{steps.{last['id']}.output{suffix}}}}}"
    properties = action.parameters.get("properties", {})
    text_param = next((k for k in ("body", "text", "message") if k in properties), None)
    params: dict[str, Any] = {}
    for name in action.parameters.get("required", []):
        if properties.get(name, {}).get("type") != "string":
            return None
        params[name] = document["name"]
    if text_param is not None:
        params[text_param] = body
    return params


def _file_params(action: Action) -> dict[str, str]:
    return dict(action.planning.paths) if action.planning is not None else {}
