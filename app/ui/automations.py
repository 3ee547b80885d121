"""The desktop side of automations: the scheduler runs while the app is open (unless a
`steward daemon` already does), approval questions are dialogs, notifications go to the tray,
and actions may use the clipboard."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox, QWidget

from app.automations.runner import ApprovalRequest, Decision, Unavailable
from app.automations.service import engine_generate
from app.core.llm.engine import LocalEngine
from app.core.text import visible
from app.ui.dialogs import ask_three_ways
from app.ui.i18n import tr

log = logging.getLogger(__name__)


ARGUMENTS_INLINE = 2000  # characters of a tool call's arguments shown in the question itself


async def ask_approval(parent: QWidget | None, request: ApprovalRequest) -> Decision:
    """Name the workflow, the step and exactly what it will do; the default is not to."""
    if request.tool:
        return await _ask_tool(parent, request)
    box = QMessageBox(QMessageBox.Icon.Warning, tr("Allow this step? — Steward"), "", parent=parent)
    box.setObjectName("approval")
    box.setText(
        tr("The workflow “{0}” wants to run step {1} ({2}):\n\n{3}").format(
            visible(request.workflow), request.position, request.title, request.what
        )
    )
    box.setInformativeText(
        tr("Permissions: {0}").format(", ".join(request.permissions) or tr("none"))
        + "\n\n"
        + tr(
            "“Always” approves this workflow exactly as it is now; any change to its steps "
            "or permissions asks again."
        )
    )
    answer = await ask_three_ways(
        box, tr("Allow &once"), tr("&Always for this workflow"), tr("&Don't allow")
    )
    decisions: tuple[Decision, Decision, Decision] = ("once", "always", "deny")
    return decisions[answer]


async def _ask_tool(parent: QWidget | None, request: ApprovalRequest) -> Decision:
    """A tool of an MCP server: the server, the tool and the complete arguments."""
    box = QMessageBox(
        QMessageBox.Icon.Warning, tr("Allow this tool call? — Steward"), "", parent=parent
    )
    box.setObjectName("approval")
    box.setText(
        tr("“{0}” wants to call the tool {1} of the MCP server {2} (step {3}).").format(
            visible(request.workflow),
            visible(request.tool),
            visible(request.server),
            request.position,
        )
    )
    arguments = request.arguments or "{}"
    if len(arguments) <= ARGUMENTS_INLINE:
        shown = tr("With these arguments:") + "\n" + arguments
    else:
        shown = tr(
            "With arguments of {0:,} characters: all of them are under Show Details."
        ).format(len(arguments))
        box.setDetailedText(arguments)
    box.setInformativeText(
        shown
        + "\n\n"
        + tr(
            "“Always” allows this tool, as the server describes it now, without asking again; "
            "if the server changes its description, the tool is blocked until you review the "
            "change."
        )
    )
    answer = await ask_three_ways(
        box, tr("Allow &once"), tr("&Always for this tool"), tr("&Don't allow")
    )
    decisions: tuple[Decision, Decision, Decision] = ("once", "always", "deny")
    return decisions[answer]


class DesktopServices:
    """The model, notifications and the clipboard, as the desktop app offers them."""

    def __init__(
        self,
        engine: Callable[[], LocalEngine | None],
        notify: Callable[[str, str], None],
    ) -> None:
        self._engine = engine
        self._notify = notify

    async def generate(self, prompt: str, *, system: str, max_tokens: int) -> str:
        engine = self._engine()
        if engine is None:
            raise Unavailable(tr("the local model is not loaded (see the banner in the window)"))
        return await engine_generate(engine)(prompt, system=system, max_tokens=max_tokens)

    async def notify(self, title: str, body: str) -> None:
        log.info("notification shown (%d characters)", len(title) + len(body))
        self._notify(title, body)

    async def read_clipboard(self) -> str:
        return QGuiApplication.clipboard().text()

    async def write_clipboard(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)
