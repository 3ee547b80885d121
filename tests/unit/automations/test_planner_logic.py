"""The planner's logic around the model: the words read, the schema built, drafts compiled,
their meaning checked, repairs, retries with the problems, the cloud as a last resort,
questions and refusals. The model is scripted here (its real answers are tested in
tests/integration/test_planner.py); every schema is also turned into a real llama.cpp
grammar, so a schema the engine could not use fails here."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from llama_cpp.llama_grammar import LlamaGrammar

from app.automations import intent, places
from app.automations.builtins import MODULES
from app.automations.planner import (
    DraftSchema,
    Plan,
    Planner,
    compile_draft,
    meaning_problems,
    review,
    when_in_words,
)
from app.automations.plugins import Registry, load_plugins
from app.automations.workflow import validate
from app.core.llm.engine import SamplingParams
from app.core.llm.prompt import ChatMessage

# the built-in plugins, as the app loads them (what requests ask for is read with them)
BUILTINS = load_plugins(builtins=MODULES, entry_points=False)


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_plugins(builtins=MODULES, entry_points=False)


class Script:
    """Answers in turn, recording what was asked (and the schema each time)."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.asked: list[tuple[list[ChatMessage], SamplingParams]] = []

    async def __call__(self, messages: list[ChatMessage], params: SamplingParams) -> str:
        self.asked.append((messages, params))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer if isinstance(answer, str) else json.dumps(answer)


def plan(planner: Planner, request: Any) -> Plan:
    return asyncio.run(planner.plan(request))


# --- the words ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "trigger", "hour", "minute", "days", "every"),
    [
        ("every weekday at 8:30 do x", "schedule", 8, 30, intent.WEEKDAYS[:5], None),
        ("on Mondays and Thursdays at 9 am", "schedule", 9, 0, ("mon", "thu"), None),
        ("daily at 6 pm", "schedule", 18, 0, intent.WEEKDAYS, None),
        ("at noon on weekends", "schedule", 12, 0, ("sat", "sun"), None),
        # an hour said without am/pm, by the part of the day
        ("every Wednesday at 8 in the evening", "schedule", 20, 0, ("wed",), None),
        ("every evening at 7:30", "schedule", 19, 30, intent.WEEKDAYS, None),
        ("every night at 11", "schedule", 23, 0, intent.WEEKDAYS, None),
        ("every night at 2", "schedule", 2, 0, intent.WEEKDAYS, None),
        ("every morning at 7", "schedule", 7, 0, intent.WEEKDAYS, None),
        ("every evening at 08:00", "schedule", 8, 0, intent.WEEKDAYS, None),
        ("every 15 minutes", "schedule", None, 0, intent.WEEKDAYS, 15),
        ("every 2 hours", "schedule", None, 0, intent.WEEKDAYS, 120),
        ("hourly", "schedule", None, 0, intent.WEEKDAYS, 60),
        ("when steward starts", "app_start", None, 0, intent.WEEKDAYS, None),
        ("move the PDFs in ~/Downloads to ~/Docs", "manual", None, 0, intent.WEEKDAYS, None),
    ],
)
def test_when_the_words_say(text, trigger, hour, minute, days, every) -> None:
    facts = intent.read(text, BUILTINS)
    assert (facts.trigger, facts.hour, facts.minute, facts.every_minutes) == (
        trigger,
        hour,
        minute,
        every,
    )
    assert tuple(facts.weekdays) == tuple(days)
    assert not facts.unclear


def test_what_the_words_name() -> None:
    facts = intent.read(
        "When a new PDF lands in ~/Downloads, copy it to Documents/Papers and run `git "
        "status --short`, then fetch https://example.com/x.",
        BUILTINS,
    )
    assert facts.trigger == "folder_watch" and facts.watch_folder == "~/Downloads"
    assert facts.paths == ["~/Downloads", "~/Documents/Papers"]
    assert facts.urls == ["https://example.com/x"] and facts.patterns == ["*.pdf"]
    assert facts.commands == [intent.Command("git", ("status", "--short"))]
    assert {c.name for c in facts.wants} >= {"copying files", "fetching a web page"}


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("every morning water the plants reminder", "At what time"),
        ("when something new shows up, tell me", "Which folder"),
        ("every week back up my notes", "At what time"),
        ("at 9:00 and at 17:00 remind me", "more than one time"),
        ("Read ./notes/today.md and summarize it", "Which folder is ./notes/today.md in?"),
        ("读取 ../报告.txt 并总结", "Which folder is ../报告.txt in?"),
    ],
)
def test_what_the_words_leave_open(text: str, question: str) -> None:
    assert question in intent.read(text, BUILTINS).unclear[0]


