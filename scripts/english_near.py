"""Write app/automations/english_near.py: the English words (pyspellchecker's word list) one
edit away from a keyword of app.automations.typos — the only words whose Englishness the
typo reader ever asks about. Shipping these few hundred words instead of loading the
160,000-word list saves the running app about 40 MB and its first chat message a third of a
second. tests/unit/automations/test_typos.py checks the file is what this script writes.

    python scripts/english_near.py [--check]
"""

from __future__ import annotations

import sys
from pathlib import Path

from spellchecker import SpellChecker

from app.automations.typos import KEYWORDS, _one_edit

TARGET = Path(__file__).resolve().parents[1] / "app" / "automations" / "english_near.py"


def near_words() -> list[str]:
    english = SpellChecker(language="en", distance=1).word_frequency.keys()
    by_length: dict[int, list[str]] = {}
    for keyword in KEYWORDS:
        by_length.setdefault(len(keyword), []).append(keyword)
    found = set()
    for word in english:
        for length in (len(word) - 1, len(word), len(word) + 1):
            if any(_one_edit(word, k) for k in by_length.get(length, ())):
                found.add(word)
                break
    return sorted(found)


def source() -> str:
    words = near_words()
    lines = "".join(f'        "{word}",\n' for word in words)
    return (
        '"""English words one edit away from a keyword of app.automations.typos (written by\n'
        "scripts/english_near.py from pyspellchecker's English word list; do not edit): a word\n"
        'among them is a real word, never a misspelt keyword."""\n\n'
        f"ENGLISH_NEAR_KEYWORDS = frozenset(\n    (\n{lines}    )\n)\n"
    )


def main() -> int:
    text = source()
    if "--check" in sys.argv[1:]:
        same = TARGET.exists() and TARGET.read_text(encoding="utf-8") == text
        print("english_near.py is up to date" if same else "run python scripts/english_near.py")
        return 0 if same else 1
    TARGET.write_text(text, encoding="utf-8")
    print(f"{TARGET}: {text.count(chr(10))} lines")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
