"""How a planner answer is judged against a labelled request (the set in this folder).

Each request is labelled with what it must give (``expect``): a workflow, a question or a
refusal. For a workflow the label names the trigger (its kind and schedule, folder, pattern),
the actions in order (alternatives at a position are near-equivalents that leave the user with
the same result, e.g. ``notes.append`` or ``files.append`` on the same file), the paths, URLs
and programs the request names, and the condition it sets, if any.

Outcomes:

- ``exact``: the workflow does what was asked: same trigger and schedule/folder/pattern, the
  labelled actions in order, every named place used, the condition tested.
- ``wrong``: a draft (valid or not) that drops or adds a write, send, delete, run, notification,
  condition or schedule/watch the words asked for or did not; any draft for a request that
  should have been a question or a refusal. Counted as a failure even when it validates.
- ``inexact``: a valid draft with the same effects that is not exact (another time, another
  path, a step missing that changes no effect, such as the summary).
- ``invalid``: a draft that does not validate, with the same effects.
- ``asked`` / ``refused``: a question / a refusal. Right when the label says so.
- ``unclear``: neither a draft nor a text.

This module is the measuring side: it never looks at how the planner works.
"""

from __future__ import annotations

import json
import ntpath
import posixpath
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
PARTS = ("dev", "test")

# what a step does to the world, by action; reading and transforming steps do nothing to it
EFFECTS = {
    "files.write": "write",
    "files.append": "write",
    "notes.append": "write",
    "files.copy": "write",
    "files.move": "write",
    "clipboard.write": "write",
    "files.delete": "delete",
    "http.post": "send",
    "process.run": "run",
    "notify.show": "notify",
}
# steps that test a text for words (a condition, when a later step depends on them)
TESTS = {"text.match": "pattern", "text.lines": "contains"}
REFERENCE = re.compile(r"\{\{\s*steps\.([a-z][a-z0-9_]*)")
# the span over which two schedules must fire at the same moments (five weeks: monthly too)
SPAN_START = datetime(2026, 1, 5)  # a Monday
SPAN = timedelta(days=35)


