"""The review card: a drafted workflow shown in the chat, to read, dry-run, edit, approve or
discard; and the confirm card for one action proposed in an ordinary chat.

Nothing runs without a click. Approving grants exactly the permissions the card lists (the
document's own), saves the workflow encrypted and enables it.
"""

from __future__ import annotations

import dataclasses
import html
import json
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.automations.planner import Plan, review
from app.automations.review import WORDS
from app.automations.runner import sample_words
from app.core.errors import KnownError
from app.core.text import visible
from app.ui.automation_text import run_html, status_text
from app.ui.i18n import tr
from app.ui.qt_async import async_slot
from app.ui.style import error_colour
from app.ui.workflow_form import WorkflowForm

if TYPE_CHECKING:
    from app.automations.history import RunRecord, StoredWorkflow
    from app.automations.service import Automations


def card_html(plan: Plan, automations: Automations, *, saved: bool = False) -> str:
    """The card's text: the trigger in words, numbered steps, permissions (the dangerous
    ones in red)."""
    words = WORDS[plan.language]
    asked = ""
    if plan.request:
        said = html.escape(plan.request[:500]).replace("\n", " · ")
        asked = f"<p><small>{words['you asked']}{words[': ']}<i>{said}</i></small></p>"
    if plan.workflow is None:
        label = words["question" if plan.kind == "question" else "refusal"]
        return f"{asked}<p><b>{label}{words[': '].rstrip()}</b> {html.escape(plan.text)}</p>"
    card = review(plan.workflow, automations.registry, plan.language)
    title = card.word("saved workflow" if saved else "draft workflow")
    parts = [
        asked,
        f"<p><b>{title}{words[': ']}{html.escape(card.name)}</b><br>"
        f"<b>{card.word('when')}{words[': '].rstrip()}</b> {html.escape(card.when)}</p>"
        f"<p><b>{card.word('steps')}</b></p><ol>",
    ]
    parts += [f"<li>{html.escape(step.what)}</li>" for step in card.steps]
    granted = card.word("was granted" if saved else "approving grants")
    parts.append(f"</ol><p><b>{granted}</b></p><ul>")
    for p in card.permissions:
        if p.dangerous:
            parts.append(
                f'<li><span style="color:{error_colour()}">'
                f"<b>⚠ {html.escape(p.words)}</b></span></li>"
            )
        else:
            parts.append(f"<li>{html.escape(p.words)}</li>")
    parts.append("</ul>")
    return "".join(parts)


def result_view() -> QTextBrowser:
    """Where a dry run's or a run's steps appear: scrolls, so the chat above keeps its room."""
    view = QTextBrowser()
    view.setAccessibleName(tr("Result"))
    view.setAccessibleDescription(tr("What each step did, or would do"))
    view.setOpenLinks(False)
    view.setMinimumHeight(90)
    view.setMaximumHeight(190)
    view.hide()
    return view


def _found(output: Any) -> str:
    """What a step that ran for real in a dry run found, in a line."""
    if isinstance(output, dict) and isinstance(output.get("files"), list):
        names = [PurePath(str(f)).name for f in output["files"]]
        shown = ", ".join(names[:8]) + (
            tr(" and {0} more").format(len(names) - 8) if len(names) > 8 else ""
        )
        return tr("found {0}: {1}").format(len(names), shown) if names else tr("found nothing")
    text = output if isinstance(output, str) else json.dumps(output, ensure_ascii=False)
    text = " ".join(text.split())
    return tr("read “{0}”").format(text[:120] + ("…" if len(text) > 120 else ""))


