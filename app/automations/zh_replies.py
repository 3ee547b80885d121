"""What Steward says back to a request written in Chinese: the planner's questions and
refusals (:func:`say`) and a workflow's name (:func:`name_for`). Reading such a request is
:mod:`app.automations.zh`."""

from __future__ import annotations

import re

from app.automations.zh import has_chinese

# the planner's questions and refusals, said in Chinese to a request written in Chinese
_MISSING = {
    "send email": "发送邮件",
    "send text messages": "发送消息",
    "post to Slack": "发到 Slack",
    "post to social media": "发到社交媒体",
    "use your calendar": "使用你的日历",
    "print": "打印",
    "control smart-home devices": "控制智能家居设备",
    "shut down or restart the computer": "关闭或重启电脑",
    "make phone calls": "打电话",
    "order, book or pay for things": "下单、预订或付款",
    "use the camera": "使用摄像头",
    "answer messages for you": "替你回复消息",
    "run something once at a later date (schedules repeat; say how often instead)": (
        "在以后的某个日期只运行一次（计划会重复；请说多久一次）"
    ),
}
_SAID: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(english, re.S), chinese)
    for english, chinese in (
        (
            r"I won't draft a workflow that deletes everything in your home folder:.*",
            "我不会起草删除你主目录里所有内容的工作流：删掉的东西找不回来。请指明要删除的文件"
            "（单独的文件夹，或 *.tmp 这样的类型），我就可以起草。",
        ),
        (
            r"I won't draft a workflow that deletes everything in (\S+):.*",
            r"我不会起草删除 \1 里所有内容的工作流：删掉的东西找不回来。请指明要删除的文件"
            "（单独的文件夹，或 *.tmp 这样的类型），我就可以起草。",
        ),
        (
            r"I won't draft a workflow that runs (.+?): what it destroys.*",
            r"我不会起草运行 \1 的工作流：它破坏的东西找不回来。",
        ),
        (
            r"I won't draft a workflow that touches (.+?): keys, passwords.*",
            r"我不会起草涉及 \1 的工作流：密钥、密码和系统设置不进入自动化。",
        ),
        (
            r"I can't (.+?): no installed plugin offers it\..*",
            "我无法{missing}：没有已安装的插件提供这个功能。插件可以添加动作（见插件指南）；"
            "Steward 的其他动作可用 `steward plugins list` 查看。",
        ),
        (r"At what time \(and on which days\) should it run\?", "应该在几点（以及哪几天）运行？"),
        (
            r"I read more than one time of day; at which one should it run\?",
            "我读到了不止一个时间，应该在哪个时间运行？",
        ),
        (r"At what time should it run\?.*", "应该在几点运行？（例如 8:30 或下午6点）"),
        (r"On which day of the week should it run\?", "应该在星期几运行？"),
        (
            r"Only when the text says what\?.*",
            "文本里出现什么词时才行动？请把词放在引号里，例如：“如果内容包含“down”就通知我”。",
        ),
        (r"How often should it run\?.*", "应该多久运行一次？（每分钟到每周之间）"),
        (r"Which folder should I watch\?", "应该监视哪个文件夹？"),
        (
            r"Which folder is (.+?) in\? Give its full path, like (.+?)\.",
            r"\1 在哪个文件夹里？请写出完整路径，例如 \2。",
        ),
        (
            r"(.+?) is a Windows path, and this computer does not run Windows:.*",
            r"\1 是 Windows 路径，而这台电脑不是 Windows：你指的是这里的哪个文件夹（或文件）？"
            "请写成 ~/Documents/report.docx 这样。",
        ),
        (
            r"I can't find the program (.+?) \(it does not exist here.*",
            r"我找不到程序 \1（它在这里不存在或无法运行）。应该运行哪个程序？请写 PATH 里的程序名，"
            "例如 `git`，或者一个已存在的脚本的完整路径。",
        ),
        (
            r"A workflow can act when a text contains (.+?), but not when it lacks it\..*",
            r"工作流可以在文本包含 \1 时行动，但不能在缺少它时行动。需要行动时，文本里会写什么？",
        ),
        (
            r"When should I notify you, and of what\?.*",
            "应该在什么时候通知你、通知什么？例如“每个工作日早上9点提醒我伸展一下”或"
            "“下载文件夹里有新的PDF时通知我”。",
        ),
        (
            r"What should happen, and when\?.*",
            "应该做什么、什么时候做？例如“每个工作日早上8点半，把任务清单追加到 "
            "~/Notes/journal.md”或“下载文件夹里有新的PDF时，把它移到 ~/Documents/PDFs”。",
        ),
        (
            r"Which folder \(or file\) do you mean\?.*",
            "你指的是哪个文件夹（或文件）？请写出来，例如 ~/Downloads。",
        ),
        (r"Copy from where to where\?.*", "从哪里复制到哪里？请写出两个文件夹。"),
        (r"Move the files from where to where\?.*", "把文件从哪里移到哪里？请写出两个文件夹。"),
        (
            r"Which file or folder should it work on, and what should happen to it\?.*",
            "应该处理哪个文件或文件夹，要对它做什么？请写出来，例如 ~/Notes/journal.md。",
        ),
        (
            r"I couldn't draft a workflow I'm sure matches what you asked \((.*)\)\. Could you.*",
            # the problems found are the checks' own words, in English: left out here
            "我没能起草出确定符合你要求的工作流。能换个说法吗？写明文件夹，并一步一步说明要做什么。",
        ),
    )
)


_LEAD_IN = re.compile(
    r"^(?:(?:所以|因此|那就|然后|我想要?|想要|我希望|希望|请你?|请您|帮我|帮忙|麻烦你|麻烦|"
    r"能不能|可不可以|可以|你就|就)\s*)+"
)


def name_for(request: str, limit: int) -> str:
    """A workflow's name from a request written in Chinese: its longest clause (the one
    saying what happens rather than when: "每个工作日早上9点，把 ~/下载 里的PDF移到 ~/文档" is
    named "把 ~/下载 里的PDF移到 ~/文档"), at most ``limit`` characters."""
    clauses = [c.strip() for c in re.split(r"[，,；;。！!？?\n]", request) if has_chinese(c)]
    # a clause saying when ("每个工作日早上9点", "~/inbox 里有新文件时") is not the name
    doing = [c for c in clauses if not (c.endswith("时") or c.startswith(("每", "当")))]
    name = max(doing or clauses, key=len, default=request.strip())
    # what leads into the request is no part of its name ("所以想要 ~/Desktop 上…")
    name = _LEAD_IN.sub("", name) or name
    return name if len(name) <= limit else name[: limit - 1] + "…"


def say(text: str) -> str:
    """``text`` (one of the planner's questions or refusals) in Chinese; other text as it is."""
    for pattern, chinese in _SAID:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        if "{missing}" in chinese:
            return chinese.format(missing=_MISSING.get(match.group(1), match.group(1)))
        return match.expand(chinese)
    return text


__all__ = ["name_for", "say"]
