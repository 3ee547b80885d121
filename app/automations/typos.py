"""Misspelt words the reader depends on, put right before a request is read: "evry mondey"
reads as "every monday", "sumarize" as "summarize".

A correction may only make a request read as what it plainly says, so it is narrow: only
toward a short list of words about when and what (the days, every, summarize, download),
only from a word one edit away from exactly one of them (a letter added, dropped or changed,
or two swapped), never from a real word that is one edit away ("ever", "very", "dairy"), and
never toward a word that deletes, moves or sends anything.
"""

from __future__ import annotations

import re
from functools import cache

KEYWORDS = (
    "every",
    "daily",
    "hourly",
    "minutes",
    "weekday",
    "weekdays",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "summarize",
    "summarise",
    "download",
)
# real words one edit away from a keyword: left as they are
REAL_WORDS = frozenset({"ever", "very", "emery", "dairy", "dally", "minuets", "sundae", "sundry"})
# a word on its own: not part of a path, a file name or a web address
_WORD = re.compile(r"(?<![/~.\w-])[A-Za-z]{4,12}(?![/.\w-])")


def _one_edit(a: str, b: str) -> bool:
    """Are two different words one insertion, deletion, substitution or swap apart?"""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        swapped = len(diff) == 2 and diff[1] == diff[0] + 1
        return len(diff) == 1 or (swapped and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


@cache
def _meant(word: str) -> str | None:
    if word in KEYWORDS or word in REAL_WORDS:
        return None
    # a keyword with a letter more or less at its end is another form of it ("downloads" is a
    # folder, "minute" a word), not a misspelling
    near = [
        k for k in KEYWORDS if _one_edit(word, k) and not (word.startswith(k) or k.startswith(word))
    ]
    return near[0] if len(near) == 1 else None


def correct(text: str) -> str:
    """``text`` with each misspelt keyword put right (see the module's docs)."""
    return _WORD.sub(lambda m: _meant(m.group(0).lower()) or m.group(0), text)


__all__ = ["KEYWORDS", "correct"]
