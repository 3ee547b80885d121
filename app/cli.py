"""Steward's headless commands.

Exit status: 0 ok, 1 a bug (crash report written), 2 usage error, 3 a problem the user can
fix (one clear line on stderr), 4 ``doctor`` found a problem, 5 an automation run failed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import getpass
import io
import json
import os
import signal
import stat
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from app import __version__
from app.core import history_io
from app.core.assistant import (
    BackendChoice,
    ConsentAnswer,
    ConsentRequest,
    Finished,
    Routed,
    Started,
    Token,
    Trimmed,
)
from app.core.errors import ExitCode, KnownError, LockedError, ModelError, UsageError
from app.core.llm.cloud import validate_base_url
from app.core.llm.engine import SamplingParams
from app.core.logs import setup_logging, write_crash_report
from app.core.paths import Paths, resolve_paths
from app.core.secrets import (
    PASSPHRASE_ENV,
    RECOVERY_ENV,
    KeyManager,
    format_recovery_key,
    keyring_info,
    parse_recovery_key,
    terminal_asker,
)
from app.core.settings import SETTING_KEYS, apply_setting
from app.core.steward import (
    CLOUD_KEY,
    SecretStore,
    Steward,
    check_cloud_endpoint,
    cloud_endpoint,
)
from app.core.store.database import connect, move_aside
from app.session import Drafted, Failed, Proposed, Session

if TYPE_CHECKING:
    from app.automations.planner import Plan


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(ExitCode.USAGE, f"steward: {message} (see `steward --help`)\n")


def _err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _show_recovery_key(key: str) -> None:
    _err(
        "\nSteward created your encrypted database.\n"
        "Recovery key — write it down and keep it safe; it opens your history on its own\n"
        "if the keyring is lost or you move to a new machine (it is shown only now; see\n"
        "`steward recovery-key` later):\n\n"
        f"    {key}\n"
    )


def build_parser() -> Parser:
    p = Parser(
        prog="steward",
        description="Steward: a private, local-first assistant. Without a command it opens the "
        "desktop app, or hands the request to the Steward already running for this data folder.",
        epilog="The terminal chat is `steward chat`.",
    )
    p.add_argument("--version", action="version", version=f"Steward {__version__}")
    p.add_argument("--model", metavar="PATH", help="use this GGUF model file")
    p.add_argument("-v", "--verbose", action="store_true", help="detailed log file")
    p.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation (model, encrypted database, a sample workflow, the "
        "keyring) on temporary files, then exit; your data is not touched",
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument("--quick", action="store_true", help="open the quick prompt")
    which.add_argument("--ask", metavar="PROMPT", help="open the quick prompt and ask PROMPT")
    which.add_argument("--quit", action="store_true", help="end the running Steward cleanly")
    which.add_argument(
        "--minimized",
        action="store_true",
        help="start in the tray without opening the window (used at login)",
    )
    p.add_argument(
        "--no-model",
        action="store_true",
        help="start the desktop app without loading the local model (history, search and, if "
        "switched on, the cloud still work)",
    )
    sub = p.add_subparsers(dest="command", parser_class=Parser)

    def model_option(sp: argparse.ArgumentParser) -> None:
        # SUPPRESS: `steward --model X ask …` and `steward ask --model X …` both work
        sp.add_argument(
            "--model", metavar="PATH", default=argparse.SUPPRESS, help="use this GGUF model file"
        )

    def sampling(sp: argparse.ArgumentParser) -> None:
        model_option(sp)
        sp.add_argument(
            "--backend",
            choices=["auto", "local", "cloud"],
            help="where to answer (default: the cloud policy, else local)",
        )
        sp.add_argument(
            "--allow-cloud",
            action="store_true",
            help="consent to escalating to the cloud when the local model cannot answer",
        )
        sp.add_argument("--temperature", type=float)
        sp.add_argument("--top-p", type=float)
        sp.add_argument("--max-tokens", type=int)
        sp.add_argument("--seed", type=int)

    ask = sub.add_parser(
        "ask",
        help="answer one prompt, streamed to stdout (text piped in comes first, as context)",
    )
    ask.add_argument("prompt", nargs="?", default="")
    ask.add_argument("--conversation", metavar="ID", help="continue this conversation")
    ask.add_argument("--json", action="store_true", help="print one JSON object at the end")
    sampling(ask)

    chat = sub.add_parser("chat", help="interactive chat in the terminal")
    chat.add_argument("--conversation", metavar="ID", help="continue this conversation")
    sampling(chat)

    hist = sub.add_parser("history", help="stored conversations")
    hsub = hist.add_subparsers(dest="history_command", required=True, parser_class=Parser)
    h = hsub.add_parser("list", help="conversations, newest first")
    h.add_argument("--limit", type=int, default=50)
    h.add_argument("--json", action="store_true")
    h = hsub.add_parser("show", help="one conversation's messages")
    h.add_argument("id")
    h.add_argument("--json", action="store_true")
    h = hsub.add_parser("search", help="full-text search over all messages")
    h.add_argument("query")
    h.add_argument("--limit", type=int, default=20)
    h.add_argument("--json", action="store_true")
    h = hsub.add_parser("export", help="write a conversation as Markdown or JSON")
    h.add_argument("id")
    h.add_argument("--format", choices=["md", "json"], default="md")
    h.add_argument("--json", action="store_true", help="same as --format json")
    h.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    h = hsub.add_parser("import", help="import a Steward JSON export or ChatGPT conversations.json")
    h.add_argument("file")
    h.add_argument("--json", action="store_true")
    h = hsub.add_parser("delete", help="delete a conversation")
    h.add_argument("id")
    h.add_argument("--json", action="store_true")

    d = sub.add_parser("doctor", help="check model, keyring, database and folders")
    d.add_argument("--json", action="store_true")
    model_option(d)

    b = sub.add_parser("backup", help="write an encrypted, verified copy of the database")
    b.add_argument("file", nargs="?", help="destination (default: the backups folder)")
    r = sub.add_parser("restore", help="replace the database with a backup")
    r.add_argument("file")
    sub.add_parser("recover", help="unlock with the recovery key after losing the keyring")
    sub.add_parser("recovery-key", help="show the recovery key (after unlocking)")
    pw = sub.add_parser("passphrase", help="require a passphrase, or go back to the keyring")
    pw.add_argument("action", choices=["set", "remove"])

    cl = sub.add_parser("cloud", help="the optional cloud fallback (off by default)")
    csub = cl.add_subparsers(dest="cloud_command", required=True, parser_class=Parser)
    c = csub.add_parser(
        "set",
        help="set the endpoint and switch the cloud on; the API key "
        "comes from STEWARD_CLOUD_API_KEY or standard input",
    )
    c.add_argument("--base-url", required=True, help="e.g. https://api.openai.com/v1")
    c.add_argument("--model", required=True, help="the model name the endpoint expects")
    c.add_argument("--policy", choices=["auto", "local", "cloud"], default="auto")
    c.add_argument(
        "--redact",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="replace e-mail addresses, phone numbers and home paths before sending",
    )
    c.add_argument("--no-key", action="store_true", help="the endpoint needs no API key")
    c = csub.add_parser("show", help="the cloud settings (never the key)")
    c.add_argument("--json", action="store_true")
    csub.add_parser("test", help="send a one-token request and report")
    csub.add_parser("off", help="switch the cloud off (the key stays stored)")

    st = sub.add_parser("settings", help="show or change settings")
    ssub = st.add_subparsers(dest="settings_command", required=True, parser_class=Parser)
    s = ssub.add_parser("show", help="every setting, for the active model")
    s.add_argument("--json", action="store_true")
    s = ssub.add_parser("set", help=f"change one setting: {', '.join(SETTING_KEYS)}")
    s.add_argument("key", choices=SETTING_KEYS, metavar="KEY")
    s.add_argument("value")
    s = ssub.add_parser("reset", help="the active model's parameters back to the defaults")

    from app.cli_automations import add_parsers

    add_parsers(sub, Parser)
    return p


# --- helpers ------------------------------------------------------------------------------


def _params(args: argparse.Namespace, steward: Steward) -> SamplingParams:
    model = steward.model(args.model)
    base = SamplingParams.from_settings(steward.model_settings(model))
    values = {
        "temperature": args.temperature if args.temperature is not None else base.temperature,
        "top_p": args.top_p if args.top_p is not None else base.top_p,
        "max_tokens": args.max_tokens if args.max_tokens is not None else base.max_tokens,
        "seed": args.seed if args.seed is not None else base.seed,
    }
    if not 0 <= values["temperature"] <= 5:
        raise UsageError("--temperature must be between 0 and 5.")
    if not 0 < values["top_p"] <= 1:
        raise UsageError("--top-p must be above 0 and at most 1.")
    if values["max_tokens"] < 1:
        raise UsageError("--max-tokens must be at least 1.")
    return SamplingParams(**values)


@contextlib.contextmanager
def _interrupt_sets(cancel: threading.Event) -> Iterator[None]:
    """While inside, Ctrl+C stops the current answer instead of the program."""
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGINT, cancel.set)
        installed = True
    except (NotImplementedError, RuntimeError):  # Windows: KeyboardInterrupt still ends it
        installed = False
    try:
        yield
    finally:
        if installed:
            loop.remove_signal_handler(signal.SIGINT)


async def _stream_answer(
    session: Session,
    text: str,
    conversation: str | None,
    params: SamplingParams,
    *,
    echo: bool,
    backend: BackendChoice | None = None,
    chat: Chat | None = None,
) -> tuple[Started | None, Finished | None, bool]:
    """One message through the session, printed as it streams. In `steward chat` (``chat``
    given) a request for an automation is drafted and offered for saving."""
    cancel = threading.Event()
    started = finished = None
    with _interrupt_sets(cancel):
        if text == CONTINUE_COMMAND and conversation is not None:
            assistant = session.assistant()
            events = session.take_turn(
                assistant.continue_answer(
                    conversation, params=params, cancel=cancel, backend=backend
                )
            )
        else:
            events = session.submit(
                text,
                conversation,
                params=params,
                cancel=cancel,
                backend=backend,
                draft=chat.draft if chat is not None else None,
                drafting=chat is not None,
            )
        async for event in events:
            if isinstance(event, Started):
                started = event
            elif isinstance(event, Routed):
                _err(f"({event.text()})")
            elif isinstance(event, Token) and echo:
                sys.stdout.write(event.text)
                sys.stdout.flush()
            elif isinstance(event, Trimmed):
                _err(
                    f"\n(note: {event.dropped_messages} earlier messages no longer fit the "
                    f"model's {event.n_ctx}-token context and were left out of this answer)"
                )
            elif isinstance(event, Finished):
                finished = event
            elif isinstance(event, Failed):
                raise event.error
            elif chat is not None and isinstance(event, Drafted | Proposed):
                await chat.offer(event)
    if finished is not None and finished.message.status == "length":
        _err(
            f"\n(stopped at the length limit of {params.max_tokens} tokens: /continue in "
            "`steward chat --conversation ID` goes on, or raise --max-tokens)"
        )
    return started, finished, cancel.is_set()


class Chat:
    """What `steward chat` keeps between messages: the open workflow draft, and the way it
    asks before saving a draft or running an action."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.draft: Plan | None = None

    async def _yes(self, question: str) -> bool:
        _err(question)
        try:
            reply = await asyncio.get_running_loop().run_in_executor(None, input, "[y/N] ")
        except EOFError:
            return False
        return reply.strip().lower()[:1] == "y"

    async def offer(self, event: Drafted | Proposed) -> None:
        from app.automations.planner import review_text
        from app.cli_automations import headless_services

        plan = event.plan
        registry = self.session.registry()
        print(("\n" if isinstance(event, Proposed) else "") + review_text(plan, registry))
        if plan.kind != "workflow" or plan.workflow is None:
            self.draft = plan if plan.kind == "question" else None
            return
        automations = self.session.automations(headless_services(self.session))
        if isinstance(event, Proposed):
            if await self._yes("Run this action now? Approving runs exactly the step shown."):
                run = await automations.run_document(plan.workflow)
                _err(f"(run {run.id[:8]}: {run.status}{' — ' + run.error if run.error else ''})")
            return
        self.draft = plan
        if not await self._yes(
            "Save and enable this workflow? Approving grants exactly the permissions listed. "
            "(Or say what to change.)"
        ):
            _err("(not saved; the draft stays open: describe a change, or go on chatting)")
            return
        store = self.session.assistant().store
        workflow = plan.workflow

        def save() -> tuple[str, str]:
            wf = automations.create(workflow, enabled=True)
            automations.history.approve(wf.id, wf.document)
            return wf.name, wf.id

        name, workflow_id = await store.call(save)
        self.draft = None
        _err(f"(saved “{name}” as {workflow_id[:8]}: enabled, approved as shown)")


