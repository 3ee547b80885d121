"""Steward's terminal commands: parse, dispatch, and turn every failure into one clear line
and an exit status (see app.cli.parser). The desktop app and the self-test are handed in by
app.main: the terminal imports no window code."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Callable

from app.cli.chat import cmd_ask, cmd_chat
from app.cli.common import err as _err
from app.cli.common import prompt_with_input, show_recovery_key
from app.cli.data import (
    cmd_backup,
    cmd_doctor,
    cmd_history,
    cmd_passphrase,
    cmd_recover,
    cmd_recovery_key,
    cmd_restore,
)
from app.cli.parser import DESKTOP_OPTIONS, build_parser
from app.cli.settings import cmd_cloud, cmd_settings
from app.core.errors import ExitCode, KnownError, UsageError
from app.core.logs import setup_logging, write_crash_report
from app.core.paths import Paths, resolve_paths
from app.core.steward import Steward

Handler = Callable[[argparse.Namespace, Steward], int]

COMMANDS: dict[str, Handler] = {
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


def run(argv: list[str], *, desktop: Handler, self_test: Callable[[], int]) -> int:
    """Run the command in ``argv``; without one, ``desktop`` (the window)."""
    from app.cli.automations import COMMANDS as AUTOMATION_COMMANDS

    COMMANDS.update(AUTOMATION_COMMANDS)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.self_test:
        return self_test()
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
        steward = Steward(paths, on_recovery_key=show_recovery_key)
        setup_logging(paths, verbose=args.verbose)
        handler = desktop if command == "desktop" else COMMANDS[command]
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


__all__ = ["COMMANDS", "build_parser", "run"]
