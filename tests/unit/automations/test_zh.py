"""Requests in Chinese read as the request reader reads English ones. The phrasings here are
written for these tests, not taken from the request set."""

from __future__ import annotations

import asyncio
import re

import pytest

from app.automations import intent, zh
from app.automations.planner import Planner
from app.automations.plugins import Registry


@pytest.mark.parametrize(
    ("text", "value"),
    [("8", 8), ("八", 8), ("十", 10), ("十二", 12), ("二十", 20), ("四十五", 45), ("两", 2)],
)
def test_numbers_in_digits_or_numerals(text: str, value: int) -> None:
    assert zh.number(text) == value


@pytest.mark.parametrize(
    ("text", "hour", "minute", "days"),
    [
        ("每天早上八点半提醒我锻炼", 8, 30, intent.WEEKDAYS),
        ("每天晚上十点一刻提醒我关灯睡觉", 22, 15, intent.WEEKDAYS),
        ("每天凌晨两点提醒我", 2, 0, intent.WEEKDAYS),
        ("每晚9点提醒我泡脚", 21, 0, intent.WEEKDAYS),
        ("每天中午12点半提醒我午休", 12, 30, intent.WEEKDAYS),
        ("每个工作日下午4点45分提醒我整理桌面", 16, 45, intent.WEEKDAYS[:5]),
        ("每周二和周五上午10点提醒我交材料", 10, 0, ("tue", "fri")),
        ("每星期日晚上7点提醒我复盘", 19, 0, ("sun",)),
    ],
)
def test_times_and_recurrences(text: str, hour: int, minute: int, days: tuple[str, ...]) -> None:
    facts = intent.read(text)
    assert facts.trigger == "schedule", facts.text
    assert (facts.hour, facts.minute, facts.weekdays) == (hour, minute, days), facts.text
    assert [c.name for c in facts.wants] == ["a notification"]


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("每两小时提醒我喝水", 120), ("每45分钟提醒我起身", 45), ("每半小时提醒我看一下炉子", 30)],
)
def test_intervals(text: str, minutes: int) -> None:
    assert intent.read(text).every_minutes == minutes


def test_a_new_file_arriving_in_a_named_folder_is_a_folder_watch() -> None:
    facts = intent.read("图片文件夹里出现新的截图时，把它复制到 ~/Backups/截图")
    assert facts.trigger == "folder_watch"
    assert facts.watch_folder == "~/Pictures"
    assert facts.patterns == ["*.png"]
    assert "copying files" in [c.name for c in facts.wants]
    assert "~/Backups/截图" in facts.paths


def test_paths_addresses_commands_and_quoted_words_are_kept_as_written() -> None:
    text = (
        "每天下午5点在 ~/项目/网站 运行 `make deploy`，把结果保存到 ~/Notes/部署.md，"
        "并把“完成”加到我的日记"
    )
    read = zh.gloss(text)
    assert read is not None
    for kept in ("~/项目/网站", "`make deploy`", "~/Notes/部署.md", "'完成'"):
        assert kept in read, read
    facts = intent.read(text)
    assert facts.commands[0].program == "make"
    assert (facts.hour, facts.minute) == (17, 0)
    assert "~/Notes/journal.md" in facts.notes_files


def test_a_condition_is_read_from_the_chinese_words() -> None:
    facts = intent.read("每小时获取 https://x.test/feed，如果内容包含“停机”就通知我")
    assert facts.urls == ["https://x.test/feed"]
    assert facts.condition is not None and facts.condition.term == "停机"
    assert facts.every_minutes == 60


def test_english_is_left_alone() -> None:
    assert zh.gloss("Every weekday at 9 remind me to stretch") is None
    assert intent.read("Every weekday at 9 remind me to stretch").text.startswith("Every")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("每天删除 ~/Videos 里的全部文件", "refusal"),
        ("每天运行 `sudo reboot`", "refusal"),
        ("每晚把 ~/.gnupg 复制到 ~/Backups", "refusal"),
        ("每周四11点给水管工发邮件", "refusal"),
        ("下周二早上9点提醒我取快递", "refusal"),
        ("帮我自动化一下", "question"),
        ("提醒我", "question"),
        ("每周提醒我交报告", "question"),
        ("除非 https://x.test/h 返回OK，否则通知我，每5分钟检查一次", "question"),
        ("把 ~/Notes/a.md 复制过去", "question"),
        ("每天18点把 ~/Notes/a.md 备份到 ~/Backups", "question"),  # no model here: asks
    ],
)
def test_questions_and_refusals_to_chinese_words_are_in_chinese(
    registry: Registry, text: str, kind: str
) -> None:
    plan = asyncio.run(Planner(registry, None).plan(text))
    assert plan.kind == kind, plan.text
    said = re.sub(r"`[^`]*`", "", plan.text)
    assert zh.has_chinese(said), said
    assert not re.search(r"[A-Za-z]+ [A-Za-z]+ [A-Za-z]+", said), said  # no English left


def test_questions_to_english_words_stay_in_english(registry: Registry) -> None:
    plan = asyncio.run(Planner(registry, None).plan("Remind me"))
    assert plan.kind == "question" and plan.text.startswith("When should I notify you")