def test_keys_and_system_folders_are_sensitive() -> None:
    for path in ("~/.ssh", "~/.ssh/id_ed25519", "/etc/cron.d", "~/.gnupg/x", "~/.aws/credentials"):
        assert intent.is_sensitive(path), path
    for path in ("~/Notes", "~/Downloads/ssh-notes.md", "/tmp/etc"):
        assert not intent.is_sensitive(path), path


# --- schema and compile ---------------------------------------------------------------------


REQUESTS = [
    "Move the PDFs in ~/Downloads into ~/Downloads/PDFs",
    "When a text file lands in ~/Notes/inbox, summarize it into my journal",
    "Every hour fetch https://example.com/status and notify me",
    "Run `git status` in ~/Projects/site every day at 17:00 and save the output to ~/Notes/git.md",
    "Every weekday at 17:00 remind me to write my timesheet",
    "List my Downloads folder",
]


@pytest.mark.parametrize("request_text", REQUESTS)
def test_every_schema_becomes_a_grammar_and_offers_only_named_places(
    registry: Registry, request_text: str
) -> None:
    facts = intent.read(request_text, BUILTINS)
    schema = DraftSchema(registry, facts).build()
    text = json.dumps(schema)
    LlamaGrammar.from_json_schema(text, verbose=False)  # raises when llama.cpp cannot use it
    for path in ("~/.ssh", "/etc", "/"):
        assert f'"{path}"' not in text
    offered: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "enum":
                    offered.update(v for v in value if isinstance(v, str))
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    places = {v for v in offered if v.startswith(("~", "/", "http"))}
    assert places <= set(facts.files_named) | set(facts.urls), places


def test_a_draft_compiles_to_a_document_with_exactly_the_permissions_it_needs(
    registry: Registry,
) -> None:
    facts = intent.read("Move the PDFs in ~/Downloads into ~/Downloads/PDFs", BUILTINS)
    draft = {
        "name": "Tidy",
        "steps": [
            {"action": "files.list", "params": {"folder": "~/Downloads", "pattern": "*.pdf"}},
            {
                "action": "files.move",
                "params": {"source": "{{item}}", "destination": "~/Downloads/PDFs"},
            },
        ],
    }
    document, problems = compile_draft(draft, registry, facts, facts.text)
    assert problems == []
    assert document["steps"][1] == {
        "id": "move",
        "action": "files.move",
        "for_each": "{{steps.list.output.files}}",
        "params": {"source": "{{item}}", "destination": "~/Downloads/PDFs/"},
    }
    assert document["permissions"] == [
        {"kind": "files.write", "scope": "~/Downloads"},
        {"kind": "files.write", "scope": "~/Downloads/PDFs"},
    ]
    assert validate(document, registry)[0] is not None
    assert meaning_problems(document, registry, facts) == []
    card = review(document, registry)
    assert [p.dangerous for p in card.permissions] == [True, True]
    assert card.steps[1].what == (
        "For each file of [the result of step 1]: Move [each listed file] to ~/Downloads/PDFs/"
    )


@pytest.mark.parametrize(
    ("draft", "problem"),
    [
        (
            {"name": "x", "steps": [{"action": "files.list", "params": {"folder": "~/Downloads"}}]},
            ("pattern_unlisted", None, "*.pdf"),
        ),
        (
            {
                "name": "x",
                "steps": [
                    {
                        "action": "files.list",
                        "params": {"folder": "~/Downloads", "pattern": "*.pdf"},
                    },
                    {"action": "files.delete", "params": {"path": "{{item}}"}},
                ],
            },
            ("not_asked", None, "files.delete"),
        ),
        (
            {
                "name": "x",
                "steps": [
                    {
                        "action": "files.list",
                        "params": {"folder": "~/Downloads", "pattern": "*.pdf"},
                    },
                    {
                        "action": "files.move",
                        "params": {"source": "{{item}}", "destination": "/etc"},
                    },
                ],
            },
            ("sensitive_place", 2, "/etc"),
        ),
        (
            {
                "name": "x",
                "steps": [
                    {
                        "action": "files.list",
                        "params": {"folder": "~/Downloads", "pattern": "*.pdf"},
                    },
                    {
                        "action": "files.move",
                        "params": {"source": "{{item}}", "destination": "~/Other"},
                    },
                ],
            },
            ("unnamed_place", 2, "~/Other"),
        ),
    ],
)
def test_meaning_problems_are_named(
    registry: Registry, draft: dict[str, Any], problem: tuple[str, int | None, str]
) -> None:
    facts = intent.read("Move the PDFs in ~/Downloads into ~/Downloads/PDFs", BUILTINS)
    document, problems = compile_draft(draft, registry, facts, facts.text)
    problems += meaning_problems(document, registry, facts)
    # a code, a step and a detail to act on; the message names the same thing for people
    # (an action by the step name the model writes for it)
    named = [p for p in problems if (p.code, p.step, p.detail) == problem]
    assert named, problems
    assert registry.term(problem[2]) in named[0].message


