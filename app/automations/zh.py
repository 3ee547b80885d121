"""Requests written in Chinese, read into the English words the request reader knows.

"每个工作日早上9点05分提醒我打卡" becomes "every weekday at 09:05 remind me to 打卡": times and
recurrences (每天, 每周一, 工作日, 早上八点半, 下午6点, 每小时, 每30分钟), the folders people
name (下载, 文档, 桌面, 图片), the notes files (日记, 待办清单), the verbs of the actions, new
files arriving in a folder, and conditions. Paths, addresses, commands in backticks and quoted
words are kept exactly as written.

Why not a library: jionlp (the maintained Chinese time parser) reads clock times well but not
the recurrences these requests use most (工作日 and 每晚 come back as one point in time, 周二、
周四 as Tuesday alone), prints to standard output when imported, and would add ~30 MB to an
installer that is near its size budget; the time words needed here are few and closed.
"""

from __future__ import annotations

import re

_CJK = re.compile(r"[\u4e00-\u9fff]")
# kept as written: addresses, paths (to a space, a CJK character or a CJK punctuation mark),
# commands in backticks, quoted words
_KEEP = re.compile(
    r"https?://[^\s\u4e00-\u9fff，。；！？、]+|`[^`]+`|\"[^\"]+\"|“[^”]+”|「[^」]+」|‘[^’]+’|"
    r"(?<![\w.])(?:~|[A-Za-z]:\\|\.{0,2}/)[^\s，。；！？、“”]*"
)
# a path runs to a space; Chinese words written right after a Latin name are not part of it,
# unless the name ends in an extension ("~/Documents/报告.docx")
_TRAILING_WORDS = re.compile(r"[\u4e00-\u9fff]+$")
# "提醒我(一下)(要)交周报(好吗)": what the reminder is about, to the end of its clause
_REMINDED = re.compile(
    r"(?:提醒|叫|喊)(?:我|自己)(?:一下|一次|一声)?\s*(?:要|去|该|记得)?\s*"
    r"((?:(?!并且|并|然后|同时|之后|再)[^，。；！？,.!?\x00])+)"
)
_FILLER_END = re.compile(
    r"(?:就行|就好|就可以了|好吗|好不好|行吗|可以吗|谢谢|吧|吗|啦|哦|呀|哈|呢|嘛|呗|啊|一下)+$"
)
_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_NUM = r"[零一二两三四五六七八九十\d]{1,3}"
_DAYS = {
    "一": "Monday",
    "二": "Tuesday",
    "三": "Wednesday",
    "四": "Thursday",
    "五": "Friday",
    "六": "Saturday",
    "日": "Sunday",
    "天": "Sunday",
}
_PERIOD = r"(早上|早晨|上午|中午|下午|傍晚|晚上|夜里|凌晨|晚)?"
_TIME = re.compile(
    _PERIOD + r"\s*(" + _NUM + r")\s*[点點时:：]\s*(半|一刻|三刻|(" + _NUM + r")\s*分?)?"
)
_WEEKLY = re.compile(
    r"每(?:个)?(?:周|星期|礼拜)([一二三四五六日天])((?:\s*(?:和|、|及|与|,|，)\s*(?:周|星期|礼拜)?"
    r"[一二三四五六日天])*)"
)
_FOLDERS = (
    (r"(?:我的)?(?:主目录|家目录|用户目录|主文件夹)", " my home folder "),
    (r"(?:我的)?下载(?:文件夹|目录)", " my Downloads folder "),
    (r"(?:我的)?文档(?:文件夹|目录)", " my Documents folder "),
    (r"(?:我的)?图片(?:文件夹|目录)", " my Pictures folder "),
    (r"(?:我的)?(?:桌面上?|桌面文件夹)", " my Desktop folder "),
    (r"(?:我的)?日记(?:里)?", " my journal "),
    (r"(?:我的)?待办(?:清单|事项|列表)?(?:里)?", " my todo list "),
    # "记到我的笔记里", "读一下我的笔记": not "我昨天把笔记弄丢了" (what happened, no place)
    (r"(?<=[到进在读看下])\s*(?:我的)?笔记(?:本)?(?:里)?", " my notes "),
)
_KINDS = (
    ("PDF", "PDF"),
    ("pdf", "PDF"),
    ("文本文件", "text file"),
    ("截图", "screenshot"),
    ("CSV", "CSV"),
    ("csv", "CSV"),
    ("markdown 文件", "markdown file"),
    ("markdown", "markdown file"),
    ("照片", "photo"),
    ("图片", "image"),
    ("文件", "file"),
)
_VERBS = {
    "复制": "copy",
    "拷贝": "copy",
    "备份": "back up",
    "存一份": "back up",
    "移": "move",
    "移动": "move",
    "挪": "move",
    "放": "move",
    "保存": "save",
    "存": "save",
    "写": "save",
    "追加": "append",
    "加": "append",
    "记": "append",
    "发送": "post",
    "推送": "post",
    "提交": "post",
    "转移": "move",
    "搬": "move",
    "添加": "append",
    "记录": "append",
    "写入": "append",
    "存储": "save",
    "存放": "save",
    "上传": "post",
    "发": "post",
}
_VERB = "|".join(sorted(_VERBS, key=len, reverse=True))
# word for word, in this order (longer phrases first where they overlap)
_PHRASES = (
    (r"(?:Steward\s*)?启动时", " at startup, "),
    (
        r"只有\s*(?:包含|含有|提到)\s*('[^']+'|\x00\d+\x00)\s*(?:时)?才",
        r" only if it contains \1, ",
    ),
    (
        r"(?:(?:它|内容)?(?:里面?|里头|中)\s*)?(?:如果|要是|假如|若是?)"
        r"(?:它|页面|网页|内容|文件|结果|输出|返回(?:的)?(?:内容|结果)?|响应|回复)?(?:的内容)?"
        r"(?:里面?|里头|中)?\s*"
        r"(?:包含|含有|提到|说有|出现|写着|有)(?:了)?\s*('[^']+'|\x00\d+\x00|[A-Za-z0-9]+)\s*"
        r"(?:这个词|字样|的话)?\s*(?:就|的话|那就|那么)?",
        r" if it contains \1, ",
    ),
    (
        r"(?:包含|含有|提到|出现|写着|有)(?:了)?\s*('[^']+'|\x00\d+\x00|[A-Za-z0-9]+)\s*"
        r"(?:这个词|字样)?\s*的话\s*(?:就|那就)?",
        r" if it contains \1, ",
    ),
    (r"显示\s*('[^']+'|\x00\d+\x00)\s*时", r" when it says \1, "),
    (r"把?\s*(?:包含|含有)\s*('[^']+'|\x00\d+\x00)\s*的行", r" the lines containing \1 "),
    (
        r"用通知(?:告诉|显示给|提醒)我|弹(?:个|出)?通知(?:提醒我)?|弹窗(?:提醒|告诉)?我?|"
        r"通知(?:给)?我|告诉我|显示给我|提示我|告知我|(?:用通知)?显示出来",
        " notify me ",
    ),
    (r"提醒(?:我|自己)", " remind me to "),
    (r"重命名为", " rename to "),
    (r"翻译成(?:英文|英语)", " translate it into English "),
    (r"翻译成(?:中文|汉语)", " translate it into Chinese "),
    (r"检查|查一下|查看一下|看一下|看看|看一次|看一眼", " check "),
    (r"(?:总结|概括|归纳|汇总|简述)(?:一下|后)?|摘要|提炼要点", " summarize "),
    (r"读取|读一下|读|查看", " read "),
    (r"列出|列举|罗列", " list "),
    (r"删除|删掉|清理|清除|移除|去掉|丢掉", " delete "),
    (r"运行|执行|启动", " run "),
    (r"获取|抓取|下载|拉取|爬取", " fetch "),
    (r"剪贴板(?:里)?(?:的)?内容|剪贴板", " the clipboard "),
    (r"(?:保存|存储|存放|存|写)(?:到|为|进|成)", " save it to "),
    (r"(?:追加|添加|记录|写入|加|记)到", " append it to "),
    (r"(?:发送|上传|推送|提交|发)到", " post it to "),
    (r"(?:复制|拷贝)(?:一份)?到", " copy it to "),
    (r"备份到", " back up to "),
    (r"(?:移|移动|转移|挪|搬|放)到", " move it to "),
    (r"所有|全部", " all "),
    (r"并且|并把|并|然后|再|，然后|之后", " and "),
    (r"结果|输出", " the output "),
    (r"[，、]", ", "),
    (r"[。！？；]", ". "),
    (r"它", " it "),
    (r"里面的?|里头的?|里的?|中的?|上的", " "),
    (r"所有文件|全部文件", " all files "),
    (r"文件夹|目录", " folder "),
    (r"文件", " files "),
    (r"照片", " photos "),
    (r"截图", " screenshots "),
    (r"东西", " things "),
    (r"把|的|都", " "),
    (
        r"我想要?|想要|(?<![思理感])想|自动地?|非常感谢|谢谢啦|谢啦|请您|"
        r"你好呀?|您好|嗨|哈喽|(?<![A-Za-z])(?:hello|hi)(?![A-Za-z])|麻烦(?:你|您)?(?:一下)?|请问|请|能不能|能否|可以|可不可以|"
        r"(?:能|可以)?帮(?:我|你)?个忙|帮(?:我|忙)|谢谢(?:你|您)?|多谢|感谢|劳驾|拜托(?:了|你)?|不好意思|打扰(?:一下|了)?|"
        r"辛苦(?:了|你了)|说实话|那个|是这样的|就是说|其实|我?也?不知道怎么说|(?:就是)?希望|我跟你说|"
        r"我得|你就|顺便(?:说|提)?(?:一下)?|能在?(?=\s*every\b)|您|好吗|好不好|行吗|行不行|吧|吗|呀|啦|哦|哈|呢|嘛|"
        r"嗯……|就这样|一下|一次|早上好|晚上好|～|~(?=\s|$)",
        " ",
    ),
)


