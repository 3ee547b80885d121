"""The tray icon and its menu."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from app.ui.i18n import QT_TR_NOOP, tr


class Tray(QObject):
    quick_prompt_requested = Signal()
    open_requested = Signal()
    new_conversation_requested = Signal()
    lock_requested = Signal()
    automations_requested = Signal()
    quit_requested = Signal()

    def __init__(self, icon: QIcon, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.icon = QSystemTrayIcon(icon, self)
        self.menu = QMenu()
        self.menu.setProperty("stewardOwner", "Tray")  # the tests' control check names it so
        # each entry with its English text, said in the interface's language by retranslate
        self._entries: list[tuple[QAction, str]] = []

        def entry(text: str, slot: Callable[[], None]) -> None:
            self._entries.append((self.menu.addAction(text, slot), text))

        entry(QT_TR_NOOP("Quick prompt"), self.quick_prompt_requested.emit)
        entry(QT_TR_NOOP("Open Steward"), self.open_requested.emit)
        entry(QT_TR_NOOP("New conversation"), self.new_conversation_requested.emit)
        entry(QT_TR_NOOP("Automations…"), self.automations_requested.emit)
        self.runs_menu = self.menu.addMenu("")
        entry(QT_TR_NOOP("Lock"), self.lock_requested.emit)
        self.menu.addSeparator()
        entry(QT_TR_NOOP("Quit"), self.quit_requested.emit)
        self.retranslate()
        self.menu.installEventFilter(self)  # (the menu is told of a change of language)
        self.icon.setContextMenu(self.menu)
        # the newest automation runs, one line each ("Tidy PDFs — Succeeded, 18:03")
        self.recent_runs: Callable[[], list[str]] = list
        self.menu.aboutToShow.connect(self.fill_recent_runs)
        self.icon.activated.connect(self._on_icon_activated)
        self._told_about_tray = False

    def retranslate(self) -> None:
        """The menu and the tooltip in the interface's language now."""
        self.icon.setToolTip(tr("Steward"))
        for action, text in self._entries:
            action.setText(tr(text))
        self.runs_menu.setTitle(tr("Recent runs"))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.menu and event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        return False

    @staticmethod
    def available() -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable()

    def show(self) -> None:
        self.icon.show()

    def tell_still_running(self) -> None:
        """The first time the window closes: say Steward keeps running in the tray."""
        if not self._told_about_tray:
            self._told_about_tray = True
            self.icon.showMessage(
                tr("Steward is still running"),
                tr("It stays in the tray; use the tray menu to open it again or quit."),
                QSystemTrayIcon.MessageIcon.Information,
                5000,
            )

    def notify_answer(self, title: str, seconds: float) -> None:
        self.icon.showMessage(
            tr("Steward answered"),
            tr("“{0}” is ready ({1:.0f} s).").format(title, seconds),
            QSystemTrayIcon.MessageIcon.Information,
            6000,
        )

    def fill_recent_runs(self) -> None:
        self.runs_menu.clear()
        lines = self.recent_runs()
        for line in lines:
            self.runs_menu.addAction(line, self.automations_requested.emit).setObjectName(
                "recentRun"
            )
        if not lines:
            self.runs_menu.addAction(tr("No runs yet")).setEnabled(False)

    def notify(self, title: str, body: str) -> None:
        self.icon.showMessage(title, body, QSystemTrayIcon.MessageIcon.Information, 8000)

    def _on_icon_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.open_requested.emit()
