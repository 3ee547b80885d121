"""Conditions in a request's words are carried by the draft (or the planner asks); requests that
would destroy a whole folder or a disk are refused; a capability only mentioned is not asked.

The phrasings here are written for these tests, not taken from the request set."""

from __future__ import annotations

import asyncio
import copy
import re
from pathlib import Path
from typing import Any

import pytest

from app.automations import conditions, intent, zh
from app.automations.builtins import MODULES
from app.automations.compiler import string_output
from app.automations.conditions import Condition
from app.automations.planner import Planner, review
from app.automations.plugins import Registry, load_plugins
from app.automations.service import Automations
from tests.unit.automations.conftest import step, workflow, yes

# the built-in plugins, as the app loads them (what requests ask for is read with them)
BUILTINS = load_plugins(builtins=MODULES, entry_points=False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Every 20 minutes get https://x.test/q and ping me if it contains 'sold out'",
            Condition("sold out"),
        ),
        ("When a log lands in ~/Logs, alert me only when it mentions panic", Condition("panic")),
        ("Read ~/a.log daily at 6 and notify me if there is a FATAL", Condition("FATAL")),
        (
            "Notify me unless https://x.test/h says HEALTHY, every 2 minutes",
            Condition("HEALTHY", negated=True),
        ),
        ("Show me the lines containing 'bug' in ~/Notes/x.md", Condition("bug", lines=True)),
        ("每20分钟获取 https://x.test/q，如果内容包含“售罄”就提醒我", Condition("售罄")),
        ("除非 https://x.test/h 返回HEALTHY，否则提醒我", Condition("HEALTHY", negated=True)),
        ("When a PDF shows up in ~/Downloads, move it to ~/Papers", None),
        # the words tested said first
        (
            "Every 10 minutes look at ~/app.log and if ERROR shows up, let me know",
            Condition("ERROR"),
        ),
        ("Tell me when 'sold out' appears on https://x.test/q", Condition("sold out")),
        ("Ping me unless OK is there, every hour, from https://x.test/h", Condition("OK", True)),
        ("Notify me when anything shows up in ~/Inbox", None),
        ("Fetch https://x.test/q every hour and tell me what it says", None),
        ("文件夹里有PDF时通知我", None),
    ],
)
def test_conditions_are_read_in_either_language(text: str, expected: Condition | None) -> None:
    assert conditions.read(text) == expected


def _fetch_then_notify() -> dict[str, Any]:
    return {
        "trigger": {"type": "schedule", "every_minutes": 20},
        "steps": [
            {"id": "fetch", "action": "http.get", "params": {"url": "https://x.test/q"}},
            {
                "id": "notify",
                "action": "notify.show",
                "params": {"title": "Stock", "body": "{{steps.fetch.output.text}}"},
            },
        ],
    }


def test_a_draft_without_the_condition_gets_it_and_the_review_says_so(registry: Registry) -> None:
    document = _fetch_then_notify()
    condition = Condition("sold out")
    assert not conditions.tested(document, condition)
    said = conditions.gate(document, condition, registry, string_output)
    assert said == "the steps that act now run only if the text contains 'sold out'"
    check, notify = document["steps"][1], document["steps"][2]
    assert check["action"] == conditions.tester(registry).id  # type: ignore[union-attr]
    assert check["params"]["text"] == "{{steps.fetch.output.text}}"
    assert check["params"]["limit"] == 1 and check["params"]["pattern"] == "sold out"
    assert notify["for_each"] == "{{steps.check.output.matches}}"
    assert conditions.tested(document, condition)
    words = [s.what for s in review(document, registry).steps]
    assert words[2].startswith("Only if step 2 finds 'sold out': ")
    # carried once: a second pass changes nothing
    before = copy.deepcopy(document)
    assert conditions.gate(document, condition, registry, string_output) is None
    assert document == before
    # the words are found as written, whatever a pattern would make of them
    document = _fetch_then_notify()
    conditions.gate(document, Condition("price (USD) $5?"), registry, string_output)
    pattern = document["steps"][1]["params"]["pattern"]
    assert pattern == r"price \(USD\) \$5\?" and re.fullmatch(pattern, "price (USD) $5?")


def test_a_negated_or_line_condition_is_not_turned_into_a_gate(registry: Registry) -> None:
    for condition in (Condition("OK", negated=True), Condition("bug", lines=True)):
        document = _fetch_then_notify()
        assert conditions.gate(document, condition, registry, string_output) is None
        assert len(document["steps"]) == 2


def test_a_gated_step_runs_only_when_the_words_are_there(
    auto: Automations, work: Path, registry: Registry
) -> None:
    source, out = work / "status.txt", work / "alerts.md"
    doc = workflow(
        [
            step("read", "files.read", path=str(source)),
            step("save", "files.append", path=str(out), text="{{steps.read.output}}"),
        ],
        [{"kind": "files.read", "scope": str(work)}, {"kind": "files.write", "scope": str(work)}],
    )
    assert conditions.gate(doc, Condition("outage"), registry, string_output)
    stored = auto.create(doc)
    source.write_text("all systems normal\n")
    quiet = asyncio.run(auto.run(stored, approver=yes))
    assert quiet.status == "succeeded", quiet.error
    assert not out.exists()
    source.write_text("Outage in region 2\nOUTAGE again\n")
    loud = asyncio.run(auto.run(stored, approver=yes))
    assert loud.status == "succeeded", loud.error
    assert out.read_text().count("Outage in region 2") == 1  # once, however often it matches


