"""Settings › Tools: the MCP servers whose tools workflows and chat can use — their state,
their tools and how each is approved; add one from a command or an address, import those of
other apps (all off until switched on, after their command line is shown), switch them on
and off, remove them, and review a tool that changed since it was approved."""

from __future__ import annotations

import asyncio
import functools
import shlex
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTreeWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import KnownError
from app.core.text import visible
from app.ui.dialogs import confirm, result_of
from app.ui.i18n import QT_TR_NOOP, tr
from app.ui.qt_async import async_slot, off_gui
from app.ui.trees import add_row, current_key, finish

if TYPE_CHECKING:
    from app.automations.mcp.toolbox import ServerView
    from app.automations.mcp.tools import Standing, ToolAction
    from app.automations.service import Automations

STANDING_TEXT = {
    "new": QT_TR_NOOP("asks each time"),
    "pinned": QT_TR_NOOP("approved in a workflow"),
    "always": QT_TR_NOOP("allowed always"),
    "changed": QT_TR_NOOP("blocked: changed since approved"),
}
STATE_TEXT = {
    "off": QT_TR_NOOP("Off"),
    "stopped": QT_TR_NOOP("On (starts when needed)"),
    "starting": QT_TR_NOOP("Starting…"),
    "running": QT_TR_NOOP("Running"),
    "failed": QT_TR_NOOP("Failed"),
}


class AddServerDialog(QDialog):
    """A server from a command line (or an address), with its variables."""

    def __init__(self, parent: QWidget, *, http: bool) -> None:
        super().__init__(parent)
        self.setObjectName("addServer")
        self.http = http
        self.setWindowTitle(
            tr("Add a server by address — Steward") if http else tr("Add a server — Steward")
        )
        self.name = QLineEdit()
        self.name.setAccessibleName(tr("Server name"))
        self.target = QLineEdit()
        self.target.setAccessibleName(tr("Address") if http else tr("Command line"))
        self.target.setPlaceholderText(
            tr("https://example.org/mcp")
            if http
            else tr("uvx mcp-server-time --local-timezone=Asia/Shanghai")
        )
        self.variables = QPlainTextEdit()
        self.variables.setAccessibleName(tr("Headers") if http else tr("Environment variables"))
        self.variables.setPlaceholderText(tr("NAME=value, one a line (kept in the keyring)"))
        self.variables.setMaximumHeight(90)
        form = QFormLayout()
        form.addRow(tr("&Name:"), self.name)
        form.addRow(tr("&Address:") if http else tr("&Command line:"), self.target)
        form.addRow(tr("&Headers:") if http else tr("&Variables:"), self.variables)
        note = QLabel(
            tr(
                "It is added switched off. Steward gives it only these variables (and "
                "PATH and HOME); their values are kept in the keyring, not in mcp.json."
            ),
            wordWrap=True,
        )
        self.error = QLabel(wordWrap=True)
        self.error.setObjectName("error")
        self.error.setProperty("role", "error")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Add"))
        buttons.button(QDialogButtonBox.StandardButton.Ok).setToolTip(
            tr("Add the server, switched off")
        )
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setToolTip(
            tr("Close without adding a server")
        )
        self.name.setToolTip(tr("How the server is called in Steward"))
        self.target.setToolTip(
            tr("The server's address") if http else tr("The command that starts the server")
        )
        self.variables.setToolTip(tr("Kept in the keyring, given only to this server"))
        buttons.accepted.connect(self._on_accepted)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.raw: dict[str, object] = {}

    def _on_accepted(self) -> None:
        try:
            pairs = {}
            for line in self.variables.toPlainText().splitlines():
                if line.strip():
                    name, sep, value = line.partition("=")
                    if not sep:
                        raise ValueError(tr("“{0}” is not NAME=value").format(line[:60]))
                    pairs[name.strip()] = value
            if self.http:
                self.raw = {"url": self.target.text().strip(), "headers": pairs}
            else:
                words = shlex.split(self.target.text())
                self.raw = {"command": words[0] if words else "", "args": words[1:], "env": pairs}
        except ValueError as exc:
            self.error.setText(str(exc))
            return
        self.accept()