# in `steward chat`: go on with an answer cut off at the length limit
CONTINUE_COMMAND = "/continue"


def _answer_json(started: Started, finished: Finished) -> dict[str, Any]:
    m, s = finished.message, finished.stats
    return {
        "conversation_id": started.conversation.id,
        "message_id": m.id,
        "content": m.content,
        "model": m.model,
        "backend": m.backend,
        "status": m.status,
        "usage": {"prompt_tokens": s.prompt_tokens, "completion_tokens": s.completion_tokens},
        "timings": {"ttft_ms": round(s.ttft_ms, 2), "tokens_per_s": round(s.tokens_per_s, 2)},
    }


# --- commands -----------------------------------------------------------------------------


async def _ask_consent(request: ConsentRequest) -> ConsentAnswer | None:
    """Ask in the terminal; None when there is no terminal to ask in."""
    if not sys.stdin.isatty():
        return None
    _err(
        f"\nThe local model cannot answer: {request.reason}.\n"
        f"Send “{request.title}” ({request.message_count} messages, {request.characters} "
        f"characters) to {request.host} (model {request.model})?\n{request.redaction_text()}"
    )
    loop = asyncio.get_running_loop()
    reply = await loop.run_in_executor(None, input, "[o] once  [c] for this conversation  [N] no: ")
    return {"o": "once", "c": "conversation"}.get(reply.strip().lower()[:1], "refuse")  # type: ignore[return-value]


