"""Requests in Chinese read as the request reader reads English ones. The phrasings here are
written for these tests, not taken from the request set."""

from __future__ import annotations

import asyncio
import json
import re

import pytest

from app.automations import intent, zh, zh_replies
from app.automations.builtins import MODULES
from app.automations.planner import Planner
from app.automations.plugins import Registry, load_plugins
from app.automations.review import review, review_text

# the built-in plugins, as the app loads them (what requests ask for is read with them)
BUILTINS = load_plugins(builtins=MODULES, entry_points=False)


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
    facts = intent.read(text, BUILTINS)
    assert facts.trigger == "schedule", facts.text
    assert (facts.hour, facts.minute, facts.weekdays) == (hour, minute, days), facts.text
    assert [c.name for c in facts.wants] == ["a notification"]


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("每两小时提醒我喝水", 120), ("每45分钟提醒我起身", 45), ("每半小时提醒我看一下炉子", 30)],
)
def test_intervals(text: str, minutes: int) -> None:
    assert intent.read(text, BUILTINS).every_minutes == minutes


def test_a_new_file_arriving_in_a_named_folder_is_a_folder_watch() -> None:
    facts = intent.read("图片文件夹里出现新的截图时，把它复制到 ~/Backups/截图", BUILTINS)
    assert facts.trigger == "folder_watch"
    assert facts.watch_folder == "~/Pictures"
    assert facts.patterns == ["*.png"]
    assert "copying files" in [c.name for c in facts.wants]
    assert "~/Backups/截图" in facts.paths


@pytest.mark.parametrize(
    ("text", "folder", "pattern", "wants"),
    [
        ("以后 ~/inbox 里出现新的 pdf 就帮我移到 ~/Documents/PDF 吧", "~/inbox", "*.pdf", "moving"),
        ("~/Desktop 上有新的截图 png 的时候，移到 ~/Pictures/S", "~/Desktop", "*.png", "moving"),
        ("只要 ~/data 里多了新的 xlsx 文件，就复制到 ~/backup", "~/data", "*.xlsx", "copying"),
        ("~/logs 里有新的 .log 文件时通知我", "~/logs", "*.log", "a notification"),
        # "每来一个"/"一来": arrival said without "新"
        ("~/Inbox 里每来一个 txt 文件，你就把它发到 https://e.com/in", "~/Inbox", "*.txt", "send"),
        ("~/scans 里一来 pdf 文件就复制到 ~/backup", "~/scans", "*.pdf", "copying"),
        # a noun after the extension, "每次"/"只要" between the folder and the arrival
        ("~/shots 上每出现一个新的 jpg 照片就移到 ~/Pictures/J", "~/shots", "*.jpg", "moving"),
        ("~/mail 里只要进来新的 eml 就复制一份到 ~/keep", "~/mail", "*.eml", "copying"),
        ("~/in 里每次来了新的 docx 文档，就移到 ~/docs", "~/in", "*.docx", "moving"),
        # "新出现的 X 都…": "new" said before the arrival
        ("~/Downloads 里新出现的 psd 文件都帮我移到 ~/D/psd", "~/Downloads", "*.psd", "moving"),
        ("~/cam 里新来的 jpg 就复制到 ~/b", "~/cam", "*.jpg", "copying"),
    ],
)
def test_other_ways_of_saying_a_new_file_arrives(
    text: str, folder: str, pattern: str, wants: str
) -> None:
    facts = intent.read(text, BUILTINS)
    assert (facts.trigger, facts.watch_folder) == ("folder_watch", folder)
    assert facts.patterns == [pattern]
    assert next(c.name for c in facts.wants).startswith(wants)


def test_an_arrival_the_reader_cannot_place_is_still_a_watch(registry: Registry) -> None:
    # never a workflow run by hand: read as a watch, and the folder it left out is asked for
    text = "每出现新东西就移到 ~/Gifs"
    assert intent.read(text, BUILTINS).trigger == "folder_watch"
    plan = asyncio.run(Planner(registry, None).plan(text))
    assert plan.kind == "question" and "两个文件夹" in plan.text, plan.text


def test_a_named_notes_file_and_a_fetch_then_save() -> None:
    facts = intent.read("帮个忙：把“交水费”记到我的笔记里", BUILTINS)
    assert facts.notes_files == ["~/Notes/notes.md"]
    said = zh.gloss("请每周一把 https://e.com/a.csv 下载保存到 ~/a.csv")
    assert said == "every Monday fetch https://e.com/a.csv and save it to ~/a.csv"
    said = zh.gloss("老铁，帮我把 https://e.com/r.md 下载到 ~/r.md 呗")
    assert said is not None and "fetch https://e.com/r.md and save it to ~/r.md" in said


