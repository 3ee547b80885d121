"""Screenshots of the real app in every language, theme and scale the interface promises:
English and Simplified Chinese, light and dark, 100% and 150% — the empty conversation, a
long one, an answer mid-stream, the quick prompt, Settings, a review card and the
automations panel (tests/e2e/drive_gallery.py drives each run). Each run has a fresh home
with a filled history, a real X server (Xvfb) with a window manager (openbox) and the
embedded model. The pictures go to test-artifacts/gallery/LANG-THEME-SCALE/.

    python -m scripts.gallery [--only en-light-100 ...]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.desktop import X_LOCKS, X_SOCKETS
from tests.e2e.history import write_history

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "test-artifacts" / "gallery"
PASSPHRASE = "gallery passphrase"


def free_display() -> int:
    return next(
        n
        for n in range(200, 400)
        if not (X_SOCKETS / f"X{n}").exists() and not (X_LOCKS / f".X{n}-lock").exists()
    )


def one(language: str, theme: str, scale: int) -> dict[str, object]:
    name = f"{language}-{theme}-{scale}"
    shots = OUT / name
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    size = "1280x800" if scale == 100 else "1920x1200"
    number = free_display()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        env = dict(
            os.environ,
            STEWARD_HOME=str(home),
            STEWARD_PASSPHRASE=PASSPHRASE,
            PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        )
        os.environ.update({k: env[k] for k in ("STEWARD_PASSPHRASE", "PYTHON_KEYRING_BACKEND")})
        write_history(home, 400, language)
        # greedy answers: the same pictures each time, and the small model's best words
        for key, value in (("appearance", theme), ("language", language), ("temperature", "0")):
            subprocess.run(
                [sys.executable, "-m", "app", "settings", "set", key, value],
                env=env,
                check=True,
                capture_output=True,
            )
        server = subprocess.Popen(
            ["Xvfb", f":{number}", "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        display = dict(env, DISPLAY=f":{number}", QT_QPA_PLATFORM="xcb")
        if scale != 100:
            display["QT_SCALE_FACTOR"] = str(scale / 100)
        try:
            while not (X_SOCKETS / f"X{number}").exists():
                time.sleep(0.05)
            manager = subprocess.Popen(
                ["openbox", "--sm-disable"],
                env=display,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            result = Path(tmp) / "result.json"
            started = time.monotonic()
            driver = ["tests.e2e.drive_gallery", str(result), str(shots), language]
            subprocess.run(
                [sys.executable, "-m", *driver],
                cwd=ROOT,
                env=display,
                timeout=1200,
                check=False,
            )
            seen = json.loads(result.read_text()) if result.exists() else {"error": "no result"}
            seen["seconds"] = round(time.monotonic() - started)
            manager.terminate()
        finally:
            server.terminate()
            server.wait(10)
    return seen


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="*", help="e.g. en-light-100 zh_CN-dark-150")
    args = parser.parse_args()
    failed = 0
    for language in ("en", "zh_CN"):
        for theme in ("light", "dark"):
            for scale in (100, 150):
                name = f"{language}-{theme}-{scale}"
                if args.only and name not in args.only:
                    continue
                seen = one(language, theme, scale)
                failed += "error" in seen
                status = "error" if "error" in seen else "ok"
                print(f"{name}: {status} in {seen['seconds']} s", flush=True)
                if "error" in seen:
                    print(seen["error"])
    print(f"screenshots in {OUT}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
