"""What the user reviews before approving a drafted workflow: its trigger in plain words, its
steps as sentences (references as "the result of step 1", a condition as "only if step 2 finds
'down'"), and the permissions approving grants, the dangerous ones marked. The card, the
panel and the terminal all say a workflow this way."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.automations import conditions, intent
from app.automations.plugins import Registry
from app.automations.workflow import REFERENCE

if TYPE_CHECKING:
    from app.automations.planner import Plan

WATCH_EVENTS_DEFAULT = ("created", "modified")


def when_in_words(trigger: Mapping[str, Any]) -> str:
    """A trigger (document form) in plain words: "Every weekday at 08:00"."""
    kind = trigger.get("type")
    if kind == "manual":
        return "By hand (Run now)"
    if kind == "app_start":
        return "When Steward starts"
    if kind == "folder_watch":
        pattern = trigger.get("pattern", "*")
        what = "a file" if pattern in ("*", "") else f"a file matching {pattern}"
        events = trigger.get("events") or WATCH_EVENTS_DEFAULT
        verb = {
            ("created",): "appears",
            ("modified",): "changes",
        }.get(tuple(events), "appears or changes")
        return f"When {what} {verb} in {trigger.get('folder', '?')}"
    if kind == "schedule":
        if "every_minutes" in trigger:
            minutes = int(trigger["every_minutes"])
            if minutes % 60 == 0:
                hours = minutes // 60
                return "Every hour" if hours == 1 else f"Every {hours} hours"
            return "Every minute" if minutes == 1 else f"Every {minutes} minutes"
        if "at" in trigger:
            at = trigger["at"]
            clock = f"{int(at.get('hour', 0)):02d}:{int(at.get('minute', 0)):02d}"
            days = list(at.get("weekdays") or intent.WEEKDAYS)
            if len(days) == 7:
                return f"Every day at {clock}"
            if days == list(intent.WEEKDAYS[:5]):
                return f"Every weekday at {clock}"
            if days == list(intent.WEEKDAYS[5:]):
                return f"Every weekend day at {clock}"
            names = {v: k.capitalize() for k, v in intent.DAY_NAMES.items()}
            return f"Every {', '.join(names[d] for d in days)} at {clock}"
        if "cron" in trigger:
            return f"On the schedule {trigger['cron']} (cron)"
    return str(kind)


PERMISSION_WORDS = {
    "files.read": "read files in {scope}",
    "files.write": "change files in {scope}",
    "network": "connect to {scope}",
    "process.run": "run the program {scope}",
    "clipboard": "use the clipboard",
    "notify": "show notifications",
    "model": "use the local model",
}


@dataclass(frozen=True)
class ReviewStep:
    number: int
    action: str
    title: str
    what: str  # one line: what the step does with these parameters
    params: dict[str, Any]
    for_each: str | None = None


@dataclass(frozen=True)
class ReviewPermission:
    kind: str
    scope: str
    words: str
    dangerous: bool  # changes files, reaches the network or runs a program


@dataclass(frozen=True)
class Review:
    """A draft as the user reads it before approving: what starts it, each step, and
    exactly the permissions approving grants (the document's, nothing else)."""

    name: str
    when: str
    steps: tuple[ReviewStep, ...]
    permissions: tuple[ReviewPermission, ...]

    @property
    def dangerous(self) -> bool:
        return any(p.dangerous for p in self.permissions)


def _in_words(text: str, numbers: Mapping[str, int]) -> str:
    """References as a person reads them: "the result of step 1", "each listed file"."""

    def word(match: re.Match[str]) -> str:
        ref = match.group(1)
        parts = ref.split(".")
        if parts[0] == "steps" and len(parts) > 1 and parts[1] in numbers:
            return f"[the result of step {numbers[parts[1]]}]"
        return {
            "item": "[each listed file]",
            "trigger.path": "[the new file]",
            "trigger.name": "[the new file's name]",
            "trigger.text": "[the text from the chat]",
            "run.date": "[today's date]",
            "run.time": "[the time]",
        }.get(ref, match.group(0))

    return REFERENCE.sub(word, text)


def review(document: Mapping[str, Any], registry: Registry) -> Review:
    steps = []
    numbers = {str(s.get("id")): n for n, s in enumerate(document.get("steps", []), 1)}
    for n, step in enumerate(document.get("steps", []), 1):
        action = registry.actions.get(step.get("action", ""))
        params = dict(step.get("params", {}))
        what = ""
        if action is not None and action.describe is not None:
            try:
                what = action.describe(params)
            except (KeyError, TypeError, ValueError):
                what = ""
        if not what:
            shown = ", ".join(f"{k}: {str(v)[:80]}" for k, v in params.items())
            what = f"{action.title if action else step.get('action')} ({shown})"
        gate = conditions.gated_by(step, list(document.get("steps", [])), registry)
        if gate is not None:
            what = f"Only if step {numbers[gate[0]]} finds {gate[1]!r}: {what}"
        elif step.get("for_each"):
            what = f"For each file of {step['for_each']}: {what}"
        what = _in_words(what, numbers)
        steps.append(
            ReviewStep(
                n,
                str(step.get("action")),
                action.title if action else str(step.get("action")),
                what,
                params,
                step.get("for_each"),
            )
        )
    permissions = []
    for item in document.get("permissions", []):
        kind, scope = str(item.get("kind")), str(item.get("scope", ""))
        words = PERMISSION_WORDS.get(kind, kind).format(scope=scope)
        permissions.append(
            ReviewPermission(kind, scope, words, kind in ("files.write", "network", "process.run"))
        )
    return Review(
        str(document.get("name", "")),
        when_in_words(document.get("trigger", {})),
        tuple(steps),
        tuple(permissions),
    )


def review_text(result: Plan, registry: Registry) -> str:
    """A plan as plain text (the CLI prints this)."""
    if result.kind != "workflow" or result.workflow is None:
        label = "Question" if result.kind == "question" else "Can't do that"
        return f"{label}: {result.text}"
    card = review(result.workflow, registry)
    lines = [f"Draft: “{card.name}”", f"  When: {card.when}", "  Steps:"]
    lines += [f"    {s.number}. {s.what}" for s in card.steps]
    lines.append(
        "  Permissions it asks for (! = changes files, uses the network or runs a program):"
    )
    lines += [f"    {'!' if p.dangerous else '-'} {p.words}" for p in card.permissions]
    return "\n".join(lines)


__all__ = [
    "WATCH_EVENTS_DEFAULT",
    "Review",
    "ReviewPermission",
    "ReviewStep",
    "review",
    "review_text",
    "when_in_words",
]