class ToolsPage(QWidget):
    def __init__(self, automations: Automations) -> None:
        super().__init__()
        self.automations = automations
        self.toolbox = automations.tools
        self.servers = QTreeWidget()
        self.servers.setObjectName("mcpServers")
        self.servers.setAccessibleName(tr("MCP servers"))
        self.servers.setHeaderLabels([tr("Server"), tr("State"), tr("Tools")])
        self.servers.setRootIsDecorated(False)
        self.servers.currentItemChanged.connect(lambda *_: self._on_selection_changed())
        self.details = QPlainTextEdit(readOnly=True)
        self.details.setObjectName("mcpDetails")
        self.details.setAccessibleName(tr("The selected server: command line and tools"))
        self.message = QLabel(wordWrap=True)
        self.message.setObjectName("mcpMessage")
        self.servers.setToolTip(tr("Each server, whether it is on, and how many tools it has"))
        self.details.setToolTip(tr("How the chosen server is started, and what its tools do"))
        button = self._button
        self.add_button = button(tr("Add…"), "addServerButton", self._on_add_clicked)
        self.add_button.setToolTip(tr("Add a server started by a command on this computer"))
        self.add_url_button = button(
            tr("Add by address…"), "addUrlButton", self._on_add_url_clicked
        )
        self.add_url_button.setToolTip(tr("Add a server reached at a web address"))
        self.import_button = button(tr("Import from other apps"), "importButton", self._on_import)
        self.import_button.setToolTip(
            tr("Add the servers set up in Claude Desktop, Cursor, LM Studio or Jan, switched off")
        )
        self.switch_button = button(tr("Switch on…"), "switchButton", self._on_switch_clicked)
        self.switch_button.setToolTip(tr("Start using the chosen server, or stop using it"))
        self.list_button = button(tr("List tools now"), "listToolsButton", self._on_list_clicked)
        self.list_button.setToolTip(tr("Ask the chosen server for its tools again"))
        self.review_button = button(tr("Review change…"), "reviewButton", self._on_review_clicked)
        self.review_button.setToolTip(
            tr("See how a tool's description changed, and allow it again or keep it blocked")
        )
        self.remove_button = button(tr("Remove…"), "removeServerButton", self._on_remove_clicked)
        self.remove_button.setToolTip(tr("Remove the chosen server and its stored variables"))
        about = QLabel(
            tr(
                "Tools of MCP servers (the same servers Claude Desktop, Cursor, LM Studio "
                "and Jan use) become steps of your workflows. Every call asks first, "
                "showing all its arguments, unless you allowed the tool always or "
                "approved the workflow; a tool whose description changes afterwards is "
                "blocked until you review the change."
            ),
            wordWrap=True,
        )
        adding = QHBoxLayout()
        for add in (self.add_button, self.add_url_button, self.import_button):
            adding.addWidget(add)
        adding.addStretch(1)
        acting = QHBoxLayout()
        for act in (self.switch_button, self.list_button, self.review_button):
            acting.addWidget(act)
        acting.addWidget(self.remove_button)
        acting.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(about)
        layout.addLayout(adding)
        layout.addWidget(self.servers, 1)
        layout.addLayout(acting)
        layout.addWidget(self.details, 1)
        layout.addWidget(self.message)
        self.views: dict[str, ServerView] = {}
        self.standings: dict[tuple[str, str], Standing] = {}
        self._loading: asyncio.Future[None] | None = None

    def _button(self, text: str, name: str, slot: object) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.clicked.connect(slot)
        return button

    # --- what is shown ----------------------------------------------------------------------

    def refresh(self, keep: str | None = None) -> None:
        """Read the servers again (off the GUI thread), then show them."""
        self._loading = asyncio.ensure_future(self.load(keep))

    async def load(self, keep: str | None = None) -> None:
        keep = keep or current_key(self.servers)
        try:
            views = await off_gui(self.toolbox.views)
        except KnownError as exc:  # mcp.json cannot be read: say so, change nothing
            self.message.setText(str(exc))
            views = []
        self.standings = await self.automations.call(lambda: self._standings(views))
        self.views = {v.config.name: v for v in views}
        self.servers.clear()
        for view in views:
            tools = str(len(view.tools)) if view.tools else tr("not listed yet")
            state = tr(STATE_TEXT.get(view.status.state, view.status.state))
            add_row(self.servers, [view.config.name, state, tools], view.config.name, keep=keep)
        finish(self.servers)
        if not views:
            self.details.setPlainText(
                tr(
                    "No MCP servers yet. Add one from its command line or address, or import "
                    "those of other apps."
                )
            )
        self._on_selection_changed()

    def _standings(self, views: list[ServerView]) -> dict[tuple[str, str], Standing]:
        """How each listed tool of an enabled server is approved (on the store's thread)."""
        pins = self.automations.runner.pins
        found: dict[tuple[str, str], Standing] = {}
        for view in views:
            for definition in view.tools:
                action = self._action(definition.action_id)
                if pins is not None and action is not None:
                    found[(view.config.name, definition.name)] = pins.standing(action)
        return found

    def _action(self, action_id: str) -> ToolAction | None:
        from app.automations.mcp.tools import tool_of

        action = self.automations.registry.actions.get(action_id)
        return tool_of(action) if action is not None else None

    def _selected(self) -> str | None:
        return current_key(self.servers)

    def _on_selection_changed(self) -> None:
        name = self._selected()
        chosen = self.views.get(name) if name is not None else None
        for button in (self.switch_button, self.list_button, self.remove_button):
            button.setEnabled(chosen is not None)
        self.review_button.setEnabled(False)
        if chosen is None:
            return
        self.switch_button.setText(tr("Switch off") if chosen.config.enabled else tr("Switch on…"))
        self.list_button.setEnabled(chosen.config.enabled)
        lines = [tr("Runs: {0}").format(visible(chosen.config.command_line()))]
        if chosen.status.error:
            lines.append(tr("Last problem: {0}").format(chosen.status.error))
        changed = False
        for definition in chosen.tools:
            standing = self.standings.get((chosen.config.name, definition.name), "new")
            changed = changed or standing == "changed"
            lines.append(f"\n{definition.name} — {tr(STANDING_TEXT[standing])}")
            lines.append(f"    {definition.description}")
        self.review_button.setEnabled(changed)
        self.details.setPlainText("\n".join(lines))

    # --- what the user does -------------------------------------------------------------------

    @async_slot()
    async def _on_add_clicked(self) -> None:
        await self._add(http=False)

    @async_slot()
    async def _on_add_url_clicked(self) -> None:
        await self._add(http=True)

    async def _add(self, *, http: bool) -> None:
        from app.automations.mcp.config import parse_server

        dialog = AddServerDialog(self, http=http)
        name_field, raw_holder = dialog.name, dialog
        if await result_of(dialog) != QDialog.DialogCode.Accepted:
            return
        try:
            server = parse_server(
                name_field.text().strip(), raw_holder.raw, where=tr("This server")
            )
            added = await self.automations.call(lambda: self.toolbox.store.add(server))
        except KnownError as exc:
            self.message.setText(tr("Not added: {0}").format(exc))
            return
        await self.load(keep=added.name)
        self.message.setText(
            tr("Added {0}, switched off. Check its command line, then switch it on.").format(
                added.name
            )
        )

    @async_slot()
    async def _on_import(self) -> None:
        from app.automations.mcp.config import found_elsewhere

        found = await off_gui(found_elsewhere)
        taken = {s.key for s in await off_gui(self.toolbox.store.servers)}
        added: list[str] = []
        for _app, _path, servers in found:
            for server in servers:
                if server.key not in taken:
                    await self.automations.call(functools.partial(self.toolbox.store.add, server))
                    taken.add(server.key)
                    added.append(server.name)
        await self.load()
        if not found:
            self.message.setText(
                tr(
                    "No other app's MCP servers were found (Claude Desktop, Cursor, LM "
                    "Studio, Jan)."
                )
            )
        elif not added:
            self.message.setText(tr("Their servers are all here already."))
        else:
            self.message.setText(
                tr(
                    "Imported {0}, switched off: check each command line, then switch on the "
                    "ones you want."
                ).format(", ".join(added))
            )

    @async_slot()
    async def _on_switch_clicked(self) -> None:
        name = self._selected()
        if name is None:
            return
        server = self.toolbox.store.server(name)
        if server.enabled:
            await self.toolbox.set_enabled(name, False)
            await self.load(keep=name)
            self.message.setText(tr("{0} is off; its tools are no longer offered.").format(name))
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            tr("Switch this server on? — Steward"),
            tr("{0} runs:\n\n{1}").format(name, visible(server.command_line())),
            parent=self,
        )
        box.setObjectName("switchOn")
        box.setInformativeText(
            tr(
                "It starts when one of its tools is first used. Switch it on only if you "
                "trust this program (or address)."
            )
        )
        if not await confirm(box, tr("Switch on"), tr("Leave off")):
            return
        await self.toolbox.set_enabled(name, True)
        await self._list(name)

    @async_slot()
    async def _on_list_clicked(self) -> None:
        name = self._selected()
        if name is not None:
            await self._list(name)

    async def _list(self, name: str) -> None:
        self.message.setText(tr("Starting {0}…").format(name))
        try:
            tools = await self.toolbox.list_tools(name)
        except KnownError as exc:
            said = str(exc)
        else:
            said = tr("{0}: {1} tools.").format(name, len(tools))
        await self.load(keep=name)
        self.message.setText(said)

    @async_slot()
    async def _on_review_clicked(self) -> None:
        name = self._selected()
        view = self.views.get(name) if name is not None else None
        if view is None:
            return
        for definition in view.tools:
            action = self._action(definition.action_id)
            if self.standings.get((view.config.name, definition.name)) == "changed" and action:
                await self._review(action)
        await self.load(keep=view.config.name)

    async def _review(self, action: ToolAction) -> None:
        pins = self.automations.runner.pins
        assert pins is not None
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            tr("A tool changed — Steward"),
            tr(
                "{0} now describes its tool {1} differently from when you approved it. "
                "Until you accept the change, every call of it is blocked."
            ).format(action.server, action.tool),
            parent=self,
        )
        box.setObjectName("reviewChange")
        box.setInformativeText(tr("The change (− as approved, + now):"))
        box.setDetailedText(await self.automations.call(lambda: pins.change(action)))
        if await confirm(box, tr("Accept the change"), tr("Keep it blocked")):
            await self.automations.call(lambda: pins.pin(action))
            self.message.setText(
                tr("{0} is allowed again as it describes itself now.").format(action.tool)
            )
        else:
            self.message.setText(tr("{0} stays blocked.").format(action.tool))

    @async_slot()
    async def _on_remove_clicked(self) -> None:
        name = self._selected()
        if name is None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            tr("Remove this server? — Steward"),
            tr(
                "Remove {0}? Its secrets are deleted; workflows that use its tools stop "
                "validating until it is added again."
            ).format(name),
            parent=self,
        )
        box.setObjectName("removeServer")
        if not await confirm(box, tr("Remove"), tr("Keep")):
            return
        await self.toolbox.remove(name)
        await self.load()
        self.message.setText(tr("Removed {0}.").format(name))


__all__ = ["AddServerDialog", "ToolsPage"]
