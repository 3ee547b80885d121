"""`steward models`: the models Steward can answer with — list, download (resumable and
verified), add by path, find in other apps' folders, choose, remove, describe — and the hub
token."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli import err
from app.core.errors import ModelError, UsageError
from app.core.llm.catalog import CATALOG, find_entry
from app.core.llm.discovery import default_roots
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
from app.core.llm.fit import Shape, estimate, explain, machine_memory, verdict
from app.core.llm.gguf_info import GGUFInfo, read_gguf
from app.core.llm.library import MISSING_FIX, ModelLibrary, ModelRecord, choose
from app.core.llm.templates import FORMATS, formats_text
from app.core.llm.templates import check as check_template
from app.core.steward import HUB_TOKEN, SecretStore
from app.language import _t

if TYPE_CHECKING:
    from app.core.steward import Steward

VERIFIED = {
    "hub": "verified by the hub",
    "given": "verified against the hash given",
    "unverified": "unverified (the server gave no hash)",
}


def cmd_models(args: argparse.Namespace, steward: Steward) -> int:
    commands = {
        "pull": _pull,
        "token": _token,
        "list": _list,
        "import": _import,
        "scan": _scan,
        "use": _use,
        "rm": _rm,
        "info": _info,
        "available": _available,
    }
    command = commands.get(args.models_command)
    if command is None:
        raise UsageError(_t("Unknown models command {0!r}.").format(args.models_command))
    return command(args, steward)


def _library(steward: Steward) -> ModelLibrary:
    return ModelLibrary(steward.paths)


def _active(steward: Steward, library: ModelLibrary) -> ModelRecord | None:
    return library.by_path(steward.settings.model_path)


def _as_dict(record: ModelRecord, active: ModelRecord | None) -> dict[str, object]:
    return {
        **asdict(record),
        "where": record.where,
        "missing": record.missing,
        "active": active is not None and record.id == active.id,
    }


def _list(args: argparse.Namespace, steward: Steward) -> int:
    library = _library(steward)
    active = _active(steward, library)
    models = library.all()
    if args.json:
        print(json.dumps([_as_dict(r, active) for r in models], ensure_ascii=False))
        return 0
    width = max(len(r.id) for r in models)
    for record in models:
        mark = "*" if active is not None and record.id == active.id else " "
        state = f"{human_size(record.size):>9}  {record.where}"
        if record.verification:
            state += f", {VERIFIED[record.verification]}"
        if record.missing:
            state = f"MISSING — {record.path} is gone; {MISSING_FIX.format(id=record.id)}"
        print(f"{mark} {record.id.ljust(width)}  {state}")
    if active is None:
        print(
            _t("  (answering with {0}, which is not in this list)").format(
                steward.settings.model_path
            )
        )
    return 0


def _import(args: argparse.Namespace, steward: Steward) -> int:
    library = _library(steward)
    record, new = library.add(Path(args.path))
    if new:
        print(
            _t("Added {0}: {1} ({2}), used in place.").format(
                record.id, record.path, human_size(record.size)
            )
        )
    else:
        print(_t("{0} is listed already, as {1}.").format(record.path, record.id))
    print(_t("Answer with it: steward models use {0}").format(record.id))
    return 0


def _scan(args: argparse.Namespace, steward: Steward) -> int:
    library = _library(steward)
    result = library.scan(default_roots())
    if args.json:
        print(
            json.dumps(
                {
                    "added": [_as_dict(r, None) for r in result.added],
                    "known": result.known,
                    "merged": [{"dropped": d.path, "kept": k.id} for d, k in result.merged],
                },
                ensure_ascii=False,
            )
        )
        return 0
    for record in result.added:
        print(
            _t("Found {0} ({1}, {2}): {3}").format(
                record.id, human_size(record.size), record.where, record.path
            )
        )
    for dropped, kept in result.merged:
        print(_t("{0} is the same file as {1}: listed once.").format(dropped.path, kept.id))
    found = len(result.added)
    print(
        _t(
            "{0} new model{1}{2}. They stay where they are: Steward reads them, never "
            "copies or changes them."
        ).format(
            found,
            "s" if found != 1 else "",
            f", {result.known} listed already" if result.known else "",
        )
    )
    return 0


def _use(args: argparse.Namespace, steward: Steward) -> int:
    library = _library(steward)
    record = library.find(args.name)
    settings = steward.settings
    choose(settings, record, args.format or "")
    steward.settings_store.save(settings)
    chosen = settings.model_settings(record.model_id).chat_format
    print(_t("Steward now answers with {0}.").format(record.name))
    if chosen:
        print(_t("Chat format: {0} ({1}).").format(chosen, FORMATS[chosen][1]))
    return 0


def _rm(args: argparse.Namespace, steward: Steward) -> int:
    library = _library(steward)
    record = library.find(args.name)
    active = _active(steward, library)
    was_active = active is not None and active.id == record.id
    print(library.remove(record))
    if was_active:
        settings = steward.settings
        settings.model_path = ""
        steward.settings_store.save(settings)
        print(_t("It was the model in use: Steward answers with the embedded model again."))
    return 0


def _info(args: argparse.Namespace, steward: Steward) -> int:
    library = _library(steward)
    record = library.find(args.name)
    if record.missing:
        raise ModelError(
            _t("The file of {0} is gone ({1}).").format(record.id, record.path),
            hint=MISSING_FIX.format(id=record.id).capitalize() + ".",
        )
    info = read_gguf(record.file)
    n_ctx = steward.settings.model_settings(record.model_id).n_ctx
    est = estimate(Shape.of(info), n_ctx)
    template = check_template(info.chat_template, info.bos_text, info.eos_text)
    chosen_format = steward.settings.model_settings(record.model_id).chat_format
    memory = machine_memory()
    facts: dict[str, object] = {
        **_as_dict(record, _active(steward, library)),
        "title": info.name,
        "architecture": info.architecture,
        "size_label": info.values.get("general.size_label", ""),
        "context_length": info.context_length,
        "layers": info.layers,
        "chat_template": template.status,
        "chat_format": chosen_format,
        "languages": [str(x) for x in info.values.get("general.languages") or []],
        "license": info.values.get("general.license", ""),
        "memory": {
            "n_ctx": n_ctx,
            "needed": est.total,
            "weights": est.weights,
            "kv_cache": est.kv_cache,
            "overhead": est.overhead,
            "available": memory.available,
            "verdict": verdict(est.total, memory),
        },
    }
    if args.json:
        print(json.dumps(facts, ensure_ascii=False))
        return 0
    print(record.name if record.id in record.name.lower() else f"{record.name} ({record.id})")
    print(
        _t("  file          {0} ({1}, {2})").format(
            record.path, human_size(record.size), record.where
        )
    )
    if record.sha256:
        print(_t("  SHA-256       {0}").format(record.sha256))
    label = f" · {facts['size_label']}" if facts["size_label"] else ""
    print(_t("  model         {0} · {1}{2}").format(info.name, info.architecture, label))
    print(_t("  context       {0:,} tokens trained, {1:,} set").format(info.context_length, n_ctx))
    languages = [str(x) for x in info.values.get("general.languages") or []]
    if languages:
        print(_t("  languages     {0}").format(", ".join(languages)))
    if facts["license"]:
        print(_t("  license       {0}").format(facts["license"]))
    print(_t("  chat template {0}").format(_template_line(record, info, steward)))
    print(_t("  memory        {0}").format(explain(est, memory)))
    return 0


def _template_line(record: ModelRecord, info: GGUFInfo, steward: Steward) -> str:
    chosen = steward.settings.model_settings(record.model_id).chat_format
    if chosen:
        return f"{chosen} ({FORMATS[chosen][1]}), chosen by you"
    result = check_template(info.chat_template, info.bos_text, info.eos_text)
    if result.status == "ok":
        return "from the file; it renders a three-turn conversation"
    return (
        f"needs a choice: {result.problem}. Choose with `steward models use {record.id} "
        f"--format FORMAT` ({formats_text()})"
    )


def _available(args: argparse.Namespace, steward: Steward) -> int:
    """The catalog, with what each model needs against this machine's memory now."""
    memory = machine_memory()
    n_ctx = steward.settings.model_settings().n_ctx
    library = _library(steward)
    have = {Path(r.path).name for r in library.all() if r.origin == "downloaded"}
    rows: list[dict[str, Any]] = []
    for entry in CATALOG:
        est = estimate(entry.shape, n_ctx)
        rows.append(
            {
                "id": entry.id,
                "name": entry.name,
                "parameters": entry.parameters,
                "size": entry.size_bytes,
                "license": entry.license,
                "languages": list(entry.languages),
                "good_for": entry.good_for,
                "needs": est.total,
                "fit": verdict(est.total, memory),
                "downloaded": entry.file in have,
                "url": entry.url,
                "sources": entry.sources,
            }
        )
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    width = max(len(r["id"]) for r in rows)
    for row in rows:
        state = "downloaded" if row["downloaded"] else str(row["fit"])
        print(
            f"{row['id'].ljust(width)}  {human_size(int(row['size'])):>9}  "
            f"{state:<10} {row['license']:<14} {row['good_for']}"
        )
    print(
        _t(
            "Memory at a context of {0:,} tokens, against {1} free now. Download one "
            "with: steward models pull ID"
        ).format(n_ctx, human_size(memory.available))
    )
    return 0


