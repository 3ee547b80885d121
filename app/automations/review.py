"""What the user reviews before approving a drafted workflow: its trigger in plain words, its
steps as sentences (references as "the result of step 1", a condition as "only if step 2 finds
'down'"), and the permissions approving grants, the dangerous ones marked. The card, the
panel and the terminal all say a workflow this way."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from app.automations import conditions, zh
from app.automations.api import NEEDS_APPROVAL, Action, Describe
from app.automations.plugins import Registry
from app.automations.workflow import REFERENCE

if TYPE_CHECKING:
    from app.automations.planner import Plan

WATCH_EVENTS_DEFAULT = ("created", "modified")
Language = Literal["en", "zh"]


def language_of(text: str) -> Language:
    """The language a review of a draft from ``text`` is written in."""
    return "zh" if zh.written_in_chinese(text) else "en"


def _described(
    describe: Describe | None, translations: Mapping[str, Describe], language: str, params: Any
) -> str:
    for say in (translations.get(language), describe):
        if say is None:
            continue
        try:
            return say(dict(params))
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
    return ""


def when_in_words(trigger: Mapping[str, Any], registry: Registry, language: Language = "en") -> str:
    """A trigger (document form) in plain words, as the trigger describes itself: "Every
    weekday at 08:00". The card, the panel and the terminal all say it this way."""
    kind = str(trigger.get("type"))
    found = registry.triggers.get(kind)
    if found is None:
        return kind
    params = {k: v for k, v in trigger.items() if k != "type"}
    return _described(found.describe, found.describe_in, language, params) or found.title


# what the card says around the steps, by language
WORDS: dict[str, dict[str, str]] = {
    "en": {
        "files.read": "read files in {scope}",
        "files.write": "change files in {scope}",
        "network": "connect to {scope}",
        "process.run": "run the program {scope}",
        "clipboard": "use the clipboard",
        "notify": "show notifications",
        "model": "use the local model",
        "mcp": "use the tools of the MCP server {scope}",
        "only_if": "Only if step {number} finds {text}: {what}",
        "for_each": "For each file of {items}: {what}",
        "ref steps.": "[the result of step {number}]",
        "ref item": "[each listed file]",
        "ref trigger.path": "[the new file]",
        "ref trigger.name": "[the new file's name]",
        "ref trigger.text": "[the text from the chat]",
        "ref run.date": "[today's date]",
        "ref run.time": "[the time]",
        "draft": "Draft: “{name}”",
        "when": "When",
        "steps": "Steps",
        "permissions": "Permissions it asks for",
        "dangerous": " (! = changes files, uses the network or runs a program)",
        ": ": ": ",
        "question": "Question",
        "refusal": "Can't do that",
        "you asked": "You asked",
        "draft workflow": "Draft workflow",
        "saved workflow": "Saved workflow",
        "approving grants": "Permissions approving grants",
        "was granted": "Permissions it was granted",
    },
    "zh": {
        "files.read": "读取 {scope} 里的文件",
        "files.write": "修改 {scope} 里的文件",
        "network": "连接 {scope}",
        "process.run": "运行程序 {scope}",
        "clipboard": "使用剪贴板",
        "notify": "显示通知",
        "model": "使用本地模型",
        "mcp": "使用 MCP 服务器 {scope} 的工具",
        "only_if": "仅当第 {number} 步找到 {text} 时：{what}",
        "for_each": "对 {items} 中的每个文件：{what}",
        "ref steps.": "[第 {number} 步的结果]",
        "ref item": "[列出的每个文件]",
        "ref trigger.path": "[新文件]",
        "ref trigger.name": "[新文件的名称]",
        "ref trigger.text": "[聊天中的文字]",
        "ref run.date": "[今天的日期]",
        "ref run.time": "[当时的时间]",
        "draft": "草稿：“{name}”",
        "when": "何时",
        "steps": "步骤",
        "permissions": "需要的权限",
        "dangerous": "（! = 修改文件、使用网络或运行程序）",
        ": ": "：",
        "question": "问题",
        "refusal": "无法做到",
        "you asked": "你的请求",
        "draft workflow": "工作流草稿",
        "saved workflow": "已保存的工作流",
        "approving grants": "批准后授予的权限",
        "was granted": "已授予的权限",
    },
}


@dataclass(frozen=True)
class ReviewStep:
    number: int
    action: str
    title: str
    what: str  # one line: what the step does with these parameters
    params: dict[str, Any]
    for_each: str | None = None


