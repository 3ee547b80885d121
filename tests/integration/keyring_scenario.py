"""Run inside `dbus-run-session`: starts gnome-keyring (a real Secret Service) with a throwaway
HOME, then drives the real `steward` command through the keyring path. Exits non-zero with a
message on the first failed expectation. Started by test_keyring_secret_service.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
base = Path(sys.argv[1])
os.environ["HOME"] = str(base / "user-home")
Path(os.environ["HOME"]).mkdir(parents=True, exist_ok=True)
out = subprocess.run(
    ["gnome-keyring-daemon", "--unlock", "--components=secrets"],
    input=b"keyring-login-password",
    capture_output=True,
    check=True,
)
for line in out.stdout.decode().replace("\0", "").splitlines():
    if "=" in line:
        name, value = line.split("=", 1)
        os.environ[name] = value
for name in ("PYTHON_KEYRING_BACKEND", "STEWARD_PASSPHRASE", "STEWARD_RECOVERY_KEY"):
    os.environ.pop(name, None)


def steward(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    e = dict(os.environ, STEWARD_HOME=str(home), **env)
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env=e,
        capture_output=True,
        text=True,
        timeout=120,
    )


def expect(
    condition: bool, what: str, result: subprocess.CompletedProcess[str] | None = None
) -> None:
    if not condition:
        detail = f"\nstdout: {result.stdout}\nstderr: {result.stderr}" if result else ""
        sys.exit(f"FAILED: {what}{detail}")
    print(f"ok: {what}")


import keyring  # noqa: E402

from app.core.secrets import KEYRING_SERVICE, parse_recovery_key  # noqa: E402

backend = type(keyring.get_keyring()).__module__
expect("SecretService" in backend, f"keyring uses the Secret Service ({backend})")

home_a, home_b = base / "a", base / "b"
r = steward(home_a, "ask", "Hello from the keyring test", "--max-tokens", "8")
expect(r.returncode == 0, "first ask creates the database with its key in the keyring", r)
recovery = next(ln.strip() for ln in r.stderr.splitlines() if ln.strip().count("-") == 10)
meta_a = json.loads((home_a / "data" / "steward.db.json").read_text())
expect(
    meta_a["key_storage"] == "keyring" and meta_a["passphrase_wrap"] is None,
    "metadata says keyring, holds no key",
)
stored = keyring.get_password(KEYRING_SERVICE, f"database-key:{meta_a['database_id']}")
expect(
    bytes.fromhex(stored) == parse_recovery_key(recovery),
    "the keyring entry is named by database id and holds the key",
)

r = steward(home_a, "history", "list", "--json")
expect(
    r.returncode == 0 and len(json.loads(r.stdout)) == 1, "a second run unlocks from the keyring", r
)
r = steward(home_a, "doctor")
expect(
    r.returncode == 0 and "SecretService" in r.stdout,
    "doctor reports the Secret Service backend",
    r,
)

r = steward(home_b, "ask", "Second data folder", "--max-tokens", "8")
meta_b = json.loads((home_b / "data" / "steward.db.json").read_text())
expect(
    r.returncode == 0 and meta_b["database_id"] != meta_a["database_id"],
    "a second STEWARD_HOME has its own entry",
    r,
)
expect(
    keyring.get_password(KEYRING_SERVICE, f"database-key:{meta_a['database_id']}") == stored,
    "the first folder's key is untouched",
)

cloud_user = f"cloud-api-key:{meta_a['database_id']}"
r = steward(
    home_a,
    "cloud",
    "set",
    "--base-url",
    "http://127.0.0.1:9/v1",
    "--model",
    "m",
    STEWARD_CLOUD_API_KEY="sk-keyring-test-key",
)
expect(
    r.returncode == 0
    and keyring.get_password(KEYRING_SERVICE, cloud_user) == "sk-keyring-test-key",
    "the cloud API key is stored in the keyring beside the database key",
    r,
)

r = steward(home_a, "passphrase", "set", STEWARD_PASSPHRASE="a passphrase on top")
expect(r.returncode == 0, "passphrase set", r)
expect(
    keyring.get_password(KEYRING_SERVICE, cloud_user) is None,
    "with a passphrase, the API key left the keyring",
)
r = steward(home_a, "cloud", "show", "--json", STEWARD_PASSPHRASE="a passphrase on top")
expect(
    r.returncode == 0 and json.loads(r.stdout)["api_key"] == "stored",
    "and is kept in the encrypted database instead",
    r,
)
expect(
    keyring.get_password(KEYRING_SERVICE, f"database-key:{meta_a['database_id']}") is None,
    "with a passphrase required, the keyring no longer holds the key",
)
r = steward(home_a, "history", "list")
expect(
    r.returncode == 3 and "passphrase" in r.stderr,
    "without the passphrase the database stays locked",
    r,
)
r = steward(home_a, "history", "list", STEWARD_PASSPHRASE="a passphrase on top")
expect(r.returncode == 0, "the passphrase unlocks", r)
r = steward(home_a, "passphrase", "remove", STEWARD_PASSPHRASE="a passphrase on top")
expect(
    r.returncode == 0 and steward(home_a, "history", "list").returncode == 0,
    "back to the keyring",
    r,
)
expect(
    keyring.get_password(KEYRING_SERVICE, cloud_user) == "sk-keyring-test-key",
    "the API key moved back to the keyring",
)

db_bytes = (home_a / "data" / "steward.db").read_bytes()
keyring.delete_password(KEYRING_SERVICE, f"database-key:{meta_a['database_id']}")
r = steward(home_a, "history", "list")
expect(
    r.returncode == 3 and "steward recover" in r.stderr,
    "a lost keyring entry gives a clear message",
    r,
)
expect((home_a / "data" / "steward.db").read_bytes() == db_bytes, "and the database is untouched")
r = steward(home_a, "recover", STEWARD_RECOVERY_KEY=recovery)
expect(r.returncode == 0, "the recovery key puts the key back", r)
r = steward(home_a, "history", "search", "keyring", "--json")
expect(r.returncode == 0 and json.loads(r.stdout), "history readable again", r)
print("keyring scenario passed")
