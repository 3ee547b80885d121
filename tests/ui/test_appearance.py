"""Light and dark switch live in every window: chosen in Settings, or following the system."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from app.core.store.database import Database
from app.ui import style as look
from app.ui.appearance import Appearance
from app.ui.quick_prompt import QuickPrompt
from app.ui.render import Theme
from tests.ui.conftest import until

DARK_ANSWER_BG = Theme.dark_theme().assistant_bg
LIGHT_ANSWER_BG = Theme.light().assistant_bg


@pytest.fixture
def appearance(qapp: QApplication) -> Iterator[Appearance]:
    style, palette, sheet = qapp.style().name(), QPalette(qapp.palette()), qapp.styleSheet()
    controller = Appearance(qapp, "system")
    yield controller
    qapp.styleHints().colorSchemeChanged.disconnect(controller._on_color_scheme_changed)
    controller.deleteLater()
    qapp.setStyle(style)
    qapp.setPalette(palette)
    qapp.setStyleSheet(sheet)
    look.current = Theme.light()


def window_colour(app: QApplication) -> int:
    return app.palette().color(QPalette.ColorRole.Window).lightness()


def test_switching_light_and_dark_rerenders_every_window(
    qtbot, run, window_factory, appearance: Appearance, qapp: QApplication
) -> None:
    window, assistant = window_factory()
    db: Database = assistant.db
    conv = db.create_conversation("Colours")
    db.add_message(conv.id, "user", "Show me code")
    db.add_message(conv.id, "assistant", "```python\nprint('hi')\n```")
    quick = QuickPrompt(appearance.theme)
    qtbot.addWidget(quick)
    appearance.changed.connect(window.set_theme)
    appearance.changed.connect(quick.set_theme)
    window.show()
    qtbot.waitExposed(window)

    async def go() -> None:
        await window.attach(assistant)
        window.conversations.setCurrentRow(0)
        await until(lambda: "print" in window.view.toPlainText())

    run(go())
    assert not appearance.theme.dark and LIGHT_ANSWER_BG in window.view.toHtml().lower()
    shown = window.view.visible_messages()

    appearance.apply("dark")
    assert appearance.theme.dark and window_colour(qapp) < 128
    assert Theme.dark_theme().surface in qapp.styleSheet()  # the look drawn in the theme
    html = window.view.toHtml().lower()
    assert DARK_ANSWER_BG in html and LIGHT_ANSWER_BG not in html
    assert window.view.visible_messages() == shown  # re-rendered, not reloaded
    assert "print" in window.view.toPlainText()

    appearance.apply("light")
    assert not appearance.theme.dark and window_colour(qapp) >= 128
    assert LIGHT_ANSWER_BG in window.view.toHtml().lower()


def test_following_the_system_scheme_live(
    qtbot, window_factory, appearance: Appearance, qapp: QApplication
) -> None:
    window, _ = window_factory()
    seen: list[Theme] = []
    appearance.changed.connect(seen.append)
    appearance.changed.connect(window.set_theme)
    hints = qapp.styleHints()
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)  # as the platform does when it changes
    assert seen and seen[-1].dark and window.theme.dark
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert not seen[-1].dark and not window.theme.dark
    # an explicit choice is kept whatever the system does
    appearance.apply("dark")
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert window.theme.dark