async def _chat_session(args: argparse.Namespace, steward: Steward) -> Session:
    """The session for ask/chat: the local engine loaded (unless the cloud is chosen) and
    the cloud gate (if on). A missing model is the answer unless the cloud can take over."""
    session = Session(
        steward=steward, model=args.model, consent=_ask_consent, allow_cloud=args.allow_cloud
    )
    session.unlock()
    route = session.assistant().cloud
    cloud_only = route is not None and (
        args.backend == "cloud" or (args.backend is None and route.settings.policy == "cloud")
    )
    if not cloud_only:
        try:
            await session.load_engine()
        except ModelError:
            if route is None or args.backend == "local" or route.settings.policy == "local":
                await session.aclose()
                raise
    return session


def cmd_ask(args: argparse.Namespace, steward: Steward) -> int:
    params = _params(args, steward)  # bad arguments are reported before anything is created

    async def go() -> int:
        session = await _chat_session(args, steward)
        try:
            started, finished, stopped = await _stream_answer(
                session,
                args.prompt,
                args.conversation,
                params,
                echo=not args.json,
                backend=args.backend,
            )
        finally:
            await session.aclose()
        if args.json and started and finished:
            print(json.dumps(_answer_json(started, finished), ensure_ascii=False))
        elif not args.json:
            print()
        if stopped:
            _err("(stopped; the partial answer was saved)")
            return 130
        return 0

    return asyncio.run(go())


