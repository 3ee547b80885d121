"""Files: list, read, write, append, move, copy, delete (to Steward's trash, restorable).

The runner has already checked every path against the workflow's granted folders. Each
action then works through ``context.granted(path, kind)``, the granted folder as a
:class:`GrantedTree`: every folder on the way to the target is opened without following
links, and the target is used relative to its folder's handle, so a link planted or
swapped in anywhere below the grant is refused, never followed. Changes go through
``context.preserve``/``context.trash`` so a run can be undone.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from app.automations.api import (
    N_,
    Action,
    ActionContext,
    FileKind,
    GrantedTree,
    Permission,
    Planning,
    RegisterAction,
    amount_of_text,
    hookimpl,
    in_thread,
    integer,
    params,
    text,
)
from app.automations.builtins import asks

PATH = text(4096, N_("An absolute path (or ~/…)"))
MAX_TEXT = 1_000_000
LIST_LIMIT = 1000


def list_folder(context: ActionContext, p: dict[str, Any]) -> dict[str, Any]:
    folder = Path(p["folder"])
    pattern = p.get("pattern", "*")
    if pattern.startswith(("/", "~")) or ".." in Path(pattern).parts:
        raise ValueError("the pattern must stay inside the folder (no '..' or absolute paths)")
    tree = context.granted(folder, "files.read")
    info = tree.lstat(folder)
    if info is None or not stat.S_ISDIR(info.st_mode):
        raise FileNotFoundError(f"{folder} is not a folder")
    kind = p.get("kind", "files")
    limit = p.get("limit", 200)
    found = folder.rglob(pattern) if p.get("recursive", False) else folder.glob(pattern)
    names: list[str] = []
    for path in sorted(found):
        # what stands there itself: a link (even to a file inside) is not listed, so no
        # later step is handed a name that leads somewhere else
        entry = tree.lstat(path) if tree.contains(path) else None
        if entry is None or stat.S_ISLNK(entry.st_mode):
            continue
        if (kind == "files" and not stat.S_ISREG(entry.st_mode)) or (
            kind == "folders" and not stat.S_ISDIR(entry.st_mode)
        ):
            continue
        if not _below_without_links(tree, path):
            continue
        names.append(str(path))
        if len(names) >= limit:
            break
    return {"files": names, "count": len(names)}


def _below_without_links(tree: GrantedTree, path: Path) -> bool:
    """True when no folder between the grant and ``path`` is a link (rglob follows none,
    but a folder could have been swapped for one while listing)."""
    try:
        with tree.parent(path):
            return True
    except PermissionError:
        return False


def read_text(context: ActionContext, p: dict[str, Any]) -> str:
    path = Path(p["path"])
    tree = context.granted(path, "files.read")
    return str(tree.read_text(path, p.get("max_chars", 100_000)))


def write_text(context: ActionContext, p: dict[str, Any]) -> dict[str, Any]:
    path = Path(p["path"])
    tree = context.granted(path, "files.write")
    existing = tree.lstat(path)
    if existing is not None and stat.S_ISDIR(existing.st_mode):
        raise IsADirectoryError(f"{path} is a folder")
    if existing is not None and not p.get("overwrite", True):
        raise FileExistsError(f"{path} exists and overwrite is off")
    context.preserve(path)
    tree.write_bytes(path, p["text"].encode("utf-8"))
    return {"path": str(path), "chars": len(p["text"])}


def append_text(context: ActionContext, p: dict[str, Any]) -> dict[str, Any]:
    path = Path(p["path"])
    tree = context.granted(path, "files.write")
    context.preserve(path)
    add = p["text"] if p["text"].endswith("\n") or not p.get("newline", True) else p["text"] + "\n"
    tree.append_bytes(path, add.encode("utf-8"))
    return {"path": str(path), "chars": len(add)}


def _target(
    context: ActionContext, p: dict[str, Any], source_kind: FileKind
) -> tuple[GrantedTree, GrantedTree, Path, Path]:
    """The source's tree, the destination's tree, the source and the final target (a name
    inside the destination when it is a folder), each checked where it is used."""
    source = Path(p["source"])
    source_tree = context.granted(source, source_kind)
    if source_tree.lstat(source) is None:
        raise FileNotFoundError(f"{source} does not exist")
    destination: str = p["destination"]
    folder = Path(destination)
    target_tree = context.granted(folder, "files.write")
    at_folder = target_tree.lstat(folder)
    into = destination.endswith(("/", os.sep)) or (
        at_folder is not None and stat.S_ISDIR(at_folder.st_mode)
    )
    target = folder / source.name if into else folder
    if not target_tree.contains(target):
        raise PermissionError(f"{target} is outside the granted folders")
    if target == source or source in target.parents:
        raise ValueError(f"{source} cannot go into itself ({target})")
    if target_tree.lstat(target) is not None and not p.get("overwrite", False):
        raise FileExistsError(f"{target} exists and overwrite is off")
    return source_tree, target_tree, source, target


def move(context: ActionContext, p: dict[str, Any]) -> dict[str, Any]:
    source_tree, target_tree, source, target = _target(context, p, "files.write")
    context.preserve(source)
    context.preserve(target)
    if target_tree.lstat(target) is not None:
        target_tree.remove(target)  # kept by preserve; a link there is removed, not followed
    source_tree.move_within(target_tree, source, target)
    return {"path": str(target)}


def copy(context: ActionContext, p: dict[str, Any]) -> dict[str, Any]:
    source_tree, target_tree, source, target = _target(context, p, "files.read")
    context.preserve(target)
    existing = target_tree.lstat(target)
    if existing is not None and stat.S_ISLNK(existing.st_mode):
        target_tree.remove(target)  # replace the link itself, never write through it
    target_tree.copy_in(source_tree, source, target)
    return {"path": str(target)}


def delete(context: ActionContext, p: dict[str, Any]) -> dict[str, Any]:
    path = Path(p["path"])
    tree = context.granted(path, "files.write")
    if tree.lstat(path) is None:
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
            planning=Planning(
                "list",
                "source",
                (asks.LISTING,),
                reads="folder",
                paths={"folder": "folder"},
                term="files.list",
            ),
            title=N_("List a folder"),
            description="The files (or folders) in a folder matching a glob pattern, optionally "
            "in every subfolder too.",
            parameters=params(
                ("folder",),
                folder=PATH,
                pattern=text(200, N_("A glob pattern such as *.pdf"), default="*"),
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
            describe_in={
                "zh": lambda p: (
                    f"列出 {p['folder']}"
                    + ("（含子文件夹）" if p.get("recursive") else "")
                    + f" 中的 {p.get('pattern', '*')}"
                )
            },
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
            planning=Planning(
                "read", "source", reads="file", paths={"path": "file"}, term="files.read"
            ),
            title=N_("Read a text file"),
            description="The text of a file (UTF-8), up to max_chars characters.",
            parameters=params(
                ("path",), path=PATH, max_chars=integer(1, MAX_TEXT, default=100_000)
            ),
            output=text(MAX_TEXT),
            permissions=(Permission("files.read", "path"),),
            run=in_thread(read_text),
            describe_in={"zh": lambda p: f"读取 {p['path']}"},
            describe=lambda p: f"Read {p['path']}",
            retries=1,
            reads_only=True,
        )
    )
    register(
        Action(
            id="files.write",
            planning=Planning(
                "write",
                "store",
                (asks.SAVING, asks.NOTE),
                paths={"path": "file"},
                term="files.write",
            ),
            title=N_("Write a text file"),
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
            describe_in={
                "zh": lambda p: f"把 {amount_of_text(p.get('text', ''), 'zh')} 写入 {p['path']}"
            },
            describe=lambda p: f"Write {amount_of_text(p.get('text', ''))} to {p['path']}",
        )
    )
    register(
        Action(
            id="files.append",
            planning=Planning(
                "append",
                "store",
                (asks.NOTE, asks.SAVING),
                paths={"path": "file"},
                term="files.append",
            ),
            title=N_("Append to a text file"),
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
            describe_in={
                "zh": lambda p: f"把 {amount_of_text(p.get('text', ''), 'zh')} 追加到 {p['path']}"
            },
            describe=lambda p: f"Append {amount_of_text(p.get('text', ''))} to {p['path']}",
        )
    )
    register(
        Action(
            id="files.move",
            planning=Planning(
                "move", "chore", (asks.MOVING,), only_when_asked=True, term="files.move"
            ),
            title=N_("Move or rename"),
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
            describe_in={"zh": lambda p: f"把 {p['source']} 移到 {p['destination']}"},
            describe=lambda p: f"Move {p['source']} to {p['destination']}",
        )
    )
    register(
        Action(
            id="files.copy",
            planning=Planning("copy", "chore", (asks.COPYING,), term="files.copy"),
            title=N_("Copy"),
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
            describe_in={"zh": lambda p: f"把 {p['source']} 复制到 {p['destination']}"},
            describe=lambda p: f"Copy {p['source']} to {p['destination']}",
        )
    )
    register(
        Action(
            id="files.delete",
            planning=Planning(
                "delete", "chore", (asks.DELETING,), only_when_asked=True, term="files.delete"
            ),
            title=N_("Delete (to Steward's trash)"),
            description="Move a file or folder to Steward's trash; undoing the run restores it.",
            parameters=params(
                ("path",), path=PATH, missing_ok={"type": "boolean", "default": False}
            ),
            output=params(("path",), path=PATH, trashed={"type": "boolean"}),
            permissions=(Permission("files.write", "path"),),
            run=in_thread(delete),
            describe_in={"zh": lambda p: f"删除 {p['path']}（移到 Steward 的回收站）"},
            describe=lambda p: f"Delete {p['path']} (to Steward's trash)",
        )
    )