def test_a_summary_of_a_given_length_and_every_feng() -> None:
    said = zh.gloss("拜托了，把 ~/N/long.txt 缩写成三句话，存到 ~/N/short.txt")
    assert said == "summarize ~/N/long.txt and save it to ~/N/short.txt"
    # "每逢周六" is every Saturday
    facts = intent.read("辛苦你了，每逢周六上午10点把 ~/N/s.md 的内容通知我", BUILTINS)
    assert (facts.hour, facts.weekdays, facts.days_named) == (10, ("sat",), True)


def test_what_the_user_keeps_in_a_file_is_background_that_names_it() -> None:
    # "我用 F 记待办": the clause asks nothing, and "它" is that file
    facts = intent.read("我用 ~/N/todo.md 记待办，每天早上8点半把它的内容通知给我", BUILTINS)
    assert (facts.trigger, facts.hour, facts.minute) == ("schedule", 8, 30)
    assert facts.paths == ["~/N/todo.md"]
    assert [c.name for c in facts.wants] == ["a notification"]


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        # a condition, an arrival or a recurrence the reader did not make out is asked about,
        # never drafted without it (a notification every time, a workflow run by hand)
        ("每5分钟检查 https://e.com/s，倘若网页显示故障就通知我", "Only when the text says what?"),
        ("~/in 里新来的 pdf 文件要移到 ~/b", "Which folder should I watch?"),
        ("每年生日那天提醒我买蛋糕", "How often should it run?"),
    ],
)
def test_when_or_if_said_in_words_the_reader_does_not_know_is_asked(
    text: str, asked: str, registry: Registry
) -> None:
    assert intent.read(text, BUILTINS).unclear[0].startswith(asked)
    plan = asyncio.run(Planner(registry, None).plan(text))
    assert plan.kind == "question" and plan.text == zh_replies.say(intent.read(text).unclear[0])


def test_words_like_those_that_say_nothing_of_when_or_if_are_not_asked_about() -> None:
    # "我是新来的" (I'm new here), "每次都手动" (every time by hand), a quoted "如果"
    for text in (
        "我是新来的，想请你把 ~/a.pdf 挪到 ~/b/ 里",
        "我不想每次都手动弄，你就每天晚上11点运行 `git pull` 嘛",
        "把“如果下雨就带伞”加到我的待办清单",
        # what a reminder is about is the user's own words
        "每周一早上9点提醒我如果下雨就带伞",
    ):
        assert intent.read(text, BUILTINS).unclear == [], text


def test_a_workflow_is_named_by_what_it_does() -> None:
    name_for = zh_replies.name_for
    assert name_for("每个工作日早上9点，把 ~/a 里的PDF移到 ~/b", 40) == "把 ~/a 里的PDF移到 ~/b"
    # without the words that lead into the request
    named = name_for("我这人比较懒，所以想要 ~/s 上每出现一个新的 png 图片就移到 ~/p", 40)
    assert named == "~/s 上每出现一个新的 png 图片就移到 ~/p"
    assert name_for("请帮我每天提醒我喝水", 40) == "每天提醒我喝水"
    assert name_for("所以", 40) == "所以"  # nothing but a lead-in keeps its words


def test_a_reminder_about_what_happens_at_another_time() -> None:
    said = zh.gloss("他们每天下午3点开会，你每天2点50提醒我一下好吗")
    assert said is not None and said.endswith("remind me to 开会")


def test_politeness_and_filler_leave_no_chinese_words_for_the_reader() -> None:
    said = zh.gloss("不好意思打扰一下，能不能每天晚上10点提醒我关电脑？谢谢啦")
    assert said == "every day at 22:00 remind me to 关电脑"
    said = zh.gloss("那个，麻烦你把 ~/N/ideas.txt 翻译成英文，然后存到 ~/N/en.txt，谢谢你哦")
    assert said == "translate ~/N/ideas.txt into English and save it to ~/N/en.txt"
    # a Latin word inside a Chinese request is not taken for a greeting
    assert "this" in (zh.gloss("每天提醒我看 this week 的计划") or "")


