"""The automations panel: the saved workflows (trigger, next run, last result, on/off), run
now or as a dry run, add from a file or edit the JSON with live validation, delete; each
workflow's runs with their steps (inputs, outputs, errors, durations), and undo of a run's
file changes."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.automations.review import when_in_words
from app.automations.runner import ApprovalRequest, Decision, undo_summary
from app.automations.sensitive import sensitive_findings
from app.automations.workflow import InvalidWorkflow, load_document, validate
from app.core.errors import KnownError
from app.ui.automation_text import (
    local_time,
    next_run_text,
    run_html,
    status_text,
)
from app.ui.dialogs import choose_file, confirm, reject_or_ask
from app.ui.i18n import review_language, tr
from app.ui.qt_async import async_slot
from app.ui.style import set_role

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from app.automations.history import RunRecord, StoredWorkflow
    from app.automations.service import Automations
    from app.ui.workflow_form import WorkflowForm

ID_ROLE = Qt.ItemDataRole.UserRole
EditorT = TypeVar("EditorT", "JsonEditor", "WorkflowForm")
T = TypeVar("T")


class JsonEditor(QDialog):
    """A workflow's JSON, validated as it is typed; Save only when it is valid."""

    def __init__(
        self, automations: Automations, document: dict[str, Any], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Edit workflow — Steward"))
        self.automations = automations
        self.text = QPlainTextEdit(json.dumps(document, indent=2, ensure_ascii=False))
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.text.setAccessibleName(tr("Workflow as JSON"))
        self.text.setAccessibleDescription(tr("Checked as you type; problems show below"))
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setToolTip(tr("Save the changed workflow"))
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setToolTip(tr("Close without saving"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.problems)
        layout.addWidget(self.buttons)
        self.resize(720, 560)
        self.document: Any = document
        self._timer = QTimer(self, singleShot=True, interval=250)
        self._timer.timeout.connect(self.check)
        self.text.textChanged.connect(self._timer.start)
        self._as_opened = self.text.toPlainText()  # Cancel asks once this changed
        self.check()

    def reject(self) -> None:
        reject_or_ask(self, self.text.toPlainText() != self._as_opened, tr("this workflow's JSON"))

    def check(self) -> bool:
        document: Any = None
        try:
            document = load_document(self.text.toPlainText())
        except InvalidWorkflow as exc:
            problems = [str(p) for p in exc.problems]
        else:
            problems = [str(p) for p in validate(document, self.automations.registry)[1]]
        findings = sensitive_findings(document if isinstance(document, dict) else {})
        ok = show_validity(
            problems + findings.refused, self.problems, self.buttons, findings.warnings
        )
        if ok:
            self.document = document
        return ok


def show_validity(
    problems: list[str],
    label: QLabel,
    buttons: QDialogButtonBox,
    warnings: list[str] | None = None,
) -> bool:
    """An editor's verdict: "Valid." and Save enabled, or the (first eight) problems; in red
    when it cannot be saved or a warning (a sensitive place read) needs the user's eye."""
    ok = not problems
    warnings = warnings or []
    if ok:
        text = tr("Valid.") + "".join(tr("\n⚠ Careful: it {0}.").format(w) for w in warnings)
    else:
        more = [tr("… and {0} more").format(len(problems) - 8)] if len(problems) > 8 else []
        text = tr("Not valid, so it cannot be saved:") + "\n• " + "\n• ".join(problems[:8] + more)
    label.setText(text)
    set_role(label, "error" if problems or warnings else "")
    buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(ok)
    return ok


class AutomationsPanel(QDialog):
    def __init__(
        self,
        automations: Automations,
        approver: Callable[[ApprovalRequest], Awaitable[Decision]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Automations — Steward"))
        self.setObjectName("automations")
        self.automations = automations
        self.approver = approver
        self.workflows = QTreeWidget()
        self.workflows.setAccessibleName(tr("Workflows"))
        self.workflows.setHeaderLabels(
            [tr("Workflow"), tr("Trigger"), tr("Next run"), tr("Last result")]
        )
        self.workflows.setRootIsDecorated(False)
        self.workflows.setColumnWidth(0, 220)
        self.workflows.setColumnWidth(1, 260)
        self.workflows.setColumnWidth(2, 150)
        self.runs = QTreeWidget()
        self.runs.setAccessibleName(tr("Runs of the chosen workflow"))
        self.runs.setHeaderLabels([tr("Started"), tr("Result"), tr("Time")])
        self.runs.setRootIsDecorated(False)
        self.runs.setColumnWidth(0, 150)
        self.details = QTextBrowser()
        self.details.setAccessibleName(tr("Details of the chosen workflow or run"))
        self.details.setOpenLinks(False)
        self.run_button = QPushButton(tr("Run now"))
        self.dry_button = QPushButton(tr("Dry run"))
        self.add_button = QPushButton(tr("Add from file…"))
        self.form_button = QPushButton(tr("Edit…"))
        self.edit_button = QPushButton(tr("Edit JSON…"))
        self.delete_button = QPushButton(tr("Delete…"))
        self.undo_button = QPushButton(tr("Undo file changes"))
        for widget, text in (
            (self.workflows, tr("Checked workflows may start on their trigger")),
            (self.runs, tr("Newest first: when each run started, how it ended, how long")),
            (self.details, tr("The steps, permissions and outcome of what is chosen above")),
            (self.run_button, tr("Run the chosen workflow now, as approved")),
            (self.dry_button, tr("See what each step would do, changing nothing")),
            (self.add_button, tr("Add a workflow from a JSON file; it is reviewed first")),
            (self.form_button, tr("Change the chosen workflow's steps and trigger")),
            (self.edit_button, tr("Change the chosen workflow as JSON, checked as you type")),
            (self.delete_button, tr("Delete the chosen workflow; its runs stay in the history")),
            (self.undo_button, tr("Put back the files the chosen run moved, renamed or wrote")),
        ):
            widget.setToolTip(text)
        self.message = QLabel()
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        for button in (
            self.run_button,
            self.dry_button,
            self.form_button,
            self.edit_button,
            self.delete_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.add_button)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.workflows, 1)
        top_layout.addLayout(buttons)
        bottom = QSplitter()
        runs_box = QWidget()
        runs_layout = QVBoxLayout(runs_box)
        runs_layout.setContentsMargins(0, 0, 0, 0)
        runs_layout.addWidget(QLabel(tr("Runs")))
        runs_layout.addWidget(self.runs, 1)
        runs_layout.addWidget(self.undo_button)
        bottom.addWidget(runs_box)
        bottom.addWidget(self.details)
        bottom.setSizes([330, 570])
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(bottom)
        splitter.setSizes([260, 380])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.message)
        self.resize(960, 700)

        self.workflows.currentItemChanged.connect(self._on_workflow_changed)
        self.workflows.itemChanged.connect(self._on_workflow_item_changed)
        self.runs.currentItemChanged.connect(self._on_run_changed)
        self.run_button.clicked.connect(self._on_run_clicked)
        self.dry_button.clicked.connect(self._on_dry_clicked)
        self.add_button.clicked.connect(self._on_add_clicked)
        self.edit_button.clicked.connect(self._on_edit_clicked)
        self.form_button.clicked.connect(self._on_form_clicked)
        self.delete_button.clicked.connect(self._on_delete_clicked)
        self.undo_button.clicked.connect(self._on_undo_clicked)
        self._filling = False
        # what the lists show, as read (on the store's thread): editors and buttons use it
        self._workflows: dict[str, StoredWorkflow] = {}
        self._shown_run: RunRecord | None = None
        self._loading: asyncio.Task[None] | None = None
        self._update_buttons()
        self.refresh()

    # --- contents -------------------------------------------------------------------------

    def selected_id(self) -> str | None:
        item = self.workflows.currentItem()
        return str(item.data(0, ID_ROLE)) if item is not None else None

    def selected_run_id(self) -> str | None:
        item = self.runs.currentItem()
        return str(item.data(0, ID_ROLE)) if item is not None else None

    async def _store(self, fn: Callable[[], T]) -> T:
        """``fn`` (which uses the history) on the store's thread; if the panel was closed
        and deleted meanwhile, what comes back is not shown (CancelledError)."""
        result = await self.automations.call(fn)
        if not shiboken6.isValid(self) or not shiboken6.isValid(self.workflows):
            raise asyncio.CancelledError
        return result

    def refresh(self, select: str | None = None) -> None:
        """Read the workflows again (after a run, a change, or one made elsewhere): in the
        background; ``loaded()`` waits for it."""
        if self._loading is not None and not self._loading.done():
            self._loading.cancel()
        self._loading = asyncio.ensure_future(self.reload(select))

    async def loaded(self) -> None:
        """Until the lists show what the store holds now."""
        while self._loading is not None and not self._loading.done():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(self._loading)

    async def reload(self, select: str | None = None) -> None:
        keep = select or self.selected_id()
        history = self.automations.history

        def read() -> list[tuple[StoredWorkflow, str]]:
            rows = []
            for wf in history.workflows():
                last = history.runs(wf.id, limit=1, dry_runs=False)
                rows.append((wf, status_text(last[0].status) if last else tr("Never run")))
            return rows

        rows = await self._store(read)
        self._workflows = {wf.id: wf for wf, _ in rows}
        self._filling = True
        self.workflows.clear()
        chosen = None
        for wf, result in rows:
            item = QTreeWidgetItem(
                [
                    wf.name,
                    when_in_words(
                        wf.document.get("trigger", {}),
                        self.automations.registry,
                        review_language(),
                    ),
                    next_run_text(wf),
                    result,
                ]
            )
            item.setData(0, ID_ROLE, wf.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Checked if wf.enabled else Qt.CheckState.Unchecked)
            item.setToolTip(0, tr("Checked: its trigger may start it"))
            self.workflows.addTopLevelItem(item)
            if wf.id == keep:
                chosen = item
        if chosen is None and self.workflows.topLevelItemCount():
            chosen = self.workflows.topLevelItem(0)
        if chosen is not None:
            self.workflows.setCurrentItem(chosen)
        self._filling = False
        if chosen is not None:
            await self._load_runs(str(chosen.data(0, ID_ROLE)))
        else:
            self.runs.clear()
            self._shown_run = None
            self.details.setHtml(
                "<p>"
                + tr(
                    "No workflows yet. Describe one in the chat, or <b>Add from file…</b> "
                    "takes a workflow document, such as those in examples/workflows."
                )
                + "</p>"
            )
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = self.selected_id() is not None
        for button in (
            self.run_button,
            self.dry_button,
            self.form_button,
            self.edit_button,
            self.delete_button,
        ):
            button.setEnabled(has)
        run = self._shown_run
        can_undo = (
            run is not None
            and run.id == self.selected_run_id()
            and bool(run.files)
            and not run.undone
            and not run.dry_run
        )
        self.undo_button.setEnabled(can_undo)

    async def _load_runs(self, workflow_id: str, select: str | None = None) -> None:
        history = self.automations.history
        runs = await self._store(lambda: history.runs(workflow_id, limit=100))
        if self.selected_id() != workflow_id:
            return  # another workflow was chosen meanwhile: it shows its own
        self._filling = True
        self.runs.clear()
        chosen = None
        for run in runs:
            status = status_text(run.status) + (tr(" (dry run)") if run.dry_run else "")
            item = QTreeWidgetItem(
                [
                    local_time(run.started),
                    status,
                    tr("{0:.0f} ms").format(run.duration_ms or 0),
                ]
            )
            item.setData(0, ID_ROLE, run.id)
            self.runs.addTopLevelItem(item)
            if run.id == select:
                chosen = item
        if chosen is None and self.runs.topLevelItemCount():
            chosen = self.runs.topLevelItem(0)
        if chosen is not None:
            self.runs.setCurrentItem(chosen)
        self._filling = False
        if chosen is not None:
            await self._show_run(str(chosen.data(0, ID_ROLE)))
        else:
            self._shown_run = None
            self.details.setHtml("<p>" + tr("It has not run yet.") + "</p>")
        self._update_buttons()

    async def _show_run(self, run_id: str) -> None:
        history = self.automations.history
        run = await self._store(lambda: history.run(run_id))
        if self.selected_run_id() != run_id:
            return
        self._shown_run = run
        self.details.setHtml(run_html(run))
        self._update_buttons()

    # the rows' data is read at once: a row may be gone by the time the store answers

    def _on_workflow_changed(self, current: QTreeWidgetItem | None, _previous: object) -> None:
        self._update_buttons()
        if current is not None and not self._filling:
            self._load_runs_soon(str(current.data(0, ID_ROLE)))

    @async_slot(str)
    async def _load_runs_soon(self, workflow_id: str) -> None:
        await self._load_runs(workflow_id)

    def _on_workflow_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if self._filling or column != 0:
            return
        enabled = item.checkState(0) == Qt.CheckState.Checked
        self._switch(str(item.data(0, ID_ROLE)), item.text(0), enabled)

    @async_slot(str, str, bool)
    async def _switch(self, workflow_id: str, name: str, enabled: bool) -> None:
        history = self.automations.history

        def switch() -> StoredWorkflow:
            history.set_enabled(workflow_id, enabled)
            return history.workflow(workflow_id)

        stored = await self._store(switch)
        self._workflows[workflow_id] = stored
        self.message.setText(tr("“{0}” is {1}.").format(name, "on" if enabled else "off"))
        # in place (the row is not rebuilt), if it is still listed
        for n in range(self.workflows.topLevelItemCount()):
            item = self.workflows.topLevelItem(n)
            if item is not None and item.data(0, ID_ROLE) == workflow_id:
                self._filling = True
                item.setText(2, next_run_text(stored))
                self._filling = False

    def _on_run_changed(self, current: QTreeWidgetItem | None, _previous: object) -> None:
        self._update_buttons()
        if current is not None and not self._filling:
            self._show_run_soon(str(current.data(0, ID_ROLE)))

    @async_slot(str)
    async def _show_run_soon(self, run_id: str) -> None:
        await self._show_run(run_id)

    # --- actions --------------------------------------------------------------------------

    async def run_selected(self, *, dry_run: bool) -> RunRecord | None:
        workflow_id = self.selected_id()
        if workflow_id is None:
            return None
        history = self.automations.history
        stored = await self._store(lambda: history.workflow(workflow_id))
        self.message.setText(
            (tr("Dry run of “{0}”…") if dry_run else tr("Running “{0}”…")).format(stored.name)
        )
        self.run_button.setEnabled(False)
        self.dry_button.setEnabled(False)
        try:
            run = await self.automations.run(stored, dry_run=dry_run, approver=self.approver)
        except KnownError as exc:
            self.message.setText(exc.user_text())
            self._update_buttons()
            return None
        what = status_text(run.status)
        extra = tr(" Nothing was changed.") if dry_run and run.status == "succeeded" else ""
        self.message.setText(
            f"“{stored.name}”: {what}.{extra}" + (f" {run.error}" if run.error else "")
        )
        await self.reload(select=workflow_id)
        await self._load_runs(workflow_id, select=run.id)
        return run

    @async_slot()
    async def _on_run_clicked(self) -> None:
        await self.run_selected(dry_run=False)

    @async_slot()
    async def _on_dry_clicked(self) -> None:
        await self.run_selected(dry_run=True)

    async def add_document(self, text: str, source: str) -> StoredWorkflow | None:
        """Save a workflow from JSON text; an invalid one is explained and not saved."""
        automations = self.automations
        try:
            document = load_document(text, source)
            stored = await self._store(lambda: automations.create(document))
        except InvalidWorkflow as exc:
            problems = "\n".join(f"• {p}" for p in exc.problems[:12])
            self.message.setText(
                tr("{0} was not saved: it is not a valid workflow.").format(source)
            )
            box = QMessageBox(
                QMessageBox.Icon.Warning,
                tr("Not a valid workflow — Steward"),
                tr("{0} was not saved:\n\n{1}").format(source, problems),
                parent=self,
            )
            box.setObjectName("invalidWorkflow")
            box.finished.connect(box.deleteLater)
            box.open()
            return None
        self.message.setText(
            tr(
                "Saved “{0}”. Steps that change files, use the network or run programs "
                "ask for approval on the first run."
            ).format(stored.name)
        )
        await self.reload(select=stored.id)
        return stored

    @async_slot()
    async def _on_add_clicked(self) -> None:
        path = await choose_file(
            self, "addWorkflow", tr("Add a workflow"), tr("Workflows (*.json)")
        )
        if path is None:
            return
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.message.setText(tr("Cannot read {0}: {1}").format(path, exc))
            return
        await self.add_document(text, path.name)

    async def save_edit(self, workflow_id: str, document: dict[str, Any]) -> StoredWorkflow:
        automations = self.automations
        stored = await self._store(lambda: automations.edit(workflow_id, document))
        again = (
            "" if stored.approved else tr(" It asks for approval again before steps that need it.")
        )
        self.message.setText(tr("Saved “{0}”.{1}").format(stored.name, again))
        await self.reload(select=stored.id)
        return stored

    @async_slot(str, object)
    async def _save_edit_now(self, workflow_id: str, document: dict[str, Any]) -> None:
        try:
            await self.save_edit(workflow_id, document)
        except KnownError as exc:
            self.message.setText(exc.user_text())

    def _open_editor(self, kind: type[EditorT]) -> EditorT | None:
        """An editor for the selected workflow (as listed); saving it saves the workflow."""
        workflow_id = self.selected_id()
        if workflow_id is None or workflow_id not in self._workflows:
            return None
        stored = self._workflows[workflow_id]
        editor = kind(self.automations, stored.document, self)
        editor.accepted.connect(lambda: self._save_edit_now(workflow_id, editor.document))
        editor.open()
        return editor

    def open_editor(self) -> JsonEditor | None:
        return self._open_editor(JsonEditor)

    def _on_edit_clicked(self) -> None:
        self.open_editor()

    def open_form(self) -> WorkflowForm | None:
        """The selected workflow as a form (fields from each action's schema)."""
        from app.ui.workflow_form import WorkflowForm

        return self._open_editor(WorkflowForm)

    def _on_form_clicked(self) -> None:
        self.open_form()

    @async_slot()
    async def _on_delete_clicked(self) -> None:
        workflow_id = self.selected_id()
        if workflow_id is None or workflow_id not in self._workflows:
            return
        stored = self._workflows[workflow_id]
        box = QMessageBox(
            QMessageBox.Icon.Question,
            tr("Delete workflow — Steward"),
            tr("Delete “{0}”? Its run history stays.").format(stored.name),
            parent=self,
        )
        box.setObjectName("confirmDelete")
        if await confirm(box, tr("Delete")):
            history = self.automations.history
            await self._store(lambda: history.delete_workflow(workflow_id))
            self.message.setText(tr("Deleted “{0}”.").format(stored.name))
            await self.reload()

    async def undo_selected(self) -> list[str]:
        run_id = self.selected_run_id()
        if run_id is None:
            return []
        automations = self.automations
        try:
            done = await self._store(lambda: automations.undo(run_id))
        except KnownError as exc:
            self.message.setText(exc.user_text())
            return []
        self.message.setText(undo_summary(done))
        workflow_id = self.selected_id()
        if workflow_id is not None:
            await self._load_runs(workflow_id, select=run_id)
        return done

    @async_slot()
    async def _on_undo_clicked(self) -> None:
        await self.undo_selected()


__all__ = ["AutomationsPanel", "JsonEditor", "show_validity"]
