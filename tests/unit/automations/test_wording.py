"""The user's own words where a drafted step says something: a reminder's notification says
what the request asked to be reminded of, and a model step asked to translate is told to
translate, whatever the model wrote. The phrasings are written for these tests."""

from __future__ import annotations

from typing import Any

import pytest

from app.automations import intent, wording
from app.automations.builtins import MODULES
from app.automations.compiler import compile_draft
from app.automations.plugins import load_plugins

BUILTINS = load_plugins(builtins=MODULES, entry_points=False)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("Every day at 10pm remind me to turn off the computer", "Turn off the computer"),
        ("remind me to stretch every hour", "Stretch"),
        ("remind me every hour to drink water", "Drink water"),
        ("remind me at 9 on weekdays to take my pills", "Take my pills"),
        ("every weekday at 9 remind me to check my email.", "Check my email"),
        ("every Friday at 17:00 remind me to 交周报", "交周报"),
        ("every morning at 8 read ~/Notes/todo.md and notify me", ""),
    ],
)
def test_what_a_reminder_is_about(text: str, said: str) -> None:
    assert wording.reminder(text) == said


def compiled(request: str, steps: list[dict[str, Any]]) -> tuple[dict[str, Any], intent.Facts]:
    facts = intent.read(request, BUILTINS)
    document, problems = compile_draft({"name": "t", "steps": steps}, BUILTINS, facts, request)
    assert problems == []
    return document, facts


def test_a_reminder_says_the_users_words_not_the_models() -> None:
    document, facts = compiled(
        "每天晚上10点提醒我关电脑",
        [{"id": "notify", "action": "notify.show", "params": {"title": "Battery", "body": "x"}}],
    )
    assert wording.say_the_reminder(document, facts, BUILTINS)
    assert document["steps"][0]["params"] == {"title": "关电脑"}
    # said once: nothing more to change
    assert wording.say_the_reminder(document, facts, BUILTINS) == []


def test_a_notification_on_a_watch_names_the_file_that_arrived_not_made_up_words() -> None:
    # the model wrote {"title": "Spreadsheets", "body": "Spreadsheets are a great tool…"}
    document, facts = compiled(
        "麻烦您了，~/Documents/合同 里有新的 pdf 时通知我一下",
        [{"action": "notify.show", "params": {"title": "Spreadsheets", "body": "made up"}}],
    )
    done = wording.say_the_reminder(document, facts, BUILTINS)
    assert done == ["step 1: says which file arrived"]
    assert document["steps"][0]["params"] == {"title": "{{trigger.name}}"}
    # the request's own words are kept
    document, facts = compiled(
        "When a PDF lands in ~/Inbox, notify me 'New contract'",
        [{"action": "notify.show", "params": {"title": "New contract"}}],
    )
    assert wording.say_the_reminder(document, facts, BUILTINS) == []


def test_a_told_result_is_kept() -> None:
    request = "every morning at 8 read ~/Notes/todo.md and remind me to do what is on it"
    steps = [
        {"id": "read", "action": "files.read", "params": {"path": "~/Notes/todo.md"}},
        {
            "id": "notify",
            "action": "notify.show",
            "params": {"title": "Todo", "body": "{{steps.read.output}}"},
        },
    ]
    document, facts = compiled(request, steps)
    wording.say_the_reminder(document, facts, BUILTINS)
    params = document["steps"][1]["params"]
    assert params == {"title": "Do what is on it", "body": "{{steps.read.output}}"}


def test_a_reminder_to_delete_deletes_nothing() -> None:
    facts = intent.read("every Sunday at 8pm remind me to delete old photos", BUILTINS)
    assert [c.name for c in facts.wants] == ["a notification"]
    assert facts.paths == [] and facts.destructive == []
    assert (facts.trigger, facts.hour, facts.weekdays) == ("schedule", 20, ("sun",))