def test_filler_about_the_user_is_left_out() -> None:
    # what the user usually does, said before the request, is background
    said = zh.gloss("我平时用 ~/Notes/diary.md 写日记，每天晚上11点把剪贴板的内容加到里面吧")
    # (its place stays named) and "加到里面" goes into the one file the request names
    said_after = "every day at 23:00 append the clipboard to ~/Notes/diary.md"
    assert said == "~/Notes/diary.md " + said_after
    said = zh.gloss("其实我也不知道怎么说，就是希望每天早上8点提醒我喝水")
    assert said == "every day at 08:00 remind me to 喝水"
    said = zh.gloss("我老板很凶，我得每个工作日早上8点50提醒自己打卡，拜托拜托")
    assert said is not None and said.endswith("every weekday at 08:50 remind me to 打卡")
    # a habit with a time in it is what is asked, not background
    said = zh.gloss("我平时每天晚上9点写日记，提醒我一下") or ""
    assert "21:00" in said
    # "我每天…都要…" with no hour, before a request with one, is background too
    said = zh.gloss("顺便说一下，我每天晚上都要写日记，能在每晚9点提醒我写日记吗")
    assert said == "every day at 21:00 remind me to 写日记"
    # …but said alone it is the request, and what they forget is what to be reminded of
    assert "~/a" in (zh.gloss("我每天都要备份 ~/a 到 ~/b") or "")
    said = zh.gloss("我老是忘记喝水，能每小时提醒我一次吗") or ""
    assert said.endswith("every hour remind me to 喝水")
    # "提醒我一次" is how often, not what about
    assert zh.gloss("每小时提醒我一次喝水") == "every hour remind me to 喝水"


def test_a_file_looked_at_is_read_and_a_condition_said_with_yaoshi() -> None:
    text = "能帮我个忙吗？每10分钟看一次 ~/app/log.txt，里面要是出现 ERROR 就通知我"
    assert zh.gloss(text) == "every 10 minutes read ~/app/log.txt, if it contains ERROR, notify me"
    facts = intent.read(text, BUILTINS)
    assert facts.condition is not None and facts.condition.term == "ERROR"
    # an address looked at is fetched, as before
    assert "check https://e.com" in (zh.gloss("每小时看一下 https://e.com") or "")


@pytest.mark.parametrize(
    "text",
    [
        "能每5分钟检查下 https://e.com/ 吗，要是返回里有 error 就通知我",
        # no 如果: "出现 X 的话就"
        "拜托，每隔20分钟检查一下 https://e.com/，出现 error 的话就通知我",
    ],
)
def test_a_condition_said_of_what_a_page_returns(text: str) -> None:
    facts = intent.read(text, BUILTINS)
    assert facts.condition is not None and facts.condition.term == "error"


def test_midnight_an_arrival_by_download_and_when_a_schedule_starts() -> None:
    facts = intent.read("我怕自己熬夜，每天晚上12点提醒我睡觉", BUILTINS)
    assert (facts.hour, facts.minute) == (0, 0)
    facts = intent.read("~/Downloads 里每下载完一个 mp4 就移到 ~/Videos", BUILTINS)
    assert (facts.trigger, facts.watch_folder, facts.patterns) == (
        "folder_watch",
        "~/Downloads",
        ["*.mp4"],
    )
    # "今晚开始每天…": from when it repeats, not a one-off tonight
    facts = intent.read("今晚开始每天凌晨两点把 ~/Photos 复制到 ~/Backups/Photos", BUILTINS)
    assert (facts.trigger, facts.hour, facts.missing) == ("schedule", 2, [])
    assert intent.read("明天提醒我开会", BUILTINS).missing  # still a one-off


def test_a_condition_said_about_what_is_inside() -> None:
    facts = intent.read(
        "每30分钟检查一下 https://example.com/status，如果里面有 down 就通知我", BUILTINS
    )
    assert facts.condition is not None and facts.condition.term == "down"
    assert facts.every_minutes == 30


def test_what_a_reminder_is_about_asks_nothing_of_steward() -> None:
    facts = intent.read("每周日晚上8点提醒我删除旧照片", BUILTINS)
    assert [c.name for c in facts.wants] == ["a notification"]
    assert not facts.destructive and not facts.missing
    # what the user must remember to do themselves is no missing capability either
    facts = intent.read("我妈让我记得交电费，每周一早上8点提醒我看看账单吗", BUILTINS)
    assert not intent.missing_capabilities(facts, [])
    assert (facts.hour, facts.weekdays) == (8, ("mon",))