def has_chinese(text: str) -> bool:
    return bool(_CJK.search(text))


def written_in_chinese(text: str) -> bool:
    """Is ``text`` written in Chinese (not merely naming a folder or quoting words in it)?"""
    return has_chinese(_KEEP.sub(" ", text))


def number(text: str) -> int:
    """A number up to 99 written with digits or Chinese numerals."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_DIGITS.get(tens, 1) if tens else 1) * 10 + (_DIGITS.get(ones, 0) if ones else 0)
    return _DIGITS.get(text, 0)


def _clock(match: re.Match[str], evening: bool) -> str:
    period, hour_text, minutes, minute_text = match.groups()
    hour = number(hour_text)
    minute = {"半": 30, "一刻": 15, "三刻": 45}.get(minutes or "", 0)
    if minute_text:
        minute = number(minute_text)
    if (period in ("下午", "傍晚", "晚上", "夜里", "晚") or (evening and not period)) and hour < 12:
        hour += 12
    if period == "中午" and hour < 11:
        hour += 12
    if period in ("晚上", "夜里", "凌晨", "晚") and hour == 12:  # "晚上12点": midnight
        hour = 0
    return f" at {hour:02d}:{minute:02d} "


def _weekly(match: re.Match[str]) -> str:
    days = [
        _DAYS[match.group(1)],
        *(_DAYS[d] for d in re.findall(r"[一二三四五六日天]", match.group(2))),
    ]
    return " every " + " and ".join(days) + " "


# "我平时用 X 写日记，…": what the user usually does, said before the request: background
# ("我每天晚上都要写日记，…" too: a habit with no hour, before a request with one)
_HABIT = re.compile(
    r"(?:^|(?<=[，。；！？,.!?\s]))我(?:平时|平常|一般|通常|经常|总是|老是|常常|每天|每晚|每周"
    r"|用(?=\s*\x00\d+\x00\s*(?:来)?(?:记|写|存|放)))"
    r"[^，。；！？,.!?]*[，。；！？,.!?](?=.*[\u4e00-\u9fff])"
)


def _background(match: re.Match[str]) -> str:
    said, rest = match.group(0), match.string[match.end() :]
    if _TIME.search(said) or "忘" in said:
        return said  # an hour in it: what is asked; what they forget: what to remind of
    if "每" in said:
        # "我每天都要…" is a habit only when it says so (都要/都会/都得) and the request after
        # it has an hour of its own; otherwise it is the request ("我每天都想收到…")
        habit = re.search(r"都(?:要|会|得)", said) and _TIME.search(rest)
        return _places(said) if habit else said
    return _places(said)


def _places(said: str) -> str:
    """What of a clause that asks nothing is kept: the places it names (as English keeps them)."""
    return " " + " ".join(re.findall(r"\x00\d+\x00", said)) + " "


def _is_path(kept: str) -> bool:
    """Is a kept name a path ("~/a", "./b", "C:\\c"), not an address or quoted words?"""
    return kept[:1] in "~/." or kept[1:3] == ":\\"


# what follows an extension: "png 文件", "png 图片", "gif 动图", "docx 文档", "csv 格式"
_FILE_NOUN = r"[\u4e00-\u9fff]{0,2}(?:文件|图|片|档)|格式"
# the folder an arrival is in (a known folder or a kept path), and what may stand after it
_WHERE = r"(my \w+ folder|\x00\d+\x00)"
_LEAD = r"(?:只要|每次|每当|一旦)?"


def _arrival(text: str) -> str:
    """ "X 里有新的 PDF 时" (or "以后 X 里出现新的 png 就") → "when a new PDF lands in X"."""
    kinds = "|".join(re.escape(k) for k, _ in _KINDS)

    def say(match: re.Match[str]) -> str:
        where, kind, extension = match.group(1).strip(), match.group(2), match.group(3)
        if extension or kind not in dict(_KINDS):
            ext = (extension or kind).lstrip(".").lower()
            return f" when a new *.{ext} file lands in {where}, "
        return f" when a new {dict(_KINDS)[kind]} lands in {where}, "

    text = re.sub(
        r"(?:当|以后|今后|每当|只要|一旦)?\s*" + _WHERE + r"\s*(?:里面?|中|上)?\s*" + _LEAD + r"\s*"
        # "一来…"/"每来…" say arrival without "新"; "有"/"出现" need "新的"
        r"(?:(?:一有|一出现|一来|每来|每出现|每进来|每有|(?:每|一)下载完?)(?:了)?(?:一个|个)?(?:新的?)?"
        r"|(?:出现|有|多了|来了|进来|收到)(?:了)?(?:一个|个)?新的?"
        # "新出现的 psd 文件都…", "新来的 pdf 就…", "新下载的 zip"
        r"|(?:有)?新(?:出现|来|进来|增|加|下载|收到)的)\s*("
        + kinds
        + r"|\.?[A-Za-z][A-Za-z0-9]{1,4}(?=\s*(?:"
        + _FILE_NOUN
        + r"|的|时|就|，|,)))"
        r"(?:\s*\.?([A-Za-z][A-Za-z0-9]{1,4})\b)?\s*(?:" + _FILE_NOUN + r")?\s*"
        r"(?:(?:的时候|时候|时|之后|以后|后)\s*(?:就|都|，|,)?|(?:就|都|，|,))",
        say,
        text,
    )
    text = re.sub(
        _WHERE + r"\s*(?:里|中)?\s*(?:出现|有)(?:了)?以\s*(\.\w+)\s*结尾的文件时",
        lambda m: f" when a *{m.group(2)} file lands in {m.group(1)}, ",
        text,
    )
    # an arrival said in a way not placed above is still a watch: the reader asks for the
    # folder and files rather than drafting a workflow run by hand
    return re.sub(
        r"(?:" + _WHERE + r"\s*(?:里面?|中|上)?\s*" + _LEAD + r"\s*)?"
        r"(?:(?:每|一)(?:出现|来|进来|有)(?:了)?(?:一个|个)?新|(?:出现|多了|来了|进来)(?:了)?(?:一个|个)?新"
        r"|新(?:出现|进来|增))的?",
        lambda m: f" whenever new files arrive {'in ' + m.group(1) if m.group(1) else ''} ",
        text,
    )


def _transform(verb: str, what: str) -> str:
    """ "总结" or "翻译成英文" said of ``what``, in the reader's words."""
    if verb.startswith("翻译成"):
        return f"translate {what} into {'English' if verb[3] == '英' else 'Chinese'}"
    return f"summarize {what}"


