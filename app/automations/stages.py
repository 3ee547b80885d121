"""Which steps a request's words call for, in data-flow order: where the data comes from (a
program, a web page, the clipboard, a listing, a file), what is done to it, where it goes.
Read from the actions' planning hints only, so a plugin's actions are planned like the
built-in ones."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePosixPath

from app.automations.api import Action
from app.automations.intent import Capability, Facts
from app.automations.plugins import Registry

MAX_STEPS = 4


def is_folder(path: str) -> bool:
    return not PurePosixPath(path.rstrip("/")).suffix


def _first_reading(registry: Registry, what: str) -> list[str]:
    return [a.id for a in registry.reading(what)[:1]]


def relevant_actions(registry: Registry, facts: Facts) -> list[Action]:
    wanted = {a for c in facts.wants for a in c.actions}
    roles = {registry.actions[a].role for a in wanted if a in registry.actions}
    if facts.commands:
        wanted.update(_first_reading(registry, "program"))
    # a request that sends to the address it names does not fetch from it
    sending = any(
        registry.actions[a].role == "send"
        and any(p.kind == "network" for p in registry.actions[a].permissions)
        for a in wanted
        if a in registry.actions
    )
    if facts.urls and not sending:
        wanted.update(_first_reading(registry, "url"))
    if "chore" in roles:  # "the PDFs in ~/Downloads": listed first
        wanted.update(_first_reading(registry, "folder"))
    named_file = any(not is_folder(p) for p in facts.paths)
    uses_text = roles & {"transform", "store", "send", "tell"}
    if (named_file or facts.trigger == "folder_watch") and uses_text:
        wanted.update(_first_reading(registry, "file"))
    words = set(re.findall(r"[a-z]{4,}", facts.text.lower()))
    chosen = []
    for action in registry.by_term():
        titled = bool(words & set(re.findall(r"[a-z]{4,}", action.title.lower())))
        if action.id in wanted or (action.planning is None and titled):
            chosen.append(action)
    return chosen


READING = re.compile(r"\b(read|show (?:it|me)|contents?|what it says|tell me what)\b", re.I)


# what is sent is the thing itself: "send it", "upload the new file", "post its contents"
_SENT_IT = re.compile(
    r"\b(?:post|upload|send|submit|push|forward)\s+(?:it|them|the (?:new )?files?|"
    r"its (?:contents?|text))\b",
    re.I,
)

SINK_ROLES = ("chore", "store", "send", "tell")


def _primary(registry: Registry, wants: Sequence[Capability]) -> list[tuple[Capability, Action]]:
    """Each thing asked for with the action it is first of all for (a note: writing a file;
    fetching a web page: the fetch, though a send can do it)."""
    return [(c, registry.actions[c.actions[0]]) for c in wants if c.actions[0] in registry.actions]


def sink_stages(
    registry: Registry, wants: Sequence[Capability], notes_named: bool = False
) -> list[tuple[str, ...]]:
    """Where the data goes, one stage per thing asked for, in the order of SINK_ROLES (files
    changed, texts stored, sent, the user told), each of the actions the ask is first of all
    for ("save it to ~/x.txt": writing the file, not adding a note); two asks sharing actions,
    one stage. With a notes file named by its word (``notes_named``: "my journal"), a text is
    stored by an action that keeps notes."""
    return [stage for _, stage in _sinks(registry, wants, notes_named)]


def _sinks(
    registry: Registry, wants: Sequence[Capability], notes_named: bool
) -> list[tuple[Capability, tuple[str, ...]]]:
    sinks: list[tuple[Capability, tuple[str, ...]]] = []
    for role in SINK_ROLES:
        for capability, action in _primary(registry, wants):
            every = _stage(registry, capability, role)
            if action.role != role or any(set(every) & set(s) for _, s in sinks):
                continue
            stage = tuple(a for a in capability.primary if a in every) or every
            if role == "store" and notes_named:
                notes = tuple(a for a in every if _keeps_notes(registry.actions[a]))
                stage = notes or stage
            sinks.append((capability, stage))
    return sinks


def _keeps_notes(action: Action) -> bool:
    return action.planning is not None and "notes" in action.planning.paths.values()


def what_it_reads(action: Action) -> str | None:
    return action.planning.reads if action.planning is not None else None


def _stage(registry: Registry, capability: Capability, role: str) -> tuple[str, ...]:
    return tuple(a for a in capability.actions if registry.actions[a].role == role)


def _source(
    registry: Registry,
    facts: Facts,
    asked: list[tuple[Capability, Action]],
    has_transform: bool,
    has_sinks: bool,
) -> tuple[str, ...] | None:
    """Where the data comes from: a program, a web page, the clipboard, a listing, a file."""
    sources = {what_it_reads(a) for _, a in asked if a.role == "source"}
    sending = any(
        a.role == "send" and any(p.kind == "network" for p in a.permissions) for _, a in asked
    )
    chores = any(a.role == "chore" for _, a in asked)
    other = [
        a.id
        for _, a in asked
        if a.role == "source"
        and what_it_reads(a) not in ("url", "clipboard", "folder", "file", "program")
    ]

    def reader(what: str) -> tuple[str, ...]:
        return tuple(_first_reading(registry, what)) or ("",)

    if facts.commands:
        return reader("program")
    if ("url" in sources or (facts.urls and has_sinks)) and (not sending or len(facts.urls) > 1):
        # fetched from an address the words name ("save https://… to ~/x"; with two named,
        # sent to the other)
        return reader("url")
    if "clipboard" in sources:
        return reader("clipboard")
    if other:
        return (other[0],)
    if (chores and facts.trigger != "folder_watch" and facts.patterns) or (
        "folder" in sources and not chores
    ):
        return reader("folder")
    files = [p for p in facts.files_named if not is_folder(p) and p not in facts.destinations]
    # "upload ~/Backups/db.json to https://…": what is sent is the file's text
    # a condition on a named file tests its text ("look at ~/log.txt and if ERROR shows up…")
    if has_transform or (files and (sending or facts.condition or READING.search(facts.text))):
        return reader("file")
    # "when a file lands in ~/Inbox, post it to https://…": what is sent is that file's text
    if sending and facts.trigger == "folder_watch" and _SENT_IT.search(facts.text):
        return reader("file")
    return None


def _said_before(facts: Facts, first: Capability, then: Capability) -> bool:
    """Is ``first`` asked for in a part of the sentence before the one asking for ``then``
    ("save it to ~/menu.txt, summarize it"; not "append a summary to my journal")?"""
    start, end = facts.said_at.get(first.name), facts.said_at.get(then.name)
    if start is None or end is None or start >= end:
        return False
    return bool(re.search(r"[,;]|\b(?:and|then)\b", facts.text[start:end]))


def plan_stages(registry: Registry, facts: Facts) -> list[list[Action]] | None:
    """The steps the words call for, in data-flow order: where the data comes from (a
    program, a web page, a listing, a file), what is done to it (the model, picking lines),
    where it goes (files, notes, a notification: the roles in SINK_ROLES' order); each stage a
    set of actions the model chooses from. None when the words do not say enough (the model
    then picks freely among the relevant actions, one to four steps)."""
    asked = _primary(registry, facts.wants)
    transforms = [(c, _stage(registry, c, "transform")) for c, a in asked if a.role == "transform"]
    transform = transforms[0][1] if transforms else ()
    sinks = _sinks(registry, facts.wants, bool(facts.notes_files))
    stages: list[tuple[str, ...]] = []
    source = _source(registry, facts, asked, bool(transform), bool(sinks))
    if source is not None:
        stages.append(source)
    # a text kept as it came, before it is changed: "fetch…, save it to ~/menu.txt,
    # summarize it and tell me" (the asks are in the order the words say them)
    said_first = [
        stage
        for c, stage in sinks
        if transforms
        and source is not None
        and registry.actions[stage[0]].role in ("chore", "store")
        and _said_before(facts, c, transforms[0][0])
    ]
    stages += said_first
    if transform:
        stages.append(transform)
    stages += [stage for _, stage in sinks if stage not in said_first]
    if not stages:
        return None
    available = [[registry.actions[a] for a in stage if a in registry.actions] for stage in stages]
    if any(not stage for stage in available) or len(available) > MAX_STEPS:
        return None
    return available


__all__ = [
    "MAX_STEPS",
    "READING",
    "SINK_ROLES",
    "is_folder",
    "plan_stages",
    "relevant_actions",
    "sink_stages",
    "what_it_reads",
]
