"""Your history and its key: list, show, search, export and import conversations; doctor,
backup, restore, recovery and the passphrase."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.cli import err
from app.core import history_io
from app.core.errors import ExitCode, KnownError, UsageError
from app.core.llm.saved_states import remove_all, usage
from app.core.secrets import (
    PASSPHRASE_ENV,
    RECOVERY_ENV,
    format_recovery_key,
    keyring_info,
    parse_recovery_key,
    terminal_asker,
)
from app.core.steward import (
    SECRET_NAMES,
    SecretStore,
    Steward,
)
from app.core.store.database import Database, connect, move_aside
from app.language import _t


def cmd_history(args: argparse.Namespace, steward: Steward) -> int:
    if args.history_command == "prune-cache":  # only files are deleted: no need to unlock
        return _prune_cache(steward, bool(args.json))
    db = steward.open_store()
    as_json = bool(getattr(args, "json", False))
    _HISTORY[args.history_command](db, args, as_json)
    return 0


def _json(value: object, **options: Any) -> str:
    return json.dumps(value, ensure_ascii=False, **options)


def _prune_cache(steward: Steward, as_json: bool) -> int:
    removed = remove_all(steward.paths.saved_states)
    if as_json:
        print(json.dumps({"removed_states": removed.states, "removed_bytes": removed.size}))
    else:
        print(
            _t(
                "Removed {0} saved conversation state(s), {1:.1f} MB. Conversations are "
                "read again on their next answer, and their states saved anew."
            ).format(removed.states, removed.size / 2**20)
        )
    return 0


def _history_list(db: Database, args: argparse.Namespace, as_json: bool) -> None:
    convs = db.conversations(limit=args.limit)
    if as_json:
        print(_json([conv.to_dict() for conv in convs]))
        return
    for conv in convs:
        print(f"{conv.id}  {conv.updated[:16].replace('T', ' ')}  {conv.title}")
    if not convs:
        err(_t("No conversations yet."))


def _history_show(db: Database, args: argparse.Namespace, as_json: bool) -> None:
    conv = db.find_conversation(args.id)
    if as_json:
        print(_json(history_io.export_json(db, conv)))
        return
    print(f"# {conv.title}  ({conv.id})")
    for m in db.messages(conv.id):
        tag = f"[{m.role}" + (f" · {m.backend} · {m.model}" if m.role == "assistant" else "")
        tag += "" if m.status == "complete" else f" · {m.status}"
        print(f"\n{tag}]\n{m.content}")


def _history_search(db: Database, args: argparse.Namespace, as_json: bool) -> None:
    if not args.query.strip():
        raise UsageError(_t("The search query is empty."))
    hits = db.search(args.query, limit=args.limit)
    if as_json:
        print(_json([h.to_dict() for h in hits]))
        return
    for h in hits:
        print(f"{h.conversation_id}  {h.role:9}  {h.conversation_title}: {h.snippet}")
    if not hits:
        err(_t("No messages match."))


def _history_export(db: Database, args: argparse.Namespace, as_json: bool) -> None:
    conv = db.find_conversation(args.id)
    text = (
        _json(history_io.export_json(db, conv), indent=2)
        if args.format == "json" or as_json
        else history_io.export_markdown(db, conv)
    )
    if args.output:
        history_io.write_private(Path(args.output), text + "\n")
        err(_t("Exported to {0}.").format(args.output))
    else:
        print(text)


def _history_import(db: Database, args: argparse.Namespace, as_json: bool) -> None:
    convs = history_io.import_file(db, Path(args.file))
    if as_json:
        print(_json([conv.to_dict() for conv in convs]))
    else:
        print(_t("Imported {0} conversation(s).").format(len(convs)))


def _history_delete(db: Database, args: argparse.Namespace, as_json: bool) -> None:
    conv = db.find_conversation(args.id)
    db.delete_conversation(conv.id)
    if as_json:
        print(json.dumps({"deleted": conv.id}))
    else:
        print(_t("Deleted {0} ({1}).").format(conv.id, conv.title))


_HISTORY: dict[str, Callable[[Database, argparse.Namespace, bool], None]] = {
    "list": _history_list,
    "show": _history_show,
    "search": _history_search,
    "export": _history_export,
    "import": _history_import,
    "delete": _history_delete,
}


def cmd_doctor(args: argparse.Namespace, steward: Steward) -> int:
    checks: list[dict[str, Any]] = []

    def check(name: str, ok: bool, detail: str) -> None:
        checks.append({"check": name, "ok": ok, "detail": detail})

    p = steward.paths
    check("folders", True, f"data {p.data}, config {p.config}, logs {p.logs}")
    info = keyring_info()
    meta = steward.keys.meta()
    storage: str = meta.key_storage if meta else "not created yet"
    can_ask = bool(os.environ.get(PASSPHRASE_ENV)) or sys.stdin.isatty()
    if info.usable or (meta is not None and meta.key_storage == "passphrase"):
        keyring_ok = True
    else:  # nothing created yet: the passphrase path works if someone can give one
        keyring_ok = meta is None and can_ask
        storage = (
            "a passphrase (no usable keyring)"
            if keyring_ok
            else (f"nowhere: no usable keyring and no passphrase; set {PASSPHRASE_ENV}")
        )
    check(
        "keyring",
        keyring_ok,
        f"backend {info.backend} ({'usable' if info.usable else 'not usable'}); "
        f"key kept in: {storage}",
    )
    if meta is None and not p.database.exists():
        check("database", True, f"{p.database} will be created on first use")
    else:
        try:
            db = steward.open_store(check=False)
            verdict = db.quick_check()
            check(
                "database",
                verdict == "ok",
                f"{p.database}: quick_check {verdict}, "
                f"{db.count('conversations')} conversations, {db.count('messages')} messages",
            )
        except KnownError as exc:
            check("database", False, exc.user_text())
    limit = steward.settings.saved_states_mb
    check(
        "resume",
        True,
        f"{usage(p.saved_states).describe(limit)} in {p.saved_states}"
        if limit
        else "off: no conversation state is saved (saved_states_mb is 0)",
    )
    try:
        engine = steward.engine(args.model)
        try:
            loaded = engine.load_sync()
            check(
                "model",
                True,
                f"{loaded.ref.path} loads in {loaded.load_seconds:.2f} s "
                f"({loaded.description}, context {loaded.n_ctx})",
            )
        finally:
            engine.close()
    except KnownError as exc:
        check("model", False, exc.user_text())
    cloud = steward.settings.cloud
    check(
        "cloud",
        True,
        f"on: {cloud.base_url}, model {cloud.model}, policy {cloud.policy}"
        f"{', redaction on' if cloud.redact else ''} (not contacted; `steward cloud test`)"
        if cloud.enabled
        else "off (nothing leaves this machine)",
    )
    if args.json:
        print(json.dumps({"ok": all(c["ok"] for c in checks), "checks": checks}))
    else:
        for c in checks:
            print(f"{'ok ' if c['ok'] else 'BAD'}  {c['check']:9} {c['detail']}")
    return 0 if all(c["ok"] for c in checks) else ExitCode.DOCTOR_PROBLEM


def _read_recovery_key(prompt: str) -> bytes:
    text = os.environ.get(RECOVERY_ENV)
    if not text:
        if not sys.stdin.isatty():
            raise UsageError(
                _t("Give the recovery key in {0} or run in a terminal.").format(RECOVERY_ENV)
            )
        text = getpass.getpass(prompt)
    return parse_recovery_key(text)


def cmd_backup(args: argparse.Namespace, steward: Steward) -> int:
    dest, count = steward.backup(Path(args.file).expanduser().resolve() if args.file else None)
    print(
        _t("Backed up {0} messages to {1} (encrypted; verified by reopening it).").format(
            count, dest
        )
    )
    return 0


def cmd_restore(args: argparse.Namespace, steward: Steward) -> int:
    source = Path(args.file).expanduser().resolve()
    if not source.is_file():
        raise UsageError(_t("The backup {0} does not exist.").format(source))
    key = _read_recovery_key("Recovery key of the backup: ")
    conn = connect(source, key)  # WrongKeyError if it does not open; nothing changed yet
    try:
        if [r[0] for r in conn.execute("PRAGMA quick_check")] != ["ok"]:
            raise KnownError(_t("The backup {0} is damaged; nothing was changed.").format(source))
        count = int(conn.execute("SELECT count(*) FROM messages").fetchone()[0])
    finally:
        conn.close()
    steward.close()
    paths = steward.paths
    kept = None
    if paths.database.exists():
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        kept = move_aside(paths.database, paths.backups / f"replaced-{stamp}")
    tmp = paths.database.with_name(paths.database.name + ".restoring")
    tmp.write_bytes(source.read_bytes())
    os.replace(tmp, paths.database)
    steward.keys.adopt(key)
    print(_t("Restored {0} messages from {1}.").format(count, source))
    if kept:
        print(_t("The database it replaced was kept, unchanged, in {0}.").format(kept.parent))
    return 0


def cmd_recover(args: argparse.Namespace, steward: Steward) -> int:
    key = _read_recovery_key("Recovery key: ")
    conn = connect(steward.paths.database, key)
    conn.close()
    meta = steward.keys.adopt(key)
    print(_t("Unlocked. The key is now kept in the {0}.").format(meta.key_storage))
    return 0


def cmd_recovery_key(args: argparse.Namespace, steward: Steward) -> int:
    steward.open_store(check=False)
    assert steward.key is not None
    print(format_recovery_key(steward.key))
    return 0


def cmd_passphrase(args: argparse.Namespace, steward: Steward) -> int:
    steward.open_store(check=False)
    assert steward.key is not None
    if args.action == "set":
        phrase = terminal_asker(True)
        if not phrase:
            raise UsageError(_t("Give the new passphrase in a terminal or STEWARD_PASSPHRASE."))
        steward.keys.set_passphrase(steward.key, phrase)
        SecretStore(steward).relocate(SECRET_NAMES)  # the API key moves with the database key
        print(_t("A passphrase is now required to unlock Steward."))
    else:
        steward.keys.use_keyring(steward.key)
        SecretStore(steward).relocate(SECRET_NAMES)
        print(_t("The key is kept in the keyring again; no passphrase is required."))
    return 0


__all__ = [
    "cmd_backup",
    "cmd_doctor",
    "cmd_history",
    "cmd_passphrase",
    "cmd_recover",
    "cmd_recovery_key",
    "cmd_restore",
]
