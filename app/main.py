"""Entry point: argument parsing, then the CLI (and, once present, the desktop app)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from app.core.errors import ExitCode


def main(argv: Sequence[str] | None = None) -> int:
    from app import cli

    return int(cli.run(list(sys.argv[1:] if argv is None else argv)))


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

__all__ = ["ExitCode", "main"]
