"""Workflow validation: every example is valid as it ships, every problem is listed with
its place, and random documents never crash the validator nor run when invalid."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.automations.history import StoredWorkflow
from app.automations.plugins import Registry
from app.automations.service import Automations
from app.automations.workflow import InvalidWorkflow, expand, validate
from tests.unit.automations.conftest import step, workflow, yes

EXAMPLES = sorted((Path(__file__).resolve().parents[3] / "examples" / "workflows").glob("*.json"))


def test_examples_are_valid_and_cover_every_trigger(registry: Registry) -> None:
    assert len(EXAMPLES) >= 6
    kinds = set()
    actions = set()
    for path in EXAMPLES:
        document = json.loads(path.read_text())
        found, problems = validate(document, registry)
        assert problems == [], f"{path.name}: {problems}"
        assert found is not None
        kinds.add(found.trigger_type)
        actions |= {s.action.split(".")[0] for s in found.steps}
    assert kinds == {"manual", "schedule", "folder_watch", "app_start"}
    assert {"files", "notes", "model", "http"} <= actions


def test_every_problem_is_listed_with_its_place(registry: Registry) -> None:
    document = {
        "steward_workflow": 2,
        "name": "",
        "trigger": {"type": "schedule", "cron": "10000000000000000000"},
        "steps": [
            {"id": "Bad Id", "action": "files.read", "params": {"path": "/tmp/x"}},
            {"id": "a", "action": "email.send", "params": {}},
            {"id": "b", "action": "text.template", "params": {"template": "{{steps.zz.output}}"}},
            {"id": "b", "action": "text.lines", "params": {"text": 5}},
            {"id": "c", "action": "text.template", "params": {"template": "{{trigger.path}}"}},
        ],
        "permissions": [{"kind": "files.everything"}],
        "color": "red",
    }
    found, problems = validate(document, registry)
    assert found is None
    text = "\n".join(map(str, problems))
    for expected in (
        "steward_workflow: must be 1",
        "color: is not a workflow field",
        "name: must be a non-empty text",
        "permissions[0].kind: unknown permission 'files.everything'",
        "trigger: '10000000000000000000' is not a valid cron expression",
        "steps[0].id: must be a short lower-case name",
        "steps[0].params.path: the workflow was not granted files.read",
        "steps[1].action: unknown action 'email.send'",
        "steps[2].params.template: {{steps.zz.output}} refers to no earlier step 'zz'",
        "steps[3].id: 'b' is used by an earlier step",
        "steps[3].params.text: 5 is not of type 'string'",
        "steps[4].params.template: {{trigger.path}}: this trigger provides time",
    ):
        assert expected in text, f"missing {expected!r} in:\n{text}"


def test_a_step_may_only_use_earlier_outputs(registry: Registry) -> None:
    doc = workflow(
        [
            step("a", "text.template", template="{{steps.b.output}}"),
            step("b", "text.template", template="x"),
        ]
    )
    _, problems = validate(doc, registry)
    assert any("no earlier step 'b'" in str(p) for p in problems)


def test_schedule_forms(registry: Registry) -> None:
    def problems(trigger: dict[str, Any]) -> list[str]:
        doc = workflow([step("a", "text.template", template="x")], trigger=trigger)
        return [str(p) for p in validate(doc, registry)[1]]

    assert problems({"type": "schedule", "cron": "0 9 * * 1-5"}) == []
    assert problems({"type": "schedule", "every_minutes": 15}) == []
    assert problems({"type": "schedule", "at": {"hour": 9, "weekdays": ["mon"]}}) == []
    assert problems({"type": "schedule", "every_minutes": 0})
    assert problems({"type": "schedule", "at": {"hour": 25}})
    assert "exactly one of cron, at or every_minutes" in problems({"type": "schedule"})[0]


def test_references_expand_once() -> None:
    scope = {"steps": {"a": {"output": "{{steps.b.output}}"}, "b": {"output": "secret"}}}
    assert expand("x {{steps.a.output}} y", scope) == "x {{steps.b.output}} y"
    assert expand("{{steps.a.output}}", scope) == "{{steps.b.output}}"
    listed = {"steps": {"l": {"output": {"files": ["/a", "/b"]}}}}
    assert expand("{{steps.l.output.files}}", listed) == ["/a", "/b"]
    assert expand("{{ steps.l.output.files.1 }}", listed) == "/b"
    assert expand("n={{steps.l.output.files}}", listed) == 'n=["/a", "/b"]'


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
KEYS = st.sampled_from(
    [
        "steward_workflow",
        "name",
        "trigger",
        "steps",
        "permissions",
        "missed",
        "id",
        "action",
        "params",
        "type",
        "for_each",
        "kind",
        "scope",
    ]
)
NEAR = st.fixed_dictionaries(
    {
        "steward_workflow": st.sampled_from([1, 1, 2, "1", None]),
        "name": st.text(max_size=20),
        "trigger": st.fixed_dictionaries(
            {"type": st.sampled_from(["manual", "schedule", "folder_watch", "nope", 3])},
            optional={"cron": st.text(max_size=20), "every_minutes": JSON, "folder": JSON},
        ),
        "steps": st.lists(
            st.fixed_dictionaries(
                {
                    "id": st.sampled_from(["a", "b", "c", "Bad", ""]),
                    "action": st.sampled_from(
                        ["text.template", "files.read", "test.boom", "test.noop", "nope"]
                    ),
                },
                optional={
                    "params": st.dictionaries(
                        st.sampled_from(["template", "path", "text", "value"]),
                        st.sampled_from(
                            [
                                "{{steps.a.output}}",
                                "{{trigger.x}}",
                                "/tmp/x",
                                "x",
                                "{{item}}",
                                "{{",
                                "}}",
                            ]
                        )
                        | JSON,
                        max_size=3,
                    ),
                    "for_each": JSON,
                },
            ),
            max_size=4,
        ),
        "permissions": st.lists(
            st.fixed_dictionaries(
                {"kind": st.sampled_from(["files.read", "model", "x"])}, optional={"scope": JSON}
            ),
            max_size=3,
        ),
    },
    optional={"missed": JSON, "extra": JSON},
)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(document=JSON | NEAR | st.dictionaries(KEYS, JSON, max_size=6))
def test_random_documents_never_crash_and_never_run_when_invalid(
    auto: Automations, document: Any
) -> None:
    found, problems = validate(document, auto.registry)
    assert (found is None) == bool(problems)
    assert all(isinstance(p.where, str) and p.message for p in problems)
    if found is not None:
        return
    stored = StoredWorkflow(
        id="random",
        name="random",
        document=document,
        enabled=True,
        approved="",
        created="2026-01-01T00:00:00+00:00",
        updated="",
    )
    with pytest.raises(InvalidWorkflow):
        asyncio.run(auto.run(stored, approver=yes))
    assert auto.history.runs() == []
    with pytest.raises(InvalidWorkflow):
        auto.create(document)
    assert auto.history.workflows() == []
