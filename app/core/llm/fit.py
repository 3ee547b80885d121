"""Will a model fit in this machine's memory? An estimate made before anything is downloaded.

Peak resident memory of a process running a model, as llama.cpp lays it out on the CPU:

- the weights (memory-mapped; every page is read once the first answer is computed),
- the KV cache: two F16 vectors (key and value) per layer, KV head and position of the context,
- the compute buffers, which grow with the batch (512 tokens) times the layer widths,
- the vocabulary's tables, which grow with the number of tokens,
- the runtime: Python with llama.cpp loaded, before any model.

The last three were fitted on measurements of three architectures (the embedded llama model
and random-weight qwen2 and qwen3 models, tests/gguf_models.py) and are checked against a
measured peak within ±15% by tests/integration/test_model_fit.py and ``make bench``, with a
phi3 model and a qwen2 shape they were not fitted on.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Literal

from app.core.llm.gguf_info import GGUFInfo
from app.language import N_

MiB = 1024 * 1024
RUNTIME_BYTES = 40 * MiB  # Python and llama.cpp, no model (measured: 39-40 MiB)
BATCH = 512  # tokens per batch, as the engine loads models
COMPUTE_BYTES_PER_WIDTH = BATCH * 4 * 5  # per unit of (embedding + feed-forward) width
VOCAB_BYTES_PER_TOKEN = 500
KV_BYTES = 2  # F16 keys and values

# the share of the memory available now a model may take and still "fit"; above it, "tight"
FITS_SHARE = 0.75

Verdict = Literal["Fits", "Tight", "Won't fit"]


@dataclass(frozen=True)
class Shape:
    """What the estimate needs to know about a model (from its header or the catalog)."""

    weights_bytes: int
    layers: int
    kv_heads: int
    key_length: int
    value_length: int
    embedding_length: int
    feed_forward_length: int
    vocab_size: int

    @classmethod
    def of(cls, info: GGUFInfo) -> Shape:
        return cls(
            weights_bytes=info.weights_bytes,
            layers=info.layers,
            kv_heads=info.kv_heads,
            key_length=info.key_length,
            value_length=info.value_length,
            embedding_length=info.embedding_length,
            feed_forward_length=info.feed_forward_length,
            vocab_size=info.vocab_size,
        )


@dataclass(frozen=True)
class Estimate:
    weights: int
    kv_cache: int
    overhead: int  # compute buffers, vocabulary, runtime
    n_ctx: int

    @property
    def total(self) -> int:
        return self.weights + self.kv_cache + self.overhead


def estimate(shape: Shape, n_ctx: int) -> Estimate:
    per_token = shape.layers * shape.kv_heads * (shape.key_length + shape.value_length) * KV_BYTES
    compute = COMPUTE_BYTES_PER_WIDTH * (shape.embedding_length + shape.feed_forward_length)
    vocab = VOCAB_BYTES_PER_TOKEN * shape.vocab_size
    return Estimate(shape.weights_bytes, per_token * n_ctx, compute + vocab + RUNTIME_BYTES, n_ctx)


@dataclass(frozen=True)
class Memory:
    total: int
    available: int  # what a new process can take now without pushing others to swap


def machine_memory() -> Memory:
    """This machine's memory: from /proc/meminfo on Linux, the system elsewhere."""
    if sys.platform.startswith("linux"):
        try:
            fields = {}
            with open("/proc/meminfo", encoding="ascii") as fh:
                for line in fh:
                    name, _, rest = line.partition(":")
                    fields[name] = int(rest.split()[0]) * 1024
            return Memory(fields["MemTotal"], fields.get("MemAvailable", fields["MemFree"]))
        except (OSError, KeyError, ValueError, IndexError):
            pass
    if sys.platform == "win32":
        return _windows_memory()
    total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    # macOS keeps most free memory as cache it gives back: count 70% of it as available
    return Memory(total, int(total * 0.7))


def _windows_memory() -> Memory:
    import ctypes

    class MemoryStatus(ctypes.Structure):
        _fields_ = [
            ("dwLength", ctypes.c_ulong),
            ("dwMemoryLoad", ctypes.c_ulong),
            ("ullTotalPhys", ctypes.c_ulonglong),
            ("ullAvailPhys", ctypes.c_ulonglong),
            ("ullTotalPageFile", ctypes.c_ulonglong),
            ("ullAvailPageFile", ctypes.c_ulonglong),
            ("ullTotalVirtual", ctypes.c_ulonglong),
            ("ullAvailVirtual", ctypes.c_ulonglong),
            ("ullAvailExtendedVirtual", ctypes.c_ulonglong),
        ]

    status = MemoryStatus()
    status.dwLength = ctypes.sizeof(MemoryStatus)
    ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status))  # type: ignore[attr-defined]
    return Memory(int(status.ullTotalPhys), int(status.ullAvailPhys))


# the verdicts in words, for the windows and the terminal (``_t(verdict)``)
VERDICT_WORDS = (N_("Fits"), N_("Tight"), N_("Won't fit"))


def verdict(needed: int, memory: Memory) -> Verdict:
    if needed <= memory.available * FITS_SHARE:
        return "Fits"
    if needed <= memory.available:
        return "Tight"
    return "Won't fit"


def explain(est: Estimate, memory: Memory) -> str:
    """One line a user reads: the verdict, and where the memory goes."""
    from app.core.llm.download import human_size

    return (
        f"{verdict(est.total, memory)}: needs about {human_size(est.total)} at a context of "
        f"{est.n_ctx:,} tokens (weights {human_size(est.weights)}, conversation memory "
        f"{human_size(est.kv_cache)}, working memory {human_size(est.overhead)}); "
        f"{human_size(memory.available)} of {human_size(memory.total)} free now."
    )


__all__ = ["Estimate", "Memory", "Shape", "Verdict", "estimate", "explain", "machine_memory"]