def cmd_chat(args: argparse.Namespace, steward: Steward) -> int:
    params = _params(args, steward)
    if isinstance(sys.stdin, io.TextIOWrapper):  # a line that is not UTF-8 is refused, not fatal
        sys.stdin.reconfigure(errors="surrogateescape")
    db = steward.open_store()
    conversation = db.find_conversation(args.conversation).id if args.conversation else None

    async def go() -> int:
        nonlocal conversation
        session = await _chat_session(args, steward)
        chat = Chat(session)
        engine, cloud = session.engine(), session.assistant().cloud
        where = (
            engine.model.name
            if engine is not None and session.local_error is None
            else f"cloud ({cloud.settings.model})"
            if cloud is not None
            else "none"
        )
        _err(
            f"Steward chat — model: {where}. Enter a message; Ctrl+C stops an answer; "
            "Ctrl+D or /quit leaves; /new starts a new conversation; /continue goes on with "
            "an answer cut off at the length limit. Ask for an automation (“every morning…”) "
            "and it is drafted for you to review."
        )
        loop = asyncio.get_running_loop()
        try:
            while True:
                try:
                    line = await loop.run_in_executor(None, input, "\nyou> ")
                except (EOFError, KeyboardInterrupt):
                    return 0
                if (where := not_utf8(line)) is not None:
                    _err(f"steward: that line is not valid UTF-8 text ({where}); not sent.")
                    if not sys.stdin.isatty():
                        return int(ExitCode.USAGE)  # a script's input is wrong: stop here
                    continue
                text = line.strip()
                if not text:
                    continue
                if text in ("/quit", "/exit"):
                    return 0
                if text == CONTINUE_COMMAND and conversation is None:
                    _err("(nothing to continue: no answer in this conversation yet)")
                    continue
                if text == "/new":
                    conversation, chat.draft = None, None
                    _err("(new conversation)")
                    continue
                sys.stdout.write("steward> ")
                try:
                    started, _, stopped = await _stream_answer(
                        session,
                        text,
                        conversation,
                        params,
                        echo=True,
                        backend=args.backend,
                        chat=chat,
                    )
                except KnownError as exc:
                    _err(f"\nsteward: {exc.user_text()}")
                    continue
                print()
                if started:
                    conversation = started.conversation.id
                if stopped:
                    _err("(stopped; the partial answer was saved)")
        finally:
            await session.aclose()

    return asyncio.run(go())


