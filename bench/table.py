"""One row per measured figure, printed as a table."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Row:
    metric: str
    target: str
    measured: str
    passed: bool


def print_table(rows: list[Row], *, quick: bool) -> None:
    header = ("metric", "target", "measured", "pass")
    cells = [header] + [
        (
            r.metric,
            r.target,
            r.measured,
            ("yes" if r.passed else "NO") + (" (quick)" if quick else ""),
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(4)]
    line = "+-" + "-+-".join("-" * w for w in widths) + "-+"
    print(line)
    for n, row in enumerate(cells):
        print("| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |")
        if n == 0:
            print(line)
    print(line)
