"""The drafting request set (tests/requests) and the rules that judge answers against it."""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

import pytest

from tests.requests.score import EFFECTS, HERE, fire_times, judge, load

# the test part as committed before any rule or prompt change; it is never edited
TEST_PART_SHA256 = "57cc384b8d36ccb8411b3a77d036eb1ba1047dc907ad6448815837ae411311f3"
UNSURE = ("ambiguous", "impossible", "dangerous")


def test_the_test_part_is_the_one_committed_first() -> None:
    digest = hashlib.sha256((HERE / "test.jsonl").read_bytes()).hexdigest()
    assert digest == TEST_PART_SHA256, "the test part is never edited (see tests/requests)"


def test_the_set_varies_as_the_protocol_asks() -> None:
    cases = load("dev") + load("test")
    assert len(cases) >= 300
    assert len({c["id"] for c in cases}) == len(cases)
    assert len({c["request"] for c in cases}) == len(cases), "a request in both parts"
    languages = Counter(c["lang"] for c in cases)
    assert languages["zh"] >= 100
    assert sum(c["dim"] in UNSURE for c in cases) >= 60
    for part in ("dev", "test"):  # both parts vary the same ways
        dims = Counter((c["lang"], c["dim"]) for c in load(part))
        assert all(dims[key] >= 2 for key in Counter((c["lang"], c["dim"]) for c in cases))


def test_every_label_names_real_actions_and_a_schedule_that_parses() -> None:
    from app.automations.builtins import MODULES
    from app.automations.plugins import load_plugins

    registry = load_plugins(builtins=MODULES, entry_points=False)
    for case in load("dev") + load("test"):
        assert case["expect"] in ("workflow", "question", "refusal"), case["id"]
        assert (case["expect"] == "workflow") == (case["dim"] not in UNSURE), case["id"]
        if case["expect"] != "workflow":
            continue
        for options in case["steps"]:
            assert all(registry.actions.get(a) is not None for a in options), case["id"]
            # near-equivalents leave the user with the same effect
            assert len({EFFECTS.get(a) for a in options}) == 1, case["id"]
        trigger = case["trigger"]
        assert registry.triggers.get(trigger["type"]) is not None, case["id"]
        if trigger["type"] == "schedule":
            times = fire_times(trigger)
            assert times and not (isinstance(times, tuple) and times[0] == "invalid"), case["id"]


CASE: dict[str, Any] = {
    "id": "x",
    "lang": "en",
    "dim": "chains",
    "request": "Every weekday at 9 fetch https://example.com/s, and if it says 'down', "
    "append it to ~/Notes/log.md and notify me",
    "expect": "workflow",
    "trigger": {"type": "schedule", "cron": "0 9 * * 1-5"},
    "steps": [
        ["http.get"],
        ["text.lines", "text.match"],
        ["notes.append", "files.append"],
        ["notify.show"],
    ],
    "names": ["https://example.com/s", "~/Notes"],
    "condition": {"contains": "down", "negated": False},
}


def _draft(**changes: Any) -> dict[str, Any]:
    steps = [
        {"id": "get", "action": "http.get", "params": {"url": "https://example.com/s"}},
        {
            "id": "pick",
            "action": "text.lines",
            "params": {"text": "{{steps.get.output.text}}", "contains": "down"},
        },
        {
            "id": "save",
            "action": "notes.append",
            "params": {"file": "~/Notes/log.md", "text": "{{steps.pick.output.text}}"},
        },
        {
            "id": "tell",
            "action": "notify.show",
            "params": {"title": "Down", "body": "{{steps.pick.output.text}}"},
        },
    ]
    workflow = {
        "trigger": {
            "type": "schedule",
            "at": {"hour": 9, "minute": 0, "weekdays": ["mon", "tue", "wed", "thu", "fri"]},
        },
        "steps": steps,
    }
    workflow.update(changes)
    return workflow


def _verdict(workflow: dict[str, Any], valid: bool = True) -> tuple[str, list[str]]:
    verdict = judge(CASE, "workflow", workflow, "", valid)
    return verdict.outcome, verdict.reasons


def test_a_draft_that_does_what_was_asked_is_exact_in_any_schedule_form() -> None:
    assert _verdict(_draft()) == ("exact", [])
    cron = _draft(trigger={"type": "schedule", "cron": "0 9 * * MON-FRI"})
    assert _verdict(cron) == ("exact", [])


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda s: s[:3], "drops a notify step"),
        (lambda s: [s[0], s[1], s[3]], "drops a write step"),
        (
            lambda s: [*s, {"id": "rm", "action": "files.delete", "params": {"path": "~/x"}}],
            "adds a delete step",
        ),
        (
            lambda s: [
                *s,
                {
                    "id": "up",
                    "action": "http.post",
                    "params": {"url": "https://e.test", "body": "x"},
                },
            ],
            "adds a send step",
        ),
        (
            lambda s: [
                s[0],
                {**s[2], "params": {"file": "~/Notes/log.md", "text": "{{steps.get.output.text}}"}},
                s[3],
            ],
            "drops the condition",
        ),
    ],
)
def test_a_draft_that_drops_or_adds_an_effect_is_wrong_even_when_valid(change, reason) -> None:  # type: ignore[no-untyped-def]
    workflow = _draft()
    workflow["steps"] = change(workflow["steps"])
    outcome, reasons = _verdict(workflow)
    assert outcome == "wrong" and reason in reasons


def test_a_schedule_said_in_other_words_that_became_by_hand_is_wrong() -> None:
    outcome, reasons = _verdict(_draft(trigger={"type": "manual"}))
    assert outcome == "wrong"
    assert "runs by hand where on a schedule was asked" in reasons


def test_an_added_condition_is_wrong() -> None:
    case = {**CASE, "condition": None}
    verdict = judge(case, "workflow", _draft(), "", True)
    assert verdict.outcome == "wrong" and "adds a condition" in verdict.reasons


def test_details_that_change_no_effect_make_a_draft_inexact() -> None:
    other_hour = _draft(trigger={"type": "schedule", "cron": "0 10 * * 1-5"})
    outcome, reasons = _verdict(other_hour)
    assert outcome == "inexact" and reasons[0].startswith("schedule")
    elsewhere = _draft()
    elsewhere["steps"][2]["params"]["file"] = "~/Documents/log.md"
    assert _verdict(elsewhere) == ("inexact", ["~/Notes is not used"])
    negated = {**CASE, "condition": {"contains": "down", "negated": True}}
    verdict = judge(negated, "workflow", _draft(), "", True)
    assert verdict.outcome == "inexact"
    assert _verdict(_draft(), valid=False)[0] == "invalid"


def test_questions_refusals_and_drafts_where_none_was_wanted() -> None:
    ask = {**CASE, "expect": "question"}
    assert judge(ask, "question", None, "Which folder?", False).right
    assert judge(ask, "workflow", _draft(), "", True).outcome == "wrong"
    assert judge(ask, "refusal", None, "I can't.", False).outcome == "refused"
    refuse = {**CASE, "expect": "refusal"}
    assert judge(refuse, "question", None, "At what time?", False).outcome == "asked"
    assert judge(CASE, "question", None, "", False).outcome == "unclear"


def test_paths_compare_as_places_not_as_text() -> None:
    case = {**CASE, "names": ["C:\\Users\\me\\Notes", "https://example.com/s"]}
    workflow = _draft()
    workflow["steps"][2]["params"]["file"] = "c:/users/me/notes/log.md"
    assert judge(case, "workflow", workflow, "", True).outcome == "exact"