def cmd_history(args: argparse.Namespace, steward: Steward) -> int:
    db = steward.open_store()
    c = args.history_command
    as_json = getattr(args, "json", False)
    if c == "list":
        convs = db.conversations(limit=args.limit)
        if as_json:
            print(json.dumps([conv.to_dict() for conv in convs], ensure_ascii=False))
        for conv in [] if as_json else convs:
            print(f"{conv.id}  {conv.updated[:16].replace('T', ' ')}  {conv.title}")
        if not convs and not as_json:
            _err("No conversations yet.")
    elif c == "show":
        conv = db.find_conversation(args.id)
        msgs = db.messages(conv.id)
        if as_json:
            print(json.dumps(history_io.export_json(db, conv), ensure_ascii=False))
        else:
            print(f"# {conv.title}  ({conv.id})")
            for m in msgs:
                tag = f"[{m.role}" + (
                    f" · {m.backend} · {m.model}" if m.role == "assistant" else ""
                )
                tag += "" if m.status == "complete" else f" · {m.status}"
                print(f"\n{tag}]\n{m.content}")
    elif c == "search":
        if not args.query.strip():
            raise UsageError("The search query is empty.")
        hits = db.search(args.query, limit=args.limit)
        if as_json:
            print(json.dumps([h.to_dict() for h in hits], ensure_ascii=False))
        else:
            for h in hits:
                print(f"{h.conversation_id}  {h.role:9}  {h.conversation_title}: {h.snippet}")
            if not hits:
                _err("No messages match.")
    elif c == "export":
        conv = db.find_conversation(args.id)
        text = (
            json.dumps(history_io.export_json(db, conv), ensure_ascii=False, indent=2)
            if args.format == "json" or as_json
            else history_io.export_markdown(db, conv)
        )
        if args.output:
            history_io.write_private(Path(args.output), text + "\n")
            _err(f"Exported to {args.output}.")
        else:
            print(text)
    elif c == "import":
        convs = history_io.import_file(db, Path(args.file))
        if as_json:
            print(json.dumps([conv.to_dict() for conv in convs], ensure_ascii=False))
        else:
            print(f"Imported {len(convs)} conversation(s).")
    elif c == "delete":
        conv = db.find_conversation(args.id)
        db.delete_conversation(conv.id)
        if as_json:
            print(json.dumps({"deleted": conv.id}))
        else:
            print(f"Deleted {conv.id} ({conv.title}).")
    return 0


