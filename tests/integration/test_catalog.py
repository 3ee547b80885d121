"""The catalog: every value has the page it was read from; the memory estimate and the
verdict are shown before anything is downloaded; a catalog model is pulled by its id (here
through the mirror setting, from a hub on 127.0.0.1 serving the embedded model's bytes under
the catalog's path), listed under the catalog's name, used, and it answers."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app.core.llm.catalog import CATALOG, find_entry
from app.core.paths import resolve_paths
from tests.conftest import run_steward
from tests.hub_server import HubServer

# each group of values an entry gives, and the words its source key must name
FACTS = {
    "file": "file",
    "size": "size",
    "license": "license",
    "quantization": "quantization",
    "parameters": "parameters",
    "layers": "layers",
    "kv_heads": "KV heads",
    "head_size": "head",
    "context_length": "context",
    "embedding_length": "widths",
    "feed_forward_length": "widths",
    "vocab_size": "vocabulary",
    "languages": "languages",
}


@pytest.mark.parametrize("entry", CATALOG, ids=lambda e: e.id)
def test_every_value_names_its_source(entry) -> None:  # type: ignore[no-untyped-def]
    keys = " , ".join(entry.sources)
    for fact, word in FACTS.items():
        if fact == "head_size" and "widths" in keys and "heads" in keys:
            continue  # head size = embedding width ÷ attention heads, both cited
        assert word in keys, f"{entry.id}: no source for {fact}"
    for url in entry.sources.values():
        assert urlsplit(url).scheme == "https" and urlsplit(url).netloc
    # a pinned revision is the commit a cited page showed the file at
    if entry.revision != "main":
        assert any(entry.revision in url for url in entry.sources.values()), entry.id
    assert entry.file.endswith(".gguf") and entry.file.split(".")[0]
    assert entry.url == (
        f"https://huggingface.co/{entry.repo}/resolve/{entry.revision}/{entry.file}"
    )


def test_the_catalog_spans_small_to_large_and_reads_chinese() -> None:
    assert len(CATALOG) >= 8
    sizes = sorted(e.size_bytes for e in CATALOG)
    assert sizes[0] < 500_000_000 and sizes[-1] > 4_000_000_000
    assert sum("Chinese" in e.languages for e in CATALOG) >= 3
    assert len({e.id for e in CATALOG}) == len(CATALOG)
    assert find_entry("Qwen2.5 1.5B Instruct").id == "qwen2.5-1.5b-instruct"
    assert find_entry("smollm2").id == "smollm2-1.7b-instruct"


def test_available_shows_the_fit_before_any_download(home: Path) -> None:
    result = run_steward("models", "available", "--json", home=home)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows] == [e.id for e in CATALOG]
    for row in rows:
        assert row["fit"] in ("Fits", "Tight", "Won't fit") and row["needs"] > row["size"]
        assert not row["downloaded"]
    text = run_steward("models", "available", home=home).stdout
    assert "qwen2.5-7b-instruct" in text and "steward models pull ID" in text
    assert not list(resolve_paths(home).models.glob("*"))  # nothing was downloaded


def test_pull_by_id_through_the_mirror_then_answer(home: Path, model_path: Path) -> None:
    entry = find_entry("qwen2.5-0.5b-instruct")
    data = model_path.read_bytes()
    with HubServer() as hub:
        hub.add(entry.file, data)
        settings = resolve_paths(home).ensure().settings_file
        settings.write_text(f'[downloads]\nmirror = "{hub.base_url}"\n', encoding="utf-8")
        pulled = run_steward("models", "pull", entry.id, "--json", home=home, timeout=300)
        assert pulled.returncode == 0, pulled.stderr
        got = [r.path for r in hub.requests if r.method == "GET"]
    # the catalog's path on the mirror (which redirects to its content, as the hub does)
    assert got[0] == f"/{entry.repo}/resolve/{entry.revision}/{entry.file}"
    info = json.loads(pulled.stdout)
    assert info["verification"] == "hub"
    assert info["sha256"] == hashlib.sha256(data).hexdigest()
    listed = json.loads(run_steward("models", "list", "--json", home=home).stdout)
    (model,) = [m for m in listed if m["origin"] == "downloaded"]
    assert model["name"] == entry.name and model["source"] == entry.url
    available = json.loads(run_steward("models", "available", "--json", home=home).stdout)
    assert [r["downloaded"] for r in available if r["id"] == entry.id] == [True]
    assert run_steward("models", "use", model["id"], home=home).returncode == 0
    answer = run_steward("ask", "--max-tokens", "8", "Say hello.", home=home, timeout=300)
    assert answer.returncode == 0 and answer.stdout.strip(), answer.stderr
    unknown = run_steward("models", "pull", "gpt-17", home=home)
    assert unknown.returncode == 2 and "'gpt-17' is not in the catalog" in unknown.stderr
