"""Misspelt keywords are put right before a request is read, and nothing else is."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.automations import intent
from app.automations.builtins import MODULES
from app.automations.plugins import load_plugins
from app.automations.typos import correct

BUILTINS = load_plugins(builtins=MODULES, entry_points=False)


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("every mondey at 9 remind me", "every monday at 9 remind me"),
        ("remind me evry 30 min", "remind me every 30 min"),
        ("Every Thrusday at 9", "Every Thursday at 9"),  # two letters swapped
        ("sumarize it", "summarize it"),
        ("downlaod https://a.test/x", "download https://a.test/x"),
        ("Evry day chek my Dowloads", "Every day check my Downloads"),  # capitals kept
        ("notfy me when it mentoins 'down'", "notify me when it mentions 'down'"),
        ("copy ~/a.txt too ~/Backups", "copy ~/a.txt to ~/Backups"),  # "too" before a place
        ("delete teh logs", "delete the logs"),  # an everyday slip
    ],
)
def test_a_misspelt_keyword_is_put_right(written: str, read: str) -> None:
    assert correct(written) == read


@pytest.mark.parametrize(
    "text",
    [
        "I very much like dairy and ever more cheese",  # real words one edit from a keyword
        "copy ~/Mondey/report.txt to ~/Backups",  # a path is kept exactly as named
        "fetch https://a.test/evry",  # so is a web address
        "remote files",  # never toward a word that deletes ("remove" is not a keyword)
        "Send the reports daily to the team",  # already right
        "run `sumarize --evry` if it says 'evry'",  # commands and quoted words as written
        "I don't like that one too much",  # "too" that means "too"
        "Remind me to call Jonh",  # a name near no keyword
        "List my Downloads folder every minute",  # other forms of a keyword
    ],
)
def test_everything_else_is_left_as_written(text: str) -> None:
    assert correct(text) == text


def test_a_misspelt_request_reads_as_it_plainly_says() -> None:
    facts = intent.read("every mondey at 9 remind me of the standup", BUILTINS)
    assert (facts.trigger, facts.weekdays, facts.hour) == ("schedule", ("mon",), 9)
    facts = intent.read("sumarize ~/Notes/meeting.txt and save it to ~/Notes/summary.md", BUILTINS)
    assert {c.name for c in facts.wants} >= {"a summary by the model", "saving to a file"}
    assert facts.paths == ["~/Notes/meeting.txt", "~/Notes/summary.md"]


def test_the_english_words_near_keywords_are_the_word_lists() -> None:
    """The words shipped (app.automations.english_near) are exactly those of pyspellchecker's
    English list one edit from a keyword: a keyword added without writing them again
    would let a real word be "corrected"."""
    script = Path(__file__).resolve().parents[3] / "scripts" / "english_near.py"
    checked = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, timeout=300
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