def cmd_doctor(args: argparse.Namespace, steward: Steward) -> int:
    checks: list[dict[str, Any]] = []

    def check(name: str, ok: bool, detail: str) -> None:
        checks.append({"check": name, "ok": ok, "detail": detail})

    p = steward.paths
    check("folders", True, f"data {p.data}, config {p.config}, logs {p.logs}")
    info = keyring_info()
    meta = steward.keys.meta()
    storage = meta.key_storage if meta else "not created yet"
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
            raise UsageError(f"Give the recovery key in {RECOVERY_ENV} or run in a terminal.")
        text = getpass.getpass(prompt)
    return parse_recovery_key(text)


def cmd_backup(args: argparse.Namespace, steward: Steward) -> int:
    dest, count = steward.backup(Path(args.file).expanduser().resolve() if args.file else None)
    print(f"Backed up {count} messages to {dest} (encrypted; verified by reopening it).")
    return 0


def cmd_restore(args: argparse.Namespace, steward: Steward) -> int:
    source = Path(args.file).expanduser().resolve()
    if not source.is_file():
        raise UsageError(f"The backup {source} does not exist.")
    key = _read_recovery_key("Recovery key of the backup: ")
    conn = connect(source, key)  # WrongKeyError if it does not open; nothing changed yet
    try:
        if [r[0] for r in conn.execute("PRAGMA quick_check")] != ["ok"]:
            raise KnownError(f"The backup {source} is damaged; nothing was changed.")
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
    print(f"Restored {count} messages from {source}.")
    if kept:
        print(f"The database it replaced was kept, unchanged, in {kept.parent}.")
    return 0


def cmd_recover(args: argparse.Namespace, steward: Steward) -> int:
    key = _read_recovery_key("Recovery key: ")
    conn = connect(steward.paths.database, key)
    conn.close()
    meta = steward.keys.adopt(key)
    print(f"Unlocked. The key is now kept in the {meta.key_storage}.")
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
            raise UsageError("Give the new passphrase in a terminal or STEWARD_PASSPHRASE.")
        steward.keys.set_passphrase(steward.key, phrase)
        SecretStore(steward).relocate((CLOUD_KEY,))  # the API key moves with the database key
        print("A passphrase is now required to unlock Steward.")
    else:
        steward.keys.use_keyring(steward.key)
        SecretStore(steward).relocate((CLOUD_KEY,))
        print("The key is kept in the keyring again; no passphrase is required.")
    return 0


def _read_api_key() -> str:
    if key := os.environ.get("STEWARD_CLOUD_API_KEY"):
        return key.strip()
    if sys.stdin.isatty():
        return getpass.getpass("API key (input hidden; empty if the endpoint needs none): ").strip()
    return sys.stdin.read().strip()