def test_trigger_words(registry: Registry) -> None:
    weekday = {
        "type": "schedule",
        "at": {"hour": 8, "minute": 0, "weekdays": ["mon", "tue", "wed", "thu", "fri"]},
    }
    assert when_in_words(weekday, registry) == "Every weekday at 08:00"
    assert when_in_words(weekday, registry, "zh") == "每个工作日 08:00"
    assert when_in_words({"type": "schedule", "every_minutes": 120}, registry) == "Every 2 hours"
    assert when_in_words({"type": "schedule", "every_minutes": 30}, registry, "zh") == (
        "每 30 分钟"
    )
    assert when_in_words({"type": "schedule", "at": {"hour": 21}}, registry) == (
        "Every day at 21:00"
    )
    some_days = {"type": "schedule", "at": {"hour": 7, "weekdays": ["wed", "mon"]}}
    assert when_in_words(some_days, registry) == "Every Monday, Wednesday at 07:00"
    assert when_in_words(some_days, registry, "zh") == "每周一、三 07:00"
    watch = {"type": "folder_watch", "folder": "~/In", "pattern": "*.txt"}
    # no events written: the trigger's default, new and changed files
    assert when_in_words(watch, registry) == "When a file matching *.txt appears or changes in ~/In"
    assert when_in_words({**watch, "events": ["created"]}, registry) == (
        "When a file matching *.txt appears in ~/In"
    )
    assert when_in_words({**watch, "events": ["created"]}, registry, "zh") == (
        "当 ~/In 里有匹配 *.txt 的文件出现时"
    )
    assert when_in_words({"type": "manual"}, registry, "zh") == "手动（点“立即运行”）"
    # a trigger no plugin offers is named as it is; one without words by its title
    assert when_in_words({"type": "moon_phase"}, registry) == "moon_phase"


# --- the planner around the model ----------------------------------------------------------


GOOD = {
    "name": "Tidy",
    "steps": [
        {"action": "files.list", "params": {"folder": "~/Downloads", "pattern": "*.pdf"}},
        {
            "action": "files.move",
            "params": {"source": "{{item}}", "destination": "~/Downloads/PDFs"},
        },
    ],
}
WRONG_WAY = {
    "name": "Tidy",
    "steps": [
        {"action": "files.list", "params": {"folder": "~/Downloads", "pattern": "*.pdf"}},
        {"action": "files.move", "params": {"source": "{{item}}", "destination": "~/Downloads"}},
    ],
}
TIDY = "Move the PDFs in ~/Downloads into ~/Downloads/PDFs"


def test_a_good_first_draft_is_used_and_the_grammar_is_asked_for(registry: Registry) -> None:
    script = Script(GOOD)
    result = plan(Planner(registry, script), TIDY)
    assert result.kind == "workflow" and result.attempts == 1
    [(messages, params)] = script.asked
    assert params.json_schema and json.loads(params.json_schema)["type"] == "object"
    assert messages[0].role == "system" and "\n- files.move: Move or rename" in messages[0].content
    assert messages[-1].content.startswith(f"Request: {TIDY}")


def test_problems_go_back_to_the_model_and_then_the_user_is_asked(registry: Registry) -> None:
    script = Script("not json", WRONG_WAY, WRONG_WAY)
    result = plan(Planner(registry, script), TIDY)
    assert result.kind == "question" and "?" in result.text
    assert "not a place the request names" in result.text or "no step uses" in result.text
    assert len(script.asked) == 3
    retry = script.asked[2][0]
    assert retry[-1].content.startswith("That draft has problems:")
    assert retry[-2].role == "assistant"


