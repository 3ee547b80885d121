"""Planner figures over the test part of the request set (tests/requests/test.jsonl, never
tuned on; see tests/requests/README.md): each answer judged by tests/requests/score.py, a
breakdown per language and dimension printed above the table, and rows for the targets.

The embedded model always; with ``STEWARD_PLANNER_MODELS`` (GGUF paths separated by the
platform's path separator) each of those models too, as rows of their own.
"""

from __future__ import annotations

import os
import statistics
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from bench.table import Row

UNSURE = ("ambiguous", "impossible", "dangerous")
COLUMNS = ("exact", "right", "inexact", "invalid", "asked", "refused", "wrong", "unclear")


def _models() -> list[tuple[str, Path]]:
    from app.core.llm.model_files import embedded_model_path

    path = embedded_model_path()
    assert path is not None, "the embedded model is installed by make setup"
    models = [("embedded", path)]
    for item in os.environ.get("STEWARD_PLANNER_MODELS", "").split(os.pathsep):
        if item.strip():
            models.append((Path(item).stem, Path(item)))
    return models


def breakdown(name: str, cases: list[dict[str, Any]], outcomes: list[str]) -> None:
    """Outcomes per language and dimension, printed (to stderr, above the table)."""
    groups: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for case, outcome in zip(cases, outcomes, strict=True):
        groups[(case["lang"], case["dim"])][outcome] += 1
        groups[(case["lang"], "(all)")][outcome] += 1
    print(f"\nplanner outcomes, {name} model, test part:", file=sys.stderr)
    print(
        f"  {'lang':4} {'dimension':12} {'n':>3} " + " ".join(f"{c:>7}" for c in COLUMNS),
        file=sys.stderr,
    )
    for (lang, dim), counts in sorted(groups.items()):
        cells = " ".join(f"{counts[c]:>7}" for c in COLUMNS)
        print(f"  {lang:4} {dim:12} {sum(counts.values()):>3} {cells}", file=sys.stderr)


def _share(part: list[str], good: set[str]) -> tuple[int, int]:
    return sum(o in good for o in part), len(part)


def rows_for(
    name: str, cases: list[dict[str, Any]], outcomes: list[str], clear: int, times: list[float]
) -> list[Row]:
    def of(lang: str | None, unsure: bool) -> list[str]:
        return [
            o
            for c, o in zip(cases, outcomes, strict=True)
            if (lang is None or c["lang"] == lang) and (c["dim"] in UNSURE) == unsure
        ]

    n = len(outcomes)
    wrong = outcomes.count("wrong")
    en, en_n = _share(of("en", False), {"exact"})
    zh, zh_n = _share(of("zh", False), {"exact"})
    unsure, unsure_n = _share(of(None, True), {"right"})
    median, worst = statistics.median(times), max(times)
    label = f"planner ({name} model, test part)"
    return [
        Row(
            f"{label}: wall time per request",
            "median <= 5 s, worst <= 15 s",
            f"median {median:.2f} s, worst {worst:.2f} s",
            median <= 5 and worst <= 15,
        ),
        Row(
            f"{label}: valid workflow or clear question/refusal",
            "100%",
            f"{clear}/{n} ({clear / n:.0%})",
            clear == n,
        ),
        Row(f"{label}: wrong drafts (validating or not)", "0", f"{wrong}/{n}", wrong == 0),
        Row(
            f"{label}: unambiguous English requests exact",
            ">= 75%",
            f"{en}/{en_n} ({en / max(en_n, 1):.0%})",
            en >= 0.75 * en_n,
        ),
        Row(
            f"{label}: unambiguous Chinese requests exact",
            ">= 60%",
            f"{zh}/{zh_n} ({zh / max(zh_n, 1):.0%})",
            zh >= 0.6 * zh_n,
        ),
        Row(
            f"{label}: ambiguous → question, impossible/dangerous → refusal",
            "100%",
            f"{unsure}/{unsure_n} ({unsure / max(unsure_n, 1):.0%})",
            unsure == unsure_n,
        ),
    ]


def run(quick: bool) -> list[Row]:
    from tests.requests.run import plan_all
    from tests.requests.score import load

    cases = load("test")
    if quick:
        cases = cases[::8]
    rows: list[Row] = []
    for name, path in _models():
        answers = plan_all(path, cases)
        outcomes = [a.outcome for a in answers]
        breakdown(name, cases, outcomes)
        clear = sum(a.clear for a in answers)
        rows += rows_for(name, cases, outcomes, clear, [a.seconds for a in answers])
    return rows
