"""Planner figures over the test part of the request set (tests/requests/test.jsonl, never
tuned on; see tests/requests/README.md): each answer judged by tests/requests/score.py, a
breakdown per language and dimension printed above the table, and rows for the targets.

The embedded model always; with ``STEWARD_PLANNER_MODELS`` (GGUF paths separated by the
platform's path separator) each of those models too, as rows of their own. A path ending in
``#free`` is planned with the setting planner_shapes = free (the model shapes its drafts
itself); the full run also shows the embedded model with free shapes, for comparison.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from app.core.llm.prompt_states import prepared_folder
from bench.table import Row

UNSURE = ("ambiguous", "impossible", "dangerous")
COLUMNS = ("exact", "right", "inexact", "invalid", "asked", "refused", "wrong", "unclear")


def _models(quick: bool) -> list[tuple[str, Path, str]]:
    """(name, GGUF path, planner_shapes) for each model to measure."""
    from app.core.llm.model_files import embedded_model_path

    path = embedded_model_path()
    assert path is not None, "the embedded model is installed by make setup"
    models = [("embedded", path, "fixed")]
    if not quick:
        models.append(("embedded, free shapes", path, "free"))
    for item in os.environ.get("STEWARD_PLANNER_MODELS", "").split(os.pathsep):
        if item.strip():
            file, _, shapes = item.strip().partition("#")
            name = Path(file).stem + (", free shapes" if shapes == "free" else "")
            models.append((name, Path(file), "free" if shapes == "free" else "fixed"))
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


def _cold_plan(home: Path, request: str, **env: str) -> float:
    """Seconds for a new `steward automations plan --json REQUEST` process, start to exit."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "app", "automations", "plan", "--json", request],
        env=dict(os.environ, STEWARD_HOME=str(home), **env),
        capture_output=True,
        timeout=300,
    )
    seconds = time.perf_counter() - started
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    return seconds


def cold_rows(cases: list[dict[str, Any]], quick: bool) -> list[Row]:
    """New `steward automations plan` processes, one per request, in a new Steward home: the
    first reads the planner prompt's state the install brings (`make setup` and the package
    build prepare it: scripts/prepare_prompt_states.py), as every later one does. For
    comparison, the same requests with no state at all (neither the install's nor one kept),
    as after installing a plugin of one's own, which changes the prompt: each process then
    evaluates the whole prompt (and keeps its state for the next one)."""
    # requests that call for a draft: a question or refusal is answered before the model
    drafts = [c for c in cases if c["expect"] == "workflow"]
    picked = drafts[:: max(1, len(drafts) // (4 if quick else 12))][: 4 if quick else 12]
    requests = [c["request"] for c in picked]
    prepared = prepared_folder()
    installed = prepared is not None and any(prepared.glob("*.state"))
    with tempfile.TemporaryDirectory(prefix="steward-bench-cold-") as folder:
        home = Path(folder) / "home"
        kept = [_cold_plan(home, r) for r in requests]
        without = []
        for request in requests[: 2 if quick else 4]:
            shutil.rmtree(home / "cache" / "prompt-states", ignore_errors=True)
            none = str(Path(folder) / "no-prepared-states")
            without.append(_cold_plan(home, request, STEWARD_PREPARED_STATES=none))
    median, worst = statistics.median(kept), max(kept)
    return [
        Row(
            f"cold `steward automations plan` (embedded model, {len(kept)} new processes, "
            f"new home; the install's prompt state {'read' if installed else 'MISSING'})",
            "median <= 5 s, worst <= 15 s",
            f"median {median:.2f} s, worst {worst:.2f} s",
            median <= 5 and worst <= 15 and installed,
        ),
        Row(
            "cold plan: the same with no prompt state at all (reference)",
            "(shown)",
            f"median {statistics.median(without):.2f} s, worst {max(without):.2f} s "
            f"over {len(without)}",
            True,
        ),
    ]


def run(quick: bool) -> list[Row]:
    from tests.requests.run import plan_all
    from tests.requests.score import load

    cases = load("test")
    if quick:
        cases = cases[::8]
    rows: list[Row] = []
    for name, path, shapes in _models(quick):
        answers = plan_all(path, cases, shapes)
        outcomes = [a.outcome for a in answers]
        breakdown(name, cases, outcomes)
        clear = sum(a.clear for a in answers)
        rows += rows_for(name, cases, outcomes, clear, [a.seconds for a in answers])
    return rows + cold_rows(cases, quick)
