"""Misspelt words the reader depends on, put right before a request is read: "evry mondey"
reads as "every monday", "sumarize" as "summarize", "chek my Dowloads" as "check my
downloads".

A correction may only make a request read as what it plainly says, so it is narrow:

- only toward the reader's own words about when, where and what (the days, every, the
  known folders, summarize, download, remind, check…), never toward a word that deletes,
  moves, sends or runs anything;
- only from a word that is no English word (pyspellchecker's English word list decides:
  "ever", "very", "dairy" and "remote" stay as written) and that is one edit away (a letter
  added, dropped or changed, or two swapped) from exactly one of them; of that list only
  the words one edit from a keyword matter, and only they ship (app.automations.english_near,
  written by scripts/english_near.py);
- never in a path, a file name or a web address; a short, fixed list of everyday slips
  ("teh", "too ~/Backups") is put right as well.
"""

from __future__ import annotations

import re
from functools import cache

from app.automations.english_near import ENGLISH_NEAR_KEYWORDS

KEYWORDS = (
    # when
    "every",
    "daily",
    "hourly",
    "weekly",
    "minutes",
    "hours",
    "weekday",
    "weekdays",
    "weekend",
    "weekends",
    "morning",
    "evening",
    "night",
    "afternoon",
    "midnight",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "whenever",
    "appears",
    "arrives",
    "lands",
    # where
    "downloads",
    "documents",
    "desktop",
    "pictures",
    "music",
    "videos",
    "folder",
    "journal",
    "notes",
    "clipboard",
    # what (nothing here deletes, moves, sends or runs)
    "summarize",
    "summarise",
    "summary",
    "translate",
    "download",
    "fetch",
    "check",
    "remind",
    "notify",
    "notification",
    "alert",
    "append",
    "save",
    "store",
    "read",
    "contains",
    "mentions",
)
# everyday slips of three letters or fewer (too short to tell by edits), and "too" before a
# place, which never means "also" there
_SLIPS = {"teh": "the", "adn": "and", "ot": "to", "fo": "of", "nad": "and", "hte": "the"}
_TOO_PLACE = re.compile(r"\btoo(?=\s+(?:~|/|my\b|the\b))", re.I)
# quoted words and commands in backticks (an apostrophe inside a word is no quote)
_QUOTED = re.compile(
    r"((?<!\w)(?:'[^'\n]{1,300}'|\"[^\"\n]{1,300}\"|“[^”\n]{1,300}”|`[^`\n]{1,300}`))"
)
# a word on its own: not part of a path, a file name or a web address
_WORD = re.compile(r"(?<![/~.\w-])[A-Za-z]{2,14}(?![/.\w-])")


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
    if word in _SLIPS:
        return _SLIPS[word]
    if len(word) < 4 or word in KEYWORDS:
        return None
    # a keyword with a letter more or less at its end is another form of it ("downloads" is a
    # folder, "minute" a word), not a misspelling
    near = [
        k for k in KEYWORDS if _one_edit(word, k) and not (word.startswith(k) or k.startswith(word))
    ]
    if len(near) != 1 or word in ENGLISH_NEAR_KEYWORDS:
        return None
    return near[0]


def _put_right(match: re.Match[str]) -> str:
    word = match.group(0)
    meant = _meant(word.lower())
    if meant is None:
        return word
    return meant.capitalize() if word[0].isupper() else meant


def correct(text: str) -> str:
    """``text`` with each misspelt keyword put right (see the module's docs); what is quoted
    or in backticks (a command, the words a condition looks for) is left as written."""
    parts = _QUOTED.split(text)
    for n in range(0, len(parts), 2):  # the parts between the quoted ones
        part = _TOO_PLACE.sub(lambda m: "to" if m.group(0).islower() else "To", parts[n])
        parts[n] = _WORD.sub(_put_right, part)
    return "".join(parts)


__all__ = ["KEYWORDS", "correct"]
