"""Steward's terminal commands: parse, dispatch, and turn every failure into one clear line
and an exit status (see app.cli.parser). The desktop app and the self-test are handed in by
app.main: the terminal imports no window code."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.cli.parser import DESKTOP_OPTIONS, build_parser
from app.core.errors import ExitCode, KnownError
from app.core.paths import Paths, resolve_paths
from app.language import _t

if TYPE_CHECKING:
    from app.core.steward import Steward

Handler = Callable[[argparse.Namespace, "Steward"], int]
BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a tool whose reader went away

# command → "module:function", imported only for the command given (the desktop app starts
# without any of them)
COMMANDS: dict[str, str] = {
    "ask": "app.cli.chat:cmd_ask",
    "chat": "app.cli.chat:cmd_chat",
    "history": "app.cli.data:cmd_history",
    "doctor": "app.cli.data:cmd_doctor",
    "backup": "app.cli.data:cmd_backup",
    "restore": "app.cli.data:cmd_restore",
    "recover": "app.cli.data:cmd_recover",
    "recovery-key": "app.cli.data:cmd_recovery_key",
    "passphrase": "app.cli.data:cmd_passphrase",
    "settings": "app.cli.settings:cmd_settings",
    "cloud": "app.cli.settings:cmd_cloud",
    "models": "app.cli.models:cmd_models",
    "automations": "app.cli.automations:cmd_automations",
    "plugins": "app.cli.automations:cmd_plugins",
    "daemon": "app.cli.automations:cmd_daemon",
    "mcp": "app.cli.mcp:cmd_mcp",
    "serve": "app.cli.serve:cmd_serve",
}


def handler(command: str) -> Handler:
    module, name = COMMANDS[command].split(":")
    found: Handler = getattr(importlib.import_module(module), name)
    return found


def err(text: str) -> None:
    """One message for the user, on stderr (kept here so the desktop starts without the
    commands' imports)."""
    print(text, file=sys.stderr, flush=True)


def _parse(argv: list[str]) -> argparse.Namespace:
    """``argv`` parsed; a start of the desktop app (no command named, no help asked) reads
    only its own options, so the window comes up without the commands' parsers. Anything
    that parser does not take goes to the whole one, which says what is wrong."""
    if not any(word in COMMANDS or word in ("-h", "--help") for word in argv):
        args, rest = build_parser(commands=False).parse_known_args(argv)
        if not rest:
            return args
    return build_parser().parse_args(argv)


def run(
    argv: list[str],
    *,
    desktop: Callable[[argparse.Namespace], int],
    self_test: Callable[[], int],
) -> int:
    """Run the command in ``argv``; without one, ``desktop`` (the window, which opens its own
    session)."""
    args = _parse(argv)
    if args.self_test:
        return self_test()
    command = args.command or "desktop"
    given = [name for name in DESKTOP_OPTIONS if getattr(args, name)]
    if args.command is not None and given:
        option = "--" + given[0].replace("_", "-")
        err(_t("steward: {0} is for the desktop app; it goes without a command").format(option))
        return ExitCode.USAGE
    paths: Paths | None = None
    steward: Steward | None = None
    try:
        paths = resolve_paths()
        if command == "desktop":
            return desktop(args)
        from app.cli.common import prompt_with_input, show_recovery_key
        from app.core.logs import setup_logging
        from app.core.steward import Steward

        if command == "ask":
            args.prompt = prompt_with_input(args.prompt)
        steward = Steward(paths, on_recovery_key=show_recovery_key)
        setup_logging(paths, verbose=args.verbose)
        return int(handler(command)(args, steward))
    except KnownError as exc:
        err(_t("steward: {0}").format(exc.user_text()))
        return int(exc.exit_code)
    except KeyboardInterrupt:
        err(_t("steward: interrupted"))
        return 130
    except BrokenPipeError:
        # whatever read the output stopped reading (`steward models list | head -1`): stop
        # quietly, as command-line tools do, and keep the exit flush from failing again
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return BROKEN_PIPE
    except Exception as exc:
        where = ""
        if paths is not None:
            from app.core.logs import write_crash_report

            with contextlib.suppress(Exception):
                where = (
                    f"; details in {write_crash_report(paths, type(exc), exc, exc.__traceback__)}"
                )
        err(_t("steward: unexpected error (a bug in Steward){0}").format(where))
        return ExitCode.BUG
    finally:
        if steward is not None:
            steward.close()


__all__ = ["COMMANDS", "build_parser", "handler", "run"]