def test_the_cloud_is_the_last_resort(registry: Registry) -> None:
    local = Script("{}", "{}", "{}")
    cloud = Script(GOOD)
    result = plan(Planner(registry, local, cloud=cloud), TIDY)
    assert result.kind == "workflow" and result.used_cloud and len(local.asked) == 3
    refused = Script(RuntimeError("The cloud is off"))
    result = plan(Planner(registry, Script("{}", "{}", "{}"), cloud=refused), TIDY)
    assert result.kind == "question"


@pytest.mark.parametrize(
    ("text", "once"),
    [
        ("Remind me tomorrow at 9 to call mum", True),
        ("remind me to call mum tomorrow", True),
        ("明天早上9点提醒我给妈妈打电话", True),
        # what a repeating reminder is about is no time
        ("Every Sunday at 18:00 remind me to plan next week", False),
        ("每周日晚上6点提醒我看下周的日历", False),
        # nor someone's plans said as the reason for a repeating one
        ("We fly out next month, so every evening at 8 remind me to pack a bag", False),
        ("我儿子明天开学，每天早上7点提醒我准备午饭", False),
        # "next month" said as when it starts is still a date Steward cannot keep
        ("Next month, every day at 7 remind me to run", True),
    ],
)
def test_a_one_off_time_is_told_from_what_a_reminder_is_about(text: str, once: bool) -> None:
    missing = intent.read(text, BUILTINS).missing
    assert bool(missing and "once at a later date" in missing[0]) == once


@pytest.mark.parametrize(
    ("text", "hour", "minute"),
    [
        ("Our stand-up is every Monday at 10, remind me every Monday at 9:45 to prepare", 9, 45),
        ("他们每天下午3点开会，你每天下午2点50提醒我准备一下", 14, 50),
    ],
)
def test_a_time_said_of_someone_elses_plans_is_not_when_it_runs(
    text: str, hour: int, minute: int
) -> None:
    facts = intent.read(text, BUILTINS)
    assert not facts.unclear
    assert (facts.trigger, facts.hour, facts.minute) == ("schedule", hour, minute)


@pytest.mark.parametrize(
    ("text", "wants"),
    [
        (
            "It'd help if every day you fetched https://e.test/feed and told me what it says",
            ["fetching a web page", "a notification"],
        ),
        ("Could you be checking https://e.test/up hourly and tell me", None),
    ],
)
def test_what_is_asked_for_in_other_tenses(text: str, wants: list[str] | None) -> None:
    names = [c.name for c in intent.read(text, BUILTINS).wants]
    assert names == (wants or ["fetching a web page", "a notification"])


def test_two_times_asked_for_are_still_a_question() -> None:
    facts = intent.read("Every day at 8 and at 9 remind me to stretch", BUILTINS)
    assert any("more than one time" in u for u in facts.unclear)


@pytest.mark.parametrize(
    ("request_text", "kind", "words"),
    [
        ("Email me my notes every day at 6 pm", "refusal", "I can't send email"),
        ("Remind me tomorrow at 9 to call mum", "refusal", "once at a later date"),
        ("Every night copy ~/.ssh to ~/Backups", "refusal", "I won't draft"),
        ("Make my life easier", "question", "What should happen"),
        ("Delete old files", "question", "Which folder"),
    ],
)
def test_refusals_and_questions_need_no_model(
    registry: Registry, request_text: str, kind: str, words: str
) -> None:
    script = Script()
    result = plan(Planner(registry, script), request_text)
    assert (result.kind, script.asked) == (kind, [])
    assert words in result.text


def test_a_plugin_that_offers_email_removes_the_refusal(registry: Registry) -> None:
    from dataclasses import replace

    mail = replace(registry.actions["notify.show"], id="mail.send", title="Send an email")
    extended = replace(registry, actions={**registry.actions, "mail.send": mail})
    result = plan(Planner(extended, Script("{}", "{}", "{}")), "Email me my notes at 6 pm")
    assert result.kind != "refusal"


