"""`steward models`: download model files (resumable and verified) and keep the hub token."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from typing import TYPE_CHECKING

from app.cli import err
from app.core.errors import UsageError
from app.core.llm.download import (
    Download,
    Downloaded,
    HubTokenNeededError,
    Progress,
    checked_sha256,
    destination_for,
    human_size,
    options_from,
)
from app.core.steward import HUB_TOKEN, SecretStore

if TYPE_CHECKING:
    from app.core.steward import Steward

VERIFIED = {
    "hub": "verified by the hub",
    "given": "verified against the hash given",
    "unverified": "unverified (the server gave no hash)",
}


def cmd_models(args: argparse.Namespace, steward: Steward) -> int:
    if args.models_command == "pull":
        return _pull(args, steward)
    if args.models_command == "token":
        return _token(args, steward)
    raise UsageError(f"Unknown models command {args.models_command!r}.")


def _pull(args: argparse.Namespace, steward: Steward) -> int:
    dest = destination_for(args.url, steward.paths.models)
    sha256 = checked_sha256(args.sha256)
    if dest.exists():
        print(f"Already downloaded: {dest}")
        return 0
    settings = steward.settings.downloads
    bar = _Bar(dest.name) if sys.stderr.isatty() and not args.json else None
    token = ""
    for _attempt in range(2):
        download = Download(
            args.url,
            dest,
            sha256=sha256,
            options=options_from(settings, token),
            on_progress=bar.show if bar is not None else None,
        )
        try:
            done = asyncio.run(download.run())
            break
        except HubTokenNeededError:
            token = "" if token else (SecretStore(steward).get(HUB_TOKEN) or "")
            if not token:
                raise
        except KeyboardInterrupt:
            if bar is not None:
                bar.end()
            kept = download.progress.done
            err(
                f"steward: paused; {human_size(kept)} kept in {download.part} — run the same "
                "command again to resume."
            )
            return 130
        finally:
            if bar is not None:
                bar.end()
    _report(done, args.json)
    return 0


def _report(done: Downloaded, as_json: bool) -> None:
    if as_json:
        print(
            json.dumps(
                {
                    "path": str(done.path),
                    "size": done.size,
                    "sha256": done.sha256,
                    "verification": done.verification,
                    "reconnects": done.reconnects,
                }
            )
        )
        return
    print(f"Downloaded {done.path} ({human_size(done.size)}, {VERIFIED[done.verification]}).")
    print(f"SHA-256 {done.sha256}")
    print(f"Use it with: steward settings set model_path {done.path}")


class _Bar:
    """One line on the terminal, redrawn in place: percent, bytes, speed, time left."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.drawn = False
        self._last = 0.0

    def show(self, progress: Progress) -> None:
        now = time.monotonic()
        if now - self._last < 0.2 and not progress.note and progress.done != progress.total:
            return
        self._last = now
        width = 24
        if progress.total:
            share = min(1.0, progress.done / progress.total)
            filled = int(share * width)
            line = (
                f"{self.name} [{'#' * filled}{'.' * (width - filled)}] {share:4.0%} "
                f"{human_size(progress.done)}/{human_size(progress.total)}"
            )
        else:
            line = f"{self.name} {human_size(progress.done)}"
        if progress.bytes_per_s:
            line += f"  {human_size(progress.bytes_per_s)}/s"
        left = progress.seconds_left
        if left is not None and progress.done < (progress.total or 0):
            line += f"  {left:.0f} s left"
        if progress.note:
            line += f"  ({progress.note})"
        columns = _columns()
        sys.stderr.write("\r" + line[: columns - 1].ljust(columns - 1))
        sys.stderr.flush()
        self.drawn = True

    def end(self) -> None:
        if self.drawn:
            sys.stderr.write("\n")
            sys.stderr.flush()
            self.drawn = False


def _columns() -> int:
    try:
        return os.get_terminal_size(sys.stderr.fileno()).columns
    except OSError:
        return 80


def _token(args: argparse.Namespace, steward: Steward) -> int:
    secrets = SecretStore(steward)
    if args.remove:
        secrets.set(HUB_TOKEN, None)
        print("Hub token removed.")
        return 0
    token = os.environ.get("STEWARD_HUB_TOKEN", "")
    if not token and not sys.stdin.isatty():
        token = sys.stdin.readline()
    elif not token:
        import getpass

        token = getpass.getpass("Hub access token: ")
    token = token.strip()
    if not token:
        raise UsageError("No token given (STEWARD_HUB_TOKEN, standard input or the prompt).")
    secrets.set(HUB_TOKEN, token)
    print("Hub token stored; it is sent only to the hub (or the mirror set in Settings).")
    return 0
