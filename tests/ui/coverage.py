"""Which of the windows' buttons, actions and shortcuts the UI tests really trigger, and
which interactive widgets they showed without an accessible name (tests/ui/accessibility.py).

While the UI tests run, every push button and action that exists at the end of a test is
listed as *made*, under the Steward window (or card, or named dialog) that holds it and its
label; every one a test clicks, triggers or reaches by its shortcut is listed as *used* — by
mouse events, keys, or a direct ``click()`` / ``trigger()``, never by calling the slot behind
it. ``make test`` then runs ``python -m tests.ui.coverage``, which fails naming every
control that was made but never used, and every Steward window no test built at all.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import sys
from collections.abc import Iterator
from pathlib import Path

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction, QMouseEvent, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QMenu,
    QPushButton,
    QToolButton,
    QWidget,
)

ROOT = Path(__file__).resolve().parents[2]
RECORD = ROOT / "test-artifacts" / "ui-coverage.json"


def _label(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").strip()


def _owner(obj: QObject | None) -> str:
    """The nearest Steward class (``app.ui``) holding ``obj``, or a named dialog or menu."""
    while obj is not None:
        if named := obj.property("stewardOwner"):
            return str(named)
        kind = type(obj)
        if kind.__module__.startswith("app.ui"):
            return kind.__name__
        if isinstance(obj, QWidget) and obj.isWindow() and obj.objectName():
            return f"{kind.__name__}[{obj.objectName()}]"
        if isinstance(obj, QMenu) and obj.objectName():
            return f"QMenu[{obj.objectName()}]"
        obj = obj.parent()
    return ""


def key_of(obj: QObject) -> str | None:
    """``Owner/label`` for a push button or action of Steward's (None: not one of ours)."""
    if isinstance(obj, QPushButton):
        label = obj.objectName() if obj.objectName().endswith("Button") else ""
        label = label or _label(obj.text()) or obj.toolTip()
        owner = _owner(obj.parent())
    elif isinstance(obj, QAction):
        if obj.isSeparator() or obj.menu() is not None or obj.objectName().startswith("_q_"):
            return None  # (``_q_``: Qt's own, such as a line edit's clear button)
        label = obj.objectName() or _label(obj.text())
        if not obj.shortcut().isEmpty():
            label += f" [{obj.shortcut().toString()}]"
        owner = _owner(obj.parent())
    elif isinstance(obj, QShortcut):
        label = obj.key().toString()
        owner = _owner(obj.parent())
    else:
        return None
    if not owner or not label:
        return None
    return f"{owner}/{label}"


class Recorder(QObject):
    """Installed on the application while a UI test runs."""

    def __init__(self) -> None:
        super().__init__()
        self.made: set[str] = set()
        self.used: set[str] = set()
        self.unnamed: set[str] = set()  # interactive widgets a screen reader cannot name or explain
        self._pressed: QObject | None = None

    def use(self, obj: QObject) -> None:
        if isinstance(obj, QToolButton) and obj.defaultAction() is not None:
            obj = obj.defaultAction()  # the button of an action (one in a line edit)
        if (key := key_of(obj)) is not None:
            self.used.add(key)
            self.made.add(key)  # it existed (a dialog may be gone before the survey)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress and isinstance(watched, QAbstractButton):
            self._pressed = watched
        elif (
            kind == QEvent.Type.MouseButtonRelease
            and isinstance(watched, QAbstractButton)
            and watched is self._pressed
            and isinstance(event, QMouseEvent)
            and watched.rect().contains(event.position().toPoint())
            and watched.isEnabled()
        ) or (kind == QEvent.Type.Shortcut and isinstance(watched, (QAction, QShortcut))):
            self.use(watched)
        return False

    def survey(self) -> None:
        """List every button and action that exists now as made, and every interactive
        widget shown without an accessible name or description."""
        from tests.ui.accessibility import unnamed_widgets

        self.unnamed |= unnamed_widgets()
        for widget in QApplication.allWidgets():
            objects: list[QObject] = [widget, *widget.actions()]
            objects += widget.findChildren(QShortcut)
            for obj in objects:
                if isinstance(obj, QAction) and not obj.isEnabled():
                    continue  # a line of text in a menu ("No runs yet")
                if (key := key_of(obj)) is not None:
                    self.made.add(key)


# the recorder of the test running now: the test's windows are surveyed right after its body
# (pytest_runtest_call in tests/ui/conftest.py), before teardown closes them
active: Recorder | None = None
_original_click = QAbstractButton.click
_original_trigger = QAction.trigger


def recording(recorder: Recorder) -> Iterator[None]:
    """Record while the block runs (a generator for a pytest fixture)."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)

    def click(button: QAbstractButton) -> None:
        if button.isEnabled():
            recorder.use(button)
        _original_click(button)

    def trigger(action: QAction) -> None:
        if action.isEnabled():
            recorder.use(action)
        _original_trigger(action)

    QAbstractButton.click = click  # type: ignore[method-assign]
    QAction.trigger = trigger  # type: ignore[method-assign]
    app.installEventFilter(recorder)
    global active
    active = recorder
    try:
        yield
    finally:
        active = None
        app.removeEventFilter(recorder)
        QAbstractButton.click = _original_click  # type: ignore[method-assign]
        QAction.trigger = _original_trigger  # type: ignore[method-assign]


def save(recorder: Recorder) -> None:
    RECORD.parent.mkdir(exist_ok=True)
    RECORD.write_text(
        json.dumps(
            {
                "made": sorted(recorder.made),
                "used": sorted(recorder.used),
                "unnamed": sorted(recorder.unnamed),
            },
            indent=1,
        )
    )


def steward_windows() -> set[str]:
    """Every widget class (and the tray) the desktop app defines: each must be built by a
    test, or its controls would escape the check. A class that is only a part of another
    (MainWindow is built from ConversationsPane, built from MainWindowLayout) counts as built
    with it: its controls are listed under the class built."""
    import app.ui

    classes: set[type] = set()
    for module_info in pkgutil.iter_modules(app.ui.__path__, "app.ui."):
        module = importlib.import_module(module_info.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and (issubclass(cls, QWidget) or name == "Tray"):
                classes.add(cls)
    parts = {base for cls in classes for base in cls.__mro__[1:] if base in classes}
    return {cls.__name__ for cls in classes - parts}


def main() -> int:
    if not RECORD.exists():
        print(f"{RECORD} is missing: run the UI tests first (make test runs them).")
        return 1
    record = json.loads(RECORD.read_text())
    made, used = set(record["made"]), set(record["used"])
    untested = sorted(made - used)
    owners = {key.split("/", 1)[0] for key in made}
    unbuilt = sorted(steward_windows() - owners - WITHOUT_CONTROLS)
    for key in untested:
        print(f"never triggered by a test: {key}")
    for name in unbuilt:
        print(f"never built by a test (its controls are unchecked): {name}")
    unnamed = record.get("unnamed", [])
    for name in unnamed:
        print(f"a screen reader cannot say what it is or does: {name}")
    print(
        f"UI controls: {len(made)} made by the tests, {len(made & used)} triggered, "
        f"{len(untested)} never; {len(unbuilt)} windows never built; "
        f"{len(unnamed)} interactive widgets without an accessible name or description."
    )
    return 1 if untested or unbuilt or unnamed else 0


# Steward widgets that hold no button, action or shortcut of their own (lists, choices, a label)
WITHOUT_CONTROLS = {"ChatView", "Composer", "ModelPicker", "GeneralPage", "ElidedLabel"}

if __name__ == "__main__":
    sys.exit(main())