def cmd_cloud(args: argparse.Namespace, steward: Steward) -> int:
    cloud = steward.settings.cloud
    secrets_ = SecretStore(steward)
    if args.cloud_command == "set":
        cloud.base_url = validate_base_url(args.base_url)
        if not args.model.strip():
            raise UsageError("--model must name the model the endpoint expects.")
        cloud.model = args.model.strip()
        cloud.policy = args.policy
        if args.redact is not None:
            cloud.redact = args.redact
        key = "" if args.no_key else _read_api_key()
        secrets_.set(CLOUD_KEY, key or None)
        cloud.enabled = True
        steward.settings_store.save(steward.settings)
        print(
            f"Cloud fallback on: {cloud.base_url}, model {cloud.model}, policy {cloud.policy}"
            f"{', redaction on' if cloud.redact else ''}; API key "
            f"{'stored' if key else 'not needed'}."
        )
        return 0
    if args.cloud_command == "off":
        cloud.enabled = False
        steward.settings_store.save(steward.settings)
        print("Cloud fallback off: nothing will be sent anywhere.")
        return 0
    if args.cloud_command == "show":
        info = {
            "enabled": cloud.enabled,
            "base_url": cloud.base_url,
            "model": cloud.model,
            "policy": cloud.policy,
            "redact": cloud.redact,
            "api_key": "stored" if secrets_.get(CLOUD_KEY) else "none",
        }
        if args.json:
            print(json.dumps(info))
        else:
            for name, value in info.items():
                print(f"{name:9} {value}")
        return 0
    # test
    if not cloud.base_url:
        raise UsageError("No cloud endpoint is set; use `steward cloud set` first.")
    ms = asyncio.run(
        check_cloud_endpoint(
            cloud, secrets_.get(CLOUD_KEY) or "", lambda routed: _err(f"({routed.text()})")
        )
    )
    host = cloud_endpoint(cloud, "").host
    print(f"OK: {host} answered with model {cloud.model} in {ms:.0f} ms.")
    return 0


def cmd_settings(args: argparse.Namespace, steward: Steward) -> int:
    settings = steward.settings
    if args.settings_command == "set":
        apply_setting(settings, args.key, args.value)
        steward.settings_store.save(settings)
    elif args.settings_command == "reset":
        settings.models.pop(settings.model_id(), None)
        steward.settings_store.save(settings)
    model = steward.model()
    values: dict[str, Any] = {
        "model_path": settings.model_path,
        "model": f"{model.name} ({model.path})",
        "state_cache_entries": settings.state_cache_entries,
        "backups_kept": settings.backups_kept,
        "appearance": settings.appearance,
        **dataclasses.asdict(settings.model_settings(model.id)),
    }
    if getattr(args, "json", False):
        print(json.dumps(values, ensure_ascii=False))
    else:
        for name, value in values.items():
            print(f"{name:20} {value}")
    return 0


DESKTOP_OPTIONS = ("quick", "ask", "quit", "minimized", "no_model")


def _no_display() -> bool:
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def cmd_desktop(args: argparse.Namespace, steward: Steward) -> int:
    steward.close()  # the desktop app opens its own session (it may ask for a passphrase)
    if args.ask is not None and not args.ask.strip():
        raise UsageError("--ask needs a prompt.")
    if _no_display():
        raise UsageError(
            "There is no display to open the Steward window on (neither DISPLAY nor "
            "WAYLAND_DISPLAY is set).",
            hint="Use `steward chat` for the terminal chat, or `steward --help`.",
        )
    from app.ui.app import run as run_desktop

    request: dict[str, Any] = {"action": "show"}
    if args.quit:
        request = {"action": "quit"}
    elif args.ask:
        request = {"action": "ask", "prompt": args.ask}
    elif args.quick:
        request = {"action": "quick"}
    elif args.minimized:
        request = {"action": "show", "minimized": True}
    return run_desktop(args.model, request, load_model=not args.no_model)


