"""`python -m bench [--quick]`: run every benchmark and print one table.

Without --quick: full sizes, exit status 1 if any target is missed. With --quick (part of
`make test`): small sizes, each benchmark runs once so none rots; targets are shown but not
enforced, because quick sizes and a shared machine make the figures noisy.
"""

from __future__ import annotations

import argparse
import sys

from bench import (
    api,
    automations,
    cloud,
    desktop,
    download,
    llm,
    mcp,
    models,
    planner,
    resume,
    store,
)
from bench.table import Row, print_table

SUITES = {
    "llm": llm.run,
    "resume": resume.run,
    "api": api.run,
    "store": store.run,
    "cloud": cloud.run,
    "download": download.run,
    "models": models.run,
    "desktop": desktop.run,
    "automations": automations.run,
    "mcp": mcp.run,
    "planner": planner.run,
}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="small sizes; targets not enforced")
    parser.add_argument("--only", choices=sorted(SUITES), action="append", help="run these suites")
    args = parser.parse_args()
    rows: list[Row] = []
    for name in args.only or SUITES:
        print(f"running {name} benchmarks…", file=sys.stderr, flush=True)
        rows += SUITES[name](args.quick)
    print_table(rows, quick=args.quick)
    if args.quick:
        return 0
    return 0 if all(r.passed for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