def test_paths_addresses_commands_and_quoted_words_are_kept_as_written() -> None:
    text = (
        "每天下午5点在 ~/项目/网站 运行 `make deploy`，把结果保存到 ~/Notes/部署.md，"
        "并把“完成”加到我的日记"
    )
    read = zh.gloss(text)
    assert read is not None
    for kept in ("~/项目/网站", "`make deploy`", "~/Notes/部署.md", "'完成'"):
        assert kept in read, read
    facts = intent.read(text, BUILTINS)
    assert facts.commands[0].program == "make"
    assert (facts.hour, facts.minute) == (17, 0)
    assert "~/Notes/journal.md" in facts.notes_files


def test_a_condition_is_read_from_the_chinese_words() -> None:
    facts = intent.read("每小时获取 https://x.test/feed，如果内容包含“停机”就通知我", BUILTINS)
    assert facts.urls == ["https://x.test/feed"]
    assert facts.condition is not None and facts.condition.term == "停机"
    assert facts.every_minutes == 60


def test_english_is_left_alone() -> None:
    assert zh.gloss("Every weekday at 9 remind me to stretch") is None
    assert intent.read("Every weekday at 9 remind me to stretch", BUILTINS).text.startswith("Every")


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


def test_the_review_of_a_draft_from_chinese_words_is_in_chinese(registry: Registry) -> None:
    """A draft (here a fixed one; the real model's is clicked in tests/e2e, the Chinese
    request test) is named from the request and reviewed in Chinese: trigger, steps,
    references, permissions and labels."""
    draft = {
        "name": "Move PDFs",
        "steps": [
            {"action": "files.list", "params": {"folder": "~/下载", "pattern": "*.pdf"}},
            {"action": "files.move", "params": {"source": "{{item}}", "destination": "~/文档/PDF"}},
        ],
    }

    async def generate(messages: object, params: object) -> str:
        return json.dumps(draft)

    request = "每个工作日早上9点，把 ~/下载 里的PDF移到 ~/文档/PDF"
    plan = asyncio.run(Planner(registry, generate).plan(request))
    assert plan.kind == "workflow" and plan.language == "zh"
    assert plan.workflow is not None and plan.workflow["name"] == "把 ~/下载 里的PDF移到 ~/文档/PDF"
    assert review_text(plan, registry).splitlines() == [
        "草稿：“把 ~/下载 里的PDF移到 ~/文档/PDF”",
        "  何时：每个工作日 09:00",
        "  步骤：",
        "    1. 列出 ~/下载 中的 *.pdf",
        "    2. 对 [第 1 步的结果] 中的每个文件：把 [列出的每个文件] 移到 ~/文档/PDF/",
        "  需要的权限（! = 修改文件、使用网络或运行程序）：",
        "    ! 修改 ~/下载 里的文件",
        "    ! 修改 ~/文档/PDF 里的文件",
    ]
    # the same draft from English words is reviewed in English
    english = asyncio.run(
        Planner(registry, generate).plan("Every weekday at 9 move the PDFs in ~/下载 to ~/文档/PDF")
    )
    assert english.language == "en" and english.workflow is not None
    assert review_text(english, registry).splitlines()[1] == "  When: Every weekday at 09:00"


def test_every_built_in_action_and_trigger_has_chinese_words(registry: Registry) -> None:
    """A card in Chinese has no English sentence left: every built-in step and trigger
    describes itself in Chinese (a plugin without Chinese words falls back to English)."""
    builtin = [a for a in registry.actions.values() if a.plugin.startswith("app.automations.")]
    assert builtin and all("zh" in a.describe_in for a in builtin if a.describe is not None)
    missing = [
        t.id
        for t in registry.triggers.values()
        if t.plugin.startswith("app.") and "zh" not in t.describe_in
    ]
    assert missing == []
    params = {"path": "~/a.md", "text": "{{steps.read.output}}", "file": "~/n.md"}
    line = review(
        {
            "name": "x",
            "trigger": {"type": "app_start"},
            "steps": [
                {"id": "read", "action": "files.read", "params": {"path": "~/a.md"}},
                {"id": "note", "action": "notes.append", "params": params},
            ],
            "permissions": [{"kind": "files.write", "scope": "~/n.md"}],
        },
        registry,
        "zh",
    )
    assert line.when == "Steward 启动时"
    assert [s.what for s in line.steps] == [
        "读取 ~/a.md",
        "把 [第 1 步的结果] 作为笔记添加到 ~/n.md",
    ]
    assert [p.words for p in line.permissions] == ["修改 ~/n.md 里的文件"]


@pytest.mark.parametrize("text", ["每天早上9点删除主目录里的所有文件", "清空我的家目录"])
def test_the_home_folder_by_its_chinese_names_is_never_emptied(text: str) -> None:
    assert intent.read(text, BUILTINS).destructive == ["deletes everything in your home folder"]
