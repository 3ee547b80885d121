"""Models the user has already: found in the folders other apps keep them in (laid out as
each app documents it), referenced in place, listed once however often they are found,
removed without touching another app's files; files that vanish are shown as missing."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from app.core.paths import resolve_paths
from tests.conftest import run_steward
from tests.gguf_models import write_tiny_gguf

SHARED = "shared-model"  # the same bytes in LM Studio's and GPT4All's folders


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def apps(tmp_path: Path) -> Path:
    """A home folder in which five apps have downloaded models."""
    home = tmp_path / "user"
    # Hugging Face cache: snapshots link to blobs named by their SHA-256
    repo = home / ".cache/huggingface/hub/models--Qwen--Qwen2.5-0.5B-Instruct-GGUF"
    staged = write_tiny_gguf(tmp_path / "staged.gguf", "hf")
    blob = repo / "blobs" / sha(staged)
    blob.parent.mkdir(parents=True)
    shutil.move(staged, blob)
    link = repo / "snapshots/0123abcd/qwen2.5-0.5b-instruct-q4_k_m.gguf"
    link.parent.mkdir(parents=True)
    link.symlink_to(Path("../../blobs") / blob.name)
    (repo / "refs").mkdir()
    (repo / "refs/main").write_text("0123abcd")
    # LM Studio: publisher/model/file, with a vision projector that is not a model
    lms = home / ".lmstudio/models/lmstudio-community/Llama-3.2-1B-Instruct-GGUF"
    write_tiny_gguf(lms / "Llama-3.2-1B-Instruct-Q4_K_M.gguf", SHARED)
    write_tiny_gguf(lms / "mmproj-model-f16.gguf", "projector")
    # GPT4All: files in its download folder (one the same as LM Studio's)
    gpt4all = home / ".local/share/nomic.ai/GPT4All"
    write_tiny_gguf(gpt4all / "Llama-3.2-1B-Instruct-Q4_0.gguf", SHARED)
    write_tiny_gguf(gpt4all / "Phi-3-mini-4k-instruct.Q4_0.gguf", "gpt4all-phi")
    (gpt4all / "incomplete-model.gguf").write_bytes(b"GGUF")  # a download in progress
    # Jan: its data folder's models, one folder per model
    jan = home / ".config/Jan/data/models/llamacpp/gemma-2-2b-it"
    write_tiny_gguf(jan / "model.gguf", "jan-gemma")
    (jan / "model.yml").write_text("name: gemma-2-2b-it\n")
    # Ollama: a manifest names the blob (sha256-<hex>) holding the GGUF
    ollama = home / ".ollama/models"
    staged = write_tiny_gguf(tmp_path / "staged.gguf", "ollama-qwen")
    digest = sha(staged)
    (ollama / "blobs").mkdir(parents=True)
    shutil.move(staged, ollama / "blobs" / f"sha256-{digest}")
    template = ollama / "blobs" / f"sha256-{'0' * 64}"
    template.write_text("{{ .Prompt }}")
    manifest = ollama / "manifests/registry.ollama.ai/library/qwen2.5/0.5b"
    manifest.parent.mkdir(parents=True)
    manifest.write_text(
        json.dumps(
            {
                "schemaVersion": 2,
                "layers": [
                    {
                        "mediaType": "application/vnd.ollama.image.model",
                        "digest": f"sha256:{digest}",
                        "size": 1,
                    },
                    {
                        "mediaType": "application/vnd.ollama.image.template",
                        "digest": f"sha256:{'0' * 64}",
                        "size": 13,
                    },
                ],
            }
        )
    )
    return home


def scan(home: Path, user: Path) -> dict:
    # only the user's home says where the apps are (the variables that move them are unset)
    unset = dict.fromkeys(("XDG_CONFIG_HOME", "HF_HOME", "HF_HUB_CACHE", "OLLAMA_MODELS"), "")
    result = run_steward("models", "scan", "--json", home=home, HOME=str(user), **unset)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def listed(home: Path) -> list[dict]:
    return json.loads(run_steward("models", "list", "--json", home=home).stdout)


def test_scan_finds_each_apps_models_once_and_in_place(home: Path, apps: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in apps.rglob("*") if p.is_file()}
    found = scan(home, apps)
    by_name = {m["name"]: m for m in found["added"]}
    assert sorted(by_name) == sorted(
        [
            "Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf",
            "Llama-3.2-1B-Instruct-Q4_K_M",
            "Phi-3-mini-4k-instruct.Q4_0",
            "gemma-2-2b-it",
            "qwen2.5:0.5b",
        ]
    )
    # the GGUF in GPT4All's folder is LM Studio's file too: one model, merged by hash
    assert found["merged"] == [
        {
            "dropped": str(apps / ".local/share/nomic.ai/GPT4All/Llama-3.2-1B-Instruct-Q4_0.gguf"),
            "kept": by_name["Llama-3.2-1B-Instruct-Q4_K_M"]["id"],
        }
    ]
    assert by_name["qwen2.5:0.5b"]["id"] == "qwen2.5-0.5b"
    assert by_name["qwen2.5:0.5b"]["where"] == "found in Ollama"
    assert by_name["gemma-2-2b-it"]["where"] == "found in Jan"
    # the layouts that name files by hash give it without reading the file
    hf = by_name["Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf"]
    assert hf["sha256"] == Path(hf["path"]).resolve().name
    assert by_name["qwen2.5:0.5b"]["sha256"] == Path(by_name["qwen2.5:0.5b"]["path"]).name[7:]
    # referenced where they are: nothing copied into Steward's folder, nothing changed there
    for model in found["added"]:
        assert Path(model["path"]).is_relative_to(apps)
    assert not list(resolve_paths(home).models.glob("*.gguf"))
    assert before == {p: p.stat().st_mtime_ns for p in apps.rglob("*") if p.is_file()}
    # a second scan adds nothing
    again = scan(home, apps)
    assert again["added"] == [] and again["known"] == 6
    assert len(listed(home)) == 6  # the embedded model and five found


def test_a_found_model_answers_and_rm_only_forgets_it(
    home: Path, tmp_path: Path, model_path: Path
) -> None:
    user = tmp_path / "user"
    folder = user / ".lmstudio/models/HuggingFaceTB/SmolLM2-GGUF"
    folder.mkdir(parents=True)
    # an exact copy of the embedded model is the embedded model
    shutil.copy(model_path, folder / "SmolLM2-same.gguf")
    first = scan(home, user)
    assert first["added"] == []
    assert first["merged"] == [{"dropped": str(folder / "SmolLM2-same.gguf"), "kept": "embedded"}]
    (folder / "SmolLM2-same.gguf").unlink()
    # a copy with other bytes (its name in the header changed) is a model of its own
    data = model_path.read_bytes()
    assert data.count(b"Smollm2 135M") == 1
    (folder / "SmolLM2-copy.gguf").write_bytes(data.replace(b"Smollm2 135M", b"Smollm2 COPY"))
    (found,) = scan(home, user)["added"]
    use = run_steward("models", "use", "smollm2-copy", home=home)
    assert use.returncode == 0 and "SmolLM2-copy" in use.stdout
    answer = run_steward("ask", "--max-tokens", "8", "Say hello.", home=home, timeout=300)
    assert answer.returncode == 0 and answer.stdout.strip(), answer.stderr
    info = json.loads(run_steward("models", "info", found["id"], "--json", home=home).stdout)
    assert info["active"] and info["architecture"] == "llama" and info["chat_template"]
    assert info["memory"]["verdict"] == "Fits"
    removed = run_steward("models", "rm", found["id"], home=home)
    assert removed.returncode == 0
    assert "file stays" in removed.stdout and "embedded model" in removed.stdout
    assert (folder / "SmolLM2-copy.gguf").exists()  # another app's file: untouched
    # removed stays removed: a scan does not bring it back; importing it does
    assert scan(home, user)["added"] == []
    assert (
        run_steward("models", "import", str(folder / "SmolLM2-copy.gguf"), home=home).returncode
        == 0
    )
    assert [m["origin"] for m in listed(home)] == ["embedded", "added"]


def test_a_vanished_file_shows_as_missing_with_the_fix(home: Path, tmp_path: Path) -> None:
    path = write_tiny_gguf(tmp_path / "elsewhere" / "gone-soon.gguf", "gone")
    assert run_steward("models", "import", str(path), home=home).returncode == 0
    path.unlink()
    shown = run_steward("models", "list", home=home)
    assert shown.returncode == 0
    assert "gone-soon" in shown.stdout and "MISSING" in shown.stdout
    assert "steward models rm gone-soon" in shown.stdout
    (model,) = [m for m in listed(home) if m["id"] == "gone-soon"]
    assert model["missing"]
    for command in ("use", "info"):
        result = run_steward("models", command, "gone-soon", home=home)
        assert result.returncode == 3, (command, result.stderr)
        assert "is gone" in result.stderr and "steward models rm gone-soon" in result.stderr
    # nothing changed: the embedded model is still the one in use
    assert listed(home)[0]["active"]
    assert run_steward("models", "rm", "gone-soon", home=home).returncode == 0
    assert [m["id"] for m in listed(home)] == ["embedded"]


def test_bad_input_is_refused_clearly_and_changes_nothing(home: Path, tmp_path: Path) -> None:
    write_tiny_gguf(tmp_path / "a" / "twin-one.gguf", "one")
    write_tiny_gguf(tmp_path / "b" / "twin-two.gguf", "two")
    for name in ("a/twin-one.gguf", "b/twin-two.gguf"):
        assert run_steward("models", "import", str(tmp_path / name), home=home).returncode == 0
    before = listed(home)
    text = tmp_path / "notes.gguf"
    text.write_text("not a model")
    cases = {
        ("import", str(text)): (3, "is not a GGUF model"),
        ("import", str(tmp_path / "absent.gguf")): (3, "does not exist"),
        ("use", "no-such-model"): (2, "No model is called 'no-such-model'"),
        ("use", "twin"): (2, "names several models: twin-one, twin-two"),
        ("rm", "embedded"): (2, "cannot be removed"),
    }
    for args, (code, message) in cases.items():
        result = run_steward("models", *args, home=home)
        assert result.returncode == code, (args, result.stderr)
        assert message in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) <= 2, result.stderr
    assert listed(home) == before
    assert text.read_text() == "not a model"
    # a damaged list: one line naming it and the fix, the files it named untouched
    models_json = resolve_paths(home).data / "models.json"
    for damage in ("{not json", "[1, 2]"):
        models_json.write_text(damage, encoding="utf-8")
        result = run_steward("models", "list", home=home)
        assert result.returncode == 3, result.stderr
        assert f"The model list {models_json} cannot be read" in result.stderr
        assert "Delete it" in result.stderr
    assert (tmp_path / "a" / "twin-one.gguf").exists()