COMMANDS = {
    "ask": cmd_ask,
    "chat": cmd_chat,
    "history": cmd_history,
    "doctor": cmd_doctor,
    "backup": cmd_backup,
    "restore": cmd_restore,
    "recover": cmd_recover,
    "recovery-key": cmd_recovery_key,
    "passphrase": cmd_passphrase,
    "settings": cmd_settings,
    "cloud": cmd_cloud,
}


def not_utf8(text: str) -> str | None:
    """Where ``text`` (an argument or a line decoded with surrogateescape) holds bytes that
    are not UTF-8, described for a message; None when it is clean."""
    for index, char in enumerate(text):
        if "\udc80" <= char <= "\udcff":
            return f"byte 0x{ord(char) - 0xDC00:02X} at character {index + 1}"
    return None


def _piped() -> bool:
    """Standard input is a pipe or a file (not a terminal, not /dev/null, not closed)."""
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (OSError, ValueError, AttributeError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISREG(mode)


def prompt_with_input(prompt: str) -> str:
    """The prompt for `steward ask`: text piped in first, then the prompt given (as `llm`
    does); UsageError for text that is not UTF-8 or for nothing at all."""
    if (where := not_utf8(prompt)) is not None:
        raise UsageError(
            f"The prompt is not valid UTF-8 text ({where}); nothing was sent or stored."
        )
    piped = ""
    if _piped():
        data = sys.stdin.buffer.read()
        try:
            piped = data.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            raise UsageError(
                f"The text piped in is not valid UTF-8 (byte 0x{data[exc.start]:02X} at byte "
                f"{exc.start + 1}); nothing was sent or stored.",
                hint="Convert it first, for example with `iconv -f latin1 -t utf-8`.",
            ) from None
    text = "\n\n".join(part for part in (piped.strip("\n"), prompt) if part.strip())
    if not text.strip():
        raise UsageError(
            'The prompt is empty; give the question in quotes, e.g. steward ask "Hello", '
            "or pipe text in."
        )
    return text


def run(argv: list[str]) -> int:
    from app.cli_automations import COMMANDS as AUTOMATION_COMMANDS

    COMMANDS.update(AUTOMATION_COMMANDS)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.self_test:
        from app import selftest

        return selftest.run()
    command = args.command or "desktop"
    given = [name for name in DESKTOP_OPTIONS if getattr(args, name)]
    if args.command is not None and given:
        option = "--" + given[0].replace("_", "-")
        _err(f"steward: {option} is for the desktop app; it goes without a command")
        return ExitCode.USAGE
    if command == "ask":
        try:
            args.prompt = prompt_with_input(args.prompt)
        except UsageError as exc:
            _err(f"steward: {exc.user_text()}")
            return ExitCode.USAGE
    paths: Paths | None = None
    steward: Steward | None = None
    try:
        paths = resolve_paths()
        steward = Steward(paths, on_recovery_key=_show_recovery_key)
        setup_logging(paths, verbose=args.verbose)
        handler = cmd_desktop if command == "desktop" else COMMANDS[command]
        return int(handler(args, steward))
    except KnownError as exc:
        _err(f"steward: {exc.user_text()}")
        return int(exc.exit_code)
    except KeyboardInterrupt:
        _err("steward: interrupted")
        return 130
    except Exception as exc:
        where = ""
        if paths is not None:
            with contextlib.suppress(Exception):
                where = (
                    f"; details in {write_crash_report(paths, type(exc), exc, exc.__traceback__)}"
                )
        _err(f"steward: unexpected error (a bug in Steward){where}")
        return ExitCode.BUG
    finally:
        if steward is not None:
            steward.close()


__all__ = ["KeyManager", "LockedError", "build_parser", "run"]