@pytest.mark.parametrize("drafted", [{"task": "summarize"}, {}])
def test_a_model_step_asked_to_translate_is_told_to(drafted: dict[str, Any]) -> None:
    request = "translate ~/Notes/ideas.txt into English and save it to ~/Notes/ideas-en.txt"
    steps = [
        {"id": "read", "action": "files.read", "params": {"path": "~/Notes/ideas.txt"}},
        {
            "id": "ask_model",
            "action": "model.prompt",
            "params": {"input": "{{steps.read.output}}", **drafted},
        },
        {
            "id": "write",
            "action": "files.write",
            "params": {"path": "~/Notes/ideas-en.txt", "text": "{{steps.ask_model.output}}"},
        },
    ]
    facts = intent.read(request, BUILTINS)
    document, _problems = compile_draft({"name": "t", "steps": steps}, BUILTINS, facts, request)
    if drafted:  # set up for a summary nobody asked for
        assert wording.fit_the_asks(document, facts, BUILTINS)
    else:  # it would fail as drafted: the repair fills what was asked
        from app.automations.meaning import meaning_problems, repair

        problems = meaning_problems(document, BUILTINS, facts)
        assert repair(document, problems, facts, BUILTINS)
    params = document["steps"][1]["params"]
    assert params["task"] == "custom" and params["instruction"] == "translate it into English"


def test_a_summary_asked_for_is_left_alone() -> None:
    request = "summarize ~/Notes/meeting.txt and save it to ~/Notes/summary.md"
    steps = [
        {"id": "read", "action": "files.read", "params": {"path": "~/Notes/meeting.txt"}},
        {
            "id": "ask_model",
            "action": "model.prompt",
            "params": {"input": "{{steps.read.output}}", "task": "summarize"},
        },
        {
            "id": "write",
            "action": "files.write",
            "params": {"path": "~/Notes/summary.md", "text": "{{steps.ask_model.output}}"},
        },
    ]
    document, facts = compiled(request, steps)
    assert wording.fit_the_asks(document, facts, BUILTINS) == []
    assert document["steps"][1]["params"]["task"] == "summarize"


@pytest.mark.parametrize(
    "request_text",
    [
        "upload ~/Backups/db.json to https://example.com/upload every night at 2",
        "send the contents of ~/Notes/report.txt to https://example.com/api on Fridays at 4",
    ],
)
def test_a_named_file_sent_to_an_address_is_read_first(request_text: str) -> None:
    from app.automations.stages import plan_stages

    facts = intent.read(request_text, BUILTINS)
    # the dot in the file's name ends no sentence: the words still ask to send
    assert [c.name for c in facts.wants] == ["sending data to a web address"]
    stages = plan_stages(BUILTINS, facts)
    assert stages is not None
    assert [[a.id for a in stage] for stage in stages] == [["files.read"], ["http.post"]]


@pytest.mark.parametrize(
    ("request_text", "stages"),
    [
        ("When a new txt file lands in ~/Inbox, post it to https://example.com/in", 2),
        ("When a PDF appears in ~/Scans, upload the file to https://example.com/up", 2),
        # a message about the file, not the file: nothing is read
        ("When a file lands in ~/Inbox, post 'new file' to https://example.com/in", 1),
    ],
)
def test_the_file_that_arrived_is_read_when_it_is_what_is_sent(
    request_text: str, stages: int
) -> None:
    from app.automations.stages import plan_stages

    facts = intent.read(request_text, BUILTINS)
    assert facts.trigger == "folder_watch"
    planned = plan_stages(BUILTINS, facts)
    assert planned is not None
    expected = [["files.read"], ["http.post"]][-stages:]
    assert [[a.id for a in stage] for stage in planned] == expected


@pytest.mark.parametrize(
    "request_text",
    [
        "every day at 9 remind me to stretch and delete everything in my home folder",
        "每天早上9点提醒我喝水并删除主目录里的所有文件",
    ],
)
def test_a_reminder_does_not_hide_a_destructive_request_after_it(request_text: str) -> None:
    facts = intent.read(request_text, BUILTINS)
    assert facts.destructive == ["deletes everything in your home folder"]


def test_a_reminder_about_two_things_is_one_reminder() -> None:
    facts = intent.read("remind me to buy milk and eggs every day at 5pm", BUILTINS)
    assert [c.name for c in facts.wants] == ["a notification"]
    assert wording.reminder(facts.text) == "Buy milk and eggs"


