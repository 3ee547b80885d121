"""Automations in words, for the panel, the review card and the tray: triggers, next runs,
statuses and a run's record as HTML (every value from a run escaped: it is data)."""

from __future__ import annotations

import contextlib
import html
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QDateTime, QLocale, QTime

from app.automations.scheduler import next_due, parse_time
from app.core.text import visible
from app.ui.i18n import QT_TR_NOOP, tr
from app.ui.style import error_colour

if TYPE_CHECKING:
    from app.automations.history import RunRecord, StoredWorkflow

STATUS_TEXT = {
    "succeeded": QT_TR_NOOP("Succeeded"),
    "failed": QT_TR_NOOP("Failed"),
    "timeout": QT_TR_NOOP("Timed out"),
    "cancelled": QT_TR_NOOP("Cancelled"),
    "denied": QT_TR_NOOP("Not approved"),
    "approval_required": QT_TR_NOOP("Needs approval"),
    "blocked": QT_TR_NOOP("Blocked: a tool changed"),
    "interrupted": QT_TR_NOOP("Interrupted"),
    "running": QT_TR_NOOP("Running"),
    "skipped": QT_TR_NOOP("Skipped (too many at once)"),
}


def next_run_text(wf: StoredWorkflow) -> str:
    trigger = wf.document.get("trigger", {})
    if not wf.enabled:
        return tr("Off")
    if trigger.get("type") != "schedule":
        return "—"
    with contextlib.suppress(Exception):
        due = next_due(trigger, parse_time(wf.last_fired or wf.created))
        if due is not None:
            return day_and_time(due)
    return "—"


def day_and_time(when: datetime) -> str:
    """``when`` in the user's time zone and the interface's locale, with its weekday: "Fri
    12/4/26 5:00 PM", "周五 2026/12/4 17:00"."""
    local = when.astimezone()
    locale = QLocale()
    moment = QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute))
    weekday = locale.toString(moment.date(), "ddd")
    return f"{weekday} {locale.toString(moment, QLocale.FormatType.ShortFormat)}"


def local_time(stamp: str, form: str = "%Y-%m-%d %H:%M:%S") -> str:
    """A stored (UTC) time stamp in the user's time zone."""
    try:
        return parse_time(stamp).astimezone().strftime(form)
    except ValueError:
        return stamp[:19]


def _short(value: Any, limit: int = 600) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=1)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _data(value: Any) -> str:
    """Data from a run as HTML: escaped, and control or direction characters shown as
    escapes (``\\x1b``, ``\\u202e``) so a file's text cannot disguise what is shown."""
    return html.escape(visible(_short(value), keep_newlines=True))


def status_text(status: str) -> str:
    """A run's or step's status in words."""
    return tr(STATUS_TEXT[status]) if status in STATUS_TEXT else status


def run_html(run: RunRecord) -> str:
    """A run's steps as readable HTML (every value escaped: it is data from the run)."""
    parts = [
        f"<p><b>{html.escape(visible(run.workflow_name))}</b> — "
        f"{html.escape(status_text(run.status))}"
        + (tr(" (dry run)") if run.dry_run else "")
        + f", {local_time(run.started)}, "
        + tr("{0:.0f} ms").format(run.duration_ms or 0)
        + (tr(", undone") if run.undone else "")
        + "</p>"
    ]
    if run.error:
        parts.append(_error(run.error))
    for step in run.steps:
        parts.append(
            f"<p><b>{step.position + 1}. {html.escape(step.step_id)}</b> "
            f"({html.escape(step.action)}) — {html.escape(status_text(step.status))}, "
            + tr("{0:.0f} ms").format(step.duration_ms or 0)
            + (tr(", {0} attempts").format(step.attempts) if step.attempts > 1 else "")
            + "</p>"
        )
        if step.inputs is not None:
            parts.append("<pre>" + tr("in:") + f"  {_data(step.inputs)}</pre>")
        if step.error:
            parts.append(_error(step.error))
        elif step.output is not None:
            parts.append("<pre>" + tr("out:") + f" {_data(step.output)}</pre>")
    if run.files:
        parts.append("<p><b>" + tr("Files changed") + "</b></p><ul>")
        for change in run.files:
            new = "" if change.existed else tr(" (new)")
            undone = (
                tr(" — undo: {0}").format(html.escape(visible(change.undo))) if change.undo else ""
            )
            parts.append(f"<li>{html.escape(visible(change.path))}{new}{undone}</li>")
        parts.append("</ul>")
    return "".join(parts)


def _error(text: str) -> str:
    return f"<p style='color:{error_colour()}'>{html.escape(visible(text))}</p>"


__all__ = ["STATUS_TEXT", "local_time", "next_run_text", "run_html", "status_text"]
