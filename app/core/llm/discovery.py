"""GGUF models other apps have downloaded already, found where each app keeps them.

Steward only reads these folders: a model found is referenced in place, never copied or
changed. Each layout below is the one the app documents (or, for Ollama, its source):

- Hugging Face cache — https://huggingface.co/docs/hub/local-cache: ``$HF_HUB_CACHE``, else
  ``$HF_HOME/hub``, else ``~/.cache/huggingface/hub``; a model repository is
  ``models--<org>--<repo>/snapshots/<commit>/<file>``, a link to ``blobs/<etag>`` (for a
  large file, the etag is its SHA-256).
- LM Studio — https://lmstudio.ai/docs/advanced/sideload: ``~/.lmstudio/models/<publisher>/
  <model>/<file>.gguf``.
- GPT4All — https://docs.gpt4all.io/gpt4all_desktop/settings.html ("Download Path"): Linux
  ``~/.local/share/nomic.ai/GPT4All``, macOS ``~/Library/Application Support/nomic.ai/GPT4All``,
  Windows ``%LOCALAPPDATA%\\nomic.ai\\GPT4All``; the .gguf files lie in that folder.
- Jan — https://www.jan.ai/docs/data-folder: the data folder is ``$XDG_CONFIG_HOME/Jan/data``
  or ``~/.config/Jan/data`` on Linux, ``~/Library/Application Support/Jan/data`` on macOS,
  ``%APPDATA%\\Jan\\data`` on Windows (older versions: ``~/jan``); models are under its
  ``models`` folder, one folder per model.
- Ollama — https://github.com/ollama/ollama/blob/main/docs/faq.md ("Where are models
  stored?"): ``$OLLAMA_MODELS``, else ``~/.ollama/models`` (``/usr/share/ollama/.ollama/models``
  for the Linux service). ``manifests/<registry>/<namespace>/<model>/<tag>`` is JSON whose
  ``layers`` name blobs by digest (ollama/ollama ``server/internal/manifest/manifest.go``);
  the layer of media type ``application/vnd.ollama.image.model`` is the GGUF, stored as
  ``blobs/sha256-<hex>`` (``server/images.go``).
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from app.core.llm.model_files import GGUF_MAGIC

OLLAMA_MODEL_LAYER = "application/vnd.ollama.image.model"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_SKIP_DIRS = {".git", ".locks", "node_modules"}

APPS = {
    "huggingface": "the Hugging Face cache",
    "lmstudio": "LM Studio",
    "gpt4all": "GPT4All",
    "jan": "Jan",
    "ollama": "Ollama",
}


@dataclass(frozen=True)
class Found:
    path: Path
    app: str  # a key of APPS
    name: str  # as the app names it
    sha256: str = ""  # when the layout names the file by its hash


def default_roots(
    home: Path | None = None, env: Mapping[str, str] | None = None, platform: str = sys.platform
) -> dict[str, list[Path]]:
    """Where each app keeps its models on this machine (folders that may not exist)."""
    home = home or Path.home()
    env = os.environ if env is None else env
    if "HF_HUB_CACHE" in env:
        hf = Path(env["HF_HUB_CACHE"])
    elif "HF_HOME" in env:
        hf = Path(env["HF_HOME"]) / "hub"
    else:
        hf = home / ".cache" / "huggingface" / "hub"
    if platform == "win32":
        local = Path(env.get("LOCALAPPDATA", home / "AppData" / "Local"))
        roaming = Path(env.get("APPDATA", home / "AppData" / "Roaming"))
        gpt4all, jan = [local / "nomic.ai" / "GPT4All"], [roaming / "Jan" / "data"]
    elif platform == "darwin":
        support = home / "Library" / "Application Support"
        gpt4all, jan = [support / "nomic.ai" / "GPT4All"], [support / "Jan" / "data"]
    else:
        config = Path(env.get("XDG_CONFIG_HOME") or home / ".config")
        gpt4all = [home / ".local" / "share" / "nomic.ai" / "GPT4All"]
        jan = [config / "Jan" / "data"]
    jan.append(home / "jan")
    ollama = [Path(env["OLLAMA_MODELS"])] if env.get("OLLAMA_MODELS") else []
    ollama.append(home / ".ollama" / "models")
    if platform.startswith("linux"):
        ollama.append(Path("/usr/share/ollama/.ollama/models"))
    return {
        "huggingface": [hf],
        "lmstudio": [home / ".lmstudio" / "models"],
        "gpt4all": gpt4all,
        "jan": [root / "models" for root in jan],
        "ollama": ollama,
    }


def discover(roots: Mapping[str, list[Path]]) -> Iterator[Found]:
    """Every GGUF model under ``roots`` (unreadable folders and files are passed over)."""
    for app, folders in roots.items():
        for folder in folders:
            if not folder.is_dir():
                continue
            if app == "huggingface":
                yield from _huggingface(folder)
            elif app == "ollama":
                yield from _ollama(folder)
            elif app == "jan":  # Jan names a model by its folder (the file is often model.gguf)
                yield from (Found(p, app, p.parent.name) for p in _gguf_files(folder))
            else:
                yield from (Found(p, app, p.stem) for p in _gguf_files(folder))


def _is_gguf(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(4) == GGUF_MAGIC
    except OSError:
        return False


def _gguf_files(folder: Path) -> Iterator[Path]:
    """The model files under ``folder``; vision projectors (mmproj) are parts, not models."""
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        for name in sorted(filenames):
            path = Path(dirpath) / name
            lower = name.lower()
            if lower.endswith(".gguf") and "mmproj" not in lower and _is_gguf(path):
                yield path


def _huggingface(cache: Path) -> Iterator[Found]:
    for repo in sorted(cache.glob("models--*")):
        repo_id = repo.name.removeprefix("models--").replace("--", "/")
        for path in _gguf_files(repo / "snapshots"):
            blob = path.resolve().name
            yield Found(path, "huggingface", f"{repo_id}/{path.name}", _sha(blob))


def _sha(text: str) -> str:
    return text if _SHA256.match(text) else ""


def _ollama(root: Path) -> Iterator[Found]:
    manifests = root / "manifests"
    if not manifests.is_dir():
        return
    for dirpath, _dirnames, filenames in os.walk(manifests):
        for tag in sorted(filenames):
            manifest = Path(dirpath) / tag
            try:
                layers = json.loads(manifest.read_text(encoding="utf-8")).get("layers", [])
            except (OSError, ValueError, AttributeError):
                continue
            for layer in layers if isinstance(layers, list) else []:
                if not isinstance(layer, dict) or layer.get("mediaType") != OLLAMA_MODEL_LAYER:
                    continue
                digest = str(layer.get("digest", ""))
                blob = root / "blobs" / digest.replace(":", "-")
                if _is_gguf(blob):
                    yield Found(
                        blob, "ollama", _ollama_name(manifest, manifests), _ollama_hash(digest)
                    )


def _ollama_hash(digest: str) -> str:
    algorithm, _, value = digest.partition(":")
    return _sha(value) if algorithm == "sha256" else ""


def _ollama_name(manifest: Path, manifests: Path) -> str:
    """``registry.ollama.ai/library/qwen2.5/0.5b`` → ``qwen2.5:0.5b``, as ``ollama list``
    names it; other namespaces and registries stay in the name."""
    parts = manifest.relative_to(manifests).parts
    if len(parts) < 2:
        return manifest.name
    *where, model, tag = parts
    if where[:2] == ["registry.ollama.ai", "library"]:
        where = where[2:]
    elif where[:1] == ["registry.ollama.ai"]:
        where = where[1:]
    return "/".join([*where, model]) + f":{tag}"


__all__ = ["APPS", "Found", "default_roots", "discover"]