def _pull(args: argparse.Namespace, steward: Steward) -> int:
    name = ""
    if "://" not in args.url:  # a catalog entry by its id
        entry = find_entry(args.url)
        args.url, name = entry.url, entry.name
    dest = destination_for(args.url, steward.paths.models)
    sha256 = checked_sha256(args.sha256)
    if dest.exists():
        known = _library(steward).by_path(str(dest))
        print(_t("Already downloaded: {0}").format(dest))
        if known is not None:
            print(_t("Answer with it: steward models use {0}").format(known.id))
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
                _t(
                    "steward: paused; {0} kept in {1} — run the same command again to resume."
                ).format(human_size(kept), download.part)
            )
            return 130
        finally:
            if bar is not None:
                bar.end()
    record = _library(steward).record_download(
        done.path, sha256=done.sha256, verification=done.verification, source=args.url, name=name
    )
    _report(done, record.id, args.json)
    return 0


def _report(done: Downloaded, record_id: str, as_json: bool) -> None:
    if as_json:
        print(
            json.dumps(
                {
                    "path": str(done.path),
                    "size": done.size,
                    "sha256": done.sha256,
                    "verification": done.verification,
                    "reconnects": done.reconnects,
                    "id": record_id,
                }
            )
        )
        return
    print(
        _t("Downloaded {0} ({1}, {2}).").format(
            done.path, human_size(done.size), VERIFIED[done.verification]
        )
    )
    print(_t("SHA-256 {0}").format(done.sha256))
    print(_t("Answer with it: steward models use {0}").format(record_id))


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
        print(_t("Hub token removed."))
        return 0
    token = os.environ.get("STEWARD_HUB_TOKEN", "")
    if not token and not sys.stdin.isatty():
        token = sys.stdin.readline()
    elif not token:
        import getpass

        token = getpass.getpass("Hub access token: ")
    token = token.strip()
    if not token:
        raise UsageError(_t("No token given (STEWARD_HUB_TOKEN, standard input or the prompt)."))
    secrets.set(HUB_TOKEN, token)
    print(_t("Hub token stored; it is sent only to the hub (or the mirror set in Settings)."))
    return 0
