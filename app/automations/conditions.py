"""A condition in a request's words, and the step that carries it in a draft.

"Notify me if it contains 'down'", "save it only when it mentions invoice", "alert me if there
is an ERROR", "如果内容包含“down”就通知我": the acting steps must run only when the text holds
the words. A workflow says this with a text search limited to one match, and the acting steps
go ``for_each`` over its matches: once when the words are there, not at all when they are not.
Dropping the condition would make a draft that acts every time, which a user skimming the
review card might approve; so a condition read in the words is always carried, or the planner
asks.

The search action is found by what it offers (text and pattern in, a list of matches out),
never by its id, so a plugin's search serves as well as the built-in one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from app.automations.api import Action
from app.automations.plugins import Registry

_QUOTED = r"['\"“‘「『]([^'\"”’」』\n]{1,60})['\"”’」』]"
_WORD = r"([A-Z][A-Z0-9_-]{1,30}\b|[A-Za-z][\w-]{1,30}\b)"
# the verb that tests a text, followed by the words tested
_EN_TEST = re.compile(
    r"\b(?:contains?|containing|mentions?|mentioning|says?|includes?|shows?|there (?:is|are))"
    r"\s+(?:the words?\s+|an?\s+)?(?:" + _QUOTED + "|" + _WORD + ")",
    re.I,
)
# what makes it a condition: a conditional word not far before the verb, or "lines containing"
_EN_IF = re.compile(
    r"\b(if|only if|only when|when|whenever|unless|lines?|any line|anything)\b", re.I
)
# the words tested said first: "if ERROR shows up", "when 'sold out' appears"
_EN_SUBJECT = re.compile(
    r"\b(if|only if|when|whenever|only when|unless)\s+(?:the (?:words?|text)\s+)?"
    r"(?:" + _QUOTED + r"|([A-Z][A-Z0-9_-]{1,30})\b)\s+(?:ever\s+)?"
    r"(?:shows? up|appears?|turns? up|comes? up|pops? up|is (?:there|in it|found))\b"
)
_EN_UNLESS = re.compile(r"\b(unless|if not|if it doesn't|when it doesn't)\b", re.I)
_ZH_TEST = re.compile(
    r"(?:包含|含有|提到|出现|显示|说有|返回|有)\s*(?:" + _QUOTED + r"|([A-Za-z0-9]+))"
)
_ZH_IF = re.compile(r"(如果|要是|只有|只要|除非|当|的行|时)")
_ZH_UNLESS = re.compile(r"(除非|不包含|没有)")
_LINES = re.compile(r"\b(lines?|any line)\b\s*$|^\s*的行|^[”」』]?的行", re.I)
_GAP = 60  # characters between the conditional word and the test
_NOT_TERMS = {"it", "this", "that", "the", "what", "something", "anything", "up"}


# asked when the words test a text for something that cannot be made out
QUESTION = (
    "Only when the text says what? Put the words in quotes, for example: "
    "\"notify me if it contains 'down'\"."
)


@dataclass(frozen=True)
class Condition:
    term: str
    negated: bool = False
    lines: bool = False  # "the lines containing 'today'": a filter of lines, not a gate

    def in_words(self) -> str:
        verb = "does not contain" if self.negated else "contains"
        return f"only if the text {verb} {self.term!r}"


# "if it returns fail", "only when the page says down": a test of a text whose words cannot be
# told apart from the sentence (unquoted, not in capitals); the planner asks for them
_EN_VAGUE = re.compile(
    r"\b(?:if|only if|only when|unless)\b[^.;!?]{0,60}?\b(?:returns?|says?|reads?|reports?|"
    r"shows?|contains?|mentions?|includes?|has the words?)\s+(?!up\b)\w",
    re.I,
)


def unreadable(text: str) -> bool:
    """Do the words test a text for something :func:`read` cannot make out?"""
    plain = re.sub(r"https?://\S+|[~/][\w./-]*", "it", text)  # addresses and paths hold dots
    return read(text) is None and bool(_EN_VAGUE.search(plain))


def read(text: str) -> Condition | None:
    """The condition the words set, if any."""
    said_first = _EN_SUBJECT.search(text)
    if said_first:
        negated = said_first.group(1) == "unless"
        return Condition((said_first.group(2) or said_first.group(3)).strip(), negated)
    for tests, ifs, unless in ((_EN_TEST, _EN_IF, _EN_UNLESS), (_ZH_TEST, _ZH_IF, _ZH_UNLESS)):
        for match in tests.finditer(text):
            before = text[max(0, match.start() - _GAP) : match.start()]
            after = text[match.end() : match.end() + 8]
            if not ifs.search(before) and not ifs.search(after):
                continue
            quoted, word = match.group(1), match.group(2)
            term = quoted or word
            # an unquoted word is a term after "contains" or "mentions", or when it is written
            # in capitals ("says OK", "there is an ERROR"); "shows up" is not a test
            loose = not re.match(r"(?i)contain|mention|includ|包含|含有|提到", match.group(0))
            if not quoted and (term.lower() in _NOT_TERMS or (loose and not term.isupper())):
                continue
            if loose and not quoted and not ifs.search(before):
                continue  # "a folder where there are PDF files when…" tests nothing
            negated = bool(unless.search(before))
            lines = bool(_LINES.search(before[-20:]) or _LINES.match(after))
            return Condition(term.strip(), negated, lines)
    return None


def tester(registry: Registry) -> Action | None:
    """The action that searches a text: text and pattern in, a list of matches out."""
    for action in registry.actions.values():
        props = action.parameters.get("properties", {})
        out = action.output.get("properties", {}) if action.output.get("type") == "object" else {}
        if (
            action.reads_only
            and {"text", "pattern"} <= set(action.parameters.get("required", []))
            and "limit" in props
            and out.get("matches", {}).get("type") == "array"
        ):
            return action
    return None


def _references(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def tested(document: Mapping[str, Any], condition: Condition) -> bool:
    """Does a step test the condition's words, with a later step depending on it?"""
    steps = document.get("steps", [])
    term = condition.term.lower()
    for n, step in enumerate(steps):
        params = step.get("params", {})
        words = " ".join(str(params.get(k, "")) for k in ("pattern", "contains")).lower()
        if term not in re.sub(r"\\(.)", r"\1", words):
            continue
        if bool(params.get("invert", False)) != condition.negated:
            continue
        if f"steps.{step['id']}." in _references(steps[n + 1 :]):
            return True
    return False


