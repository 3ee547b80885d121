"""`steward mcp …`: the MCP servers whose tools Steward's automations and chat can use.

    steward mcp list | add | remove | enable | disable | tools | call | import | review

A server added or imported is off until it is switched on (`enable` shows its command line
first). A tool call asks for approval in the terminal, as `automations run` does; with
nobody to ask and nothing approved before, it is refused (exit 3, one line).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core.errors import ExitCode, UsageError
from app.core.text import visible
from app.language import N_, _t

if TYPE_CHECKING:
    from app.automations.mcp.config import ServerConfig
    from app.automations.mcp.toolbox import Toolbox
    from app.automations.service import Automations
    from app.core.steward import Steward
    from app.session import Session


def add_parsers(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    mc = sub.add_parser("mcp", help=N_("MCP servers whose tools automations and chat can use"))
    msub = mc.add_subparsers(dest="mcp_command", required=True, parser_class=parser_class)
    a = msub.add_parser("list", help=N_("the configured servers, on or off, and their state"))
    a.add_argument("--json", action="store_true")
    a = msub.add_parser(
        "add",
        help=N_("add a server (off until enabled): NAME -- COMMAND [ARG…], or NAME --url URL"),
    )
    a.add_argument("name")
    a.add_argument(
        "program", nargs=argparse.REMAINDER, help=N_("the program and its arguments, after --")
    )
    _add_options(a)
    for name, text in (
        ("remove", N_("remove a server (its secrets are deleted)")),
        ("disable", N_("switch a server off (it is stopped)")),
    ):
        a = msub.add_parser(name, help=text)
        a.add_argument("name")
        a.add_argument("--json", action="store_true")
    a = msub.add_parser("enable", help=N_("switch a server on, after showing its command line"))
    a.add_argument("name")
    a.add_argument("--yes", action="store_true", help=N_("do not ask (the command line is shown)"))
    a.add_argument("--json", action="store_true")
    a = msub.add_parser("tools", help=N_("a server's tools now (started if need be)"))
    a.add_argument("name")
    a.add_argument("--json", action="store_true")
    a = msub.add_parser("call", help=N_("call a tool (asks for approval unless allowed always)"))
    a.add_argument("name")
    a.add_argument("tool")
    a.add_argument("--args", default="{}", help=N_("the arguments as a JSON object"))
    a.add_argument("--json", action="store_true")
    a = msub.add_parser(
        "import", help=N_("add the servers of an mcpServers file, or of other apps (off)")
    )
    a.add_argument("file", nargs="?", type=Path)
    a.add_argument("--json", action="store_true")
    a = msub.add_parser("review", help=N_("show how a blocked tool changed; --accept to allow it"))
    a.add_argument("name")
    a.add_argument("tool")
    a.add_argument("--accept", action="store_true")


def _add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", default="", help=N_("a streamable-HTTP server's address"))
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--header", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--timeout", type=float, default=30.0, help=N_("seconds (default 30)"))
    parser.add_argument("--json", action="store_true")


# the options of `add` again, for when they come after the name
_ADD_OPTIONS = argparse.ArgumentParser(prog="steward mcp add", add_help=False)
_add_options(_ADD_OPTIONS)


def cmd_mcp(args: argparse.Namespace, steward: Steward) -> int:
    from app.cli.automations import headless_services
    from app.session import Session

    session = Session(steward=steward, load_model=False)
    try:
        automations = session.automations(headless_services(session))
        return asyncio.run(_command(args, automations, session))
    finally:
        session.close()


async def _command(args: argparse.Namespace, auto: Automations, session: Session) -> int:
    tools = auto.tools
    command = args.mcp_command
    if command == "list":
        return _list(args, tools)
    if command == "add":
        return _add(args, tools)
    if command == "import":
        return _import(args, tools)
    if command == "remove":
        removed = await tools.remove(args.name)
        _say(args, f"Removed the MCP server {removed.name} and its secrets.", removed)
        return 0
    if command == "disable":
        server = await tools.set_enabled(args.name, False)
        _say(args, f"{args.name} is off; its tools are no longer offered.", server)
        return 0
    if command == "enable":
        return await _enable(args, tools)
    if command == "tools":
        return await _tools(args, auto)
    if command == "review":
        return await _review(args, auto)
    return await _call(args, auto)


def _list(args: argparse.Namespace, tools: Toolbox) -> int:
    views = tools.views()
    if args.json:
        print(json.dumps([v.as_json() for v in views], ensure_ascii=False))
        return 0
    if not views:
        print(
            _t(
                "No MCP servers yet. Add one with `steward mcp add NAME -- COMMAND "
                "[ARG…]` or import those of other apps with `steward mcp import`."
            )
        )
    for view in views:
        state = "on " if view.config.enabled else "off"
        known = f"{len(view.tools)} tools" if view.tools else "tools not listed yet"
        print(f"{view.config.name:20.20}  {state}  {view.status.state:8}  {known}")
        print(f"    {visible(view.config.command_line())}")
        if view.status.error:
            print(_t("    last problem: {0}").format(view.status.error))
    return 0


def _pairs(items: list[str], what: str) -> dict[str, str]:
    pairs = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageError(_t("--{0} takes NAME=VALUE, not {1!r}").format(what, item[:60]))
        pairs[name] = value
    return pairs


def _add(args: argparse.Namespace, tools: Toolbox) -> int:
    from app.automations.mcp.config import parse_server

    command = list(args.program)
    if "--" in command:  # options given after the name, before the program
        cut = command.index("--")
        args = _ADD_OPTIONS.parse_args(command[:cut], namespace=args)
        command = command[cut + 1 :]
    elif command[:1] and command[0].startswith("-"):  # options only: a server by address
        args = _ADD_OPTIONS.parse_args(command, namespace=args)
        command = []
    raw: dict[str, Any] = {"timeout": args.timeout}
    if args.url:
        raw |= {"url": args.url, "headers": _pairs(args.header, "header")}
    elif command:
        raw |= {"command": command[0], "args": command[1:]}
    raw["env"] = _pairs(args.env, "env")
    added = tools.store.add(parse_server(args.name, raw, where="the command line"))
    if args.json:
        _say(args, "", added)
    else:
        _added([added])
    return 0


def _say(args: argparse.Namespace, text: str, server: ServerConfig, **more: Any) -> None:
    """A line for people, or the server as JSON with --json."""
    if args.json:
        shown = {
            "name": server.name,
            "enabled": server.enabled,
            "command_line": server.command_line(),
            **more,
        }
        print(json.dumps(shown, ensure_ascii=False))
    else:
        print(text)


def _added(servers: list[ServerConfig]) -> None:
    for server in servers:
        print(_t("Added {0} (off): {1}").format(server.name, visible(server.command_line())))
    if servers:
        print(
            _t(
                "Check each command line, then switch a server on with `steward mcp "
                "enable NAME` (or in Settings › Tools)."
            )
        )


def _import(args: argparse.Namespace, tools: Toolbox) -> int:
    from app.automations.mcp.config import found_elsewhere, read_servers_file

    if args.file is not None:
        sources = [(str(args.file), args.file, read_servers_file(args.file))]
    else:
        sources = [(app, path, servers) for app, path, servers in found_elsewhere()]
        if not sources:
            print(
                _t(
                    "No other app's MCP servers were found (Claude Desktop, Cursor, LM "
                    "Studio, Jan)."
                )
            )
            return 0
    taken = {s.key for s in tools.store.servers()}
    added: list[ServerConfig] = []
    skipped: list[dict[str, str]] = []
    for source, _path, servers in sources:
        for server in servers:
            if server.key in taken:
                skipped.append({"name": server.name, "from": source, "why": "already configured"})
                continue
            added.append(tools.store.add(server))
            taken.add(server.key)
    if args.json:
        shown = [{"name": s.name, "command_line": s.command_line()} for s in added]
        print(json.dumps({"added": shown, "skipped": skipped}, ensure_ascii=False))
        return 0
    _added(added)
    for skip in skipped:
        print(
            _t("Skipped {0} from {1}: {2}.").format(skip["name"], skip["from"], skip["why"]),
            file=sys.stderr,
        )
    return 0


async def _enable(args: argparse.Namespace, tools: Toolbox) -> int:
    from app.cli.automations import ask_line

    server = tools.store.server(args.name)
    if not args.json:
        print(_t("{0} runs: {1}").format(server.name, visible(server.command_line())))
    if not args.yes:
        if not sys.stdin.isatty():
            raise UsageError(
                _t(
                    "Switching a server on needs a yes: run this in a terminal, or add --yes "
                    "once you have checked the command line above."
                )
            )
        answer = await asyncio.to_thread(ask_line, "Switch it on? [y/N] ")
        if answer.strip().lower()[:1] != "y":
            print(_t("Left off."))
            return 0
    server = await tools.set_enabled(server.name, True)
    listed = await tools.list_tools(server.name)
    names = [t.name for t in listed]
    said = f"{server.name} is on: {len(listed)} tools ({', '.join(names)})."
    _say(args, said, server, tools=names)
    return 0


async def _tools(args: argparse.Namespace, auto: Automations) -> int:
    from app.automations.mcp.tools import tool_of

    tools = auto.tools
    listed = await tools.list_tools(args.name)
    rows: list[dict[str, Any]] = []
    for definition in listed:
        action = tool_of(auto.registry.actions[definition.action_id])
        pins = auto.runner.pins
        standing = pins.standing(action) if pins is not None and action is not None else "new"
        rows.append(
            {
                "name": definition.name,
                "action": definition.action_id,
                "title": definition.title,
                "description": definition.description,
                "approval": standing,
                "parameters": definition.parameters(),
            }
        )
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    words = {
        "new": "asks each time",
        "pinned": "approved in a workflow",
        "always": "allowed always",
        "changed": "BLOCKED: changed since approved",
    }
    for row in rows:
        print(f"{row['name']}  ({row['action']}; {words[row['approval']]})")
        print(f"    {row['description']}")
    return 0


async def _review(args: argparse.Namespace, auto: Automations) -> int:
    action = await auto.tools.action(args.name, args.tool)
    pins = auto.runner.pins
    assert pins is not None
    standing = pins.standing(action)
    if standing != "changed":
        print(_t("{0} has not changed since it was approved ({1}).").format(args.tool, standing))
        return 0
    print(pins.change(action))
    if not args.accept:
        print(
            _t(
                "\n{0} stays blocked. Accept the new definition with `steward mcp review "
                "{1} {0} --accept`."
            ).format(args.tool, args.name)
        )
        return 0
    pins.pin(action)
    print(_t("\nAccepted: {0} is allowed again as it describes itself now.").format(args.tool))
    return 0


async def _call(args: argparse.Namespace, auto: Automations) -> int:
    from app.automations.runner import RunOptions
    from app.automations.workflow import VERSION_KEY
    from app.cli.automations import _terminal_approver

    try:
        arguments = json.loads(args.args)
    except json.JSONDecodeError as exc:
        raise UsageError(_t("--args is not JSON: {0}").format(exc)) from None
    if not isinstance(arguments, dict):
        raise UsageError(_t("--args must be a JSON object"))
    action = await auto.tools.action(args.name, args.tool)
    document = {
        VERSION_KEY: 1,
        "name": f"{args.name} › {args.tool}",
        "trigger": {"type": "manual"},
        "steps": [{"id": "call", "action": action.id, "params": arguments}],
        "permissions": [{"kind": "mcp", "scope": args.name}],
    }
    workflow = auto.validate(document)
    run = await auto.runner.run(workflow, RunOptions(approver=_terminal_approver()))
    step = run.steps[0]
    if args.json:
        print(json.dumps({"status": run.status, "output": step.output, "error": run.error}))
    elif run.status == "succeeded":
        print(step.output)
    if run.status == "approval_required":
        print(
            _t(
                "Refused: {0} › {1} needs approval and nobody can be asked here (run it "
                "in a terminal, or allow the tool always there first)."
            ).format(args.name, args.tool),
            file=sys.stderr,
        )
        return int(ExitCode.KNOWN)
    if run.status != "succeeded":
        print(_t("The call {0}: {1}").format(run.status, step.error or run.error), file=sys.stderr)
        return int(ExitCode.AUTOMATION_FAILED)
    return 0


__all__ = ["add_parsers", "cmd_mcp"]
