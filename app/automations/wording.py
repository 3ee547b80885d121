"""The user's own words where a drafted step says something in words: what a reminder
reminds of ("every day at 10pm remind me to turn off the computer": the notification says
"Turn off the computer", not whatever the model made up), and an instruction asked for in
words ("translate it into English": the model step's instruction). Chinese requests are read
in the reader's English; what a reminder is about stays as the user wrote it ("提醒我关电脑":
"关电脑")."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from app.automations.api import SAID
from app.automations.workflow import REFERENCE
from app.automations.zh import has_chinese

if TYPE_CHECKING:
    from app.automations.intent import Facts
    from app.automations.plugins import Registry

_REMINDER = re.compile(
    r"\b(?:remind(?:er)?|nudge|ping)\b(?: me)?"
    r"(?:\s+(?:every|each|at|on|in|daily|hourly)\b[^.;!?,\n]{0,25}?)?"
    r"\s+(?:to|about|of|that)\s+([^.;!?,\n]+)",
    re.I,
)
# when it happens is the trigger's business, not the reminder's text
_TIMING = re.compile(
    r"\s+(?:every|each|at \d|on (?:mon|tue|wed|thu|fri|sat|sun)\w*|daily|nightly|hourly|"
    r"weekly|monthly|in the (?:morning|afternoon|evening)|tonight|tomorrow|when|whenever|if|"
    r"and then|then)\b.*$",
    re.I,
)
# a clause ends at punctuation or where the next step begins
_CLAUSE_END = re.compile(r"[.;!?,\n]|\s+(?:and|then|and then)\s+", re.I)
_PLACE = re.compile(r"https?://\S+|(?<![\w/])~?/[^\s,;]+")
_LONGEST = 200


# "remind me to stretch and delete …": a second clause that asks Steward to act
_NEXT_ASK = re.compile(
    r"\s+and\s+(?:then\s+)?(?:also\s+)?(?=(?:delete|remove|erase|wipe|trash|purge|empty|move|"
    r"copy|run|execute|send|post|upload|save|write|append|fetch|download|notify|summari[sz]e|"
    r"list|back up|clear)\b)",
    re.I,
)


def reminder_span(text: str) -> tuple[int, int] | None:
    """Where the words say what a reminder is about ("remind me to [delete old photos] every
    Sunday"): the user's own task, asking nothing of Steward. It ends where another clause
    asks Steward to act ("remind me to stretch and delete …")."""
    match = _REMINDER.search(text)
    if match is None:
        return None
    said = _TIMING.sub("", match.group(1))
    if (then := _NEXT_ASK.search(said)) is not None:
        said = said[: then.start()]
    return match.start(1), match.start(1) + len(said)


def reminder(text: str) -> str:
    """What "remind me to …" reminds of, without when ("" when the words ask no reminder)."""
    span = reminder_span(text)
    if span is None:
        return ""
    said = text[span[0] : span[1]].strip(" '\"")
    said = re.sub(r"^(?:to|about|of)\s+", "", said, flags=re.I)
    if not said or len(said) > _LONGEST:
        return ""
    return said[0].upper() + said[1:]


def clause_at(text: str, at: int) -> str:
    """The words from ``at`` to the end of their clause, places said as "it"."""
    rest = _PLACE.sub("it", text[at:])
    end = _CLAUSE_END.search(rest)
    clause = rest[: end.start()] if end else rest
    return re.sub(r"\s+", " ", clause).strip()[:_LONGEST]


def said_values(values: Mapping[str, Any], facts: Facts, ask: str) -> dict[str, Any]:
    """``values`` (an action's fills for ``ask``) with ``SAID`` replaced by the words that
    asked."""
    at = facts.said_at.get(ask)
    said = clause_at(facts.text, at) if at is not None else ""
    return {k: (said if v is SAID else v) for k, v in values.items()}


def fit_the_asks(document: dict[str, Any], facts: Facts, registry: Registry) -> list[str]:
    """A step set up for what the request did not ask (the model step summarizes) while the
    request asked its action for something else (to translate) is set up for that."""
    wanted = set(facts.said_at)
    done = []
    for n, step in enumerate(document["steps"], 1):
        action = registry.actions.get(step["action"])
        if action is None or action.planning is None:
            continue
        fills = action.planning.fills
        params = step["params"]
        unasked = [
            ask
            for ask, values in fills.items()
            if ask not in wanted and all(v is SAID or params.get(k) == v for k, v in values.items())
        ]
        asked = [ask for ask in fills if ask in wanted]
        if unasked and asked:
            params.update(said_values(fills[asked[0]], facts, asked[0]))
            done.append(f"step {n}: {asked[0]}, as asked (not {unasked[0]})")
    return done


def say_the_reminder(document: dict[str, Any], facts: Facts, registry: Registry) -> list[str]:
    """A step that tells the user something says what the request asked to be reminded of:
    its required text (a notification's title) is the reminder, and an optional text the
    model made up (not an earlier step's result) is left out. On a folder watch with no
    reminder, a text the model made up (not the request's words) gives way to the name of
    the file that arrived."""
    said = reminder(facts.text)
    arrived = not said and document.get("trigger", {}).get("type") == "folder_watch"
    if arrived:
        said = "{{trigger.name}}"
    tellers = [
        (n, step)
        for n, step in enumerate(document["steps"], 1)
        if (action := registry.actions.get(step["action"])) is not None and action.role == "tell"
    ]
    if not said or len(tellers) != 1:
        return []
    n, step = tellers[0]
    action = registry.actions[step["action"]]
    params = step["params"]
    properties = action.parameters.get("properties", {})
    required = action.parameters.get("required", [])
    texts = [k for k in required if properties.get(k, {}).get("type") == "string"]
    if not texts or any(REFERENCE.search(str(params.get(k, ""))) for k in texts):
        return []
    if arrived and str(params.get(texts[0], "")).strip().lower() in facts.text.lower():
        return []  # the request's own words ("notify me 'new contract'")
    before = dict(params)
    params[texts[0]] = said
    for name, value in list(params.items()):
        kind = properties.get(name, {}).get("type")
        if name not in required and kind == "string" and not REFERENCE.search(str(value)):
            del params[name]
    if params == before:
        return []
    return [f"step {n}: says {'which file arrived' if arrived else 'the reminder'}"]


def _made_up(text: str, facts: Facts) -> bool:
    """Words none of which the request says (the model's, often its worked example's)."""
    words = set(re.findall(r"[a-z]{4,}", text.lower()))
    return bool(words) and not words & set(re.findall(r"[a-z]{4,}", facts.text.lower()))


def name_what_is_told(document: dict[str, Any], facts: Facts, registry: Registry) -> list[str]:
    """A draft that tells the user what an earlier step found, with a name and a title the
    model made up (the words of the example it was shown: "Timesheet reminder"), is named
    after the request, and its notification after the step that found it ("Get current
    time"). A reminder the request words is left to say_the_reminder."""
    if reminder(facts.text) or has_chinese(facts.text):
        return []
    by_id = {step["id"]: step for step in document["steps"]}
    done = []
    for n, step in enumerate(document["steps"], 1):
        action = registry.actions.get(step["action"])
        title = step["params"].get("title")
        if action is None or action.role != "tell" or not isinstance(title, str):
            continue
        said = json.dumps(step["params"])
        sources = [by_id[m.group(1)] for m in _OUTPUT.finditer(said) if m.group(1) in by_id]
        found = registry.actions.get(sources[0]["action"]) if sources else None
        if found is not None and _made_up(title, facts):
            step["params"]["title"] = found.title.split(" (")[0]
            done.append(f"step {n}: titled after what it tells")
    if done and _made_up(str(document.get("name", "")), facts):
        document["name"] = _name_from(facts.text)
        done.append("named after the request")
    return done


def _name_from(text: str, limit: int = 40) -> str:
    """A workflow's name in the request's words: the clause saying what happens (not the
    one saying when), without a leading "every morning at 8", cut at a word."""
    clauses = [c.strip() for c in re.split(r"[,;!?\n]|\.(?:\s|$)", text) if c.strip()]
    doing = [c for c in clauses if not _WHEN.match(c)] or clauses or [text.strip()]
    name = _LEADING_WHEN.sub("", max(doing, key=len)) or doing[0]
    name = name[0].upper() + name[1:]
    if len(name) > limit:
        name = name[: limit - 1].rsplit(" ", 1)[0] + "…"
    return name


_WHEN = re.compile(r"(?i)(every|each|when|whenever|at|on|if)\b[^,]*$")
_LEADING_WHEN = re.compile(
    r"(?i)^(?:every|each)\s+(?:(?:\w+\s+){0,3}?at\s+\d{1,2}(?::\d\d)?\s*(?:am|pm)?|\w+)\s+"
)
_OUTPUT = re.compile(r"\{\{\s*steps\.([a-z][a-z0-9_]*)\.output")


__all__ = [
    "clause_at",
    "fit_the_asks",
    "name_what_is_told",
    "reminder",
    "reminder_span",
    "said_values",
    "say_the_reminder",
]