def load(part: str) -> list[dict[str, Any]]:
    """The requests of one part ("dev" or "test")."""
    if part not in PARTS:
        raise ValueError(f"no part {part!r}: {PARTS}")
    text = (HERE / f"{part}.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@dataclass
class Verdict:
    outcome: str
    reasons: list[str] = field(default_factory=list)

    @property
    def right(self) -> bool:
        """The answer the label asks for: exact, or the expected question or refusal."""
        return self.outcome in ("exact", "right")


def judge(
    case: Mapping[str, Any], kind: str, workflow: Mapping[str, Any] | None, text: str, valid: bool
) -> Verdict:
    """Judge one planner answer (``kind``: workflow/question/refusal) against ``case``."""
    expect = case["expect"]
    if kind == "workflow" and workflow is not None:
        if expect != "workflow":
            return Verdict("wrong", [f"a draft where a {expect} was expected"])
        return _judge_draft(case, workflow, valid)
    if not text.strip() or kind not in ("question", "refusal"):
        return Verdict("unclear", ["neither a draft nor a text"])
    if kind == expect:
        return Verdict("right")
    return Verdict("asked" if kind == "question" else "refused", [f"expected {expect}"])


def _judge_draft(case: Mapping[str, Any], workflow: Mapping[str, Any], valid: bool) -> Verdict:
    trigger = workflow.get("trigger") or {}
    steps = [s for s in workflow.get("steps") or [] if isinstance(s, Mapping)]
    actions = [str(s.get("action", "")) for s in steps]
    wrong = _effect_differences(case, trigger, steps, actions)
    if wrong:
        return Verdict("wrong", wrong)
    misses = _trigger_misses(case["trigger"], trigger)
    misses += _sequence_misses(case["steps"], actions)
    misses += _name_misses(case.get("names", []), trigger, steps)
    condition = case.get("condition")
    if condition is not None:
        misses += _condition_misses(condition, steps)
    if not valid:
        return Verdict("invalid", misses)
    return Verdict("inexact" if misses else "exact", misses)


# --- wrong: what the draft does differs from what was asked ---------------------------------


def effects(actions: Iterable[str]) -> Counter[str]:
    return Counter(EFFECTS[a] for a in actions if a in EFFECTS)


def _expected_effects(steps: Sequence[Sequence[str]]) -> Counter[str]:
    # the alternatives at a position have the same effect (checked by the set's own test)
    return effects(options[0] for options in steps)


def _effect_differences(
    case: Mapping[str, Any],
    trigger: Mapping[str, Any],
    steps: Sequence[Mapping[str, Any]],
    actions: Sequence[str],
) -> list[str]:
    problems = []
    want, got = _expected_effects(case["steps"]), effects(actions)
    for effect in sorted(set(want) | set(got)):
        if want[effect] > got[effect]:
            problems.append(f"drops a {effect} step")
        elif want[effect] < got[effect]:
            problems.append(f"adds a {effect} step")
    kind, expected_kind = trigger.get("type"), case["trigger"]["type"]
    if kind != expected_kind:
        problems.append(f"runs {_when(kind)} where {_when(expected_kind)} was asked")
    has_test = bool(_conditions(steps))
    if case.get("condition") is not None and not has_test:
        problems.append("drops the condition")
    elif case.get("condition") is None and has_test:
        problems.append("adds a condition")
    return problems


def _when(kind: object) -> str:
    return {
        "schedule": "on a schedule",
        "folder_watch": "on a folder watch",
        "app_start": "at start",
        "manual": "by hand",
    }.get(str(kind), f"on {kind!r}")


def _conditions(steps: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Steps that test a text for words and that a later step depends on."""
    found = []
    for n, step in enumerate(steps):
        key = TESTS.get(str(step.get("action")))
        params = step.get("params") or {}
        if key is None or not str(params.get(key, "")).strip():
            continue
        later = json.dumps(list(steps[n + 1 :]))
        if any(ref == step.get("id") for ref in REFERENCE.findall(later)):
            found.append(step)
    return found


# --- exact: the details --------------------------------------------------------------------


def _trigger_misses(want: Mapping[str, Any], got: Mapping[str, Any]) -> list[str]:
    if want["type"] == "schedule":
        if fire_times(want) != fire_times(got):
            return [f"schedule {_schedule_text(got)} instead of {_schedule_text(want)}"]
    elif want["type"] == "folder_watch":
        misses = []
        if not same_path(str(got.get("folder", "")), want["folder"]):
            misses.append(f"watches {got.get('folder')!r} instead of {want['folder']!r}")
        if str(got.get("pattern", "*")).lower() != want["pattern"].lower():
            misses.append(f"pattern {got.get('pattern', '*')!r} instead of {want['pattern']!r}")
        events = got.get("events") or ["created"]
        if "modified" in want.get("events", []) and "modified" not in events:
            misses.append("does not react to changed files")
        return misses
    return []


def _schedule_text(trigger: Mapping[str, Any]) -> str:
    return json.dumps({k: v for k, v in trigger.items() if k != "type"}, ensure_ascii=False)


def fire_times(trigger: Mapping[str, Any]) -> object:
    """What a schedule does, comparable across its forms: ("every", minutes) for an interval,
    else the moments it fires over five weeks."""
    if "every_minutes" in trigger:
        return ("every", int(trigger["every_minutes"]))
    cron = _cron(trigger)
    if cron is None:
        return None
    fields = cron.split()
    if len(fields) == 5 and fields[2:] == ["*", "*", "*"]:
        minute, hour = fields[0], fields[1]
        if hour == "*" and (minute == "*" or minute.startswith("*/")):
            return ("every", 1 if minute == "*" else int(minute[2:]))
        if minute == "0" and (hour == "*" or hour.startswith("*/")):
            return ("every", 60 * (1 if hour == "*" else int(hour[2:])))
    from croniter import croniter

    if not croniter.is_valid(cron):
        return ("invalid", cron)
    times, it = [], croniter(cron, SPAN_START - timedelta(minutes=1))
    while (moment := it.get_next(datetime)) < SPAN_START + SPAN:
        times.append(moment)
    return frozenset(times)


def _cron(trigger: Mapping[str, Any]) -> str | None:
    from app.automations.builtins.triggers import schedule_cron

    return schedule_cron(dict(trigger))


def _sequence_misses(want: Sequence[Sequence[str]], got: Sequence[str]) -> list[str]:
    if len(want) == len(got) and all(a in options for a, options in zip(got, want, strict=True)):
        return []
    labelled = " → ".join("|".join(options) for options in want)
    return [f"steps {' → '.join(got) or '(none)'} instead of {labelled}"]


def normal_path(text: str) -> str:
    """A path or URL as a place: quotes, separators and trailing slashes do not matter, nor
    case in Windows paths."""
    text = text.strip().strip("'\"")
    if re.match(r"^https?://", text, re.I):
        return text.rstrip("/")
    text = text.replace("\\", "/").rstrip("/")
    if re.match(r"^[A-Za-z]:/", text):
        return ntpath.normcase(text).replace("\\", "/")
    return posixpath.normpath(text) if text else text


def same_path(a: str, b: str) -> bool:
    return normal_path(a) == normal_path(b)


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _uses(name: str, strings: Sequence[str]) -> bool:
    want = normal_path(name)
    is_place = bool(re.match(r"^(~|/|[A-Za-z]:/|https?://)", want))
    for text in strings:
        if is_place:
            got = normal_path(text)
            if got == want or got.startswith(want + "/"):
                return True
        else:  # a program: the program itself, or the first word of a command line
            words = text.split()
            if words and posixpath.basename(words[0]) == name:
                return True
    return False


def _name_misses(
    names: Sequence[str], trigger: Mapping[str, Any], steps: Sequence[Mapping[str, Any]]
) -> list[str]:
    strings = list(_strings(dict(trigger))) + [
        text for step in steps for text in _strings(step.get("params") or {})
    ]
    return [f"{name} is not used" for name in names if not _uses(name, strings)]


def _condition_misses(
    condition: Mapping[str, Any], steps: Sequence[Mapping[str, Any]]
) -> list[str]:
    term = str(condition["contains"]).lower()
    for step in _conditions(steps):
        params = step.get("params") or {}
        tested = str(params.get(TESTS[str(step["action"])], "")).lower()
        inverted = bool(params.get("invert", False))
        if term in tested and inverted == bool(condition.get("negated")):
            return []
    return [
        f"does not test for {condition['contains']!r}"
        + (" (negated)" if condition.get("negated") else "")
    ]
