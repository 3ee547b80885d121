"""`python scripts/prepare_prompt_states.py FOLDER`: the planner prompt's state for this install.

A new `steward automations plan` process reads the planner's fixed prompt (its instructions,
worked examples and the installed actions, ~1,200 tokens) from a kept state instead of
evaluating it again (app.core.llm.prompt_states). This makes that state when the install is
built, so that the very first draft after installing reads it too: it runs one real
`steward automations plan` in an empty Steward home, with no prepared state to read, and
puts the state that process kept into FOLDER (replacing what was there). Nothing of a user's
is in it. `make setup` writes the environment's own (.venv/share/steward/prompt-states) and
packaging/build.py the bundle's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# any request the model drafts: what is kept is the fixed prompt before it
REQUEST = "Every weekday at 17:00 remind me to write my timesheet"


def prepare(folder: Path, python: str = sys.executable) -> Path:
    with tempfile.TemporaryDirectory(prefix="steward-prepare-") as home:
        env = dict(os.environ, STEWARD_HOME=home, STEWARD_PREPARED_STATES="")
        done = subprocess.run(
            [python, "-m", "app", "automations", "plan", "--json", REQUEST],
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise SystemExit(f"steward automations plan failed:\n{done.stderr[-2000:]}")
        kept = list((Path(home) / "cache" / "prompt-states").glob("*.state"))
        if len(kept) != 1:
            raise SystemExit(f"expected one kept prompt state, found {len(kept)}")
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.state"):
            old.unlink()
        made = folder / kept[0].name
        shutil.copyfile(kept[0], made)
    return made


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    made = prepare(Path(sys.argv[1]))
    print(f"prompt state prepared: {made} ({made.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
