"""The language of the messages ``app.core``, ``app.automations`` and the terminal give
(errors, notices, what the CLI prints): gettext, as the standard library has it. Outside the
layers, so each of them (and the plugins' API) may use it.

``_t("…")`` marks a message; ``i18n/zh_CN.po`` holds its Chinese, compiled to
``assets/locale/zh_CN/LC_MESSAGES/steward.mo`` by ``scripts/translations.py``. The desktop
app sets the language it shows (``set_language``); the terminal follows the environment
(``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``), as gettext does.
"""

from __future__ import annotations

import gettext
import os
import sys
from pathlib import Path

DOMAIN = "steward"


def locale_folder() -> Path:
    here = Path(__file__).resolve()
    for root in (here.parents[1], Path(getattr(sys, "_MEIPASS", here))):
        if (root / "assets" / "locale").is_dir():
            return root / "assets" / "locale"
    return here.parents[1] / "assets" / "locale"


def _load(languages: list[str] | None) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, locale_folder(), languages=languages, fallback=True)


def language_from_environment() -> str:
    """ "zh_CN" when the environment asks for Simplified Chinese first, else "en"."""
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value:
            first = value.split(":")[0].split(".")[0]
            return "zh_CN" if first in ("zh_CN", "zh_SG", "zh", "zh_Hans") else "en"
    return "en"


_code = language_from_environment()
_current = _load([_code])


def set_language(code: str) -> None:
    """Speak ``code`` ("en" or "zh_CN") from now on."""
    global _current, _code
    _code = code
    _current = _load([code])


def language() -> str:
    return _code


def N_(message: str) -> str:
    """Marks ``message`` for translation where it is defined (a table of words made at
    import); ``_t`` translates it where it is shown."""
    return message


def _t(message: str) -> str:
    """``message`` in the chosen language (itself when there is no translation)."""
    return _current.gettext(message)


__all__ = ["N_", "_t", "language", "language_from_environment", "set_language"]
