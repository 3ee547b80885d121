"""Split the request set once into a development part and a test part.

Run once, when the set was written (``python -m tests.requests.split < all.jsonl``): each
language-and-dimension group is shuffled with a fixed seed and dealt alternately, so both parts
vary the same ways. It refuses to write over a part that exists: the test part is committed
before any rule or prompt change and never edited afterwards (``git log`` on it shows this).
"""

from __future__ import annotations

import json
import random
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).parent
SEED = 20261202


def split(
    cases: list[dict[str, object]],
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    groups: dict[tuple[object, object], list[dict[str, object]]] = defaultdict(list)
    for case in cases:
        groups[(case["lang"], case["dim"])].append(case)
    rng = random.Random(SEED)
    dev: list[dict[str, object]] = []
    test: list[dict[str, object]] = []
    for key in sorted(groups, key=str):
        group = groups[key]
        rng.shuffle(group)
        first = rng.randrange(2)
        for n, case in enumerate(group):
            (test if (n + first) % 2 == 0 else dev).append(case)
    return dev, test


def main() -> int:
    parts = {"dev": HERE / "dev.jsonl", "test": HERE / "test.jsonl"}
    if any(path.exists() for path in parts.values()):
        print("the set is split already; its test part is never written again", file=sys.stderr)
        return 2
    cases = [json.loads(line) for line in sys.stdin if line.strip()]
    dev, test = split(cases)
    for name, part in (("dev", dev), ("test", test)):
        lines = []
        for n, case in enumerate(part, 1):
            record = {"id": f"{name}-{case['lang']}-{n:03d}", **case}
            lines.append(json.dumps(record, ensure_ascii=False))
        parts[name].write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{name}: {len(part)} requests", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
