"""The `steward automations`, `steward plugins` and `steward daemon` commands."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core.errors import ExitCode, KnownError, ModelError, NotFoundError, UsageError
from app.core.text import visible
from app.language import N_, _t

if TYPE_CHECKING:  # the automations are imported only by these commands, not at every start
    from app.automations.history import RunRecord, StepRecord, StoredWorkflow
    from app.automations.planner import Plan
    from app.automations.plugins import Registry
    from app.automations.runner import ApprovalRequest, Decision, HeadlessServices
    from app.automations.service import Automations
    from app.core.steward import Steward
    from app.session import Session

LISTING = ("list", "history")


def add_parsers(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    au = sub.add_parser("automations", help=N_("workflows: create, run, history, undo"))
    asub = au.add_subparsers(dest="automations_command", required=True, parser_class=parser_class)
    a = asub.add_parser("list", help=N_("the saved workflows"))
    a.add_argument("--json", action="store_true")
    a = asub.add_parser("show", help=N_("one workflow's document and state"))
    a.add_argument("id")
    a.add_argument("--json", action="store_true")
    a = asub.add_parser("validate", help=N_("check a workflow file; every problem is listed"))
    a.add_argument("file", type=Path)
    a = asub.add_parser("create", help=N_("save a workflow from a JSON file (validated first)"))
    a.add_argument("file", type=Path)
    a.add_argument("--disabled", action="store_true", help=N_("save it switched off"))
    a = asub.add_parser(
        "edit", help=N_("replace a workflow's document (approval lapses on change)")
    )
    a.add_argument("id")
    a.add_argument("file", type=Path)
    for name, text in (
        ("delete", N_("delete a workflow (its run history stays)")),
        ("enable", N_("let its trigger start it")),
        ("disable", N_("stop its trigger from starting it")),
    ):
        a = asub.add_parser(name, help=text)
        a.add_argument("id")
    a = asub.add_parser("run", help=N_("run a workflow now"))
    a.add_argument("id")
    a.add_argument("--dry-run", action="store_true", help=N_("show what each step would do"))
    a.add_argument(
        "--yes-to-approvals",
        action="store_true",
        help=N_("approve every step that asks, for this run only"),
    )
    a.add_argument("--json", action="store_true")
    a = asub.add_parser("history", help=N_("recent runs (of one workflow), or one run's steps"))
    a.add_argument("id", nargs="?", help=N_("a workflow (its runs) or a run (its steps)"))
    a.add_argument("--limit", type=int, default=20)
    a.add_argument("--json", action="store_true")
    a = asub.add_parser("undo", help=N_("put back the files a run changed"))
    a.add_argument("run_id")
    a = asub.add_parser(
        "plan", help=N_("draft a workflow from a request in your words (nothing is run)")
    )
    a.add_argument("request", nargs="+", help=N_("what to automate; several = one conversation"))
    a.add_argument("--json", action="store_true", help=N_("{kind, workflow?, text?}"))
    a.add_argument(
        "--save", action="store_true", help=N_("after showing the draft, ask to save it")
    )
    a.add_argument(
        "--allow-cloud",
        action="store_true",
        help=N_(
            "let the planner use the cloud model (when on and the policy allows) without asking"
        ),
    )

    pl = sub.add_parser("plugins", help=N_("automation plugins"))
    psub = pl.add_subparsers(dest="plugins_command", required=True, parser_class=parser_class)
    a = psub.add_parser("list", help=N_("loaded plugins, their actions and triggers, and problems"))
    a.add_argument("--json", action="store_true")

    sub.add_parser("daemon", help=N_("run scheduled and triggered workflows without the window"))


# --- services --------------------------------------------------------------------------


def headless_services(session: Session) -> HeadlessServices:
    """Services for runs started from a terminal: the session's model (loaded when a step
    needs it), notifications printed."""
    from app.automations.runner import HeadlessServices

    return HeadlessServices(session.model_generate, _notify)


def _notify(text: str) -> None:
    print(_t("notification: {0}").format(visible(text)), file=sys.stderr, flush=True)


def _terminal_approver() -> Callable[[ApprovalRequest], Awaitable[Decision]] | None:
    if not sys.stdin.isatty():
        return None  # nobody to ask: such steps fail the run as approval_required

    async def ask(request: ApprovalRequest) -> Decision:
        print(
            _t("\nStep {0} of “{1}” asks for approval:\n  {2}\n  permissions: {3}").format(
                request.position,
                visible(request.workflow),
                request.what,
                ", ".join(request.permissions) or "none",
            ),
            file=sys.stderr,
        )
        if request.tool:  # a tool of an MCP server: the complete arguments
            print(_t("  arguments:\n{0}").format(_indented(request.arguments)), file=sys.stderr)
        always = (
            "always for this tool as it describes itself now"
            if request.always == "tool"
            else "always for this workflow as it is"
        )
        while True:
            answer = await asyncio.to_thread(
                ask_line, f"Allow? [y]es this once, [a]{always[1:]}, [N]o: "
            )
            choice = answer.strip().lower()[:1]
            if choice in ("", "n"):
                return "deny"
            if choice == "y":
                return "once"
            if choice == "a":
                return "always"

    return ask


def ask_line(prompt: str) -> str:
    """A line typed in the terminal, the question on stderr (stdout stays the result)."""
    print(prompt, end="", file=sys.stderr, flush=True)
    return sys.stdin.readline()


def _indented(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


# --- formatting ------------------------------------------------------------------------


def _workflow_info(
    wf: StoredWorkflow, last: RunRecord | None, registry: Registry
) -> dict[str, Any]:
    from app.automations.review import when_in_words
    from app.automations.scheduler import next_due, parse_time

    trigger = wf.document.get("trigger", {})
    upcoming = None
    if wf.enabled and trigger.get("type") == "schedule":
        with contextlib.suppress(Exception):
            due = next_due(trigger, parse_time(wf.last_fired or wf.created))
            upcoming = due.isoformat() if due else None
    return {
        "id": wf.id,
        "name": wf.name,
        "trigger": when_in_words(trigger, registry),
        "enabled": wf.enabled,
        "approved": wf.approved_now,
        "steps": len(wf.document.get("steps", [])),
        "next_run": upcoming,
        "last_run": last.started if last else None,
        "last_status": last.status if last else None,
    }


def _step_dict(step: StepRecord) -> dict[str, Any]:
    return {
        "position": step.position + 1,
        "step": step.step_id,
        "action": step.action,
        "status": step.status,
        "inputs": step.inputs,
        "output": step.output,
        "error": step.error,
        "attempts": step.attempts,
        "duration_ms": round(step.duration_ms or 0, 2),
    }


def _run_dict(run: RunRecord, steps: bool = True) -> dict[str, Any]:
    info: dict[str, Any] = {
        "id": run.id,
        "workflow_id": run.workflow_id,
        "workflow": run.workflow_name,
        "trigger": run.trigger,
        "trigger_data": run.trigger_data,
        "dry_run": run.dry_run,
        "status": run.status,
        "error": run.error,
        "started": run.started,
        "duration_ms": round(run.duration_ms or 0, 2),
        "undone": run.undone,
    }
    if steps:
        info["steps"] = [_step_dict(s) for s in run.steps]
        info["files"] = [{"path": f.path, "existed": f.existed} for f in run.files]
    return info


def _short(value: Any, limit: int = 160) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = visible(" ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _print_step(step: StepRecord) -> None:
    mark = {"ok": "ok", "dry_run": "--"}.get(step.status, step.status.upper())
    took = f"{step.duration_ms:.0f} ms"
    line = f"  {step.position + 1:>2}. [{mark}] {step.step_id} ({step.action}, {took})"
    print(line, flush=True)
    if step.status == "dry_run" and isinstance(step.output, str):
        for what in step.output.splitlines():  # the runner's lines, one per item of a list
            print(f"      {_short(what, 300)}")
    elif step.error:
        print(f"      {visible(step.error)}")
    elif step.output is not None:
        print(f"      → {_short(step.output)}")


def _read_document(path: Path) -> Any:
    from app.automations.workflow import load_document

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(_t("The file {0} does not exist.").format(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(_t("Cannot read {0}: {1}.").format(path, exc)) from None
    return load_document(text, str(path))


# --- commands --------------------------------------------------------------------------


def cmd_plugins(args: argparse.Namespace, steward: Steward) -> int:
    from app.automations.service import discover, plugin_folder

    registry = discover(steward.paths)
    info: dict[str, Any] = {
        "plugins": [
            {
                "name": name,
                "actions": sorted(a.id for a in registry.actions.values() if a.plugin == name),
                "triggers": sorted(t.id for t in registry.triggers.values() if t.plugin == name),
            }
            for name in registry.plugins
        ],
        "problems": [{"plugin": p.plugin, "message": p.message} for p in registry.problems],
        "user_folder": str(plugin_folder(steward.paths)),
    }
    if args.json:
        print(json.dumps(info, ensure_ascii=False))
        return 0
    for plugin in info["plugins"]:
        offered = ", ".join(plugin["actions"] + [f"trigger {t}" for t in plugin["triggers"]])
        print(f"{plugin['name']}: {offered or '(offers nothing)'}")
    for problem in registry.problems:
        print(_t("problem: {0}").format(problem), file=sys.stderr)
    print(_t("User plugins are loaded from {0}.").format(info["user_folder"]))
    return 0


def cmd_automations(args: argparse.Namespace, steward: Steward) -> int:
    from app.automations.review import when_in_words
    from app.automations.service import discover
    from app.automations.workflow import InvalidWorkflow, validate

    command = args.automations_command
    if command == "validate":  # needs no database
        automations_registry = discover(steward.paths)
        workflow, problems = validate(_read_document(args.file), automations_registry)
        if workflow is None:
            raise InvalidWorkflow(problems)
        print(
            _t("Valid: “{0}”, {1} steps; runs: {2}.").format(
                workflow.name,
                len(workflow.steps),
                when_in_words(workflow.document["trigger"], automations_registry),
            )
        )
        return 0
    if command == "plan":
        return _plan(args, steward)
    from app.session import Session

    session = Session(steward=steward, model=getattr(args, "model", None))
    try:
        return _automations(args, command, session.automations(headless_services(session)))
    finally:
        asyncio.run(session.aclose())


def _automations(args: argparse.Namespace, command: str, auto: Automations) -> int:
    if command in ("delete", "enable", "disable"):
        return _switch(args, command, auto)
    handlers: dict[str, Callable[[argparse.Namespace, Automations], int]] = {
        "list": _list,
        "show": _show,
        "create": _create,
        "edit": _edit,
        "run": _run,
        "history": _history,
        "undo": _undo,
    }
    return handlers[command](args, auto)


def _list(args: argparse.Namespace, auto: Automations) -> int:
    history = auto.history
    infos = []
    for wf in history.workflows():
        runs = history.runs(wf.id, limit=1)
        infos.append(_workflow_info(wf, runs[0] if runs else None, auto.registry))
    if args.json:
        print(json.dumps(infos, ensure_ascii=False))
        return 0
    if not infos:
        print(
            _t(
                "No workflows yet. Save one with `steward automations create FILE` "
                "(examples in examples/workflows/)."
            )
        )
    for info in infos:
        state = "on " if info["enabled"] else "off"
        last = f"last {info['last_status']}" if info["last_status"] else "never run"
        print(f"{info['id'][:8]}  {state}  {info['name']:30.30}  {info['trigger']:34.34}  {last}")
    return 0


def _show(args: argparse.Namespace, auto: Automations) -> int:
    wf = auto.history.workflow(args.id)
    runs = auto.history.runs(wf.id, limit=1)
    info = _workflow_info(wf, runs[0] if runs else None, auto.registry)
    if args.json:
        print(json.dumps({**info, "document": wf.document}, ensure_ascii=False))
        return 0
    for key, value in info.items():
        print(f"{key:12} {value}")
    print(json.dumps(wf.document, indent=2, ensure_ascii=False))
    return 0


def _create(args: argparse.Namespace, auto: Automations) -> int:
    wf = auto.create(_read_document(args.file), enabled=not args.disabled)
    print(
        _t(
            "Saved “{0}” as {1} ({2}). Steps that change files, use the network or "
            "run programs ask for approval on the first run."
        ).format(wf.name, wf.id[:8], "enabled" if wf.enabled else "disabled")
    )
    return 0


def _edit(args: argparse.Namespace, auto: Automations) -> int:
    wf = auto.edit(args.id, _read_document(args.file))
    note = "" if wf.approved else " It asks for approval again before steps that need it."
    print(_t("Updated “{0}” ({1}).{2}").format(wf.name, wf.id[:8], note))
    return 0


def _switch(args: argparse.Namespace, command: str, auto: Automations) -> int:
    """delete, enable or disable a workflow."""
    wf = auto.history.workflow(args.id)
    if command == "delete":
        auto.history.delete_workflow(wf.id)
        print(_t("Deleted “{0}”; its run history stays.").format(wf.name))
    else:
        auto.history.set_enabled(wf.id, command == "enable")
        done = _t("“{0}” is enabled.") if command == "enable" else _t("“{0}” is disabled.")
        print(done.format(wf.name))
    return 0


def _undo(args: argparse.Namespace, auto: Automations) -> int:
    from app.automations.runner import undo_summary

    done = auto.undo(args.run_id)
    for line in done:
        print(visible(line))
    print(undo_summary(done))
    return 0


def _plan(args: argparse.Namespace, steward: Steward) -> int:
    """Draft (never run) a workflow; exit 0 for a draft, a question and a refusal alike."""
    from app.automations.planner import review_text
    from app.cli.common import ask_consent
    from app.core.assistant import Routed
    from app.session import Drafted, Session

    session = Session(
        steward=steward,
        model=getattr(args, "model", None),
        consent=ask_consent,
        allow_cloud=args.allow_cloud,
    )

    async def go() -> Plan:
        try:
            try:
                await session.load_engine()
            except ModelError:
                gate = session.gate()
                if not gate.enabled or gate.policy == "local":
                    raise  # no cloud that could draft instead: the missing model is the answer
            planner = session.planner()
            assert planner is not None
            async for event in session.draft(planner, args.request):
                if isinstance(event, Drafted):
                    return event.plan
                if isinstance(event, Routed):
                    print(f"({event.text()})", file=sys.stderr, flush=True)
            raise AssertionError("a draft ends with its plan")
        finally:
            await session.aclose()

    result = asyncio.run(go())
    registry = session.registry()
    if args.json:
        print(json.dumps(result.as_json(), ensure_ascii=False))
    else:
        print(review_text(result, registry))
    if not args.save or result.kind != "workflow" or result.workflow is None:
        return 0
    print(
        _t(
            "Save and enable this workflow? Approving grants exactly the permissions listed. [y/N] "
        ),
        end="",
        file=sys.stderr,
        flush=True,
    )
    answer = sys.stdin.readline().strip().lower()
    if answer[:1] != "y":
        print(_t("Not saved."), file=sys.stderr)
        return 0
    try:
        auto = session.automations(headless_services(session))
        wf = auto.create_approved(result.workflow)
    finally:
        session.close()
    print(
        _t("Saved “{0}” as {1} (enabled, approved as shown).").format(wf.name, wf.id[:8]),
        file=sys.stderr,
    )
    return 0


def _run(args: argparse.Namespace, auto: Automations) -> int:
    wf = auto.history.workflow(args.id)
    if not args.json:
        print(f"{'Dry run of' if args.dry_run else 'Running'} “{wf.name}”:", flush=True)
    run = asyncio.run(
        auto.run(
            wf,
            dry_run=args.dry_run,
            approver=_terminal_approver(),
            assume_yes=args.yes_to_approvals,
            on_step=None if args.json else _print_step,
        )
    )
    if args.json:
        print(json.dumps(_run_dict(run), ensure_ascii=False))
    else:
        from app.automations.runner import sample_words

        if run.sample:
            print(sample_words(run))
        if run.status == "succeeded":
            what = "Dry run finished; nothing was changed." if run.dry_run else "Succeeded."
            print(_t("{0} Run {1}, {2:.0f} ms.").format(what, run.id[:8], run.duration_ms or 0))
        else:
            print(_t("Run {0} {1}: {2}").format(run.id[:8], run.status, run.error), file=sys.stderr)
            if run.status == "approval_required":
                print(
                    _t("Run it in a terminal to be asked, or add --yes-to-approvals."),
                    file=sys.stderr,
                )
    return 0 if run.status == "succeeded" else int(ExitCode.AUTOMATION_FAILED)


def _history(args: argparse.Namespace, auto: Automations) -> int:
    history = auto.history
    workflow_id = None
    if args.id:
        try:
            workflow_id = history.workflow(args.id).id
        except NotFoundError:
            run = history.run(args.id)  # NotFoundError when it is neither
            if args.json:
                print(json.dumps(_run_dict(run), ensure_ascii=False))
                return 0
            print(
                _t("Run {0} of “{1}” ({2}), {3}: {4}{5}{6}").format(
                    run.id,
                    run.workflow_name,
                    run.trigger,
                    run.started,
                    run.status,
                    " (dry run)" if run.dry_run else "",
                    ", undone " + run.undone if run.undone else "",
                )
            )
            if run.error:
                print(f"  {run.error}")
            for step in run.steps:
                _print_step(step)
            for change in run.files:
                print(
                    _t("  changed {0}{1}").format(change.path, "" if change.existed else " (new)")
                )
            return 0
    runs = history.runs(workflow_id, limit=max(1, args.limit))
    if args.json:
        print(json.dumps([_run_dict(r, steps=False) for r in runs], ensure_ascii=False))
        return 0
    if not runs:
        print(_t("No runs yet."))
    for run in runs:
        flag = " (dry run)" if run.dry_run else ""
        undone = " undone" if run.undone else ""
        print(
            f"{run.id[:8]}  {run.started[:19]}  {run.status:17} {run.workflow_name:30.30} "
            f"{run.duration_ms or 0:7.0f} ms{flag}{undone}"
        )
    return 0


def cmd_daemon(args: argparse.Namespace, steward: Steward) -> int:
    from app.session import Session

    session = Session(steward=steward, model=getattr(args, "model", None))
    session.unlock()

    def report(run: RunRecord) -> None:
        print(
            visible(
                f"{run.started[:19]}  {run.workflow_name}: {run.status}"
                f"{' — ' + run.error if run.error else ''}"
            ),
            flush=True,
        )

    async def main() -> int:
        try:
            if not await session.start_scheduler(headless_services(session), on_run=report):
                raise KnownError(
                    _t(
                        "Another Steward (the desktop app or a daemon) already runs the "
                        "automations for this data folder."
                    ),
                    hint=_t("Only one runs them at a time; nothing was started."),
                )
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop.add_signal_handler(sig, stop.set)
            history = session.automations(headless_services(session)).history
            enabled = [wf for wf in history.workflows() if wf.enabled]
            print(
                _t(
                    "Steward daemon: {0} enabled workflow{1}; steps that need approval are "
                    "not run unless approved before. Stop with Ctrl+C."
                ).format(len(enabled), "s" if len(enabled) != 1 else ""),
                flush=True,
            )
            await stop.wait()
        finally:
            await session.aclose()
        print(_t("Steward daemon stopped."), flush=True)
        return 0

    return asyncio.run(main())


COMMANDS = {"automations": cmd_automations, "plugins": cmd_plugins, "daemon": cmd_daemon}

__all__ = ["COMMANDS", "LISTING", "add_parsers"]