def _reminded(match: re.Match[str], kept: list[str]) -> str:
    """What a reminder is about, kept as the user's own words (``kept``)."""
    # what to be reminded of is the user's own words, read as no request of its own
    # ("提醒我删除旧照片" asks for a reminder, not a deletion); one with a time in it is read
    said = _FILLER_END.sub("", match.group(1)).strip()
    if not said:  # "我老是忘记喝水，能每小时提醒我一次吗": what they forget
        forgot = re.search(r"忘(?:记|了)\s*([^，。；！？,.!?\x00\s]{1,20})", match.string)
        said = forgot.group(1) if forgot and forgot.start() < match.start() else ""
    if not said:  # "每周二上午十点开例会，你每周二9点50提醒我一下": what happens at that time
        before = match.string[: match.start()]
        at = _TIME.search(before)
        event = at and re.match(r"\s*([^，。；！？,.!?\x00\s\d]{2,12})", before[at.end() :])
        said = event.group(1) if event else ""
    if not said or _TIME.search(said) or "每" in said or "\x00" in said:
        return match.group(0)
    kept.append(said)
    return f" remind me to \x00{len(kept) - 1}\x00 "


def gloss(text: str) -> str | None:
    """The request in the reader's English, or None when it holds no Chinese."""
    if not has_chinese(text):
        return None
    kept: list[str] = []

    def keep(match: re.Match[str]) -> str:
        value, rest = match.group(0), ""
        if value[0] in "“「‘":
            value = f"'{value[1:-1]}'"
        elif _is_path(value):
            tail = _TRAILING_WORDS.search(value)
            # "~/Notes/inbox里": words after a Latin name; "~/项目/网站" is a Chinese name
            if tail and not re.search(r"\.\w+$", value) and value[tail.start() - 1] not in "/\\":
                value, rest = value[: tail.start()], tail.group(0)
        kept.append(value)
        return f" \x00{len(kept) - 1}\x00 {rest}"

    out = _KEEP.sub(keep, text)

    out = _REMINDED.sub(lambda m: _reminded(m, kept), out)
    # "…加到里面": the one file the request names is where it goes
    paths = [n for n, value in enumerate(kept) if _is_path(value)]
    if len(paths) == 1:
        out = re.sub(
            r"(" + _VERB + r")(?:到|进)\s*(?:它?里面|里头|那里|那儿|这个文件|那个文件)去?"
            r"|(" + _VERB + r")进去(?!\s*\x00)",
            lambda m: f"{m.group(1) or m.group(2)}到 \x00{paths[0]}\x00 ",
            out,
        )
    out = re.sub(r"如果(?:可以|方便|不麻烦)的话|可以的话", " ", out)  # politeness, no condition
    out = _HABIT.sub(_background, out)
    for pattern, english in _FOLDERS:
        out = re.sub(pattern, english, out)
    out = _arrival(out)
    out = re.sub(r"每逢", "每", out)  # "每逢周六": every Saturday
    out = re.sub(r"(?:每个|每)?工作日|周一到周五", " every weekday ", out)
    out = re.sub(r"每个?周末", " every weekend ", out)
    # once, at a later date: said so the reader can tell it is not a repeating schedule
    # "从今天起每天…", "今晚开始每天…": when a repeating schedule starts is now
    out = re.sub(r"(?:从)?(?:今天|今晚|现在|明天|明晚)(?:起|开始)(?=\s*每)", " ", out)
    out = re.sub(r"明天", " tomorrow ", out)
    out = re.sub(r"今晚", " tonight ", out)
    out = re.sub(
        r"下(?:个)?(?:周|星期|礼拜)([一二三四五六日天])",
        lambda m: f" next {_DAYS[m.group(1)]} ",
        out,
    )
    out = re.sub(r"下(?:个)?(?:周|星期|礼拜)", " next week ", out)
    out = _WEEKLY.sub(_weekly, out)
    out = re.sub(r"每(?:个)?(?:周|星期|礼拜)", " every week ", out)
    out = re.sub(r"每(?:个)?月", " every month ", out)
    out = re.sub(r"每隔", "每", out)  # "每隔两小时": every two hours
    out = re.sub(r"每半(?:个)?小时", " every 30 minutes ", out)
    out = re.sub(r"每(?:个)?小时", " every hour ", out)
    out = re.sub(
        r"每(" + _NUM + r")(?:个)?小时", lambda m: f" every {number(m.group(1))} hours ", out
    )
    out = re.sub(r"每(" + _NUM + r")分钟", lambda m: f" every {number(m.group(1))} minutes ", out)
    evening = "每晚" in out
    out = re.sub(r"每天|每日|天天|每晚", " every day ", out)
    out = _TIME.sub(lambda m: _clock(m, evening), out)
    # "缩写成三句话", "精简成一段": a summary of that length
    out = re.sub(
        r"(?:缩写|压缩|精简|浓缩|缩短)(?:成\s*" + _NUM + r"?\s*(?:句话|句|段话?|行))?(?:一下)?",
        "总结",
        out,
    )
    out = re.sub(
        r"把\s*([^，,]+?)\s*(?:的内容)?\s*(总结|概括|归纳|汇总|翻译成(?:英文|英语|中文|汉语))(?:一下|后)?"
        r"\s*[，,]?\s*(?:然后|再|并)?\s*(" + _VERB + r")(?:到|进)",
        lambda m: f" {_transform(m.group(2), m.group(1))} and {_VERBS[m.group(3)]} it to ",
        out,
    )
    # "把 URL 下载保存到 F", "把 URL 下载到 F": fetched, then saved
    out = re.sub(
        r"把\s*([^，,]+?)\s*(?:下载|获取|抓取)(?:下来)?\s*"
        r"(?:(?:并|然后|再)?\s*(?:保存|存)(?:到|为|成)|到(?=\s*\x00))",
        r" fetch \1 and save it to ",
        out,
    )
    out = re.sub(
        r"把\s*([^，,]+?)\s*(?:放|复制|拷贝|写)(?:到|进)\s*剪贴板",
        r" put \1 on the clipboard ",
        out,
    )
    out = re.sub(
        r"把\s*([^，,]+?)\s*(" + _VERB + r")(?:一份)?(?:到|进)",
        lambda m: f" {_VERBS[m.group(2)]} {re.sub(r'的?内容$', '', m.group(1)).strip()} to ",
        out,
    )
    out = re.sub(r"把\s*(.+?)\s*重命名为", r" rename \1 to ", out)
    out = re.sub(
        r"把\s*(.+?)\s*(翻译成(?:英文|英语|中文|汉语))",
        lambda m: f" {_transform(m.group(2), m.group(1))} ",
        out,
    )
    out = re.sub(r"把\s*(.+?)\s*的内容", r" the contents of \1 ", out)
    out = re.sub(r"(?:我)?下载的(?:东西|文件)?", " my downloads ", out)
    # "看一次 ~/log.txt": a file is looked at by reading it (an address by fetching it)
    out = re.sub(
        r"(?:检查|查看|查一下|看一下|看看|看一次|看一眼)\s*(?=\x00(\d+)\x00)",
        lambda m: " read " if not kept[int(m.group(1))].startswith("http") else m.group(0),
        out,
    )
    for pattern, english in _PHRASES:
        out = re.sub(pattern, english, out)
    out = re.sub(r"在\s*(\x00\d+\x00)\s*run\s*(\x00\d+\x00)", r" run \2 in \1 ", out)
    out = re.sub(
        r"summarize(?=\s*(?:[,.]|and\b|save\b|append\b|post\b|notify\b|$))", "summarize it", out
    )
    out = re.sub(r"\s+([,.])(?=\s|$)", r"\1", out)
    out = re.sub(r"([,.])(?:\s*[,.])+", r"\1", out)
    out = re.sub(r"\s+", " ", out).strip(" ,.")
    # what was kept goes back last: tidying punctuation must not touch "../报告.txt"
    return re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m.group(1))], out)


