"""Steward in Simplified Chinese, and at 150%: the real session on the real model and an
encrypted history, every window opened as a user opens it, each widget tree walked.

In zh_CN no text, tooltip or accessible name is in Latin letters only (names, addresses and
units aside: tests/ui/accessibility.py), so a string never marked for translation is caught
too; with the type half as large again, no one-line label or button is cut off.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QLocale
from PySide6.QtGui import QFont, QIcon
from PySide6.QtWidgets import QApplication, QTabWidget, QWidget

from app import language
from app.core.llm.catalog import CATALOG
from app.core.llm.download import DownloadOptions
from app.core.store.models import Message
from app.ui import i18n
from app.ui.chat_view import ChatView
from app.ui.crash import CrashDialog
from app.ui.desktop_session import DesktopSession
from app.ui.model_download import ModelDownloadDialog
from app.ui.render import Theme
from app.ui.tray import Tray
from app.ui.unlock import PassphraseDialog
from app.ui.workflow_form import WorkflowForm
from tests.ui.accessibility import clipped, untranslated
from tests.ui.conftest import until
from tests.ui.drive import recovery_key, turn


@pytest.fixture
def chinese(qapp: QApplication) -> Iterator[None]:
    before = QLocale()
    assert i18n.install(qapp, "zh_CN") == "zh_CN"
    yield
    i18n.install(qapp, "en")
    QLocale.setDefault(before)


@pytest.fixture
def larger_type(qapp: QApplication) -> Iterator[None]:
    """Type at 150%, as a desktop scaled to 150% draws it."""
    font = QFont(qapp.font())
    larger = QFont(font)
    larger.setPointSizeF(font.pointSizeF() * 1.5)
    qapp.setFont(larger)
    yield
    qapp.setFont(font)


def shown(kind: type[QWidget]) -> QWidget | None:
    return next(
        (w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()), None
    )


def every_window(
    session: DesktopSession, qtbot, run, look: Callable[[list[QWidget]], None]
) -> None:
    """Open every window of the app as a user does, and ``look`` at each (all its tabs)."""
    window = session.window
    window.show()
    qtbot.waitExposed(window)

    def tabs_of(top: QWidget) -> None:
        for tabs in top.findChildren(QTabWidget):
            for index in range(tabs.count()):
                tabs.setCurrentIndex(index)
                look([top])

    async def go() -> None:
        await session.start()
        key = await until(lambda: recovery_key())
        look([window, key])
        key.done_button.click()
        await until(lambda: session.assistant is not None and window.settings_button.isEnabled())
        await until(lambda: window.empty_state.isVisible())
        look([window])

        session.quick.popup()
        look([session.quick])
        answered: list[str] = []
        session.quick.answered.connect(answered.append)
        session.quick.popup("Hi")
        await until(lambda: answered, timeout=300)
        look([session.quick])  # with its answer, and what wrote it
        session.quick.hide()

        settings = session.open_settings()
        assert settings is not None
        tabs_of(settings)
        settings.reject()

        panel = session.open_automations()
        assert panel is not None
        await until(lambda: panel.isVisible())
        look([panel])
        panel.close()

        models = session.open_models()
        assert models is not None
        await until(lambda: models.list.topLevelItemCount() > 0)
        tabs_of(models)
        models.close()

        for purpose in ("create", "unlock", "set", "change", "confirm"):
            dialog = PassphraseDialog(purpose=purpose, parent=window)  # type: ignore[arg-type]
            dialog.show()
            look([dialog])
            dialog.reject()
        assert session.steward is not None
        crash = CrashDialog("report", session.steward.paths.logs / "crash.txt", window)
        crash.show()
        look([crash])
        crash.reject()
        download = ModelDownloadDialog(session.steward.paths, DownloadOptions(), window)
        download.show()
        look([download])
        download.reject()

        # a request drafted into a card, and the card's editor
        window.empty_state.draft_button.click()
        await turn(window, window.send_button.click, timeout=300)
        card = await until(lambda: window.review_card or window.action_card, timeout=120)
        assert not window.empty_state.isVisible()  # the card takes its place
        look([window])
        if window.review_card is not None and window.review_card.edit_button.isVisible():
            window.review_card.edit_button.click()
            form = await until(lambda: shown(WorkflowForm))
            look([form])
            form.reject()
        assert card is not None
        if window.review_card is not None and window.review_card.approve_button.isVisible():
            # saved, then listed in the panel: its trigger, next run and details
            saved: list[str] = []
            window.review_card.saved.connect(saved.append)
            window.review_card.approve_button.click()
            await until(lambda: saved)
            panel = session.open_automations()
            assert panel is not None
            await until(lambda: panel.workflows.topLevelItemCount() == 1)
            panel.workflows.setCurrentItem(panel.workflows.topLevelItem(0))
            await until(lambda: panel.details.toPlainText().strip())
            look([panel])
            panel.close()

    run(go())


def names_in(session: DesktopSession) -> set[str]:
    """What keeps its own spelling in any language: models, paths, the conversation."""
    picker = session.window.model_picker
    names = {picker.itemText(i) for i in range(picker.count())}
    assert session.steward is not None
    paths = session.steward.paths
    names |= {str(p) for p in (paths.data, paths.config, paths.logs, paths.database)}
    names |= {c.title for c in session.assistant.db.conversations()} if session.assistant else set()
    names |= {e.name for e in CATALOG} | {e.license for e in CATALOG}
    return names


@pytest.mark.translated
def test_every_window_speaks_chinese(chinese, session: DesktopSession, qtbot, run) -> None:
    """(``chinese`` comes first: the session's windows are made in Chinese.)"""
    seen: list[list[QWidget]] = []
    problems: set[str] = set()

    def look(windows: list[QWidget]) -> None:
        seen.append(windows)
        problems.update(untranslated(windows, names_in(session) if session.steward else set()))

    every_window(session, qtbot, run, look)
    assert language.language() == "zh_CN"
    assert len(seen) >= 15
    assert session.window.new_button.text() == "新对话"
    assert not problems, "\n".join(sorted(problems))


def test_nothing_is_cut_off_at_150_percent(
    larger_type, session: DesktopSession, qtbot, run
) -> None:
    problems: set[str] = set()
    every_window(session, qtbot, run, lambda windows: problems.update(clipped(windows)))
    assert not problems, "\n".join(sorted(problems))


@pytest.mark.translated
def test_the_chat_says_its_own_words_in_the_language_chosen_while_it_shows(
    qapp: QApplication, qtbot
) -> None:
    """Who wrote each message, where, and a code block's Copy link: drawn again in the new
    language when it changes (the messages themselves stay as written)."""
    view = ChatView(Theme.light())
    qtbot.addWidget(view)
    view.show_messages(
        [
            Message("m1", "c", 1, "user", "print one", "2026-12-01T10:00:00"),
            Message("m2", "c", 2, "assistant", "```python\nprint(1)\n```", "2026-12-01T10:00:01"),
        ]
    )
    english = view.toPlainText()
    assert all(word in english for word in ("You", "local", "Copy", "print(1)"))
    before = QLocale()
    try:
        i18n.install(qapp, "zh_CN")
        qapp.processEvents()  # (the change of language reaches the widgets as an event)
        chinese = view.toPlainText()
        assert all(word in chinese for word in ("你", "本地", "复制", "print one", "print(1)"))
        assert not any(word in chinese for word in ("You", "local", "Copy")), chinese
    finally:
        i18n.install(qapp, "en")
        QLocale.setDefault(before)
    qapp.processEvents()
    assert "Copy" in view.toPlainText()


def test_the_next_run_is_said_in_the_locale_with_its_weekday(qapp) -> None:
    from datetime import UTC, datetime

    from app.ui.automation_text import day_and_time

    before = QLocale()
    when = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    try:
        QLocale.setDefault(QLocale("zh_CN"))
        chinese = day_and_time(when)
        assert chinese.startswith("周") and "2026/12/" in chinese, chinese
        QLocale.setDefault(QLocale("en_US"))
        english = day_and_time(when)
        assert english.split()[0] in {"Thu", "Fri", "Sat"} and "12/" in english, english
    finally:
        QLocale.setDefault(before)


def test_the_sidebar_says_when_each_conversation_changed_in_the_locale(qapp) -> None:
    from datetime import datetime, timedelta

    from app.ui.conversation_list import when_text

    now = datetime.now().astimezone()
    earlier_today = (now - timedelta(minutes=5)).isoformat()
    long_ago = now.replace(year=now.year - 2, month=3, day=5).isoformat()
    before = QLocale()
    try:
        QLocale.setDefault(QLocale("en_US"))
        assert ":" in when_text(earlier_today)  # today: the time
        assert when_text(long_ago).startswith("3/5/")  # before this year: the whole date
        QLocale.setDefault(QLocale("zh_CN"))
        assert when_text(long_ago).endswith("/3/5")
        assert when_text("not a time") == ""
    finally:
        QLocale.setDefault(before)


@pytest.mark.translated
def test_choosing_chinese_in_settings_changes_the_main_window_at_once(
    session: DesktopSession, qtbot, run, qapp: QApplication
) -> None:
    from PySide6.QtWidgets import QDialogButtonBox

    before = QLocale()
    window = session.window
    window.show()
    qtbot.waitExposed(window)
    tray = Tray(QIcon())

    async def go() -> None:
        await session.start()
        key = await until(lambda: recovery_key())
        key.done_button.click()
        await until(lambda: window.settings_button.isEnabled())
        assert window.new_button.text() == "New conversation"
        dialog = session.open_settings()
        assert dialog is not None
        choice = dialog.general.language
        choice.setCurrentIndex(choice.findData("zh_CN"))
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
        await until(lambda: window.new_button.text() == "新对话")
        assert window.search.placeholderText() == "搜索全部消息"
        assert session.quick.input.placeholderText().startswith("问 Steward")
        assert "语言已更改" in window.statusBar().currentMessage()
        entries = [a.text() for a in tray.menu.actions() if not a.isSeparator()]
        assert entries[:2] == ["快速提问", "打开 Steward"] and entries[-1] == "退出", entries
        assert tray.runs_menu.title() == "最近的运行"
        assert session.steward is not None and session.steward.settings.language == "zh_CN"

    try:
        run(go())
    finally:
        i18n.install(qapp, "en")
        QLocale.setDefault(before)