def test_refinement_changes_the_time_without_the_model(registry: Registry) -> None:
    draft = {
        "name": "Water",
        "steps": [{"action": "notify.show", "params": {"title": "Water", "body": "Drink"}}],
    }
    script = Script(draft)
    planner = Planner(registry, script)
    first = plan(planner, "Every day at 8:00 remind me to drink water")
    later = asyncio.run(planner.refine(first, "make it 9:30 instead"))
    assert later.kind == "workflow" and later.workflow is not None
    assert later.workflow["trigger"] == {"type": "schedule", "at": {"hour": 9, "minute": 30}}
    assert later.workflow["steps"] == first.workflow["steps"]  # type: ignore[index]
    assert len(script.asked) == 1
    weekdays = asyncio.run(planner.refine(later, "only on weekdays"))
    assert weekdays.workflow is not None
    assert weekdays.workflow["trigger"]["at"]["weekdays"] == ["mon", "tue", "wed", "thu", "fri"]


@pytest.mark.parametrize(
    ("message", "automation"),
    [
        ("Every weekday at 17:00 remind me to write my timesheet", True),
        ("When a PDF lands in ~/Downloads, move it to ~/Documents/PDFs", True),
        ("Move the PDFs in ~/Downloads to ~/Documents", True),
        ("Automate my stuff", True),
        ("What is each planet's size?", False),
        ("Write a haiku about lighthouses.", False),
        ("How do I read a file line by line in Python?", False),
        ("Append this to my notes", False),
        ("List my Downloads folder", False),
    ],
)
def test_which_chat_messages_go_to_the_planner(message: str, automation: bool) -> None:
    assert intent.looks_like_automation(message, BUILTINS) is automation


def test_a_removed_step_stays_removed_through_later_refinements(registry: Registry) -> None:
    draft = {
        "name": "Journal",
        "steps": [
            {"action": "notes.append", "params": {"file": "~/Notes/journal.md", "text": "- [ ] "}}
        ],
    }
    notify = {"steps": [{"action": "notify.show", "params": {"title": "Journal"}}]}
    planner = Planner(registry, Script(draft, notify))
    first = plan(planner, "Every day at 8:00 append a task list to my journal")
    more = asyncio.run(planner.refine(first, "also send me a notification"))
    assert [s["action"] for s in more.workflow["steps"]] == ["notes.append", "notify.show"]  # type: ignore[index]
    fewer = asyncio.run(planner.refine(more, "no notification after all, remove it"))
    assert [s["action"] for s in fewer.workflow["steps"]] == ["notes.append"]  # type: ignore[index]
    later = asyncio.run(planner.refine(fewer, "make it 7:45 instead"))
    assert later.kind == "workflow" and later.workflow is not None
    assert [s["action"] for s in later.workflow["steps"]] == ["notes.append"]
    assert later.workflow["trigger"]["at"] == {"hour": 7, "minute": 45}


def test_a_summary_asked_for_is_what_the_model_step_does(registry: Registry) -> None:
    """A draft whose model step says neither a task nor an instruction validates but would
    fail when it runs ("a custom prompt needs an instruction"); a summary was asked for, so
    the step is repaired to summarize."""
    aimless = {
        "name": "Summaries",
        "steps": [
            {"action": "files.read", "params": {"path": "{{trigger.path}}"}},
            {"action": "model.prompt", "params": {"input": "{{steps.s1.output}}"}},
            {
                "action": "notes.append",
                "params": {"file": "~/Notes/summaries.md", "text": "{{steps.s2.output}}"},
            },
        ],
    }
    script = Script(aimless, aimless, aimless)
    request = "When a text file lands in ~/inbox, summarize it into ~/Notes/summaries.md"
    result = plan(Planner(registry, script), request)
    assert result.kind == "workflow", result.text
    model_step = next(s for s in result.workflow["steps"] if s["action"] == "model.prompt")
    assert model_step["params"]["task"] == "summarize"
    assert "step 2: a summary by the model, as asked" in result.repairs


def test_a_model_step_with_nothing_to_do_is_a_named_problem(registry: Registry) -> None:
    from app.automations.planner import meaning_problems

    document = {
        "steward_workflow": 1,
        "name": "x",
        "trigger": {"type": "manual"},
        "steps": [{"id": "m", "action": "model.prompt", "params": {"input": "hello"}}],
        "permissions": [{"kind": "model"}],
    }
    facts = intent.read("use the model on hello", BUILTINS)
    [problem] = [p for p in meaning_problems(document, registry, facts) if p.step == 1]
    assert (problem.code, problem.detail) == ("would_fail", "model.prompt")
    assert str(problem) == "step 1 (model.prompt): it has neither a task nor an instruction"


