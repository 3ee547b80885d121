"""Steward's translations: collect, build and check them.

    python scripts/translations.py update   # after changing strings: new ones into i18n/
    python scripts/translations.py build    # the .qm and .mo the app loads (make does this)
    python scripts/translations.py check    # fails on a string not translated (make test)

Two systems, one per layer: the windows (``app.ui``) use Qt's (``tr``), collected by
``pyside6-lupdate`` into ``i18n/steward_zh_CN.ts`` and built by ``pyside6-lrelease``;
``app.core``, ``app.automations`` and the terminal (``app.cli``), which may not import Qt, use
gettext (``_``), collected by Babel into ``i18n/zh_CN.po``. Translators edit the .ts with Qt
Linguist and the .po with any PO editor.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
I18N = ROOT / "i18n"
ASSETS = ROOT / "assets"
LANGUAGES = ["zh_CN"]
BIN = Path(sys.executable).parent
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
HIDDEN = re.compile(r"""\{(tr|_t)\(["']""")  # f"{tr('…')}"
QUIET = ["-locations", "none", "-silent"]  # no line numbers: the .ts changes only with its text


def ts_file(language: str) -> Path:
    return I18N / f"steward_{language}.ts"


def po_file(language: str) -> Path:
    return I18N / f"{language}.po"


def ui_sources() -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in (ROOT / "app" / "ui").glob("*.py"))


def lupdate(ts: Path) -> None:
    subprocess.run(
        [str(BIN / "pyside6-lupdate"), *ui_sources(), "-ts", str(ts), "-no-obsolete", *QUIET],
        cwd=ROOT,
        check=True,
    )


def extracted() -> Catalog:
    """Every ``_t("…")`` of the layers without Qt."""
    catalog = Catalog(project="Steward", version="1", charset="utf-8")
    methods = [("ui/**.py", "ignore"), ("**.py", "python")]  # the windows use Qt's
    for filename, lineno, message, comments, _context in extract_from_dir(
        ROOT / "app", method_map=methods, keywords={"_t": None, "N_": None}
    ):
        catalog.add(message, locations=[(f"app/{filename}", lineno)], auto_comments=comments)
    return catalog


def update() -> None:
    I18N.mkdir(exist_ok=True)
    template = extracted()
    for language in LANGUAGES:
        lupdate(ts_file(language))
        path = po_file(language)
        if path.exists():
            with path.open("rb") as f:
                catalog = read_po(f, locale=language)
        else:
            catalog = Catalog(locale=language, project="Steward", charset="utf-8")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.fuzzy = False  # the header is Steward's own, not a guess
        catalog.last_translator = catalog.language_team = "Steward"
        catalog.copyright_holder = "Steward's authors"
        catalog.creation_date = catalog.revision_date = EPOCH  # no churn from dates
        with path.open("wb") as f:
            write_po(f, catalog, omit_header=False, no_location=True, width=100)
        print(f"{language}: {ts_file(language).name} and {path.name} updated")


def build() -> None:
    (ASSETS / "i18n").mkdir(parents=True, exist_ok=True)
    for language in LANGUAGES:
        qm = ASSETS / "i18n" / f"steward_{language}.qm"
        subprocess.run(
            [str(BIN / "pyside6-lrelease"), "-silent", str(ts_file(language)), "-qm", str(qm)],
            check=True,
        )
        mo = ASSETS / "locale" / language / "LC_MESSAGES" / "steward.mo"
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po_file(language).open("rb") as f:
            catalog = read_po(f, locale=language)
        with mo.open("wb") as f:
            write_mo(f, catalog)


def unfinished_ts(ts: Path) -> Iterator[str]:
    for message in ET.parse(ts).getroot().iter("message"):
        translation = message.find("translation")
        source = message.findtext("source") or ""
        if (
            translation is None
            or translation.get("type") in ("unfinished", "vanished")
            or not (translation.text or "").strip()
        ):
            yield source


def check() -> int:
    """lupdate's and Babel's counts: every string collected now has a finished translation."""
    problems = 0
    template = extracted()
    for language in LANGUAGES:
        with tempfile.TemporaryDirectory() as scratch:
            fresh = Path(scratch) / ts_file(language).name
            shutil.copy(ts_file(language), fresh)
            lupdate(fresh)  # what the code holds now, with the translations kept
            missing = list(unfinished_ts(fresh))
        with po_file(language).open("rb") as f:
            catalog = read_po(f, locale=language)
        untranslated = [
            str(m.id)
            for m in template
            if m.id and (m.id not in catalog or not catalog[m.id].string or catalog[m.id].fuzzy)
        ]
        total_ui = sum(1 for _ in ET.parse(ts_file(language)).getroot().iter("message"))
        print(
            f"{language}: interface {total_ui - len(missing)}/{total_ui} translated, "
            f"messages {len(template) - len(untranslated)}/{len(template)} translated"
        )
        for text in missing:
            print(f"  not translated (Qt, {ts_file(language).name}): {text!r}")
        for text in untranslated:
            print(f"  not translated (gettext, {po_file(language).name}): {text!r}")
        problems += len(missing) + len(untranslated)
    # lupdate and Babel read calls, not what an f-string's braces hold: such a string would
    # never be collected, and so never translated
    for path in sorted((ROOT / "app").rglob("*.py")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if HIDDEN.search(line):
                print(f"  {path.relative_to(ROOT)}:{n}: a marked string inside an f-string")
                problems += 1
    if problems:
        print("run `python scripts/translations.py update`, translate, then build")
    return 1 if problems else 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    if command == "update":
        update()
    elif command == "build":
        build()
    elif command == "check":
        sys.exit(check())
    else:
        sys.exit(__doc__)