def _escape(words: str) -> str:
    """The words as a pattern that finds them, escaped only where a pattern needs it (the
    review card and the history show it: "in stock", not "in\\ stock")."""
    return re.sub(r"([.^$*+?{}\[\]\\|()])", r"\\\1", words)


def gate(
    document: dict[str, Any],
    condition: Condition,
    registry: Registry,
    text_of: Callable[[Action], str | None],
) -> str | None:
    """Carry the condition in ``document`` when no step does: a search for the words in the
    first text a step produces (``text_of`` says how an action's output is read as text), and
    the steps after it that act (whose result no later step uses) run over its one match.
    Returns what was done, or None when it cannot be done (a negated or line condition,
    nothing to search, no search action)."""
    search = tester(registry)
    steps = document["steps"]
    if condition.negated or condition.lines or search is None or tested(document, condition):
        return None
    read_new_file(document, registry, text_of)
    for n, step in enumerate(steps):
        action = registry.actions.get(step["action"])
        suffix = text_of(action) if action is not None else None
        if suffix is None:
            continue
        # the steps that exist for what they do: no later step uses their result
        later = steps[n + 1 :]
        acting = [
            s
            for m, s in enumerate(later)
            if f"steps.{s['id']}." not in _references(later[m + 1 :]) and not s.get("for_each")
        ]
        if not acting:
            return None
        ids = {s["id"] for s in steps}
        check_id = next(c for c in ("check", "check_words", "check_text") if c not in ids)
        check = {
            "id": check_id,
            "action": search.id,
            "params": {
                "text": f"{{{{steps.{step['id']}.output{suffix}}}}}",
                "pattern": _escape(condition.term),
                "ignore_case": True,
                "limit": 1,
            },
        }
        steps.insert(n + 1, check)
        for s in acting:
            s["for_each"] = f"{{{{steps.{check_id}.output.matches}}}}"
        return f"the steps that act now run {condition.in_words()}"
    return None


def _file_reader(registry: Registry, text_of: Callable[[Action], str | None]) -> Action | None:
    """The action that reads a file's text: only reads, a path in, text out."""
    for action in registry.actions.values():
        if (
            action.reads_only
            and action.parameters.get("required") == ["path"]
            and any(p.kind == "files.read" and p.param == "path" for p in action.permissions)
            and text_of(action) is not None
        ):
            return action
    return None


def read_new_file(
    document: dict[str, Any], registry: Registry, text_of: Callable[[Action], str | None]
) -> None:
    """When the file that started the run is what the words test ("when a report lands in
    ~/Reports, if it mentions 'urgent' move it…") and no step reads any text: a first step
    reading that file, so there is a text to search."""
    trigger = registry.triggers.get(str(document.get("trigger", {}).get("type")))
    if trigger is None or "path" not in trigger.data.get("properties", {}):
        return
    for step in document["steps"]:
        action = registry.actions.get(step["action"])
        if action is not None and action.reads_only and text_of(action) is not None:
            return  # a text is read already
    reader = _file_reader(registry, text_of)
    if reader is None:
        return
    ids = {s["id"] for s in document["steps"]}
    step_id = next(c for c in ("read", "read_file", "read_new_file") if c not in ids)
    document["steps"].insert(
        0, {"id": step_id, "action": reader.id, "params": {"path": "{{trigger.path}}"}}
    )


def gated_by(
    step: Mapping[str, Any], steps: list[Mapping[str, Any]], registry: Registry
) -> tuple[str, str] | None:
    """For a step that runs over a search's one match: the search step's id and the words it
    looks for (how the review card says "only if step 2 finds 'down'")."""
    match = re.fullmatch(
        r"\{\{\s*steps\.([a-z][a-z0-9_]*)\.output\.matches\s*\}\}", str(step.get("for_each", ""))
    )
    search = tester(registry)
    if match is None or search is None:
        return None
    for other in steps:
        params = other.get("params", {})
        same = other.get("id") == match.group(1) and other.get("action") == search.id
        if same and params.get("limit") == 1:
            return str(other["id"]), re.sub(r"\\(.)", r"\1", str(params.get("pattern", "")))
    return None


__all__ = [
    "Condition",
    "gate",
    "gated_by",
    "read",
    "read_new_file",
    "tested",
    "tester",
    "unreadable",
]
