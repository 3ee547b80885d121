"""The interface's language: Qt's translation system for every string the windows show.

Every string of ``app.ui`` goes through ``tr`` (one context, so a string moved between
classes keeps its translation); ``pyside6-lupdate`` collects them into
``i18n/steward_zh_CN.ts`` and ``pyside6-lrelease`` makes the ``.qm`` the app loads
(``scripts/translations.py``). Qt's own translations (its dialogs' buttons) are loaded
beside Steward's. The language is the system's unless chosen in Settings; the messages of
``app.core`` and ``app.automations`` follow it through gettext (``app.language``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from app import language as messages_language
from app.ui import render
from app.ui.style import assets_folder

log = logging.getLogger(__name__)

# the languages Settings offers besides the system's, each named in itself
LANGUAGE_NAMES = {"en": "English", "zh_CN": "简体中文"}
_installed: list[QTranslator] = []


def tr(text: str) -> str:
    """``text`` in the interface's language."""
    return QCoreApplication.translate("", text)


def QT_TR_NOOP(text: str) -> str:
    """Marks ``text`` for translation where it is defined (a table of words made at
    import); ``tr`` translates it where it is shown. (Qt's name: lupdate looks for it.)"""
    return text


def review_language() -> Literal["en", "zh"]:
    """The language review text (permissions, steps) is written in for the interface's."""
    return "zh" if messages_language.language() == "zh_CN" else "en"


def chosen_locale(choice: str) -> QLocale:
    return QLocale.system() if choice in ("", "system") else QLocale(choice)


def language_code(locale: QLocale) -> str:
    """ "zh_CN" for Simplified Chinese (in any region that writes it), else "en"."""
    chinese = locale.language() == QLocale.Language.Chinese
    simplified = locale.script() in (QLocale.Script.SimplifiedHanScript, QLocale.Script.AnyScript)
    return "zh_CN" if chinese and simplified else "en"


def install(app: QCoreApplication, choice: str = "system") -> str:
    """Load the translations for ``choice`` ("system", "en" or "zh_CN"); the code used.
    Widgets made afterwards speak it."""
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    code = language_code(chosen_locale(choice))
    # dates and numbers in the person's own format where the language is theirs
    system = QLocale.system()
    QLocale.setDefault(system if language_code(system) == code else QLocale(code))
    messages_language.set_language(code)
    if code != "en":  # (English is the source language: nothing to load)
        _load_translations(app, code)
    render.copy_label = tr("Copy")
    return code


def _load_translations(app: QCoreApplication, code: str) -> None:
    qt_folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for name, folder in (
        (f"qtbase_{code}", Path(qt_folder)),
        (f"steward_{code}", assets_folder() / "i18n"),
    ):
        translator = QTranslator(app)
        if translator.load(name, str(folder)):
            app.installTranslator(translator)
            _installed.append(translator)
        else:
            log.warning("no translation %s in %s", name, folder)


__all__ = ["LANGUAGE_NAMES", "QT_TR_NOOP", "install", "language_code", "review_language", "tr"]
