"""Files: list, read, write, append, move, copy, delete (to Steward's trash, restorable).

The runner has already checked every path against the workflow's granted folders and passes
the real path (symlinks resolved). Changes go through ``context.preserve``/``context.trash``
so a run can be undone.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from app.automations.api import (
    Action,
    ActionContext,
    Permission,
    RegisterAction,
    amount_of_text,
    hookimpl,
    in_thread,
    integer,
    params,
    text,
)

PATH = text(4096, "An absolute path (or ~/…)")
MAX_TEXT = 1_000_000
LIST_LIMIT = 1000


def _inside(path: Path, folder: Path) -> bool:
    real = Path(os.path.realpath(path))
    return real == folder or folder in real.parents


def list_folder(context: ActionContext, p: dict[str, Any]) -> dict[str, Any]:
    folder = Path(p["folder"])
    pattern = p.get("pattern", "*")
    if pattern.startswith(("/", "~")) or ".." in Path(pattern).parts:
        raise ValueError("the pattern must stay inside the folder (no '..' or absolute paths)")
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder")
    kind = p.get("kind", "files")
    limit = p.get("limit", 200)
    found = folder.rglob(pattern) if p.get("recursive", False) else folder.glob(pattern)
    names: list[str] = []
    for path in sorted(found):
        if (kind == "files" and not path.is_file()) or (kind == "folders" and not path.is_dir()):
            continue
        if not _inside(path, folder):  # a symlink leading out of the folder
            continue
        names.append(str(path))
        if len(names) >= limit:
            break
    return {"files": names, "count": len(names)}


def read_text(context: ActionContext, p: dict[str, Any]) -> str:
    path = Path(p["path"])
    limit = p.get("max_chars", 100_000)
    with path.open(encoding="utf-8", errors="replace") as handle:
        return handle.read(limit)


def _write(path: Path, data: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.steward-tmp")
    tmp.write_text(data, encoding="utf-8")
    os.replace(tmp, path)


def write_text(context: ActionContext, p: dict[str, Any]) -> dict[str, Any]:
    path = Path(p["path"])
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder")
    if path.exists() and not p.get("overwrite", True):
        raise FileExistsError(f"{path} exists and overwrite is off")
    context.preserve(path)
    _write(path, p["text"])
    return {"path": str(path), "chars": len(p["text"])}


def append_text(context: ActionContext, p: dict[str, Any]) -> dict[str, Any]:
    path = Path(p["path"])
    context.preserve(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    add = p["text"] if p["text"].endswith("\n") or not p.get("newline", True) else p["text"] + "\n"
    with path.open("a", encoding="utf-8") as handle:
        handle.write(add)
    return {"path": str(path), "chars": len(add)}


def _target(source: Path, destination: str, overwrite: bool) -> Path:
    if not source.exists():
        raise FileNotFoundError(f"{source} does not exist")
    folder = Path(destination)
    into = destination.endswith(("/", os.sep)) or folder.is_dir()
    target = folder / source.name if into else folder
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} exists and overwrite is off")
    return target


def move(context: ActionContext, p: dict[str, Any]) -> dict[str, Any]:
    source = Path(p["source"])
    target = _target(source, p["destination"], p.get("overwrite", False))
    context.preserve(source)
    context.preserve(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(source), target)
    return {"path": str(target)}


def copy(context: ActionContext, p: dict[str, Any]) -> dict[str, Any]:
    source = Path(p["source"])
    target = _target(source, p["destination"], p.get("overwrite", False))
    context.preserve(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
    else:
        shutil.copy2(source, target)
    return {"path": str(target)}


def delete(context: ActionContext, p: dict[str, Any]) -> dict[str, Any]:
    path = Path(p["path"])
    if not path.exists():
        if p.get("missing_ok", False):
            return {"path": str(path), "trashed": False}
        raise FileNotFoundError(f"{path} does not exist")
    context.trash(path)
    return {"path": str(path), "trashed": True}


PATH_OUT = params(("path",), path=PATH)


@hookimpl
def register_actions(register: RegisterAction) -> None:
    register(
        Action(
            id="files.list",
            title="List a folder",
            description="The files (or folders) in a folder matching a glob pattern, optionally "
            "in every subfolder too.",
            parameters=params(
                ("folder",),
                folder=PATH,
                pattern=text(200, "A glob pattern such as *.pdf", default="*"),
                recursive={"type": "boolean", "default": False},
                kind={"enum": ["files", "folders", "all"], "default": "files"},
                limit=integer(1, LIST_LIMIT, default=200),
            ),
            output=params(
                ("files", "count"),
                files={"type": "array", "items": text(4096), "maxItems": LIST_LIMIT},
                count=integer(0, LIST_LIMIT),
            ),
            permissions=(Permission("files.read", "folder"),),
            run=in_thread(list_folder),
            describe=lambda p: (
                f"List {p.get('pattern', '*')} in {p['folder']}"
                + (" and its subfolders" if p.get("recursive") else "")
            ),
            retries=1,
            reads_only=True,
        )
    )
    register(
        Action(
            id="files.read",
            title="Read a text file",
            description="The text of a file (UTF-8), up to max_chars characters.",
            parameters=params(
                ("path",), path=PATH, max_chars=integer(1, MAX_TEXT, default=100_000)
            ),
            output=text(MAX_TEXT),
            permissions=(Permission("files.read", "path"),),
            run=in_thread(read_text),
            describe=lambda p: f"Read {p['path']}",
            retries=1,
            reads_only=True,
        )
    )
    register(
        Action(
            id="files.write",
            title="Write a text file",
            description="Write text to a file, replacing it (the old version can be restored by "
            "undoing the run).",
            parameters=params(
                ("path", "text"),
                path=PATH,
                text=text(MAX_TEXT),
                overwrite={"type": "boolean", "default": True},
            ),
            output=params(("path",), path=PATH, chars=integer(0, MAX_TEXT)),
            permissions=(Permission("files.write", "path"),),
            run=in_thread(write_text),
            describe=lambda p: f"Write {amount_of_text(p.get('text', ''))} to {p['path']}",
        )
    )
    register(
        Action(
            id="files.append",
            title="Append to a text file",
            description="Add text at the end of a file (created when missing).",
            parameters=params(
                ("path", "text"),
                path=PATH,
                text=text(MAX_TEXT),
                newline={"type": "boolean", "default": True},
            ),
            output=params(("path",), path=PATH, chars=integer(0, MAX_TEXT + 1)),
            permissions=(Permission("files.write", "path"),),
            run=in_thread(append_text),
            describe=lambda p: f"Append {amount_of_text(p.get('text', ''))} to {p['path']}",
        )
    )
    register(
        Action(
            id="files.move",
            title="Move or rename",
            description="Move a file or folder (into destination when it is a folder).",
            parameters=params(
                ("source", "destination"),
                source=PATH,
                destination=PATH,
                overwrite={"type": "boolean", "default": False},
            ),
            output=PATH_OUT,
            permissions=(
                Permission("files.write", "source"),
                Permission("files.write", "destination"),
            ),
            run=in_thread(move),
            describe=lambda p: f"Move {p['source']} to {p['destination']}",
        )
    )
    register(
        Action(
            id="files.copy",
            title="Copy",
            description="Copy a file or folder (into destination when it is a folder).",
            parameters=params(
                ("source", "destination"),
                source=PATH,
                destination=PATH,
                overwrite={"type": "boolean", "default": False},
            ),
            output=PATH_OUT,
            permissions=(
                Permission("files.read", "source"),
                Permission("files.write", "destination"),
            ),
            run=in_thread(copy),
            describe=lambda p: f"Copy {p['source']} to {p['destination']}",
        )
    )
    register(
        Action(
            id="files.delete",
            title="Delete (to Steward's trash)",
            description="Move a file or folder to Steward's trash; undoing the run restores it.",
            parameters=params(
                ("path",), path=PATH, missing_ok={"type": "boolean", "default": False}
            ),
            output=params(("path",), path=PATH, trashed={"type": "boolean"}),
            permissions=(Permission("files.write", "path"),),
            run=in_thread(delete),
            describe=lambda p: f"Delete {p['path']} (to Steward's trash)",
        )
    )
