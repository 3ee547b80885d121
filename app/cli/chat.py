"""`steward ask` and `steward chat`: one message, or a conversation, through the session;
the chat drafts workflows and asks before saving them."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import signal
import sys
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from app.cli import err
from app.cli.common import ask_consent, not_utf8
from app.core.assistant import (
    BackendChoice,
    Finished,
    Routed,
    Started,
    Token,
    Trimmed,
)
from app.core.errors import ExitCode, KnownError, ModelError, UsageError
from app.core.llm.engine import SamplingParams
from app.core.steward import (
    Steward,
)
from app.language import _t
from app.session import Drafted, Failed, Proposed, Session

if TYPE_CHECKING:
    from app.automations.planner import Plan


# --- helpers ------------------------------------------------------------------------------


def _params(args: argparse.Namespace, steward: Steward) -> SamplingParams:
    model = steward.model(args.model)
    base = SamplingParams.from_settings(steward.model_settings(model))
    values: dict[str, Any] = {
        "temperature": args.temperature if args.temperature is not None else base.temperature,
        "top_p": args.top_p if args.top_p is not None else base.top_p,
        "max_tokens": args.max_tokens if args.max_tokens is not None else base.max_tokens,
        "seed": args.seed if args.seed is not None else base.seed,
    }
    if not 0 <= values["temperature"] <= 5:
        raise UsageError(_t("--temperature must be between 0 and 5."))
    if not 0 < values["top_p"] <= 1:
        raise UsageError(_t("--top-p must be above 0 and at most 1."))
    if values["max_tokens"] < 1:
        raise UsageError(_t("--max-tokens must be at least 1."))
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
        async with contextlib.aclosing(events):  # the turn ends when this does
            async for event in events:
                if isinstance(event, Started):
                    started = event
                elif isinstance(event, Routed):
                    err(f"({event.text()})")
                elif isinstance(event, Token) and echo:
                    sys.stdout.write(event.text)
                    sys.stdout.flush()
                elif isinstance(event, Trimmed):
                    err(
                        _t(
                            "\n(note: {0} earlier messages no longer fit the model's {1}-token "
                            "context and were left out of this answer)"
                        ).format(event.dropped_messages, event.n_ctx)
                    )
                elif isinstance(event, Finished):
                    finished = event
                elif isinstance(event, Failed):
                    raise event.error
                elif chat is not None and isinstance(event, Drafted | Proposed):
                    await chat.offer(event)
    if finished is not None and finished.message.status == "length":
        err(
            _t(
                "\n(stopped at the length limit of {0} tokens: /continue in `steward chat "
                "--conversation ID` goes on, or raise --max-tokens)"
            ).format(params.max_tokens)
        )
    return started, finished, cancel.is_set()


class Chat:
    """What `steward chat` keeps between messages: the open workflow draft, and the way it
    asks before saving a draft or running an action."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.draft: Plan | None = None

    async def _yes(self, question: str) -> bool:
        err(question)
        try:
            reply = await asyncio.get_running_loop().run_in_executor(None, input, "[y/N] ")
        except EOFError:
            return False
        return reply.strip().lower()[:1] == "y"

    async def offer(self, event: Drafted | Proposed) -> None:
        from app.automations.planner import review_text
        from app.cli.automations import headless_services

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
                err(
                    _t("(run {0}: {1}{2})").format(
                        run.id[:8], run.status, " — " + run.error if run.error else ""
                    )
                )
            return
        self.draft = plan
        if not await self._yes(
            "Save and enable this workflow? Approving grants exactly the permissions listed. "
            "(Or say what to change.)"
        ):
            err(_t("(not saved; the draft stays open: describe a change, or go on chatting)"))
            return
        store = self.session.assistant().store
        workflow = plan.workflow

        def save() -> tuple[str, str]:
            wf = automations.create_approved(workflow)
            return wf.name, wf.id

        name, workflow_id = await store.call(save)
        self.draft = None
        err(_t("(saved “{0}” as {1}: enabled, approved as shown)").format(name, workflow_id[:8]))


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


async def _chat_session(args: argparse.Namespace, steward: Steward) -> Session:
    """The session for ask/chat: the local engine loaded (unless the cloud is chosen) and
    the cloud gate (if on). A missing model is the answer unless the cloud can take over."""
    session = Session(
        steward=steward, model=args.model, consent=ask_consent, allow_cloud=args.allow_cloud
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
            err(_t("(stopped; the partial answer was saved)"))
            return 130
        return 0

    return asyncio.run(go())


def _model_label(session: Session) -> str:
    engine, cloud = session.engine(), session.assistant().cloud
    if engine is not None and session.local_error is None:
        return engine.model.name
    return f"cloud ({cloud.settings.model})" if cloud is not None else "none"


async def _read_message(loop: asyncio.AbstractEventLoop) -> str | int:
    """The next message typed, or the exit status to leave with (end of input, /quit, or a
    line that is not UTF-8 in a script's input)."""
    while True:
        try:
            line = await loop.run_in_executor(None, input, "\nyou> ")
        except (EOFError, KeyboardInterrupt):
            return 0
        if (bad := not_utf8(line)) is not None:
            err(_t("steward: that line is not valid UTF-8 text ({0}); not sent.").format(bad))
            if not sys.stdin.isatty():
                return int(ExitCode.USAGE)  # a script's input is wrong: stop here
            continue
        text = line.strip()
        if text in ("/quit", "/exit"):
            return 0
        if text:
            return text


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
        err(
            _t(
                "Steward chat — model: {0}. Enter a message; Ctrl+C stops an answer; "
                "Ctrl+D or /quit leaves; /new starts a new conversation; /continue goes "
                "on with an answer cut off at the length limit. Ask for an automation "
                "(“every morning…”) and it is drafted for you to review."
            ).format(_model_label(session))
        )
        loop = asyncio.get_running_loop()
        try:
            while True:
                text = await _read_message(loop)
                if isinstance(text, int):
                    return text
                if text == CONTINUE_COMMAND and conversation is None:
                    err(_t("(nothing to continue: no answer in this conversation yet)"))
                    continue
                if text == "/new":
                    conversation, chat.draft = None, None
                    err(_t("(new conversation)"))
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
                    err(_t("\nsteward: {0}").format(exc.user_text()))
                    continue
                print()
                if started:
                    conversation = started.conversation.id
                if stopped:
                    err(_t("(stopped; the partial answer was saved)"))
        finally:
            await session.aclose()

    return asyncio.run(go())


__all__ = ["CONTINUE_COMMAND", "Chat", "cmd_ask", "cmd_chat"]
