"""The built-in triggers in words, in English and in Chinese: "Every weekday at 08:30",
"每个工作日 08:30". The review card, the automations panel and the terminal all show these
(through ``Trigger.describe``), so a trigger reads the same everywhere."""

from __future__ import annotations

from typing import Any

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WATCH_EVENTS_DEFAULT = ("created", "modified")
_DAY_EN = dict(zip(WEEKDAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                              "Saturday", "Sunday"), strict=True))  # fmt: skip
_DAY_ZH = dict(zip(WEEKDAYS, "一二三四五六日", strict=True))


def manual(p: dict[str, Any]) -> str:
    return "By hand (Run now)"


def manual_zh(p: dict[str, Any]) -> str:
    return "手动（点“立即运行”）"


def app_start(p: dict[str, Any]) -> str:
    return "When Steward starts"


def app_start_zh(p: dict[str, Any]) -> str:
    return "Steward 启动时"


def _events(p: dict[str, Any]) -> tuple[str, ...]:
    return tuple(sorted(p.get("events") or WATCH_EVENTS_DEFAULT))


def folder_watch(p: dict[str, Any]) -> str:
    pattern = p.get("pattern", "*")
    what = "a file" if pattern in ("*", "") else f"a file matching {pattern}"
    verbs: dict[tuple[str, ...], str] = {("created",): "appears", ("modified",): "changes"}
    verb = verbs.get(_events(p), "appears or changes")
    inside = " (or a folder inside it)" if p.get("recursive") else ""
    return f"When {what} {verb} in {p.get('folder', '?')}{inside}"


def folder_watch_zh(p: dict[str, Any]) -> str:
    pattern = p.get("pattern", "*")
    what = "文件" if pattern in ("*", "") else f"匹配 {pattern} 的文件"
    verbs: dict[tuple[str, ...], str] = {("created",): "出现", ("modified",): "变化"}
    verb = verbs.get(_events(p), "出现或变化")
    inside = "（或其子文件夹）" if p.get("recursive") else ""
    return f"当 {p.get('folder', '?')}{inside} 里有{what}{verb}时"


def _clock(at: dict[str, Any]) -> str:
    return f"{int(at.get('hour', 0)):02d}:{int(at.get('minute', 0)):02d}"


def _days(at: dict[str, Any]) -> list[str]:
    days = set(at.get("weekdays") or WEEKDAYS)
    return [d for d in WEEKDAYS if d in days]


def schedule(p: dict[str, Any]) -> str:
    if "every_minutes" in p:
        minutes = int(p["every_minutes"])
        if minutes % 60 == 0:
            hours = minutes // 60
            return "Every hour" if hours == 1 else f"Every {hours} hours"
        return "Every minute" if minutes == 1 else f"Every {minutes} minutes"
    if "at" in p:
        at, days = p["at"], _days(p["at"])
        if len(days) == 7:
            return f"Every day at {_clock(at)}"
        if days == list(WEEKDAYS[:5]):
            return f"Every weekday at {_clock(at)}"
        if days == list(WEEKDAYS[5:]):
            return f"Every weekend day at {_clock(at)}"
        return f"Every {', '.join(_DAY_EN[d] for d in days)} at {_clock(at)}"
    return f"On the schedule {p.get('cron', '?')} (cron)"


def schedule_zh(p: dict[str, Any]) -> str:
    if "every_minutes" in p:
        minutes = int(p["every_minutes"])
        if minutes % 60 == 0:
            hours = minutes // 60
            return "每小时" if hours == 1 else f"每 {hours} 小时"
        return "每分钟" if minutes == 1 else f"每 {minutes} 分钟"
    if "at" in p:
        at, days = p["at"], _days(p["at"])
        if len(days) == 7:
            return f"每天 {_clock(at)}"
        if days == list(WEEKDAYS[:5]):
            return f"每个工作日 {_clock(at)}"
        if days == list(WEEKDAYS[5:]):
            return f"每个周末 {_clock(at)}"
        return f"每周{'、'.join(_DAY_ZH[d] for d in days)} {_clock(at)}"
    return f"按 cron 计划 {p.get('cron', '?')}"


__all__ = [
    "WATCH_EVENTS_DEFAULT",
    "WEEKDAYS",
    "app_start",
    "app_start_zh",
    "folder_watch",
    "folder_watch_zh",
    "manual",
    "manual_zh",
    "schedule",
    "schedule_zh",
]
