"""Small GGUF models with random weights, written with the ``gguf`` package, for checks that
need other architectures than the embedded model's (the memory estimate, metadata reading).

The tokenizer (and its chat template) is the embedded model's, copied field by field, so
llama.cpp loads the file and can evaluate text with it; the answers are noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from app.core.llm.model_files import embedded_model_path


@dataclass(frozen=True)
class Shape:
    arch: str
    n_embd: int
    n_layer: int
    n_head: int
    n_head_kv: int
    n_ff: int
    n_ctx_train: int = 8192


# the two architectures of the catalog other than the embedded model's (llama), and qwen3
QWEN2 = Shape("qwen2", n_embd=512, n_layer=6, n_head=8, n_head_kv=2, n_ff=1408)
PHI3 = Shape("phi3", n_embd=384, n_layer=6, n_head=6, n_head_kv=6, n_ff=1024)
QWEN3 = Shape("qwen3", n_embd=384, n_layer=5, n_head=6, n_head_kv=3, n_ff=1024)

_TOKENIZER_KEYS = (
    "tokenizer.ggml.model",
    "tokenizer.ggml.pre",
    "tokenizer.ggml.tokens",
    "tokenizer.ggml.token_type",
    "tokenizer.ggml.merges",
    "tokenizer.ggml.bos_token_id",
    "tokenizer.ggml.eos_token_id",
    "tokenizer.ggml.unknown_token_id",
    "tokenizer.ggml.padding_token_id",
    "tokenizer.chat_template",
)


def _tokenizer() -> dict[str, object]:
    from gguf import GGUFReader

    source = embedded_model_path()
    assert source is not None
    fields = GGUFReader(source).fields
    return {key: fields[key].contents() for key in _TOKENIZER_KEYS if key in fields}


def _spm_tokenizer() -> dict[str, object]:
    """A small SentencePiece-style vocabulary (bytes, letters, Phi-3's control tokens): llama.cpp
    loads phi3 models only with a vocabulary of that kind."""
    controls = ["<|end|>", "<|user|>", "<|assistant|>", "<|system|>", "<|endoftext|>"]
    pieces = ["▁" + chr(c) for c in range(97, 123)] + [chr(c) for c in range(97, 123)]
    tokens = ["<unk>", "<s>", "</s>", *(f"<0x{b:02X}>" for b in range(256)), *pieces, *controls]
    types = [2, 3, 3] + [6] * 256 + [1] * len(pieces) + [3] * len(controls)
    return {
        "tokenizer.ggml.model": "llama",
        "tokenizer.ggml.pre": "default",
        "tokenizer.ggml.tokens": tokens,
        "tokenizer.ggml.token_type": types,
        "tokenizer.ggml.scores": [0.0] * len(tokens),
        "tokenizer.ggml.bos_token_id": 1,
        "tokenizer.ggml.eos_token_id": tokens.index("<|end|>"),
        "tokenizer.ggml.unknown_token_id": 0,
    }


def _write_tokenizer(writer: Any, tok: dict[str, object]) -> None:
    writer.add_tokenizer_model(str(tok["tokenizer.ggml.model"]))
    writer.add_tokenizer_pre(str(tok["tokenizer.ggml.pre"]))
    writer.add_token_list(tok["tokenizer.ggml.tokens"])
    writer.add_token_types(list(tok["tokenizer.ggml.token_type"]))  # type: ignore[call-overload]
    if "tokenizer.ggml.merges" in tok:
        writer.add_token_merges(list(tok["tokenizer.ggml.merges"]))  # type: ignore[call-overload]
    if "tokenizer.ggml.scores" in tok:
        writer.add_token_scores(list(tok["tokenizer.ggml.scores"]))  # type: ignore[call-overload]
    for key, add in (
        ("tokenizer.ggml.bos_token_id", writer.add_bos_token_id),
        ("tokenizer.ggml.eos_token_id", writer.add_eos_token_id),
        ("tokenizer.ggml.unknown_token_id", writer.add_unk_token_id),
        ("tokenizer.ggml.padding_token_id", writer.add_pad_token_id),
    ):
        if key in tok:
            add(int(tok[key]))  # type: ignore[call-overload]
    if "tokenizer.chat_template" in tok:
        writer.add_chat_template(str(tok["tokenizer.chat_template"]))


def write_random_model(path: Path, shape: Shape, *, seed: int = 7) -> Path:
    """A loadable GGUF of ``shape`` with F16 random weights (F32 norms) at ``path``."""
    import gguf

    tok = _spm_tokenizer() if shape.arch == "phi3" else _tokenizer()
    tokens = tok["tokenizer.ggml.tokens"]
    assert isinstance(tokens, list)
    n_vocab = len(tokens)
    rng = np.random.default_rng(seed)
    writer = gguf.GGUFWriter(str(path), shape.arch)
    writer.add_name(f"random {shape.arch}")
    writer.add_block_count(shape.n_layer)
    writer.add_context_length(shape.n_ctx_train)
    writer.add_embedding_length(shape.n_embd)
    writer.add_feed_forward_length(shape.n_ff)
    writer.add_head_count(shape.n_head)
    writer.add_head_count_kv(shape.n_head_kv)
    writer.add_layer_norm_rms_eps(1e-6)
    writer.add_rope_freq_base(10000.0)
    head_dim = shape.n_embd // shape.n_head
    writer.add_rope_dimension_count(head_dim)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    _write_tokenizer(writer, tok)

    def weight(rows: int, cols: int) -> np.ndarray:
        return (rng.standard_normal((rows, cols), dtype=np.float32) * 0.02).astype(np.float16)

    def norm(n: int) -> np.ndarray:
        return np.ones(n, dtype=np.float32)

    kv = shape.n_head_kv * head_dim
    e, f = shape.n_embd, shape.n_ff
    writer.add_tensor("token_embd.weight", weight(n_vocab, e))
    for i in range(shape.n_layer):
        b = f"blk.{i}."
        writer.add_tensor(b + "attn_norm.weight", norm(e))
        if shape.arch == "phi3":  # q, k and v in one tensor; gate and up in one
            writer.add_tensor(b + "attn_qkv.weight", weight(e + 2 * kv, e))
            writer.add_tensor(b + "ffn_up.weight", weight(2 * f, e))
        else:
            for name, rows in (("attn_q", e), ("attn_k", kv), ("attn_v", kv)):
                writer.add_tensor(b + name + ".weight", weight(rows, e))
                if shape.arch == "qwen2":  # biases on q, k and v
                    writer.add_tensor(b + name + ".bias", np.zeros(rows, dtype=np.float32))
            if shape.arch == "qwen3":  # norms on q and k, per head
                writer.add_tensor(b + "attn_q_norm.weight", norm(head_dim))
                writer.add_tensor(b + "attn_k_norm.weight", norm(head_dim))
            writer.add_tensor(b + "ffn_gate.weight", weight(f, e))
            writer.add_tensor(b + "ffn_up.weight", weight(f, e))
        writer.add_tensor(b + "attn_output.weight", weight(e, e))
        writer.add_tensor(b + "ffn_norm.weight", norm(e))
        writer.add_tensor(b + "ffn_down.weight", weight(e, f))
    writer.add_tensor("output_norm.weight", norm(e))
    writer.add_tensor("output.weight", weight(n_vocab, e))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


# not used to fit the estimate's constants: the check on a shape it has not seen
HELD_OUT = Shape("qwen2", n_embd=1024, n_layer=4, n_head=16, n_head_kv=4, n_ff=2816)


def write_tiny_gguf(path: Path, label: str, chat_template: str = "") -> Path:
    """A valid GGUF header and one small tensor, different for each ``label``: a file the
    model list accepts, which llama.cpp cannot load (no vocabulary, no layers)."""
    import gguf

    path.parent.mkdir(parents=True, exist_ok=True)
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name(label)
    if chat_template:
        writer.add_chat_template(chat_template)
    writer.add_tensor("token_embd.weight", np.full((4, 8), len(label), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


__all__ = ["HELD_OUT", "PHI3", "QWEN2", "QWEN3", "Shape", "write_random_model", "write_tiny_gguf"]