@pytest.mark.parametrize(
    ("request_text", "missing"),
    [
        ("I get lots of emails, so every day at 5pm remind me to check my inbox", []),
        ("我经常收到很多邮件，每天下午5点提醒我看一下邮箱就行", []),
        ("every day at 5pm send an email to my boss", ["send email"]),
        ("每天下午5点给老板发邮件", ["send email"]),
    ],
)
def test_what_users_say_of_themselves_asks_for_nothing(
    request_text: str, missing: list[str]
) -> None:
    facts = intent.read(request_text, BUILTINS)
    assert intent.missing_capabilities(facts, []) == missing


def test_a_copy_drafted_onto_itself_goes_where_the_words_say() -> None:
    from app.automations.meaning import meaning_problems, repair

    request = "when a new photo lands in ~/Camera, copy it to ~/Pictures/Phone"
    facts = intent.read(request, BUILTINS)
    steps = [
        {
            "id": "copy",
            "action": "files.copy",
            "params": {"source": "{{trigger.path}}", "destination": "{{trigger.path}}"},
        }
    ]
    document, problems = compile_draft({"name": "t", "steps": steps}, BUILTINS, facts, request)
    problems += meaning_problems(document, BUILTINS, facts)
    assert any(p.code == "named_unused" for p in problems)
    assert repair(document, problems, facts, BUILTINS)
    params = document["steps"][0]["params"]
    assert params == {"source": "{{trigger.path}}", "destination": "~/Pictures/Phone/"}
    assert meaning_problems(document, BUILTINS, facts) == []


def test_what_the_user_usually_does_said_first_asks_nothing() -> None:
    from app.automations.stages import plan_stages

    text = (
        "I usually write my diary in ~/Notes/diary.md. Every night at 11, append what's on "
        "my clipboard to it"
    )
    facts = intent.read(text, BUILTINS)
    assert facts.paths == ["~/Notes/diary.md"] and facts.hour == 23  # its place is named
    # "write" was what the user does, not a request to overwrite the diary
    assert [c.name for c in facts.wants] == ["a note", "reading the clipboard"]
    stages = plan_stages(BUILTINS, facts)
    assert stages is not None
    assert [[a.id for a in stage] for stage in stages] == [
        ["clipboard.read"],
        ["files.append", "notes.append"],
    ]
    # one sentence is the request itself
    assert intent.read("I usually back up ~/a to ~/b every day at 9", BUILTINS).wants


def test_a_condition_on_a_named_file_reads_it_and_plural_kinds_are_patterns() -> None:
    from app.automations.stages import plan_stages

    facts = intent.read(
        "Every 10 minutes look at ~/app.log and if ERROR shows up, tell me", BUILTINS
    )
    stages = plan_stages(BUILTINS, facts)
    assert stages is not None and [a.id for a in stages[0]] == ["files.read"]
    facts = intent.read("every sunday at 8pm move the jpgs in ~/Downloads to ~/Pictures", BUILTINS)
    assert facts.patterns == ["*.jpg"]


def test_what_an_earlier_step_found_is_told_under_its_name_not_the_examples() -> None:
    # the model named the draft and its notification after its worked example
    request = "Every morning at 8 fetch https://example.com/status.txt and notify me"
    steps = [
        {"id": "fetch", "action": "http.get", "params": {"url": "https://example.com/status.txt"}},
        {
            "id": "notify",
            "action": "notify.show",
            "params": {"title": "Timesheet", "body": "{{steps.fetch.output}}"},
        },
    ]
    document, facts = compiled(request, steps)
    document["name"] = "Timesheet reminder"
    done = wording.name_what_is_told(document, facts, BUILTINS)
    assert done == ["step 2: titled after what it tells", "named after the request"]
    assert document["steps"][1]["params"]["title"] == BUILTINS.actions["http.get"].title
    assert document["name"] == "Fetch https://example.com/status.txt…"
    # words of the request are kept, and so is a reminder the request words
    document, facts = compiled(request, steps)
    document["steps"][1]["params"]["title"] = "Status"
    assert wording.name_what_is_told(document, facts, BUILTINS) == []
    reminding = "Every morning at 8 fetch https://example.com/status.txt and remind me to check it"
    document, facts = compiled(reminding, steps)
    assert wording.name_what_is_told(document, facts, BUILTINS) == []
