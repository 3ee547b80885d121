"""What a GGUF file says about itself, read from its header without loading the model.

The header is a list of typed key/value pairs, then the tensor descriptions; the tensor data
(the weights) follows, aligned. Arrays (the vocabulary, merges) are skipped, not decoded: a
150,000-token vocabulary is read in milliseconds. The file is memory-mapped, so only the
header's pages are read from disk.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.errors import ModelError
from app.core.llm.model_files import MODEL_FIX, check_gguf
from app.language import _t

# value types of the GGUF format and their struct codes (arrays and strings are handled apart)
_SCALARS = {
    0: "B",
    1: "b",
    2: "H",
    3: "h",
    4: "I",
    5: "i",
    6: "f",
    7: "?",
    10: "Q",
    11: "q",
    12: "d",
}
_STRING, _ARRAY = 8, 9
SMALL_ARRAY = 64  # arrays up to this length are kept (languages, tags); longer ones counted


@dataclass(frozen=True)
class GGUFInfo:
    """The facts the app uses; ``values`` holds every scalar, string and short array."""

    path: Path
    file_size: int
    weights_bytes: int  # the tensor data: what the weights take in memory
    tensor_count: int
    values: dict[str, Any] = field(repr=False)
    array_lengths: dict[str, int] = field(repr=False)
    bos_text: str = ""  # the texts of the begin and end tokens (chat templates use them)
    eos_text: str = ""

    @property
    def architecture(self) -> str:
        return str(self.values.get("general.architecture", ""))

    def arch_value(self, key: str, default: int = 0) -> int:
        value = self.values.get(f"{self.architecture}.{key}", default)
        return int(value) if isinstance(value, int | float) else default

    @property
    def name(self) -> str:
        return str(self.values.get("general.name") or self.path.stem)

    @property
    def layers(self) -> int:
        return self.arch_value("block_count")

    @property
    def context_length(self) -> int:
        return self.arch_value("context_length")

    @property
    def embedding_length(self) -> int:
        return self.arch_value("embedding_length")

    @property
    def feed_forward_length(self) -> int:
        return self.arch_value("feed_forward_length")

    @property
    def head_count(self) -> int:
        return self.arch_value("attention.head_count")

    @property
    def kv_heads(self) -> int:
        return self.arch_value("attention.head_count_kv", self.head_count)

    @property
    def key_length(self) -> int:
        fallback = self.embedding_length // self.head_count if self.head_count else 0
        return self.arch_value("attention.key_length", fallback)

    @property
    def value_length(self) -> int:
        return self.arch_value("attention.value_length", self.key_length)

    @property
    def vocab_size(self) -> int:
        return self.array_lengths.get("tokenizer.ggml.tokens", 0)

    @property
    def chat_template(self) -> str:
        value = self.values.get("tokenizer.chat_template", "")
        return value if isinstance(value, str) else ""


class _Reader:
    def __init__(self, data: mmap.mmap) -> None:
        self.data = data
        self.at = 0

    def unpack(self, code: str) -> Any:
        fmt = struct.Struct("<" + code)
        (value,) = fmt.unpack_from(self.data, self.at)
        self.at += fmt.size
        return value

    def string(self) -> str:
        size = self.unpack("Q")
        raw = self.data[self.at : self.at + size]
        if len(raw) != size:
            raise ValueError("string past the end")
        self.at += size
        return raw.decode("utf-8", errors="replace")

    def skip_string(self) -> None:
        self.at += 8 + struct.unpack_from("<Q", self.data, self.at)[0]

    def value(self, kind: int) -> tuple[Any, int | None]:
        """The value, and for a long array its length instead (the value is then None)."""
        if kind in _SCALARS:
            return self.unpack(_SCALARS[kind]), None
        if kind == _STRING:
            return self.string(), None
        if kind != _ARRAY:
            raise ValueError(f"unknown value type {kind}")
        item, count = self.unpack("I"), self.unpack("Q")
        if count <= SMALL_ARRAY:
            return [self.value(item)[0] for _ in range(count)], None
        if item in _SCALARS:
            self.at += struct.calcsize("<" + _SCALARS[item]) * count
        elif item == _STRING:
            for _ in range(count):
                self.skip_string()
        else:  # arrays of arrays: read through them
            for _ in range(count):
                self.value(item)
        return None, count


def read_gguf(path: Path) -> GGUFInfo:
    """The header of the GGUF at ``path``; ModelError (naming the file) if it is not one."""
    check_gguf(path)
    try:
        with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return _parse(path, data)
    except (ValueError, struct.error, IndexError, OverflowError) as exc:
        raise ModelError(
            _t("The model file {0} has a damaged header ({1}).").format(path, exc), hint=MODEL_FIX
        ) from exc
    except OSError as exc:
        raise ModelError(
            _t("The model file {0} cannot be read: {1}.").format(path, exc), hint=MODEL_FIX
        ) from exc


def _parse(path: Path, data: mmap.mmap) -> GGUFInfo:
    r = _Reader(data)
    r.at = 8  # magic and version, checked already
    tensors, count = r.unpack("Q"), r.unpack("Q")
    values: dict[str, Any] = {}
    lengths: dict[str, int] = {}
    tokens_at = 0
    for _ in range(count):
        key = r.string()
        kind = r.unpack("I")
        if key == "tokenizer.ggml.tokens" and kind == _ARRAY:
            tokens_at = r.at
        value, length = r.value(kind)
        if length is None:
            values[key] = value
        else:
            lengths[key] = length
    texts = _token_texts(
        data,
        tokens_at,
        {values.get("tokenizer.ggml.bos_token_id"), values.get("tokenizer.ggml.eos_token_id")},
    )
    for _ in range(tensors):
        r.skip_string()
        dims = r.unpack("I")
        r.at += 8 * dims + 4 + 8  # dimensions, type, offset
    alignment = int(values.get("general.alignment", 32)) or 32
    start = -(-r.at // alignment) * alignment
    size = len(data)
    if start > size:
        raise ValueError("tensor data past the end")
    return GGUFInfo(
        path,
        size,
        size - start,
        tensors,
        values,
        lengths,
        texts.get(values.get("tokenizer.ggml.bos_token_id"), ""),
        texts.get(values.get("tokenizer.ggml.eos_token_id"), ""),
    )


def _token_texts(data: mmap.mmap, at: int, wanted: set[Any]) -> dict[Any, str]:
    """The texts of the tokens ``wanted`` (ids), from the token array at ``at``."""
    ids = {i for i in wanted if isinstance(i, int) and i >= 0}
    if not at or not ids:
        return {}
    r = _Reader(data)
    r.at = at
    if r.unpack("I") != _STRING:
        return {}
    count = r.unpack("Q")
    texts: dict[Any, str] = {}
    for index in range(min(count, max(ids) + 1)):
        if index in ids:
            texts[index] = r.string()
        else:
            r.skip_string()
    return texts


__all__ = ["GGUFInfo", "read_gguf"]
