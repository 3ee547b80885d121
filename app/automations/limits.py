"""What a request asks that Steward can't or mustn't do: capabilities no installed plugin
offers (asked for, not merely mentioned: "remind me to check my email" asks for a reminder),
and what would destroy beyond repair (everything in the home folder or a whole top-level
folder; programs that format, overwrite disks or run as root), refused whatever else the
words say."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.automations.intent import Command, Facts

# deleting on this scale, or running these programs, is refused whatever else the words say
ZH_FOLDERS = {
    "主目录": "~",
    "家目录": "~",
    "下载": "~/Downloads",
    "文档": "~/Documents",
    "桌面": "~/Desktop",
    "图片": "~/Pictures",
    "照片": "~/Pictures",
    "音乐": "~/Music",
    "视频": "~/Videos",
}
_DELETING = re.compile(
    r"\b(delete|remove|erase|wipe|purge|empty|clear out|get rid of|trash)\b|删除|删掉|清空|清除",
    re.I,
)
_WHOLESALE = re.compile(r"\b(everything|all|entire|whole)\b|所有|全部|一切", re.I)
_HOME = re.compile(r"\b(my )?home (folder|directory)\b|主目录|家目录", re.I)
DESTRUCTIVE_PROGRAMS = ("mkfs", "dd", "shred", "wipefs", "fdisk", "sudo", "format", "diskpart")


# capabilities no built-in offers: a plugin whose actions mention one of the words may
DEPENDS_ON_PLUGIN = (
    (
        "send email",
        re.compile(r"\b(e-?mails?|gmail|outlook|inbox zero)\b|邮件|邮箱", re.I),
        ("mail",),
    ),
    (
        "send text messages",
        re.compile(
            r"\b(sms|text message|whatsapp|telegram|signal message|imessage)\b|短信|微信", re.I
        ),
        ("sms", "message"),
    ),
    ("post to Slack", re.compile(r"\bslack\b|钉钉", re.I), ("slack",)),
    (
        "post to social media",
        re.compile(r"\b(tweet|twitter|mastodon|facebook|instagram)\b|微博|朋友圈", re.I),
        ("tweet", "mastodon", "social"),
    ),
    (
        "use your calendar",
        re.compile(r"\b(calendar|meeting invites?|appointments?)\b|日历|预约", re.I),
        ("calendar",),
    ),
    ("print", re.compile(r"\b(print|printer)\b|打印", re.I), ("print",)),
    (
        "control smart-home devices",
        re.compile(r"\b(lights?|thermostat|smart plug)\b|[开关]\S{0,4}\s?\S{0,3}灯|空调", re.I),
        ("light", "home"),
    ),
    (
        "shut down or restart the computer",
        re.compile(r"\b(shut ?down|reboot|restart (?:the|my) (?:computer|pc|laptop))\b|关机", re.I),
        ("shutdown", "power"),
    ),
    (
        "make phone calls",
        re.compile(r"\b(phone|call) (?:my|him|her|them)\b|打电话", re.I),
        ("call",),
    ),
    (
        "order, book or pay for things",
        re.compile(
            r"\b(order|buy|pay|book)\b (?:a|an|the|my|me|for)\b"
            r"|订\S{0,3}披萨|订餐|交\S{0,2}费|付款",
            re.I,
        ),
        ("order", "payment", "booking"),
    ),
    ("use the camera", re.compile(r"\b(webcam|camera)\b|摄像头|拍照", re.I), ("camera",)),
    ("answer messages for you", re.compile(r"\bauto-?reply|自动回复", re.I), ("reply",)),
)
# what a reminder is about, what the user must remember, or why the user wants something, is
# not asked of Steward: "remind me to check my email", "so I can forward it", "提醒我发朋友圈",
# "记得交电费", and what the user says of themselves ("I get lots of emails", "我经常收到很多邮件")
_NOT_ASKED = re.compile(
    r"(\b(?:remind(?:er)?s?|nudge|ping)\b(?: me)?|\bso (?:that )?I (?:can|could)\b|\binstead of\b|"
    r"\b(?:remember|don't forget|do not forget) to\b|"
    r"\bI (?:always |often |usually )?(?:get|receive|have|keep getting|got)\b|"
    r"我(?:经常|总是|每天|常常)?(?:会)?(?:收到|接到|有)|"
    r"提醒我|提醒|我好|以便|记得|别忘了|别忘记|不要忘了|不要忘记)[^.;!?。；！？,，]*",
    re.I,
)
_QUOTED_TEXT = re.compile(r"'[^']*'|\"[^\"]*\"|“[^”]*”|‘[^’]*’|「[^」]*」")
# places and addresses are names, not requests: "~/Pictures/Camera" asks for no camera
_PLACES = re.compile(r"https?://\S+|(?<![\w/])(?:~|/|[A-Za-z]:[\\/])\S*")


def destructive(
    text: str, commands: Sequence[Command], paths: Sequence[str], patterns: Sequence[str]
) -> list[str]:
    """What the words would destroy beyond repair: everything in the home folder or in a
    whole top-level folder, or a disk (programs that format, overwrite or run as root)."""
    found = []
    for command in commands:
        program = command.program.rsplit("/", 1)[-1].lower()
        recursive = program == "rm" and any(
            a.startswith("-") and "r" in a.lower() for a in command.args
        )
        if recursive or program.split(".")[0] in DESTRUCTIVE_PROGRAMS:
            found.append(f"runs {' '.join((command.program, *command.args))}")
    if not _DELETING.search(text):
        return found
    from app.automations.intent import KNOWN_FOLDERS  # (intent reads with this module)

    top = {"~", *KNOWN_FOLDERS.values()}
    places = [p for p in paths if p in top]
    places += [p for word, p in ZH_FOLDERS.items() if word in text and p not in places]
    if _HOME.search(text) and "~" not in places:
        places.append("~")
    wholesale = bool(_WHOLESALE.search(text))
    for place in places:
        if wholesale or not patterns:
            where = "your home folder" if place == "~" else place
            found.append(f"deletes everything in {where}")
    return found


def missing_capabilities(facts: Facts, offered: list[str]) -> list[str]:
    """What the request asks for that no installed plugin offers. ``offered`` is the text of
    every registered action (id, title, description), lower-cased."""
    missing = list(facts.missing)
    asked = _NOT_ASKED.sub(" ", _QUOTED_TEXT.sub(" ", _PLACES.sub(" ", facts.text)))
    for name, words, hints in DEPENDS_ON_PLUGIN:
        if words.search(asked) and not any(h in text for text in offered for h in hints):
            missing.append(name)
    return missing


__all__ = ["DEPENDS_ON_PLUGIN", "destructive", "missing_capabilities"]
