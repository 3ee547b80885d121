"""Exporting conversations, and importing Steward's JSON export or a ChatGPT export."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple, cast

from app.core.errors import UsageError
from app.core.store.database import Database, new_id, now
from app.core.store.models import Backend, Conversation, Message, Role, Status
from app.language import _t

STEWARD_FORMAT = "steward-conversation"
FORMAT_VERSION = 1
MAX_IMPORT_BYTES = 512 * 1024 * 1024


class _Row(NamedTuple):
    role: Role
    content: str
    created: str
    model: str
    backend: Backend
    status: Status


def export_json(db: Database, conv: Conversation) -> dict[str, Any]:
    return {
        "format": STEWARD_FORMAT,
        "version": FORMAT_VERSION,
        "conversation": conv.to_dict(),
        "messages": [m.to_dict() for m in db.messages(conv.id)],
    }


def export_markdown(db: Database, conv: Conversation) -> str:
    lines = [f"# {conv.title}", "", f"_Started {conv.created[:19].replace('T', ' ')} UTC_", ""]
    for m in db.messages(conv.id):
        who = {"user": "You", "assistant": "Steward", "system": "System"}[m.role]
        meta = f" ({m.backend}, {m.model})" if m.role == "assistant" and m.model else ""
        flag = "" if m.status == "complete" else f" — {m.status}"
        lines += [f"## {who}{meta}{flag}", "", m.content, ""]
    return "\n".join(lines)


def _stamp(value: Any) -> str:
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), UTC).isoformat(timespec="microseconds")
    return str(value) if value else now()


def _chatgpt_messages(conv: dict[str, Any]) -> list[tuple[Role, str, str, str]]:
    """(role, text, created, model) along the conversation's current branch."""
    mapping = conv.get("mapping")
    if not isinstance(mapping, dict):
        raise UsageError(_t("A ChatGPT conversation has no 'mapping'."))
    node_id = conv.get("current_node")
    chain: list[dict[str, Any]] = []
    seen: set[str] = set()
    while isinstance(node_id, str) and node_id in mapping and node_id not in seen:
        seen.add(node_id)
        node = mapping[node_id]
        chain.append(node)
        node_id = node.get("parent")
    if not chain:  # no current_node: follow first children from the root
        roots = [n for n in mapping.values() if not n.get("parent")]
        node = roots[0] if roots else None
        while node is not None:
            chain.insert(0, node)
            kids = node.get("children") or []
            node = mapping.get(kids[0]) if kids else None
        chain.reverse()
    out: list[tuple[Role, str, str, str]] = []
    for node in reversed(chain):
        msg = node.get("message") or {}
        role = (msg.get("author") or {}).get("role")
        content = msg.get("content") or {}
        parts = content.get("parts") or []
        text = "\n".join(p for p in parts if isinstance(p, str)).strip()
        if role not in ("user", "assistant") or not text:
            continue
        model = str((msg.get("metadata") or {}).get("model_slug") or "chatgpt")
        out.append((cast(Role, role), text, _stamp(msg.get("create_time")), model))
    return out


def _parse(raw: Any) -> list[tuple[Conversation, list[_Row]]]:
    items = raw if isinstance(raw, list) else [raw]
    parsed = []
    for item in items:
        if not isinstance(item, dict):
            raise UsageError(_t("The import file holds something that is not a conversation."))
        if item.get("format") == STEWARD_FORMAT:
            c = item.get("conversation") or {}
            conv = Conversation(
                new_id(),
                str(c.get("title") or "Imported conversation"),
                str(c.get("created") or now()),
                str(c.get("updated") or now()),
                str(c.get("model") or ""),
            )
            msgs: list[_Row] = []
            for m in item.get("messages") or []:
                role = m.get("role")
                if role not in ("user", "assistant", "system") or not isinstance(
                    m.get("content"), str
                ):
                    raise UsageError(
                        _t("A message in the Steward export has no valid role or content.")
                    )
                backend: Backend = "cloud" if m.get("backend") == "cloud" else "local"
                status: Status = (
                    m["status"] if m.get("status") in ("partial", "error", "length") else "complete"
                )
                msgs.append(
                    _Row(
                        role,
                        m["content"],
                        str(m.get("created") or now()),
                        str(m.get("model") or ""),
                        backend,
                        status,
                    )
                )
        elif "mapping" in item:
            conv = Conversation(
                new_id(),
                str(item.get("title") or "Imported from ChatGPT"),
                _stamp(item.get("create_time")),
                _stamp(item.get("update_time") or item.get("create_time")),
                "chatgpt",
            )
            msgs = [
                _Row(r, t, c, mdl, "cloud", "complete") for r, t, c, mdl in _chatgpt_messages(item)
            ]
        else:
            raise UsageError(
                _t("The file is neither a Steward export nor a ChatGPT conversations.json export.")
            )
        parsed.append((conv, msgs))
    return parsed


def write_private(path: Path, text: str) -> None:
    """Write an export only its owner can read (0600, also when replacing a file)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)
        handle.write(text)


def import_file(db: Database, path: Path) -> list[Conversation]:
    """Import every conversation in ``path`` in one transaction (all or nothing)."""
    try:
        if path.stat().st_size > MAX_IMPORT_BYTES:
            raise UsageError(
                _t("{0} is larger than {1} MB.").format(path, MAX_IMPORT_BYTES // 2**20)
            )
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise UsageError(_t("The file {0} does not exist.").format(path)) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(_t("{0} is not a JSON file: {1}.").format(path, exc)) from exc
    try:
        parsed = _parse(raw)
    except (AttributeError, TypeError, KeyError, ValueError) as exc:
        # a field of the wrong kind somewhere (a list where a conversation should be, …)
        raise UsageError(
            _t(
                "{0} is not a valid Steward or ChatGPT export ({1} while reading it); "
                "nothing was imported."
            ).format(path.name, type(exc).__name__)
        ) from exc
    with db.transaction():
        for conv, msgs in parsed:
            db.insert_conversation(conv)
            db.insert_messages(
                [
                    Message(
                        new_id(),
                        conv.id,
                        seq,
                        *row[:2],
                        row.created,
                        row.model,
                        row.backend,
                        row.status,
                    )
                    for seq, row in enumerate(msgs, 1)
                ]
            )
    return [conv for conv, _ in parsed]
