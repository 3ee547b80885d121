"""Model downloads against a hub on 127.0.0.1 that misbehaves on demand (tests/hub_server.py):
dropped connections, stalls, servers that ignore Range, wrong bytes, refusals, TLS with a
private CA, cancelling and resuming. Every finished file is checked byte for byte."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.errors import NotFoundError, StorageError
from app.core.llm.download import (
    Download,
    DownloadError,
    DownloadOptions,
    HubTokenNeededError,
    Progress,
    part_paths,
)
from tests.hub_server import HubServer, private_ca
from tests.proxy_server import ForwardProxy

FAST = DownloadOptions(stall_timeout=0.5, backoff_s=0.01, backoff_max_s=0.05)
MB = 1 << 20


@pytest.fixture
def hub() -> Iterator[HubServer]:
    with HubServer() as server:
        yield server


def blob(size: int, seed: int = 1) -> bytes:
    out, block = bytearray(), hashlib.sha256(str(seed).encode()).digest()
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out += block * 64
    return bytes(out[:size])


def fetch(url: str, dest: Path, **kwargs: object) -> object:
    return asyncio.run(Download(url, dest, **kwargs).run())  # type: ignore[arg-type]


def assert_nothing_left(dest: Path) -> None:
    part, sidecar = part_paths(dest)
    assert not dest.exists() and not part.exists() and not sidecar.exists()


def test_five_dropped_connections_resume_with_range_and_verify(hub: HubServer, tmp_path: Path):
    data = blob(6 * MB)
    hub.add("model.gguf", data, drop_at=[MB // 3, 2 * MB, 2 * MB + 7, 4 * MB, 6 * MB - 10])
    dest = tmp_path / "model.gguf"
    done = fetch(hub.resolve_url("model.gguf"), dest, options=FAST)
    assert dest.read_bytes() == data
    assert done.verification == "hub" and done.sha256 == hashlib.sha256(data).hexdigest()  # type: ignore[attr-defined]
    assert done.reconnects == 5  # type: ignore[attr-defined]
    # each reconnect asked for the rest only: nothing received twice
    assert done.downloaded_bytes == len(data)  # type: ignore[attr-defined]
    gets = [r for r in hub.requests if r.method == "GET" and r.path.startswith("/content/")]
    ranges = [r.headers.get("Range") for r in gets]
    assert len(gets) == 6 and ranges[0] is None
    # (bytes in flight when a connection drops may be lost, so a retry can start where the
    # one before it did, and one right after the first drop may even start from 0)
    starts = [int(r.removeprefix("bytes=").rstrip("-")) for r in ranges if r]
    assert len(starts) >= 4 and starts == sorted(starts)
    assert not part_paths(dest)[0].exists() and not part_paths(dest)[1].exists()


def test_a_server_that_ignores_range_starts_again_cleanly(hub: HubServer, tmp_path: Path):
    data = blob(3 * MB, seed=2)
    hub.add("model.gguf", data, drop_at=[2 * MB], ignore_range=True)
    dest = tmp_path / "model.gguf"
    done = fetch(hub.resolve_url("model.gguf"), dest, options=FAST)
    assert dest.read_bytes() == data
    assert done.downloaded_bytes == 2 * MB + len(data)  # type: ignore[attr-defined]


def test_a_stalled_connection_is_dropped_and_reopened(hub: HubServer, tmp_path: Path):
    data = blob(2 * MB, seed=3)
    hub.add("model.gguf", data, stall_at=[MB])
    dest = tmp_path / "model.gguf"
    notes: list[str] = []
    started = time.monotonic()
    done = fetch(
        hub.resolve_url("model.gguf"),
        dest,
        options=FAST,
        on_progress=lambda p: notes.append(p.note) if p.note else None,
    )
    assert dest.read_bytes() == data and done.reconnects == 1  # type: ignore[attr-defined]
    assert any("no data for a while" in n for n in notes), notes
    assert time.monotonic() - started < 30  # the stall was cut at 0.5 s, not waited out


def test_wrong_bytes_are_discarded_with_the_reason(hub: HubServer, tmp_path: Path):
    data = blob(MB, seed=4)
    corrupt = bytearray(data)
    corrupt[1234] ^= 0xFF
    hub.add("model.gguf", data, serve_instead=bytes(corrupt))
    dest = tmp_path / "model.gguf"
    with pytest.raises(DownloadError) as info:
        fetch(hub.resolve_url("model.gguf"), dest, options=FAST)
    text = info.value.user_text()
    assert "discarded" in text and hashlib.sha256(data).hexdigest() in text
    assert_nothing_left(dest)


def test_a_hash_given_by_the_user_is_checked(hub: HubServer, tmp_path: Path):
    data = blob(MB, seed=5)
    hub.add("plain.gguf", data)
    dest = tmp_path / "plain.gguf"
    with pytest.raises(DownloadError, match="discarded"):
        fetch(hub.plain_url("plain.gguf"), dest, options=FAST, sha256="ab" * 32)
    assert_nothing_left(dest)
    done = fetch(hub.plain_url("plain.gguf"), dest, options=FAST)
    assert done.verification == "unverified" and dest.read_bytes() == data  # type: ignore[attr-defined]


def test_missing_files_and_refusals_say_what_is_wrong(hub: HubServer, tmp_path: Path):
    dest = tmp_path / "model.gguf"
    with pytest.raises(NotFoundError, match="no file"):
        fetch(hub.resolve_url("absent.gguf"), dest, options=FAST)
    hub.add("gated.gguf", blob(MB, seed=6), needs_token="hf_secret_token")
    with pytest.raises(HubTokenNeededError, match="access token"):
        fetch(hub.resolve_url("gated.gguf"), tmp_path / "gated.gguf", options=FAST)
    # the token goes to the hub only: here the hub is reached as a mirror of huggingface.co
    options = DownloadOptions(
        stall_timeout=0.5, backoff_s=0.01, mirror=hub.base_url, token="hf_wrong"
    )
    hub_url = "https://huggingface.co/steward-tests/models/resolve/main/gated.gguf"
    with pytest.raises(HubTokenNeededError, match="403"):
        fetch(hub_url, tmp_path / "gated.gguf", options=options)
    options = DownloadOptions(
        stall_timeout=0.5, backoff_s=0.01, mirror=hub.base_url, token="hf_secret_token"
    )
    fetch(hub_url, tmp_path / "gated.gguf", options=options)
    assert (tmp_path / "gated.gguf").read_bytes() == blob(MB, seed=6)
    # a server that keeps failing: a clear message after the retries, the bytes kept
    hub.add("broken.gguf", blob(MB, seed=7), status=503)
    with pytest.raises(DownloadError, match="server answered 503"):
        fetch(hub.resolve_url("broken.gguf"), tmp_path / "broken.gguf", options=FAST)


def test_cancel_stops_within_200_ms_and_the_next_run_resumes(hub: HubServer, tmp_path: Path):
    data = blob(8 * MB, seed=8)
    hub.add("model.gguf", data, bytes_per_s=4 * MB)
    dest = tmp_path / "model.gguf"
    seen: list[Progress] = []

    async def pause() -> float:
        download = Download(
            hub.resolve_url("model.gguf"), dest, options=FAST, on_progress=seen.append
        )
        task = asyncio.ensure_future(download.run())
        while download.progress.done < 2 * MB:
            await asyncio.sleep(0.01)
        asked = time.perf_counter()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return time.perf_counter() - asked

    took = asyncio.run(pause())
    assert took < 0.2
    part, sidecar = part_paths(dest)
    kept = part.stat().st_size
    assert 2 * MB <= kept < len(data) and sidecar.exists() and not dest.exists()
    assert part.read_bytes() == data[:kept]
    hub.files["model.gguf"].bytes_per_s = 0
    resumed = Download(hub.resolve_url("model.gguf"), dest, options=FAST)
    done = asyncio.run(resumed.run())
    assert dest.read_bytes() == data
    assert resumed.progress.resumed_from == kept
    assert done.downloaded_bytes == len(data) - kept
    assert any(p.bytes_per_s > 0 and p.total == len(data) for p in seen)


def test_a_part_file_for_other_content_is_not_resumed(hub: HubServer, tmp_path: Path):
    dest = tmp_path / "model.gguf"
    part, _sidecar = part_paths(dest)
    part.write_bytes(b"left over from something else")
    data = blob(MB, seed=9)
    hub.add("model.gguf", data)
    fetch(hub.resolve_url("model.gguf"), dest, options=FAST)
    assert dest.read_bytes() == data


def test_not_enough_free_space_is_said_before_downloading(
    hub: HubServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # a unit check of the arithmetic; a real full disk is provoked in test_models_cli
    import shutil

    data = blob(2 * MB, seed=10)
    hub.add("model.gguf", data)
    real = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(
        "app.core.llm.download.shutil.disk_usage",
        lambda _p: real._replace(free=2 * MB),  # the file fits, its 10% margin does not
    )
    dest = tmp_path / "model.gguf"
    with pytest.raises(StorageError, match="Not enough free space"):
        fetch(hub.resolve_url("model.gguf"), dest, options=FAST)
    assert hub.sent == 0 and not dest.exists()


def test_tls_is_verified_and_a_ca_file_can_be_added(tmp_path: Path):
    ca, server_cert = private_ca(tmp_path)
    data = blob(MB, seed=11)
    with HubServer(tls=server_cert) as hub:
        hub.add("model.gguf", data)
        dest = tmp_path / "model.gguf"
        with pytest.raises(DownloadError, match="not trusted"):
            fetch(hub.resolve_url("model.gguf"), dest, options=FAST)
        assert not dest.exists()
        trusted = DownloadOptions(stall_timeout=0.5, backoff_s=0.01, ca_file=str(ca))
        fetch(hub.resolve_url("model.gguf"), dest, options=trusted)
        assert dest.read_bytes() == data
        # through a proxy, TLS is tunnelled (CONNECT) and still verified end to end
        with ForwardProxy() as proxy:
            tunnelled = DownloadOptions(
                stall_timeout=0.5, backoff_s=0.01, ca_file=str(ca), proxy=proxy.url
            )
            fetch(hub.resolve_url("model.gguf"), tmp_path / "tunnelled.gguf", options=tunnelled)
            assert proxy.forwarded and all(f.startswith("CONNECT ") for f in proxy.forwarded)
        assert (tmp_path / "tunnelled.gguf").read_bytes() == data


def test_the_environment_proxy_and_the_proxy_setting_are_used(
    hub: HubServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    data = blob(MB, seed=12)
    hub.add("model.gguf", data)
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    with ForwardProxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        fetch(hub.resolve_url("model.gguf"), tmp_path / "env.gguf", options=FAST)
        assert (tmp_path / "env.gguf").read_bytes() == data
        assert any("/content/" in line for line in proxy.forwarded)
    with ForwardProxy() as proxy:
        monkeypatch.delenv("HTTP_PROXY")
        options = DownloadOptions(stall_timeout=0.5, backoff_s=0.01, proxy=proxy.url)
        fetch(hub.resolve_url("model.gguf"), tmp_path / "set.gguf", options=options)
        assert (tmp_path / "set.gguf").read_bytes() == data
        assert any("/content/" in line for line in proxy.forwarded)