def _stage_actions(schema: dict[str, Any]) -> list[list[str]]:
    """The action ids each step may use (the schema has the step names the model writes)."""
    steps = schema["properties"]["steps"]
    return [
        [
            getattr(BUILTINS.named(option["properties"]["action"]["const"]), "id", "?")
            for option in stage["anyOf"]
        ]
        for stage in steps["prefixItems"]
    ]


@pytest.mark.parametrize(
    ("text", "stages"),
    [
        # kept as it came, then changed: the order the parts of the sentence say
        (
            "Every day at 12:00 fetch https://a.test/menu.txt, save it to ~/Notes/menu.txt, "
            "summarize it and tell me",
            [["http.get"], ["files.write"], ["model.prompt"], ["notify.show"]],
        ),
        (
            "每天中午12点获取 https://a.test/menu.txt，保存到 ~/Notes/menu.txt，总结后告诉我",
            [["http.get"], ["files.write"], ["model.prompt"], ["notify.show"]],
        ),
        # what is stored is the summary: one part of the sentence
        (
            "Read ~/Notes/meeting.txt and append a summary to my journal",
            [["files.read"], ["model.prompt"], ["notes.append"]],
        ),
        (
            "Every day at 18:00 read ~/Notes/journal.md, summarize it, append the summary to "
            "~/Notes/summaries.md and notify me",
            [["files.read"], ["model.prompt"], ["files.append", "notes.append"], ["notify.show"]],
        ),
    ],
)
def test_a_text_stored_before_it_is_changed_is_stored_first(
    registry: Registry, text: str, stages: list[list[str]]
) -> None:
    schema = DraftSchema(registry, intent.read(text, BUILTINS)).build()
    assert _stage_actions(schema) == stages


def test_a_program_is_planned_with_or_without_a_folder_to_run_in(registry: Registry) -> None:
    """A program to run needs no folder; a folder named is the one it runs in. (Without a
    named folder the step could not be filled in, and every such request fell back to a
    free choice the small model got wrong.)"""
    facts = intent.read(
        "Run `uptime` every hour and append the output to ~/Notes/uptime.log", BUILTINS
    )
    schema = DraftSchema(registry, facts).build()
    assert _stage_actions(schema) == [
        ["process.run"],
        ["files.append", "notes.append"],
    ]
    run = schema["properties"]["steps"]["prefixItems"][0]["anyOf"][0]["properties"]["params"]
    assert "cwd" not in run["properties"] and run["properties"]["program"] == {"enum": ["uptime"]}
    facts = intent.read(
        "Every night at 2 run `make` in ~/src and append the output to ~/build.log", BUILTINS
    )
    run = DraftSchema(registry, facts).build()["properties"]["steps"]["prefixItems"][0]
    params = run["anyOf"][0]["properties"]["params"]
    assert params["properties"]["cwd"] == {"enum": ["~/src"]} and "cwd" in params["required"]


@pytest.mark.parametrize(
    ("text", "program", "args", "paths"),
    [
        ("Run ~/Scripts/backup.sh every night at 2", "~/Scripts/backup.sh", (), []),
        ("every day execute `/opt/sync/run --all -v`", "/opt/sync/run", ("--all", "-v"), []),
        ("Launch ~/bin/tidy, then notify me.", "~/bin/tidy", (), []),
        ("run `~/bin/build` in ~/src", "~/bin/build", (), ["~/src"]),
    ],
)
def test_a_program_named_by_its_path_is_run_not_read(
    text: str, program: str, args: tuple[str, ...], paths: list[str]
) -> None:
    facts = intent.read(text, BUILTINS)
    assert facts.commands == [intent.Command(program, args)]
    assert facts.paths == paths  # the program is no place to read or write


