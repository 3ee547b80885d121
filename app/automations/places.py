"""The places a request's words name: paths (~/…, /…, quoted ones with spaces, Windows ones
on Windows), folders and notes files named by their name alone, and the places no drafted
workflow may touch."""

from __future__ import annotations

import re
import sys

# folders people name by their name alone ("my Downloads folder")
KNOWN_FOLDERS = {
    "downloads": "~/Downloads",
    "documents": "~/Documents",
    "desktop": "~/Desktop",
    "pictures": "~/Pictures",
    "photos": "~/Pictures",
    "music": "~/Music",
    "videos": "~/Videos",
    "projects": "~/Projects",
}
# notes files people name by their name alone ("append this to my journal")
KNOWN_NOTES = {
    "journal": "~/Notes/journal.md",
    "todo": "~/Notes/todo.md",
    "to-do": "~/Notes/todo.md",
    "notes": "~/Notes/notes.md",
}
# places no drafted workflow may touch: keys, passwords, system configuration
SENSITIVE = (
    "~/.ssh",
    "~/.gnupg",
    "~/.aws",
    "~/.config/gcloud",
    "~/.kube",
    "~/.password-store",
    "~/.local/share/keyrings",
    "~/.netrc",
    "~/.bash_history",
    "~/.bashrc",
    "~/.bash_profile",
    "~/.profile",
    "~/.zshrc",
    "/etc",
    "/root",
    "/boot",
    "/var/lib",
)

TRAIL = ".,;:!?)]}'\"`"
PATH = re.compile(r"(?<![\w/.:])(~(?:/[^\s,;'\"()<>`]*)?|/(?:[\w.\-]+/?)+)")
# "C:\\Users\\me\\Documents\\report.docx", "D:/Backup": a place on Windows
_DRIVE_PATH = re.compile(r"(?<![\w/\\])([A-Za-z]:[\\/][^\s,;'\"()<>`]*)")
WINDOWS = sys.platform == "win32"
# "./notes/today.md", "../report.txt": relative to a folder the request does not say
_RELATIVE_PATH = re.compile(r"(?<![\w/~.])(\.{1,2}/[^\s,;'\"()<>`]+)")
KNOWN_PATH = re.compile(
    r"\b(" + "|".join(KNOWN_FOLDERS) + r")((?:/[\w.\-]+)+/?)?(?=[\s,.;:!?)'\"]|$)", re.I
)
QUOTED_PATH = re.compile(r"[\"'“‘]((?:~|/)[^\"'“”‘’\n]{1,298}?)[\"'”’]")


def clean(path: str) -> str:
    path = path.rstrip(TRAIL) if not path.endswith("/") else path
    while path.endswith(tuple(TRAIL)):
        path = path[:-1]
    return path


def places_in(text: str, unclear: list[str]) -> list[tuple[int, str]]:
    """The paths written in ``text`` with where they start. A Windows path is one on Windows;
    elsewhere it names no place here, and ``unclear`` gets the question to ask (so does a
    relative path)."""
    found = [(m.start(), clean(m.group(1))) for m in PATH.finditer(text)]
    for match in _RELATIVE_PATH.finditer(text):
        path = clean(match.group(1))
        unclear.append(
            f"Which folder is {path} in? Give its full path, like ~/{path.lstrip('./')}."
        )
    for match in _DRIVE_PATH.finditer(text):
        path = clean(match.group(1))
        if WINDOWS:
            found.append((match.start(), path))
        elif not any(path in said for said in unclear):
            unclear.append(
                f"{path} is a Windows path, and this computer does not run Windows: which "
                "folder (or file) here do you mean? Name it like ~/Documents/report.docx."
            )
    return found


def normalize_path(path: str) -> str:
    """One spelling per place: no trailing slash, no doubled slashes."""
    path = re.sub(r"/{2,}", "/", path)
    return path.rstrip("/") or path


def is_sensitive(path: str) -> bool:
    text = normalize_path(path)
    for place in SENSITIVE:
        if text == place or text.startswith(place + "/"):
            return True
    return bool(re.search(r"(^|/)\.(ssh|gnupg|aws|password-store)(/|$)|id_(rsa|ed25519)", text))


__all__ = [
    "KNOWN_FOLDERS",
    "KNOWN_NOTES",
    "KNOWN_PATH",
    "PATH",
    "QUOTED_PATH",
    "SENSITIVE",
    "TRAIL",
    "WINDOWS",
    "clean",
    "is_sensitive",
    "normalize_path",
    "places_in",
]