def dry_run_html(run: RunRecord) -> str:
    """A dry run as the card shows it: what each step would do, in a line or a few."""
    if run.status == "succeeded":
        nothing = tr("nothing was changed. What a run would do now:")
        head = "<p><b>" + tr("Dry run") + f"</b> — {nothing}</p>"
    else:
        head = (
            "<p><b>" + tr("Dry run:") + f" {html.escape(status_text(run.status))}</b> — "
            f"{html.escape(run.error or '')}</p>"
        )
    if run.sample:
        head += f"<p>{html.escape(sample_words(run))}</p>"
    items = []
    for step in run.steps:
        if step.error:
            what = f"<b>{html.escape(step.error)}</b>"
        elif step.status == "dry_run" and isinstance(step.output, str):
            # lines the runner wrote of a step it did not run
            what = "<br>".join(html.escape(line) for line in step.output.splitlines())
        elif step.status == "ok":  # a step that only reads ran for real; its output is data
            what = html.escape(visible(_found(step.output)))
        else:
            what = html.escape(status_text(step.status))
        items.append(f"<li>{what}</li>")
    return head + "<ol>" + "".join(items) + "</ol>"


class ReviewCard(QFrame):
    """A draft (or the planner's question or refusal) in the chat."""

    saved = Signal(str)  # the workflow id
    discarded = Signal()
    edit_requested = Signal(object)  # the document

    def __init__(
        self,
        plan: Plan,
        automations: Automations,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("reviewCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.plan = plan
        self.automations = automations
        self.stored: StoredWorkflow | None = None
        self.last_run: RunRecord | None = None
        self.editor: WorkflowForm | None = None
        self.body = QLabel()
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.result = result_view()
        self._saving = False  # Approve was clicked and the save is on its way
        self.dry_run_button = QPushButton(tr("Dry run"))
        self.approve_button = QPushButton(tr("Approve and save"))
        self.approve_button.setProperty("primary", True)  # the card's main action
        self.edit_button = QPushButton(tr("Edit"))
        self.discard_button = QPushButton(tr("Discard"))
        for widget, text in (
            (self.dry_run_button, tr("See what each step would do, changing nothing")),
            (self.approve_button, tr("Save the workflow with the permissions listed above")),
            (self.edit_button, tr("Change the steps before approving")),
            (self.discard_button, tr("Drop this draft; nothing is saved")),
        ):
            widget.setToolTip(text)
        row = QHBoxLayout()
        for button in (
            self.dry_run_button,
            self.approve_button,
            self.edit_button,
            self.discard_button,
        ):
            row.addWidget(button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.body)
        layout.addWidget(self.result)
        layout.addLayout(row)
        self.dry_run_button.clicked.connect(self._on_dry_run_clicked)
        self.approve_button.clicked.connect(self._on_approve_clicked)
        self.edit_button.clicked.connect(self._on_edit_clicked)
        self.discard_button.clicked.connect(self._on_discard_clicked)
        self.show_plan(plan)

    def show_plan(self, plan: Plan) -> None:
        """Show a (refined) plan in place of the one shown."""
        self.plan = plan
        self.body.setText(card_html(plan, self.automations, saved=self.stored is not None))
        is_draft = plan.workflow is not None and self.stored is None
        for button in (self.dry_run_button, self.approve_button, self.edit_button):
            button.setVisible(is_draft)
        self.discard_button.setText(tr("Discard") if is_draft else tr("Dismiss"))
        self.result.hide()

    def _show_result(self, text: str) -> None:
        self.result.setHtml(text)
        self.result.show()

    @async_slot()
    async def _on_dry_run_clicked(self) -> None:
        if self.plan.workflow is None:
            return
        self.dry_run_button.setEnabled(False)
        try:
            self.last_run = await self.automations.dry_run_document(self.plan.workflow)
            self._show_result(dry_run_html(self.last_run))
        except KnownError as exc:
            self._show_result(f"<p><b>Dry run failed:</b> {html.escape(str(exc))}</p>")
        finally:
            self.dry_run_button.setEnabled(True)

    @async_slot()
    async def _on_approve_clicked(self) -> None:
        if self.plan.workflow is None or self.stored is not None or self._saving:
            return
        automations, document = self.automations, self.plan.workflow

        def save() -> StoredWorkflow:
            return automations.create_approved(document)

        self._saving = True
        try:
            stored = await automations.call(save)  # on the store's thread
        except KnownError as exc:  # plugins changed since the draft: nothing is saved
            self._show_result(f"<p><b>Not saved:</b> {html.escape(str(exc))}</p>")
            return
        finally:
            self._saving = False
        self.stored = stored
        self.show_plan(self.plan)
        when = review(stored.document, self.automations.registry).when
        when = when[:1].lower() + when[1:]  # a sentence's first letter; paths keep their case
        self._show_result(
            "<p>"
            + tr(
                "Saved and enabled as <b>{0}</b>. It runs {1}; its runs appear in Automations."
            ).format(html.escape(stored.name), html.escape(when))
            + "</p>"
        )
        self.saved.emit(stored.id)

    def _on_edit_clicked(self) -> None:
        """The draft as a form (or, from there, as JSON) with live validation; saving it
        changes the card (the draft is still only approved with Approve and save)."""
        if self.plan.workflow is None:
            return
        editor = WorkflowForm(self.automations, self.plan.workflow, self)
        editor.setWindowTitle(tr("Edit draft — Steward"))

        def take() -> None:
            edited = dataclasses.replace(self.plan, workflow=editor.document, repairs=[])
            self.show_plan(edited)

        editor.accepted.connect(take)
        editor.open()
        self.editor = editor
        self.edit_requested.emit(self.plan.workflow)

    def _on_discard_clicked(self) -> None:
        self.discarded.emit()
        self.hide()
        self.deleteLater()


class ActionCard(QFrame):
    """One action proposed in an ordinary chat: it runs only when the user clicks Run."""

    finished = Signal(object)  # the RunRecord
    dismissed = Signal()

    def __init__(
        self,
        plan: Plan,
        automations: Automations,
        handed_over: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("actionCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        assert plan.workflow is not None
        self.plan = plan
        self.automations = automations
        self.handed_over = handed_over
        self.last_run: RunRecord | None = None
        card = review(plan.workflow, automations.registry, plan.language)
        quoted = handed_over if len(handed_over) <= 120 else handed_over[:119] + "…"
        steps = "; ".join(
            s.what.replace(card.word("ref trigger.text"), f"“{quoted}”") for s in card.steps
        )
        rights = ", ".join(p.words for p in card.permissions)
        self.body = QLabel(
            tr(
                "<p><b>Steward can do this for you:</b> {0}<br><small>It needs to {1}.</small></p>"
            ).format(html.escape(steps), html.escape(rights))
        )
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.result = result_view()
        self.run_button = QPushButton(tr("Run"))
        self.run_button.setProperty("primary", True)
        self.dismiss_button = QPushButton(tr("Dismiss"))
        self.run_button.setToolTip(tr("Do this once, now, with the permissions listed above"))
        self.dismiss_button.setToolTip(tr("Do nothing and close this card"))
        row = QHBoxLayout()
        row.addWidget(self.run_button)
        row.addWidget(self.dismiss_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.body)
        layout.addWidget(self.result)
        layout.addLayout(row)
        self.run_button.clicked.connect(self._on_run_clicked)
        self.dismiss_button.clicked.connect(self._on_dismiss_clicked)

    @async_slot()
    async def _on_run_clicked(self) -> None:
        assert self.plan.workflow is not None
        self.run_button.setEnabled(False)
        try:
            run = await self.automations.run_document(
                self.plan.workflow, trigger_data={"text": self.handed_over}
            )
        except KnownError as exc:
            self.result.setHtml(f"<p><b>Not run:</b> {html.escape(str(exc))}</p>")
            self.result.show()
            self.run_button.setEnabled(True)
            return
        self.last_run = run
        self.result.setHtml(run_html(run))
        self.result.show()
        self.run_button.hide()
        self.dismiss_button.setText(tr("Close"))
        self.finished.emit(run)

    def _on_dismiss_clicked(self) -> None:
        self.dismissed.emit()
        self.hide()
        self.deleteLater()


__all__ = ["ActionCard", "ReviewCard", "card_html"]
