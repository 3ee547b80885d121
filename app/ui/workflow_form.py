"""A workflow edited as a form: its name, what starts it, each step's action and parameters
(fields made from the action's own parameter schema), and the permissions; validated as it
is edited, saved only when valid. The JSON editor stays one click away for anything the
form does not show (it keeps every field it does not know untouched)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QLocale, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.automations.compiler import derive_permissions
from app.automations.intent import WEEKDAYS
from app.automations.review import review
from app.automations.sensitive import sensitive_findings
from app.automations.workflow import validate
from app.language import _t
from app.ui.automations_panel import JsonEditor, show_validity
from app.ui.dialogs import reject_or_ask
from app.ui.i18n import QT_TR_NOOP, review_language, tr

if TYPE_CHECKING:
    from app.automations.service import Automations

SCHEDULE_MODES = ("at", "every_minutes", "cron")


# the built-in actions' parameters and choices in words (a plugin's are shown as they are)
PARAM_WORDS = {
    "args": QT_TR_NOOP("args"),
    "at": QT_TR_NOOP("at"),
    "body": QT_TR_NOOP("body"),
    "catch_up": QT_TR_NOOP("catch up"),
    "check": QT_TR_NOOP("check"),
    "contains": QT_TR_NOOP("contains"),
    "content_type": QT_TR_NOOP("content type"),
    "cron": QT_TR_NOOP("cron"),
    "cwd": QT_TR_NOOP("cwd"),
    "destination": QT_TR_NOOP("destination"),
    "events": QT_TR_NOOP("events"),
    "every_minutes": QT_TR_NOOP("every minutes"),
    "file": QT_TR_NOOP("file"),
    "folder": QT_TR_NOOP("folder"),
    "headers": QT_TR_NOOP("headers"),
    "heading": QT_TR_NOOP("heading"),
    "ignore_case": QT_TR_NOOP("ignore case"),
    "input": QT_TR_NOOP("input"),
    "instruction": QT_TR_NOOP("instruction"),
    "invert": QT_TR_NOOP("invert"),
    "kind": QT_TR_NOOP("kind"),
    "labels": QT_TR_NOOP("labels"),
    "limit": QT_TR_NOOP("limit"),
    "max_bytes": QT_TR_NOOP("max bytes"),
    "max_chars": QT_TR_NOOP("max chars"),
    "max_tokens": QT_TR_NOOP("max tokens"),
    "missing_ok": QT_TR_NOOP("missing ok"),
    "newline": QT_TR_NOOP("newline"),
    "overwrite": QT_TR_NOOP("overwrite"),
    "path": QT_TR_NOOP("path"),
    "pattern": QT_TR_NOOP("pattern"),
    "program": QT_TR_NOOP("program"),
    "recursive": QT_TR_NOOP("recursive"),
    "skip_blank": QT_TR_NOOP("skip blank"),
    "source": QT_TR_NOOP("source"),
    "task": QT_TR_NOOP("task"),
    "template": QT_TR_NOOP("template"),
    "text": QT_TR_NOOP("text"),
    "timeout_s": QT_TR_NOOP("timeout s"),
    "title": QT_TR_NOOP("title"),
    "url": QT_TR_NOOP("url"),
}
CHOICE_WORDS = {
    "all": QT_TR_NOOP("all"),
    "classify": QT_TR_NOOP("classify"),
    "custom": QT_TR_NOOP("custom"),
    "extract": QT_TR_NOOP("extract"),
    "files": QT_TR_NOOP("files"),
    "folders": QT_TR_NOOP("folders"),
    "form": QT_TR_NOOP("form"),
    "json": QT_TR_NOOP("json"),
    "summarize": QT_TR_NOOP("summarize"),
    "text": QT_TR_NOOP("plain text"),
    True: QT_TR_NOOP("yes"),
    False: QT_TR_NOOP("no"),
}


def choice_text(option: Any) -> str:
    """A choice as the form shows it (the workflow keeps the value itself)."""
    word = CHOICE_WORDS.get(option) if isinstance(option, (str, bool)) else None
    return tr(word) if word else str(option)


class ParamField:
    """One parameter as a widget, from its schema; ``value()`` is None when left empty."""

    def __init__(self, name: str, schema: dict[str, Any], value: Any, required: bool) -> None:
        self.name = name
        self.schema = schema
        self.required = required
        kind = schema.get("type")
        self.widget: QComboBox | QLineEdit
        if "enum" in schema or kind == "boolean":
            box = QComboBox()
            options = list(schema.get("enum", [True, False]))
            if not required:
                box.addItem(tr("(default)"), None)
            for option in options:
                box.addItem(choice_text(option), option)
            index = box.findData(value) if value is not None else 0
            box.setCurrentIndex(max(index, 0))
            self.widget = box
        else:
            edit = QLineEdit()
            if kind in ("array", "object") or (value is not None and not isinstance(value, str)):
                edit.setText("" if value is None else json.dumps(value, ensure_ascii=False))
                edit.setPlaceholderText(
                    tr('JSON, e.g. ["--short"]') if kind == "array" else tr("JSON")
                )
            else:
                edit.setText("" if value is None else str(value))
                if schema.get("description"):
                    edit.setPlaceholderText(_t(str(schema["description"])))
            self.widget = edit
        self.widget.setAccessibleDescription(
            _t(str(schema["description"]))
            if schema.get("description")
            else tr("“{0}”, given to this step's action").format(name)
        )

    def value(self) -> tuple[Any, str | None]:
        """The value (None = left out) and a problem with what was typed."""
        if isinstance(self.widget, QComboBox):
            return self.widget.currentData(), None
        text = self.widget.text()
        if not text.strip():
            return None, None
        kind = self.schema.get("type")
        if kind == "integer" and "{{" not in text:
            try:
                return int(text.strip()), None
            except ValueError:
                return None, tr("{0}: must be a whole number").format(self.name)
        if kind in ("array", "object") and "{{" not in text:
            try:
                return json.loads(text), None
            except json.JSONDecodeError:
                return None, tr("{0}: must be JSON ({1})").format(self.name, kind)
        return text, None

    def on_change(self, callback: Callable[[], None]) -> None:
        if isinstance(self.widget, QComboBox):
            self.widget.currentIndexChanged.connect(callback)
        else:
            self.widget.textChanged.connect(callback)


class StepEditor(QGroupBox):
    def __init__(self, form: WorkflowForm, step: dict[str, Any]) -> None:
        super().__init__()
        self.form = form
        self.step = copy.deepcopy(step)
        self.fields: list[ParamField] = []
        self.action = QComboBox()
        for action in sorted(form.automations.registry.actions.values(), key=lambda a: a.id):
            self.action.addItem(f"{_t(action.title)} ({action.id})", action.id)
        self.action.setCurrentIndex(max(self.action.findData(step.get("action")), 0))
        self.action.setAccessibleName(tr("Action"))
        self.for_each = QLineEdit(step.get("for_each") or "")
        self.for_each.setPlaceholderText(tr("optional: {{steps.ID.output.files}}"))
        self.up = QPushButton(tr("Up"))
        self.down = QPushButton(tr("Down"))
        self.remove = QPushButton(tr("Remove"))
        for widget, text in (
            (self.action, tr("What this step does; its settings follow")),
            (self.for_each, tr("Repeat this step for every item of an earlier step's output")),
            (self.up, tr("Move this step before the one above it")),
            (self.down, tr("Move this step after the one below it")),
            (self.remove, tr("Remove this step")),
        ):
            widget.setToolTip(text)
        row = QHBoxLayout()
        row.addWidget(self.action, 1)
        for button in (self.up, self.down, self.remove):
            row.addWidget(button)
        self.params = QFormLayout()
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addLayout(self.params)
        extra = QFormLayout()
        extra.addRow(tr("For each"), self.for_each)
        layout.addLayout(extra)
        self._fill()
        self.action.currentIndexChanged.connect(self._on_action_changed)
        self.for_each.textChanged.connect(form.changed)
        self.up.clicked.connect(lambda: form.move_step(self, -1))
        self.down.clicked.connect(lambda: form.move_step(self, 1))
        self.remove.clicked.connect(lambda: form.remove_step(self))

    def _fill(self) -> None:
        while self.params.rowCount():
            self.params.removeRow(0)
        self.fields = []
        action = self.form.automations.registry.actions.get(self.action.currentData())
        if action is None:
            return
        schema = action.parameters
        required = set(schema.get("required", []))
        values = self.step.get("params", {})
        for name, prop in schema.get("properties", {}).items():
            field = ParamField(name, dict(prop), values.get(name), name in required)
            field.on_change(self.form.changed)
            word = tr(PARAM_WORDS[name]) if name in PARAM_WORDS else name
            label = f"{word}{' *' if name in required else ''}"
            self.params.addRow(label, field.widget)
            self.fields.append(field)

    def _on_action_changed(self) -> None:
        self.step["params"] = {}
        self._fill()
        self.form.changed()

    def document(self) -> tuple[dict[str, Any], list[str]]:
        step = {k: v for k, v in self.step.items() if k not in ("action", "params", "for_each")}
        step["action"] = self.action.currentData()
        params: dict[str, Any] = {}
        problems = []
        for field in self.fields:
            value, problem = field.value()
            if problem:
                problems.append(problem)
            elif value is not None:
                params[field.name] = value
        step["params"] = params
        if self.for_each.text().strip():
            step["for_each"] = self.for_each.text().strip()
        return step, problems


class WorkflowForm(QDialog):
    """Edit a workflow as a form; ``document`` is the valid result when accepted."""

    def __init__(
        self, automations: Automations, document: dict[str, Any], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Edit workflow — Steward"))
        self.automations = automations
        self.original = copy.deepcopy(document)
        self.document: dict[str, Any] = copy.deepcopy(document)
        self.permissions: list[dict[str, str]] = list(document.get("permissions", []))
        self.steps: list[StepEditor] = []

        self.name = QLineEdit(str(document.get("name", "")))
        self.trigger_type = QComboBox()
        for offered in automations.registry.triggers.values():
            self.trigger_type.addItem(_t(offered.title), offered.id)
        trigger: dict[str, Any] = dict(document.get("trigger", {"type": "manual"}))
        self.trigger_type.setCurrentIndex(max(self.trigger_type.findData(trigger.get("type")), 0))
        self.mode = QComboBox()
        for label, mode in (
            (tr("At a time of day"), "at"),
            (tr("Every N minutes"), "every_minutes"),
            (tr("Cron expression"), "cron"),
        ):
            self.mode.addItem(label, mode)
        at = trigger.get("at", {})
        self.mode.setCurrentIndex(
            next((i for i, m in enumerate(SCHEDULE_MODES) if m in trigger), 0)
        )
        self.hour = QSpinBox(minimum=0, maximum=23, value=int(at.get("hour", 8)))
        self.minute = QSpinBox(minimum=0, maximum=59, value=int(at.get("minute", 0)))
        self.hour.setAccessibleName(tr("Hour"))
        self.minute.setAccessibleName(tr("Minute"))
        # the locale's short day names, Monday (1) first
        day_name = QLocale().dayName
        self.days = [QCheckBox(day_name(n, QLocale.FormatType.ShortFormat)) for n in range(1, 8)]
        chosen = at.get("weekdays") or list(WEEKDAYS)
        for box, day in zip(self.days, WEEKDAYS, strict=True):
            box.setChecked(day in chosen)
        self.every = QSpinBox(
            minimum=1, maximum=7 * 24 * 60, value=int(trigger.get("every_minutes", 60))
        )
        self.cron = QLineEdit(str(trigger.get("cron", "")))
        self.cron.setPlaceholderText(tr("minute hour day month weekday, e.g. 0 9 * * 1-5"))
        self.folder = QLineEdit(str(trigger.get("folder", "")))
        self.pattern = QLineEdit(str(trigger.get("pattern", "*")))
        self.trigger_extra = {
            k: v
            for k, v in trigger.items()
            if k not in ("type", "at", "every_minutes", "cron", "folder", "pattern")
        }

        top = QFormLayout()
        top.addRow(tr("Name"), self.name)
        top.addRow(tr("Starts"), self.trigger_type)
        self.schedule_box = QWidget()
        schedule = self.schedule_form = QFormLayout(self.schedule_box)
        schedule.setContentsMargins(0, 0, 0, 0)
        schedule.addRow(tr("Schedule"), self.mode)
        clock = QHBoxLayout()
        clock.addWidget(self.hour)
        clock.addWidget(QLabel(":"))
        clock.addWidget(self.minute)
        clock.addStretch(1)
        schedule.addRow(tr("Time"), clock)
        days = QHBoxLayout()
        for box in self.days:
            days.addWidget(box)
        schedule.addRow(tr("Days"), days)
        schedule.addRow(tr("Every (minutes)"), self.every)
        schedule.addRow(tr("Cron"), self.cron)
        self.watch_box = QWidget()
        watch = QFormLayout(self.watch_box)
        watch.setContentsMargins(0, 0, 0, 0)
        watch.addRow(tr("Folder"), self.folder)
        watch.addRow(tr("Files matching"), self.pattern)
        top.addRow(self.schedule_box)
        top.addRow(self.watch_box)

        self.steps_layout = QVBoxLayout()
        self.steps_layout.addStretch(1)  # steps go above it, at their natural height
        steps_widget = QWidget()
        steps_widget.setLayout(self.steps_layout)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(steps_widget)
        self.add_step_button = QPushButton(tr("Add step"))
        self.fit_button = QPushButton(tr("Fit permissions to the steps"))
        self.json_button = QPushButton(tr("Edit as JSON…"))
        self.permission_text = QLabel()
        self.permission_text.setWordWrap(True)
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        for widget, text in (
            (self.name, tr("How the workflow is listed")),
            (self.trigger_type, tr("What starts the workflow")),
            (self.mode, tr("How the start times are given")),
            (self.hour, tr("The hour it starts, 0 to 23")),
            (self.minute, tr("The minute it starts")),
            (self.every, tr("Minutes between two starts")),
            (self.cron, tr("Five fields: minute, hour, day, month, weekday")),
            (self.folder, tr("The folder watched for new files")),
            (self.pattern, tr("Only files whose names match start it, e.g. *.pdf")),
            (self.add_step_button, tr("Add a step at the end")),
            (self.fit_button, tr("Grant exactly what the steps need, and nothing more")),
            (self.json_button, tr("Edit the whole workflow as JSON")),
            (save, tr("Save the changed workflow")),
            (
                self.buttons.button(QDialogButtonBox.StandardButton.Cancel),
                tr("Close without saving"),
            ),
            *((day, tr("Runs on this day")) for day in self.days),
        ):
            widget.setToolTip(text)
        actions_row = QHBoxLayout()
        actions_row.addWidget(self.add_step_button)
        actions_row.addStretch(1)
        actions_row.addWidget(self.fit_button)
        actions_row.addWidget(self.json_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(QLabel(tr("<b>Steps</b>")))
        layout.addWidget(scroll, 1)
        layout.addLayout(actions_row)
        layout.addWidget(self.permission_text)
        layout.addWidget(self.problems)
        layout.addWidget(self.buttons)
        self.resize(760, 640)

        for step in document.get("steps", []):
            self._add(step)
        self._timer = QTimer(self, singleShot=True, interval=200)
        self._timer.timeout.connect(self.check)
        for signal in (
            self.name.textChanged,
            self.cron.textChanged,
            self.folder.textChanged,
            self.pattern.textChanged,
        ):
            signal.connect(self.changed)
        for combo in (self.trigger_type, self.mode):
            combo.currentIndexChanged.connect(self.changed)
        for spin in (self.hour, self.minute, self.every):
            spin.valueChanged.connect(self.changed)
        for box in self.days:
            box.toggled.connect(self.changed)
        self.changed()
        self.add_step_button.clicked.connect(self._on_add_step_clicked)
        self.fit_button.clicked.connect(self.fit_permissions)
        self.json_button.clicked.connect(self.open_json)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.check()
        self._as_opened = self.build()[0]  # Cancel asks once this changed

    # steps -------------------------------------------------------------------------------

    def _add(self, step: dict[str, Any]) -> StepEditor:
        editor = StepEditor(self, step)
        self.steps.append(editor)
        self.steps_layout.insertWidget(len(self.steps) - 1, editor)
        editor.show()  # a child added to a visible dialog is not shown by itself
        self._number()
        return editor

    def _number(self) -> None:
        for n, editor in enumerate(self.steps, 1):
            editor.setTitle(tr("Step {0} ({1})").format(n, editor.step.get("id", "")))

    def _on_add_step_clicked(self) -> None:
        taken = {e.step.get("id") for e in self.steps}
        n = len(self.steps) + 1
        while f"step{n}" in taken:
            n += 1
        # a new step tells the user something until they choose what it does: harmless
        actions = self.automations.registry.by_term()
        telling = [a for a in actions if a.role == "tell"] or actions
        self._add({"id": f"step{n}", "action": telling[0].id if telling else "", "params": {}})
        self.changed()

    def move_step(self, editor: StepEditor, delta: int) -> None:
        index = self.steps.index(editor)
        target = index + delta
        if 0 <= target < len(self.steps):
            self.steps.insert(target, self.steps.pop(index))
            self.steps_layout.removeWidget(editor)
            self.steps_layout.insertWidget(target, editor)
            self._number()
            self.changed()

    def remove_step(self, editor: StepEditor) -> None:
        self.steps.remove(editor)
        self.steps_layout.removeWidget(editor)
        editor.deleteLater()
        self._number()
        self.changed()

    # the document ------------------------------------------------------------------------

    def _trigger(self) -> dict[str, Any]:
        kind = self.trigger_type.currentData()
        trigger: dict[str, Any] = {"type": kind}
        if kind == "schedule":
            mode = self.mode.currentData()
            if mode == "at":
                at: dict[str, Any] = {"hour": self.hour.value(), "minute": self.minute.value()}
                days = [d for d, box in zip(WEEKDAYS, self.days, strict=True) if box.isChecked()]
                if len(days) != 7:
                    at["weekdays"] = days
                trigger["at"] = at
            elif mode == "every_minutes":
                trigger["every_minutes"] = self.every.value()
            else:
                trigger["cron"] = self.cron.text().strip()
        elif kind == "folder_watch":
            trigger["folder"] = self.folder.text().strip()
            trigger["pattern"] = self.pattern.text().strip() or "*"
        if kind == self.original.get("trigger", {}).get("type"):
            trigger.update(self.trigger_extra)
        return trigger

    def build(self) -> tuple[dict[str, Any], list[str]]:
        document = {
            k: v
            for k, v in self.original.items()
            if k not in ("name", "trigger", "steps", "permissions")
        }
        document["name"] = self.name.text()
        document["trigger"] = self._trigger()
        problems: list[str] = []
        steps = []
        for n, editor in enumerate(self.steps, 1):
            step, found = editor.document()
            steps.append(step)
            problems += [f"step {n}: {p}" for p in found]
        document["steps"] = steps
        document["permissions"] = list(self.permissions)
        return document, problems

    def fit_permissions(self) -> None:
        """The permissions the steps need, each as narrow as their parameters allow."""
        document, _ = self.build()
        try:
            self.permissions = derive_permissions(document, self.automations.registry)[0]
        except (KeyError, TypeError, ValueError):
            return
        self.changed()

    def changed(self) -> None:
        kind = self.trigger_type.currentData()
        self.schedule_box.setVisible(kind == "schedule")
        self.watch_box.setVisible(kind == "folder_watch")
        mode = self.mode.currentData()
        # rows: schedule, time, days, every, cron
        for row, shown in (
            (1, mode == "at"),
            (2, mode == "at"),
            (3, mode == "every_minutes"),
            (4, mode == "cron"),
        ):
            self.schedule_form.setRowVisible(row, shown)
        self._timer.start()

    def check(self) -> bool:
        document, problems = self.build()
        problems += [str(p) for p in validate(document, self.automations.registry)[1]]
        card = review(document, self.automations.registry, review_language())
        words = [("⚠ " if p.dangerous else "") + p.words for p in card.permissions]
        self.permission_text.setText(
            "<b>" + tr("Permissions:") + "</b> " + (tr(", ").join(words) if words else tr("none"))
        )
        findings = sensitive_findings(document)
        ok = show_validity(
            problems + findings.refused, self.problems, self.buttons, findings.warnings
        )
        if ok:
            self.document = document
        return ok

    def open_json(self) -> QDialog:
        """The same workflow as JSON (for what the form does not show); saving it there
        saves it here."""

        document, _ = self.build()
        editor = JsonEditor(self.automations, document, self)

        def take() -> None:
            self.document = editor.document
            QDialog.accept(self)

        editor.accepted.connect(take)
        editor.open()
        self.json_editor = editor
        return editor

    def accept(self) -> None:
        if self.check():
            super().accept()

    def reject(self) -> None:
        reject_or_ask(self, self.build()[0] != self._as_opened, tr("this workflow"))


__all__ = ["WorkflowForm"]
