"""The memory estimate shown before a download, against the peak resident memory measured
while the model answers: the embedded model at 2k and 8k context, random-weight models of
the two other catalog architectures (qwen2, phi3) and of qwen3, and one shape the estimate
was not fitted on.
Also: the header reader agrees with llama.cpp, and a damaged header is a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.errors import ModelError
from app.core.llm.fit import Memory, Shape, estimate, verdict
from app.core.llm.gguf_info import read_gguf
from tests.gguf_models import HELD_OUT, PHI3, QWEN2, QWEN3, write_random_model
from tests.peak_rss import measure

MiB = 1 << 20


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("random-models")
    made = {
        s: write_random_model(folder / f"{n}.gguf", s)
        for n, s in (("qwen2", QWEN2), ("phi3", PHI3), ("qwen3", QWEN3), ("held-out", HELD_OUT))
    }
    return {"embedded": model_path, **{p.stem: p for p in made.values()}}


@pytest.mark.parametrize(
    ("model", "n_ctx"),
    [
        ("embedded", 2048),
        ("embedded", 8192),
        ("qwen2", 2048),
        ("phi3", 8192),
        ("qwen3", 8192),
        ("held-out", 4096),
    ],
)
def test_the_estimate_is_within_15_percent_of_the_measured_peak(
    models: dict[str, Path], model: str, n_ctx: int
) -> None:
    info = read_gguf(models[model])
    est = estimate(Shape.of(info), n_ctx)
    measured = measure(models[model], n_ctx)
    ratio = est.total / measured
    assert 0.85 <= ratio <= 1.15, (model, n_ctx, est, measured / MiB)


def test_the_header_reader_agrees_with_llama_cpp(models: dict[str, Path]) -> None:
    import llama_cpp

    for path in models.values():
        info = read_gguf(path)
        llm = llama_cpp.Llama(model_path=str(path), n_ctx=256, verbose=False, vocab_only=True)
        meta = llm.metadata
        arch = meta["general.architecture"]
        assert info.architecture == arch
        assert info.layers == int(meta[f"{arch}.block_count"])
        assert info.context_length == int(meta[f"{arch}.context_length"])
        assert info.embedding_length == int(meta[f"{arch}.embedding_length"])
        assert info.vocab_size == llm.n_vocab()
        assert info.kv_heads == int(meta.get(f"{arch}.attention.head_count_kv", info.head_count))
        assert info.chat_template == meta.get("tokenizer.chat_template", "")
        assert 0 < info.weights_bytes < info.file_size


def test_a_damaged_header_is_a_clear_error(models: dict[str, Path], tmp_path: Path) -> None:
    data = models["qwen3"].read_bytes()
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(data[:4096])  # the header ends in the middle of the vocabulary
    with pytest.raises(ModelError, match=r"cut\.gguf has a damaged header"):
        read_gguf(cut)
    text = tmp_path / "text.gguf"
    text.write_text("hello")
    with pytest.raises(ModelError, match="not a GGUF model"):
        read_gguf(text)


def test_the_verdict_follows_the_memory_free_now() -> None:
    memory = Memory(total=16_000 * MiB, available=8_000 * MiB)
    assert verdict(5_000 * MiB, memory) == "Fits"
    assert verdict(7_000 * MiB, memory) == "Tight"
    assert verdict(9_000 * MiB, memory) == "Won't fit"
