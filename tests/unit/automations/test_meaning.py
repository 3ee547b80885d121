"""The meaning check on hand-made drafts: for each request, a draft that does exactly what it
asks passes, and every draft that drops one effect it asks for (a write, a send, a delete, a
run, a condition, a schedule or a watch) or adds one it does not ask for is caught, with a
problem whose code says what is wrong. A draft like that would validate: only the meaning
check stands between it and a user skimming the card.

The requests are written for this test, not taken from the request set."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from app.automations import conditions, intent
from app.automations.builtins import MODULES
from app.automations.compiler import compile_draft, string_output
from app.automations.meaning import meaning_problems
from app.automations.plugins import Registry, load_plugins
from app.automations.problems import Problem
from app.automations.workflow import validate

# the built-in plugins, as the app loads them (what requests ask for is read with them)
BUILTINS = load_plugins(builtins=MODULES, entry_points=False)

Document = dict[str, Any]


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_plugins(builtins=MODULES, entry_points=False)


def exact(registry: Registry, request: str, steps: list[dict[str, Any]]) -> Document:
    """The document a correct draft of ``request`` compiles to (with its condition's test)."""
    facts = intent.read(request, BUILTINS)
    document, problems = compile_draft({"name": "t", "steps": steps}, registry, facts, request)
    assert problems == []
    if facts.condition is not None:
        conditions.gate(document, facts.condition, registry, string_output)
    return document


def problems_of(registry: Registry, request: str, document: Document) -> list[Problem]:
    return meaning_problems(document, registry, intent.read(request, BUILTINS))


def without(action: str) -> Callable[[Document], None]:
    """Drop the step(s) using ``action`` (and what referred to them, left dangling)."""

    def change(document: Document) -> None:
        document["steps"] = [s for s in document["steps"] if s["action"] != action]

    return change


def adding(step: dict[str, Any], permission: dict[str, str]) -> Callable[[Document], None]:
    def change(document: Document) -> None:
        document["steps"].append(step)
        document["permissions"].append(permission)

    return change


def trigger(value: dict[str, Any]) -> Callable[[Document], None]:
    def change(document: Document) -> None:
        document["trigger"] = value

    return change


def ungated(document: Document) -> None:
    """The condition's test left out: the step after it acts every time."""
    gate = next(s for s in document["steps"] if s["action"] == "text.match")
    document["steps"] = [s for s in document["steps"] if s is not gate]
    for step in document["steps"]:
        step.pop("for_each", None)


DELETE_IT = (
    {"id": "delete", "action": "files.delete", "params": {"path": "{{trigger.path}}"}},
    {"kind": "files.write", "scope": "~/Downloads"},
)
RUN_IT = (
    {"id": "run_2", "action": "process.run", "params": {"program": "rm", "args": ["-rf", "~"]}},
    {"kind": "process.run", "scope": "rm"},
)
POST_IT = (
    {
        "id": "send",
        "action": "http.post",
        "params": {"url": "https://collect.test/in", "body": "x"},
    },
    {"kind": "network", "scope": "collect.test"},
)

WATCH = "When a PDF lands in ~/Downloads, move it to ~/Papers"
WATCH_STEPS = [
    {"action": "files.move", "params": {"source": "{{trigger.path}}", "destination": "~/Papers"}}
]
DAILY = "Every day at 18:00 run `df -h` and append the output to ~/logs/disk.txt"
DAILY_STEPS = [
    {"action": "process.run", "params": {"program": "df", "args": ["-h"]}},
    {
        "action": "files.append",
        "params": {"path": "~/logs/disk.txt", "text": "{{steps.s1.output}}"},
    },
]
SEND = "Every weekday at 9 fetch https://status.test/api and post it to https://hooks.test/in"
SEND_STEPS = [
    {"action": "http.get", "params": {"url": "https://status.test/api"}},
    {
        "action": "http.post",
        "params": {"url": "https://hooks.test/in", "body": "{{steps.s1.output}}"},
    },
]
WHEN = "Every 10 minutes get https://shop.test/item and notify me if it contains 'in stock'"
WHEN_STEPS = [
    {"action": "http.get", "params": {"url": "https://shop.test/item"}},
    {"action": "notify.show", "params": {"title": "Shop", "body": "{{steps.s1.output}}"}},
]

CASES: list[tuple[str, list[dict[str, Any]], str, Callable[[Document], None], set[str]]] = [
    # drops: the write, the send, the run, the condition, the notification, the schedule
    (WATCH, WATCH_STEPS, "drops the move", without("files.move"), {"missing_step", "invalid"}),
    (WATCH, WATCH_STEPS, "drops the watch", trigger({"type": "manual"}), {"wrong_trigger"}),
    (DAILY, DAILY_STEPS, "drops the run", without("process.run"), {"command_not_run", "invalid"}),
    (DAILY, DAILY_STEPS, "drops the write", without("files.append"), {"missing_step"}),
    (DAILY, DAILY_STEPS, "drops the schedule", trigger({"type": "manual"}), {"wrong_trigger"}),
    (
        DAILY,
        DAILY_STEPS,
        "moves the schedule",
        trigger({"type": "schedule", "at": {"hour": 6, "minute": 0}}),
        {"wrong_trigger"},
    ),
    (SEND, SEND_STEPS, "drops the send", without("http.post"), {"missing_step"}),
    (
        SEND,
        SEND_STEPS,
        "runs on weekends too",
        trigger({"type": "schedule", "at": {"hour": 9, "minute": 0}}),
        {"wrong_trigger"},
    ),
    (WHEN, WHEN_STEPS, "drops the condition", ungated, {"condition_untested"}),
    (WHEN, WHEN_STEPS, "drops the notification", without("notify.show"), {"missing_step"}),
    # adds: a delete, a run, a send nobody asked for
    (WATCH, WATCH_STEPS, "adds a delete", adding(*DELETE_IT), {"not_asked"}),
    (DAILY, DAILY_STEPS, "adds a run", adding(*RUN_IT), {"unnamed_program"}),
    (WATCH, WATCH_STEPS, "adds a run", adding(*RUN_IT), {"not_asked"}),
    (WHEN, WHEN_STEPS, "adds a send", adding(*POST_IT), {"not_asked", "unnamed_address"}),
    (DAILY, DAILY_STEPS, "adds a send", adding(*POST_IT), {"not_asked", "unnamed_address"}),
]


@pytest.mark.parametrize(
    ("request_text", "steps"),
    [(WATCH, WATCH_STEPS), (DAILY, DAILY_STEPS), (SEND, SEND_STEPS), (WHEN, WHEN_STEPS)],
)
def test_the_exact_draft_passes(registry: Registry, request_text: str, steps: list) -> None:
    document = exact(registry, request_text, steps)
    assert validate(document, registry)[0] is not None
    assert problems_of(registry, request_text, document) == []


@pytest.mark.parametrize(
    ("request_text", "steps", "change", "codes"),
    [pytest.param(r, s, c, codes, id=f"{r[:24]}… {what}") for r, s, what, c, codes in CASES],
)
def test_a_draft_that_drops_or_adds_one_effect_is_caught(
    registry: Registry,
    request_text: str,
    steps: list,
    change: Callable[[Document], None],
    codes: set[str],
) -> None:
    document = copy.deepcopy(exact(registry, request_text, steps))
    change(document)
    found = problems_of(registry, request_text, document)
    assert found, "the changed draft passed the meaning check"
    assert {p.code for p in found} & codes, found
    # every problem says, for people, what is wrong
    assert all(p.message for p in found)


def test_a_result_shown_where_the_draft_left_the_text_out(registry: Registry) -> None:
    """ "Read /tmp/report.txt and notify me of its contents": the drafted notification had a
    title only; the read's result becomes its text, and nothing else changes."""
    from app.automations.meaning import repair

    request_text = "Read /tmp/report.txt and notify me of its contents"
    facts = intent.read(request_text, registry)
    draft = {
        "name": "Report",
        "steps": [
            {"action": "files.read", "params": {"path": "/tmp/report.txt"}},
            {"action": "notify.show", "params": {"title": "Report"}},
        ],
    }
    document, problems = compile_draft(draft, registry, facts, request_text)
    problems += meaning_problems(document, registry, facts)
    assert [p.code for p in problems] == ["result_unused"]
    assert repair(document, problems, facts, registry) == ["step 2 now uses step 1's result"]
    assert document["steps"][1]["params"] == {"title": "Report", "body": "{{steps.read.output}}"}
    assert meaning_problems(document, registry, facts) == []
    assert validate(document, registry)[0] is not None


def test_a_summary_of_nothing_earlier_is_caught_and_fed(registry: Registry) -> None:
    """ "Fetch…, save it, summarize it and tell me": the drafted summary was of the word
    "status". It must work on the fetched page."""
    from app.automations.meaning import repair

    request_text = (
        "Every day at 12:00 fetch https://a.test/menu.txt, save it to ~/Notes/menu.txt, "
        "summarize it and tell me"
    )
    facts = intent.read(request_text, registry)
    draft = {
        "name": "Menu",
        "steps": [
            {"action": "http.get", "params": {"url": "https://a.test/menu.txt"}},
            {
                "action": "files.write",
                "params": {"path": "~/Notes/menu.txt", "text": "{{steps.s1.output}}"},
            },
            {"action": "model.prompt", "params": {"input": "status", "task": "summarize"}},
            {"action": "notify.show", "params": {"title": "Menu"}},
        ],
    }
    document, problems = compile_draft(draft, registry, facts, request_text)
    problems += meaning_problems(document, registry, facts)
    assert {(p.code, p.step) for p in problems} == {("unfed", 3), ("result_unused", 3)}
    repair(document, problems, facts, registry)
    steps = document["steps"]
    assert steps[2]["params"]["input"] == "{{steps.fetch.output.text}}"
    assert steps[3]["params"]["body"] == "{{steps.ask_model.output}}"
    assert meaning_problems(document, registry, facts) == []


@pytest.mark.parametrize(
    ("request_text", "term"),
    [
        (
            "Every day at 21:00 read my todo list and notify me of the lines containing 'urgent'",
            "urgent",
        ),
        ("每天晚上9点读取我的待办清单，把包含“紧急”的行通知我", "紧急"),
    ],
)
def test_lines_drafted_without_the_words_pick_by_the_words_asked(
    registry: Registry, request_text: str, term: str
) -> None:
    """The small model wrote the words where the text goes ({"text": "urgent"}) and picked
    no lines: the step picks the lines containing them, from the file read before."""
    from app.automations.meaning import repair

    facts = intent.read(request_text, registry)
    draft = {
        "name": "Todo",
        "steps": [
            {"action": "files.read", "params": {"path": "~/Notes/todo.md"}},
            {"action": "text.lines", "params": {"text": term}},
            {"action": "notify.show", "params": {"title": "Todo", "body": "Todo"}},
        ],
    }
    document, problems = compile_draft(draft, registry, facts, request_text)
    problems += meaning_problems(document, registry, facts)
    assert any(p.code == "condition_untested" for p in problems)
    repair(document, problems, facts, registry)
    lines, notify = document["steps"][1:]
    assert lines["params"] == {"text": "{{steps.read.output}}", "contains": term}
    assert notify["params"]["body"] == "{{steps.lines.output.text}}"
    assert meaning_problems(document, registry, facts) == []


def test_a_watched_folder_with_a_chinese_name_is_used_by_the_trigger(registry: Registry) -> None:
    """ "~/Documents/合同 里有新的 pdf 时通知我": the folder is the trigger's; the check once
    looked for it in the trigger's JSON with non-ASCII letters escaped and never found it."""
    text = "~/Documents/合同 里有新的 pdf 时通知我"
    steps = [{"action": "notify.show", "params": {"title": "新合同"}}]
    document = exact(registry, text, steps)
    assert document["trigger"]["folder"] == "~/Documents/合同"
    assert problems_of(registry, text, document) == []


@pytest.mark.parametrize(
    ("request_text", "action", "params"),
    [
        (
            "Every Friday at 6 pm append ~/N/week.md to ~/N/archive.md",
            "files.append",
            {"path": "~/N/archive.md", "text": "append to file"},
        ),
        ("帮我把 ~/N/todo.md 的内容放到剪贴板，谢了", "clipboard.write", {"text": "todo.md"}),
    ],
)
def test_a_named_file_left_unread_before_a_step_that_takes_a_text_is_read_first(
    registry: Registry, request_text: str, action: str, params: dict[str, str]
) -> None:
    """The drafted step took a text the model made up ("append to file") and the file the
    request names went unused: that file is read first and its text is what the step takes."""
    from app.automations.meaning import repair

    facts = intent.read(request_text, registry)
    draft = {"name": "t", "steps": [{"action": action, "params": params}]}
    document, problems = compile_draft(draft, registry, facts, request_text)
    problems += meaning_problems(document, registry, facts)
    assert [p.code for p in problems] == ["named_unused"]
    assert repair(document, problems, facts, registry)
    steps = document["steps"]
    assert [s["action"] for s in steps] == ["files.read", action]
    assert steps[0]["params"]["path"] == facts.paths[0]
    assert steps[1]["params"]["text"] == "{{steps.read.output}}"
    assert meaning_problems(document, registry, facts) == []
    assert validate(document, registry)[0] is not None
    # where the text goes is never read in its place
    assert "~/N/archive.md" not in json.dumps(steps[0])


def test_a_named_destination_is_not_read_first(registry: Registry) -> None:
    from app.automations.meaning import repair

    request_text = "Append 'hello' to ~/N/log.md"
    facts = intent.read(request_text, registry)
    draft = {"name": "t", "steps": [{"action": "notify.show", "params": {"title": "hello"}}]}
    document, problems = compile_draft(draft, registry, facts, request_text)
    problems += meaning_problems(document, registry, facts)
    repair(document, problems, facts, registry)
    assert all(s["action"] != "files.read" for s in document["steps"])
