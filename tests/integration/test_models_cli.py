"""`steward models pull` as a user runs it, against a hub on 127.0.0.1 serving the embedded
model's file: the downloaded model loads and answers; a download killed with SIGKILL resumes;
a full disk, a wrong hash and an unreachable hub each end with one clear line, exit 3 and
nothing installed."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.llm.download import part_paths
from app.core.paths import resolve_paths
from tests.conftest import ROOT, run_steward, steward_env
from tests.hub_server import HubServer

MB = 1 << 20
FILE = "SmolLM2-pulled.Q4_1.gguf"


@pytest.fixture(scope="module")
def model_bytes(model_path: Path) -> bytes:
    return model_path.read_bytes()


@pytest.fixture
def hub(model_bytes: bytes) -> Iterator[HubServer]:
    with HubServer() as server:
        server.add(FILE, model_bytes)
        yield server


def quick_retries(home: Path) -> None:
    settings = resolve_paths(home).ensure().settings_file
    settings.write_text("[downloads]\nstall_timeout = 1.0\nretries = 1\n", encoding="utf-8")


def test_pull_then_the_model_answers(hub: HubServer, home: Path, model_bytes: bytes) -> None:
    result = run_steward("models", "pull", hub.resolve_url(FILE), "--json", home=home)
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    dest = resolve_paths(home).models / FILE
    assert info["path"] == str(dest) and info["verification"] == "hub"
    assert (
        info["sha256"]
        == hashlib.sha256(model_bytes).hexdigest()
        == hashlib.sha256(dest.read_bytes()).hexdigest()
    )
    again = run_steward("models", "pull", hub.resolve_url(FILE), home=home)
    assert again.returncode == 0 and "Already downloaded" in again.stdout
    # listed as a download the hub verified; chosen by its id, it answers
    listed = json.loads(run_steward("models", "list", "--json", home=home).stdout)
    (pulled,) = [m for m in listed if m["origin"] == "downloaded"]
    assert pulled["id"] == info["id"] and pulled["path"] == str(dest)
    assert pulled["verification"] == "hub" and pulled["sha256"] == info["sha256"]
    use = run_steward("models", "use", info["id"], home=home)
    assert use.returncode == 0, use.stderr
    answer = run_steward("ask", "--max-tokens", "8", "Say hello.", home=home, timeout=300)
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.strip()
    conversations = json.loads(run_steward("history", "list", "--json", home=home).stdout)
    shown = run_steward("history", "show", str(conversations[0]["id"]), "--json", home=home)
    assert FILE in shown.stdout  # the answer records the model that wrote it
    # removing a download deletes its file, and the embedded model answers again
    removed = run_steward("models", "rm", info["id"], home=home)
    assert removed.returncode == 0 and "embedded model" in removed.stdout
    assert not dest.exists()
    listed = json.loads(run_steward("models", "list", "--json", home=home).stdout)
    assert [m["origin"] for m in listed] == ["embedded"] and listed[0]["active"]


def test_a_killed_download_resumes_where_it_stopped(
    hub: HubServer, home: Path, model_bytes: bytes
) -> None:
    hub.files[FILE].bytes_per_s = 8 * MB
    dest = resolve_paths(home).models / FILE
    part, sidecar = part_paths(dest)
    child = subprocess.Popen(
        [sys.executable, "-m", "app", "models", "pull", hub.resolve_url(FILE)],
        cwd=ROOT,
        env=steward_env(home),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not (part.exists() and part.stat().st_size > 10 * MB):
            assert child.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    kept = part.stat().st_size
    assert kept < len(model_bytes) and sidecar.exists() and not dest.exists()
    sent_before = hub.sent
    hub.files[FILE].bytes_per_s = 0
    result = run_steward("models", "pull", hub.resolve_url(FILE), "--json", home=home)
    assert result.returncode == 0, result.stderr
    assert dest.read_bytes() == model_bytes
    assert not part.exists() and not sidecar.exists()
    gets = [r for r in hub.requests if r.method == "GET" and r.path.startswith("/content/")]
    assert gets[-1].headers.get("Range") == f"bytes={kept}-"
    # only the rest was sent (give or take what the killed connection still had in flight)
    assert hub.sent - sent_before <= len(model_bytes) - kept + 256 * 1024


def test_a_full_disk_says_so_and_installs_nothing(hub: HubServer, home: Path) -> None:
    quick_retries(home)
    settings = resolve_paths(home).settings_file
    settings_before = settings.read_bytes()

    def limit_file_size() -> None:
        # files may not grow past 20 MB, as on a nearly full disk; EFBIG instead of SIGXFSZ
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20 * MB, 20 * MB))

    proc = subprocess.run(
        [sys.executable, "-m", "app", "models", "pull", hub.resolve_url(FILE)],
        cwd=ROOT,
        env=steward_env(home),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limit_file_size,
    )
    assert proc.returncode == 3, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "could not be written" in lines[0], proc.stderr
    dest = resolve_paths(home).models / FILE
    assert not dest.exists()
    assert settings.read_bytes() == settings_before  # nothing else lost
    part, _ = part_paths(dest)
    assert part.stat().st_size <= 20 * MB  # what arrived is kept for a resume


def test_a_wrong_hash_and_an_unreachable_hub_end_with_one_line(hub: HubServer, home: Path):
    quick_retries(home)
    wrong = run_steward("models", "pull", hub.resolve_url(FILE), "--sha256", "0" * 64, home=home)
    assert wrong.returncode == 3
    assert "discarded" in wrong.stderr and len(wrong.stderr.strip().splitlines()) == 1
    dest = resolve_paths(home).models / FILE
    assert not dest.exists() and not part_paths(dest)[0].exists()
    with HubServer() as gone:
        url = gone.resolve_url(FILE)
    unreachable = run_steward("models", "pull", url, home=home)
    assert unreachable.returncode == 3
    assert "cannot be reached" in unreachable.stderr
    bad = run_steward("models", "pull", "ftp://example.org/x.gguf", home=home)
    assert bad.returncode == 2 and "http(s) URL" in bad.stderr
    not_gguf = run_steward("models", "pull", hub.base_url + "/plain/readme.txt", home=home)
    assert not_gguf.returncode == 2 and ".gguf" in not_gguf.stderr
    assert os.listdir(resolve_paths(home).models) == []


def test_a_gated_file_takes_the_stored_token_sent_to_the_hub_only(
    hub: HubServer, home: Path, model_bytes: bytes
) -> None:
    hub.add("gated.gguf", model_bytes[: 4 * MB], needs_token="hf_canary_token_4471")
    settings = resolve_paths(home).ensure().settings_file
    # the hub here is reached as a mirror of huggingface.co, as hf-mirror would be
    settings.write_text(f'[downloads]\nmirror = "{hub.base_url}"\n', encoding="utf-8")
    url = "https://huggingface.co/steward-tests/models/resolve/main/gated.gguf"
    refused = run_steward("models", "pull", url, home=home)
    assert refused.returncode == 3 and "access token" in refused.stderr
    assert "steward models token" in refused.stderr
    stored = run_steward("models", "token", home=home, STEWARD_HUB_TOKEN="hf_canary_token_4471")
    assert stored.returncode == 0, stored.stderr
    assert "hf_canary_token_4471" not in settings.read_text()  # never in the settings file
    pulled = run_steward("models", "pull", url, "--json", home=home)
    assert pulled.returncode == 0, pulled.stderr
    assert json.loads(pulled.stdout)["size"] == 4 * MB
    sent = [r.headers.get("Authorization") for r in hub.requests if "gated" in r.path]
    assert "Bearer hf_canary_token_4471" in sent
    # another host (here the same server by another name) never sees it
    hub.add("other.gguf", model_bytes[:MB])
    elsewhere = hub.plain_url("other.gguf").replace("127.0.0.1", "localhost")
    assert run_steward("models", "pull", elsewhere, home=home).returncode == 0
    assert all("Authorization" not in r.headers for r in hub.requests if "other" in r.path)
    removed = run_steward("models", "token", "--remove", home=home)
    assert removed.returncode == 0
    (resolve_paths(home).models / "gated.gguf").unlink()
    again = run_steward("models", "pull", url, home=home)
    assert again.returncode == 3 and "access token" in again.stderr