# words of a Chinese request that say when or on what condition it acts, found still in
# Chinese after it was read: the reader did not make them out, so the planner asks rather
# than draft a workflow that does more or less than the words say
_UNREAD = (
    ("condition", re.compile(r"如果|要是|假如|假若|倘若|若是|只有|除非|否则|万一|(?<![这那])的话")),
    (
        "arrival",  # "新来的 pdf", "出现了新文件"; not "我是新来的"
        re.compile(
            r"(?:新(?:出现|来|进来|增|加|收到|下载|放进)(?:了)?的?|(?:出现|来了|进来)(?:了)?新的?)"
            r"\s*(?:[A-Za-z.]|[\u4e00-\u9fff]{0,2}(?:文件|图|片|档|照|东西))"
        ),
    ),
    ("recurrence", re.compile(r"每(?!次|个人|样|一个字)|(?:" + _NUM + r")\s*[点點]钟?")),
)


def unread(read: str) -> list[str]:
    """What a request's reading (:func:`gloss`, with addresses, paths, quoted words and what a
    reminder is about left out) still says in Chinese of when or on what condition it acts:
    "condition", "arrival", "recurrence"."""
    return [kind for kind, words in _UNREAD if words.search(read)]


__all__ = ["gloss", "has_chinese", "number", "unread", "written_in_chinese"]
