"""Checks of the installer files that cannot be run on Linux: the macOS entitlements parse as a
property list, and the Inno Setup script has its sections, defines the version it is given
and points at the folder packaging/build.py makes."""

from __future__ import annotations

import plistlib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    problems: list[str] = []
    plist = ROOT / "packaging" / "macos" / "entitlements.plist"
    try:
        entitlements = plistlib.loads(plist.read_bytes())
        if entitlements.get("com.apple.security.cs.disable-library-validation") is not True:
            problems.append(f"{plist}: the bundled libraries need library validation off")
    except Exception as exc:
        problems.append(f"{plist}: not a property list ({exc})")
    iss = (ROOT / "packaging" / "windows" / "steward.iss").read_text()
    sections = set(re.findall(r"^\[(\w+)\]", iss, re.MULTILINE))
    for needed in ("Setup", "Files", "Icons", "Run", "UninstallDelete"):
        if needed not in sections:
            problems.append(f"steward.iss: no [{needed}] section")
    for needed in (
        "PrivilegesRequired=lowest",
        r"dist\steward\*",
        "{#AppVersion}",
        "{uninstallexe}",
    ):
        if needed not in iss:
            problems.append(f"steward.iss: missing {needed}")
    for name in (
        "packaging/windows/steward.ico",
        "packaging/macos/steward.icns",
        "packaging/linux/steward.desktop",
    ):
        if not (ROOT / name).is_file():
            problems.append(f"{name} is missing")
    desktop = (ROOT / "packaging" / "linux" / "steward.desktop").read_text()
    for needed in ("[Desktop Entry]", "Type=Application", "Exec=steward", "Icon=steward"):
        if needed not in desktop:
            problems.append(f"steward.desktop: missing {needed}")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