class _Drafts:
    """Stands in for the model (the real model's drafts are measured by make bench): answers
    with one fixed draft."""

    def __init__(self, draft: dict[str, Any]) -> None:
        self.draft = draft
        self.calls = 0

    async def __call__(self, messages: Any, params: Any) -> str:
        import json

        self.calls += 1
        return json.dumps(self.draft)


def test_the_planner_never_returns_a_draft_that_drops_the_condition(registry: Registry) -> None:
    draft = {  # the model forgot the condition
        "name": "Stock",
        "steps": [
            {"action": "http.get", "params": {"url": "https://x.test/q"}},
            {
                "action": "notify.show",
                "params": {"title": "Stock", "body": "{{steps.fetch.output.text}}"},
            },
        ],
    }
    planner = Planner(registry, _Drafts(draft))
    plan = asyncio.run(
        planner.plan("Every 20 minutes get https://x.test/q and ping me if it contains 'sold out'")
    )
    assert plan.kind == "workflow" and plan.workflow is not None, plan.text
    assert conditions.tested(plan.workflow, Condition("sold out"))
    assert "the steps that act now run only if the text contains 'sold out'" in plan.repairs
    negated = asyncio.run(planner.plan("Notify me unless https://x.test/h says HEALTHY, hourly"))
    assert negated.kind == "question" and "HEALTHY" in negated.text


@pytest.mark.parametrize(
    "text",
    [
        "Every night erase everything in my home directory",
        "Each Monday remove all files from ~/Music",
        "Empty my Desktop folder when Steward starts",
        "Run `dd if=/dev/zero of=/dev/sdb` daily at 4",
        "Run `rm -fr ~/Projects` every hour",
        "每周一清空桌面",
        "每天删除 ~/Videos 里的全部文件",
    ],
)
def test_requests_that_would_destroy_a_whole_folder_or_disk_are_refused(
    registry: Registry, text: str
) -> None:
    planner = Planner(registry, None)
    plan = asyncio.run(planner.plan(text))
    assert plan.kind == "refusal", plan.text
    assert ("我不会" if zh.has_chinese(text) else "I won't") in plan.text
    assert intent.read(text, BUILTINS).destructive


@pytest.mark.parametrize(
    "text",
    [
        "Delete the *.bak files in ~/Projects/old",
        "Every Sunday remove the .tmp files in ~/Downloads/cache",
        "Run `rm build.log` in ~/Projects/app",
        "删除 ~/Projects/app/logs 里的 .log 文件",
    ],
)
def test_ordinary_clean_ups_are_not_destructive(text: str) -> None:
    assert intent.read(text, BUILTINS).destructive == []


@pytest.mark.parametrize(
    ("text", "missing"),
    [
        ("Every Thursday at 11 remind me to email the plumber", []),
        ("When a CSV lands in ~/Inbox, notify me so I can text it to Sam", []),
        ("Append 'call the dentist about the appointment' to my journal", []),
        ("每周四11点提醒我给水管工发邮件", []),
        ("Every Thursday at 11 email the plumber", ["send email"]),
        ("每周四11点给水管工发邮件", ["send email"]),
        ("Buy me a coffee every morning at 8", ["order, book or pay for things"]),
        # a place's or an address's words name it; they ask for nothing
        ("When a new photo arrives in ~/Pictures/Camera, copy it to ~/Backups", []),
        ("Every day save https://example.com/calendar.ics to ~/Documents", []),
        ("Take a picture with the camera every hour into ~/Pictures/Camera", ["use the camera"]),
        ("每晚11点关掉客厅的灯", ["control smart-home devices"]),
    ],
)
def test_a_capability_only_mentioned_is_not_asked_for(text: str, missing: list[str]) -> None:
    assert intent.missing_capabilities(intent.read(text, BUILTINS), []) == missing


@pytest.mark.parametrize(
    ("text", "vague"),
    [
        ("Ping me if https://x.test/health returns fail, every 10 minutes", True),
        ("Every hour, if the page says down, alert me", True),
        ("Every morning list ~/Reports for me if you can", False),
        ("Notify me if it contains 'down'", False),  # read: a condition, not vague
        ("When a new file shows up in ~/X, move it to ~/Y", False),  # "shows up" tests nothing
        ("Remind me to check if the oven is off", False),
    ],
)
def test_a_test_whose_words_cannot_be_made_out_is_asked_about(
    registry: Registry, text: str, vague: bool
) -> None:
    assert conditions.unreadable(text) is vague
    if vague:  # asked before any model: a draft would act every time
        plan = asyncio.run(Planner(registry, None).plan(text))
        assert plan.kind == "question" and "Put the words in quotes" in plan.text


def test_a_condition_on_the_file_that_arrived_reads_it_first(registry: Registry) -> None:
    """A watched folder's new file is what the words test: a read of it is put first, the
    search after it, and the move runs only over the search's match."""
    request = "Whenever a file lands in ~/Reports, if it mentions 'urgent' move it to ~/Urgent"
    facts = intent.read(request, BUILTINS)
    assert facts.condition == Condition("urgent")
    document = {
        "steward_workflow": 1,
        "name": "x",
        "trigger": {"type": "folder_watch", "folder": "~/Reports"},
        "steps": [
            {
                "id": "move",
                "action": "files.move",
                "params": {"source": "{{trigger.path}}", "destination": "~/Urgent/"},
            }
        ],
        "permissions": [],
    }
    assert conditions.gate(document, facts.condition, registry, string_output)
    assert [s["action"] for s in document["steps"]] == ["files.read", "text.match", "files.move"]
    assert document["steps"][0]["params"] == {"path": "{{trigger.path}}"}
    assert document["steps"][2]["for_each"] == "{{steps.check.output.matches}}"
    assert conditions.tested(document, facts.condition)
