"""Entry point: the terminal commands (app.cli), the desktop app (app.ui) when no command is
given, and the frozen build's self-test. Only here do the front ends meet."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from app.core.errors import ExitCode, UsageError


def _no_display() -> bool:
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def desktop(args: argparse.Namespace) -> int:
    """The window (or a request handed to the one already running); it opens its own
    session (it may ask for a passphrase)."""
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


def self_test() -> int:
    from app import selftest

    return selftest.run()


def main(argv: Sequence[str] | None = None) -> int:
    from app import cli

    arguments = list(sys.argv[1:] if argv is None else argv)
    return int(cli.run(arguments, desktop=desktop, self_test=self_test))


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

__all__ = ["ExitCode", "main"]