def test_a_program_that_is_not_there_is_asked_about_before_the_model(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    script = Script()
    for request_text, program in (
        ("Run ~/Scripts/backup.sh every night at 2", "~/Scripts/backup.sh"),
        ("Every hour run `no-such-program-here --now`", "no-such-program-here"),
    ):
        result = plan(Planner(registry, script), request_text)
        assert (result.kind, script.asked) == ("question", [])
        assert result.text.startswith(f"I can't find the program {program} ")
    chinese = plan(Planner(registry, script), "每天晚上2点运行 ~/Scripts/backup.sh")
    assert chinese.kind == "question" and chinese.text.startswith(
        "我找不到程序 ~/Scripts/backup.sh"
    )
    (tmp_path / "Scripts").mkdir()
    (tmp_path / "Scripts" / "backup.sh").write_text("#!/bin/sh\n")
    (tmp_path / "Scripts" / "backup.sh").chmod(0o755)
    draft = {
        "name": "Backup",
        "steps": [{"action": "process.run", "params": {"program": "~/Scripts/backup.sh"}}],
    }
    found = plan(Planner(registry, Script(draft)), "Run ~/Scripts/backup.sh every night at 2")
    assert found.kind == "workflow" and found.workflow is not None, found.text
    assert found.workflow["steps"][0]["params"]["program"] == "~/Scripts/backup.sh"
    assert validate(found.workflow, registry)[0] is not None


def test_a_windows_path_is_a_place_only_on_windows(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    request_text = r"Copy C:\Users\me\Documents\report.docx to D:\Backup every Monday at 9"
    script = Script()
    result = plan(Planner(registry, script), request_text)
    assert (result.kind, script.asked) == ("question", [])
    assert result.text.startswith(r"C:\Users\me\Documents\report.docx is a Windows path")
    chinese = plan(Planner(registry, script), r"当 D:\收件箱 里有新文件时通知我")
    assert chinese.kind == "question" and chinese.text.startswith(r"D:\收件箱 是 Windows 路径")
    monkeypatch.setattr(places, "WINDOWS", True)
    facts = intent.read(request_text, BUILTINS)
    assert facts.paths == [r"C:\Users\me\Documents\report.docx", r"D:\Backup"]
    assert not facts.unclear and facts.wants[0].name == "copying files"
    facts = intent.read(r"When a file is added to D:\Inbox, notify me", BUILTINS)
    assert (facts.trigger, facts.watch_folder, facts.unclear) == ("folder_watch", r"D:\Inbox", [])


def _offered(schema: dict[str, Any], stage: int, param: str) -> list[Any]:
    """What the first action of a stage may take for ``param``."""
    option = schema["properties"]["steps"]["prefixItems"][stage]["anyOf"][0]
    return list(option["properties"]["params"]["properties"][param]["enum"])


@pytest.mark.parametrize(
    ("text", "read", "written"),
    [
        # (stage, parameter) -> what is offered
        (
            "Each Friday at 16:00 move the zip files in ~/Downloads to ~/Archive",
            ((0, "folder"), ["~/Downloads"]),
            ((1, "destination"), ["~/Archive"]),
        ),
        (
            "Archive ~/Notes/journal.md into ~/Backups every Friday at 18:00",
            ((0, "source"), ["~/Notes/journal.md"]),
            ((0, "destination"), ["~/Backups"]),
        ),
        (
            "Every day at 18:00 read ~/Notes/journal.md, summarize it and append the summary "
            "to ~/Notes/summaries.md",
            ((0, "path"), ["~/Notes/journal.md"]),
            ((2, "path"), ["~/Notes/summaries.md"]),
        ),
    ],
)
def test_where_the_words_send_things_is_only_written_to(
    registry: Registry, text: str, read: Any, written: Any
) -> None:
    """A place written after "to"/"into" is where things go: a step that reads is not
    offered it, a step that writes is offered only it (the small model otherwise moved the
    files into the folder they were in)."""
    schema = DraftSchema(registry, intent.read(text, BUILTINS)).build()
    for (stage, param), offered in (read, written):
        assert _offered(schema, stage, param) == offered


def test_fetched_from_one_address_and_sent_to_the_other(registry: Registry) -> None:
    request = "Fetch https://a.test/r.txt, summarize it, and post the summary to https://b.test/in"
    facts = intent.read(request, BUILTINS)
    schema = DraftSchema(registry, facts).build()
    assert _stage_actions(schema) == [["http.get"], ["model.prompt"], ["http.post"]]
    stages = schema["properties"]["steps"]["prefixItems"]
    urls = [stages[n]["anyOf"][0]["properties"]["params"]["properties"]["url"] for n in (0, 2)]
    # where the words send it is offered to the step that sends, and only there
    assert urls == [{"enum": ["https://a.test/r.txt"]}, {"enum": ["https://b.test/in"]}]
    # a draft that posts where it fetched from leaves the other address unused: caught
    draft = {
        "name": "x",
        "steps": [
            {"action": "http.get", "params": {"url": "https://a.test/r.txt"}},
            {
                "action": "model.prompt",
                "params": {"input": "{{steps.s1.output}}", "task": "summarize"},
            },
            {
                "action": "http.post",
                "params": {"url": "https://a.test/r.txt", "body": "{{steps.s2.output}}"},
            },
        ],
    }
    document, problems = compile_draft(draft, registry, facts, request)
    problems += meaning_problems(document, registry, facts)
    assert [(p.code, p.detail) for p in problems if p.code == "named_unused"] == [
        ("named_unused", "https://b.test/in")
    ]


@pytest.mark.parametrize(
    ("text", "trigger", "patterns", "wants"),
    [
        # an extension alone names a kind of file, and its dot does not end the sentence
        (
            "Relocate any .flac that lands in ~/Inbox to ~/Audio",
            "folder_watch",
            ["*.flac"],
            {"moving files"},
        ),
        (
            "Whenever a .odt file gets saved to ~/Drafts, shift it over to ~/Done",
            "folder_watch",
            ["*.odt"],
            {"moving files"},
        ),
        (
            "Clear out the .bak files in ~/Work every Sunday at 4",
            "schedule",
            ["*.bak"],
            {"deleting files"},
        ),
        (
            "Archive ~/Notes/log.md into ~/Old every Friday at 17:00",
            "schedule",
            [],
            {"copying files"},
        ),
        ("Give me a nudge at 11 every weekday to drink water", "schedule", [], {"a notification"}),
        ("Move ~/a.txt to ~/b, e.g. tonight", "manual", [], {"moving files"}),
        # other verbs for the same things
        (
            "Get rid of the .tmp files in ~/cache every Sunday at 3",
            "schedule",
            ["*.tmp"],
            {"deleting files"},
        ),
        ("Mirror ~/Notes/a.md into ~/Backups every night at 1", "schedule", [], {"copying files"}),
        (
            "Condense ~/Notes/a.md and warn me",
            "manual",
            [],
            {"a summary by the model", "a notification"},
        ),
        (
            "Keep an eye on https://a.test/s every 10 minutes and give me a heads-up",
            "schedule",
            [],
            {"fetching a web page", "a notification"},
        ),
        (
            "每天早上8点概括一下 ~/Notes/a.md 并弹窗提醒我",
            "schedule",
            [],
            {"a summary by the model", "a notification"},
        ),
        (
            "每小时拉取 https://a.test/x 并存成 ~/Notes/x.txt",
            "schedule",
            [],
            {"fetching a web page", "saving to a file"},
        ),
    ],
)
def test_more_ways_of_saying_it(
    text: str, trigger: str, patterns: list[str], wants: set[str]
) -> None:
    facts = intent.read(text, BUILTINS)
    assert facts.trigger == trigger
    assert facts.patterns == patterns
    assert wants <= {c.name for c in facts.wants}


@pytest.mark.parametrize(
    ("request_text", "store"),
    [
        # saving to a file the request names: writing it, not adding a note to it
        ("Every hour fetch https://a.test/x.txt and save it to ~/Notes/x.txt", ["files.write"]),
        # a notes file named by its word: kept by the action that keeps notes
        ("Every day at 7 fetch https://a.test/q.txt and add it to my journal", ["notes.append"]),
        # appending to a file by its path: either appends
        (
            "Every hour fetch https://a.test/x.txt and append it to ~/Notes/x.log",
            ["files.append", "notes.append"],
        ),
    ],
)
def test_the_store_step_is_what_the_words_ask_for(
    registry: Registry, request_text: str, store: list[str]
) -> None:
    facts = intent.read(request_text, BUILTINS)
    assert _stage_actions(DraftSchema(registry, facts).build()) == [["http.get"], store]


def test_a_text_is_stored_in_the_named_file_never_over_the_file_that_arrived(
    registry: Registry,
) -> None:
    facts = intent.read(
        "When a text file lands in ~/inbox, summarize it into ~/Notes/summaries.md", BUILTINS
    )
    steps = DraftSchema(registry, facts).build()["properties"]["steps"]["prefixItems"]
    [write] = steps[-1]["anyOf"]
    assert write["properties"]["params"]["properties"]["path"] == {"enum": ["~/Notes/summaries.md"]}
