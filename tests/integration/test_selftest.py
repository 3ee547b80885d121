"""`steward --self-test` from source (the frozen app runs the same checks in
packaging/check_package.py): every check passes with the embedded model and no keyring, and a
failing check makes it exit 1 naming what failed."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import selftest
from tests.conftest import run_steward


def test_self_test_passes_from_source(home: Path) -> None:
    result = run_steward("--self-test", home=home, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "self-test (from source" in out
    for name in ("keyring", "model", "database", "workflow", "planner", "api"):
        assert f"ok   {name}" in out, out
    assert "no usable keyring" in out and "the passphrase path will keep the key" in out
    assert "SQLCipher database created, reopened, refused a wrong key" in out
    assert "dry run, run (4 steps recorded), undo" in out
    assert "drafted notify.show in" in out  # the grammar works in this build
    assert "a new engine resumed from the encrypted state" in out
    assert "no token → 401, another Host → 403" in out
    assert out.rstrip().endswith("All checks passed.")
    assert not (home / "data").exists()  # the user's data folder was not touched


def test_a_failing_check_is_named_and_fails_the_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(tmp: Path) -> str:
        raise RuntimeError("the embedded model is missing from this installation")

    monkeypatch.setattr(selftest, "CHECKS", [("model", broken), *selftest.CHECKS[2:3]])
    assert selftest.run() == 1
    out = capsys.readouterr().out
    assert "FAIL model     RuntimeError: the embedded model is missing" in out
    assert "ok   database" in out
    assert "1 of 2 checks failed." in out
