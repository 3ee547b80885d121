"""Every Qt name the code spells out (``QMessageBox.StandardButton.Cancel``, ``Qt.Key.Key_F2``…)
exists in the pinned PySide6. A name that does not exist fails only when its line runs:
``QMessageBox.StandardButton.Delete`` crashed every deletion of a conversation and no test
had clicked it. This reads the code (not its strings or comments) and looks each name up."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from tests.conftest import ROOT


def qt_imports(tree: ast.Module) -> dict[str, str]:
    """Local name → PySide6 module, for ``from PySide6.X import A, B as C``."""
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("PySide6"):
            for alias in node.names:
                found[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return found


def chains(tree: ast.Module) -> set[tuple[str, ...]]:
    """Every attribute chain in the code: ``a.b.c`` → ("a", "b", "c")."""
    seen: set[tuple[str, ...]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            parts: list[str] = []
            current: ast.expr = node
            while isinstance(current, ast.Attribute):
                parts.append(current.attr)
                current = current.value
            if isinstance(current, ast.Name):
                seen.add((current.id, *reversed(parts)))
    return seen


def unknown_qt_names(root: Path) -> tuple[list[str], int]:
    """The Qt names spelled in ``root/app`` that PySide6 does not have, and how many were
    looked up."""
    missing: list[str] = []
    checked = 0
    for path in sorted((root / "app").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imports = qt_imports(tree)
        for chain in chains(tree):
            if chain[0] not in imports:
                continue
            module_name, _, name = imports[chain[0]].rpartition(".")
            value = getattr(importlib.import_module(module_name), name)
            for n, part in enumerate(chain[1:], 1):
                # only names spelled like enum members and nested types: methods called on
                # instances are not looked up statically
                if not part[:1].isupper():
                    break
                if not hasattr(value, part):
                    missing.append(f"{path.relative_to(root)}: {'.'.join(chain[: n + 1])}")
                    break
                value = getattr(value, part)
                checked += 1
    return missing, checked


def test_every_qt_name_in_the_code_exists() -> None:
    missing, checked = unknown_qt_names(ROOT)
    assert checked > 100, "the check found the Qt names it should look up"
    assert missing == []


def test_the_check_finds_a_name_pyside6_does_not_have(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "window.py").write_text(
        "from PySide6.QtWidgets import QMessageBox\n"
        "ok = QMessageBox.StandardButton.Cancel\n"
        "bad = QMessageBox.StandardButton.Delete\n"
    )
    missing, checked = unknown_qt_names(tmp_path)
    assert missing == ["app/window.py: QMessageBox.StandardButton.Delete"]
    assert checked == 4  # every name looked up on the way to each chain's end