@dataclass(frozen=True)
class ReviewPermission:
    kind: str
    scope: str
    words: str
    dangerous: bool  # changes files, reaches the network or runs a program


@dataclass(frozen=True)
class Review:
    """A draft as the user reads it before approving: what starts it, each step, and
    exactly the permissions approving grants (the document's, nothing else)."""

    name: str
    when: str
    steps: tuple[ReviewStep, ...]
    permissions: tuple[ReviewPermission, ...]
    language: Language = "en"

    @property
    def dangerous(self) -> bool:
        return any(p.dangerous for p in self.permissions)

    def word(self, key: str) -> str:
        """A label of the card ("When", "Steps", …) in the card's language."""
        return WORDS[self.language][key]


def _in_words(text: str, numbers: Mapping[str, int], words: Mapping[str, str]) -> str:
    """References as a person reads them: "the result of step 1", "each listed file"."""

    def word(match: re.Match[str]) -> str:
        ref = match.group(1)
        parts = ref.split(".")
        if parts[0] == "steps" and len(parts) > 1 and parts[1] in numbers:
            return words["ref steps."].format(number=numbers[parts[1]])
        return words.get(f"ref {ref}", match.group(0))

    return REFERENCE.sub(word, text)


def _step_line(
    step: Mapping[str, Any],
    action: Action | None,
    steps: list[Mapping[str, Any]],
    numbers: Mapping[str, int],
    registry: Registry,
    language: Language,
) -> str:
    words = WORDS[language]
    params = dict(step.get("params", {}))
    what = ""
    if action is not None:
        what = _described(action.describe, action.describe_in, language, params)
    if not what:
        shown = ", ".join(f"{k}: {str(v)[:80]}" for k, v in params.items())
        what = f"{action.title if action else step.get('action')} ({shown})"
    gate = conditions.gated_by(step, steps, registry)
    if gate is not None:
        what = words["only_if"].format(number=numbers[gate[0]], text=repr(gate[1]), what=what)
    elif step.get("for_each"):
        what = words["for_each"].format(items=step["for_each"], what=what)
    return _in_words(what, numbers, words)


def review(document: Mapping[str, Any], registry: Registry, language: Language = "en") -> Review:
    """The card for ``document``, written in ``language`` (that of the request it was
    drafted from; actions without words in it are described in English)."""
    all_steps = list(document.get("steps", []))
    numbers = {str(s.get("id")): n for n, s in enumerate(all_steps, 1)}
    steps = []
    for n, step in enumerate(all_steps, 1):
        action = registry.actions.get(step.get("action", ""))
        steps.append(
            ReviewStep(
                n,
                str(step.get("action")),
                action.title if action else str(step.get("action")),
                _step_line(step, action, all_steps, numbers, registry, language),
                dict(step.get("params", {})),
                step.get("for_each"),
            )
        )
    permissions = []
    for item in document.get("permissions", []):
        kind, scope = str(item.get("kind")), str(item.get("scope", ""))
        words = WORDS[language].get(kind, kind).format(scope=scope)
        permissions.append(ReviewPermission(kind, scope, words, kind in NEEDS_APPROVAL))
    return Review(
        str(document.get("name", "")),
        when_in_words(document.get("trigger", {}), registry, language),
        tuple(steps),
        tuple(permissions),
        language,
    )


def review_text(result: Plan, registry: Registry) -> str:
    """A plan as plain text (the CLI prints this), in the language of its request."""
    language = result.language
    if result.kind != "workflow" or result.workflow is None:
        label = WORDS[language]["question" if result.kind == "question" else "refusal"]
        return f"{label}{WORDS[language][': ']}{result.text}"
    card = review(result.workflow, registry, language)
    colon = card.word(": ")
    lines = [card.word("draft").format(name=card.name), f"  {card.word('when')}{colon}{card.when}"]
    lines.append(f"  {card.word('steps')}{colon.rstrip()}")
    lines += [f"    {s.number}. {s.what}" for s in card.steps]
    lines.append(f"  {card.word('permissions')}{card.word('dangerous')}{colon.rstrip()}")
    lines += [f"    {'!' if p.dangerous else '-'} {p.words}" for p in card.permissions]
    return "\n".join(lines)


__all__ = [
    "WATCH_EVENTS_DEFAULT",
    "WORDS",
    "Language",
    "Review",
    "ReviewPermission",
    "ReviewStep",
    "language_of",
    "review",
    "review_text",
    "when_in_words",
]
