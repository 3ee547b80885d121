"""The models Steward offers to download: instruct models from 0.5B to 8B parameters in
repositories anyone can download without an account.

No fact here is invented: each entry names, for each value, the page it was read from
(``sources``; a value with no page is not given). The revision is the commit a page showed
the file at, else ``main``. The size is the one the page shows, rounded as it shows it: the
exact size and the SHA-256 come from the hub when the download starts and are checked then.
The KV-cache shape (layers, KV heads, head size) and the other widths feed the memory
estimate (app.core.llm.fit), so the verdict is shown before anything is downloaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from app.core.errors import UsageError
from app.core.llm.fit import Shape
from app.core.llm.hub import HUB_HOST
from app.language import N_, _t

# the languages the catalogue names, in words each interface language has (``_t(name)``)
LANGUAGE_WORDS = (
    N_("Arabic"),
    N_("Chinese"),
    N_("English"),
    N_("French"),
    N_("German"),
    N_("Hindi"),
    N_("Italian"),
    N_("Japanese"),
    N_("Korean"),
    N_("Portuguese"),
    N_("Russian"),
    N_("Spanish"),
    N_("Thai"),
    N_("Vietnamese"),
    N_("multilingual"),
)

GB, MB = 1000**3, 1000**2

# pages shared by several entries
_QWEN_LANGUAGES = "https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct/commit/361e0b32a21b2e298ff74e0e28fe28de46558cc1"
_QWEN_LANGS = ("Chinese", "English", "French", "Spanish", "Portuguese", "German", "Italian",
               "Russian", "Japanese", "Korean", "Vietnamese", "Thai", "Arabic")  # fmt: skip


@dataclass(frozen=True)
class CatalogEntry:
    id: str
    name: str
    repo: str
    file: str
    revision: str
    license: str
    quantization: str
    parameters: str  # as the pages give it ("0.49B", "1.5B")
    size_bytes: int  # as the page shows it (the hub's exact size is pinned at download)
    layers: int
    kv_heads: int
    head_size: int
    context_length: int
    embedding_length: int
    feed_forward_length: int
    vocab_size: int
    languages: tuple[str, ...]
    good_for: str
    sources: dict[str, str] = field(repr=False)

    @property
    def url(self) -> str:
        return f"https://{HUB_HOST}/{self.repo}/resolve/{quote(self.revision)}/{quote(self.file)}"

    @property
    def shape(self) -> Shape:
        return Shape(
            weights_bytes=self.size_bytes,
            layers=self.layers,
            kv_heads=self.kv_heads,
            key_length=self.head_size,
            value_length=self.head_size,
            embedding_length=self.embedding_length,
            feed_forward_length=self.feed_forward_length,
            vocab_size=self.vocab_size,
        )


CATALOG: tuple[CatalogEntry, ...] = (
    CatalogEntry(
        id="qwen2.5-0.5b-instruct",
        name="Qwen2.5 0.5B Instruct",
        repo="second-state/Qwen2.5-0.5B-Instruct-GGUF",
        file="Qwen2.5-0.5B-Instruct-Q4_K_M.gguf",
        revision="main",
        license="apache-2.0",
        quantization="Q4_K_M",
        parameters="0.49B",
        size_bytes=398 * MB,
        layers=24,
        kv_heads=2,
        head_size=896 // 14,
        context_length=32768,
        embedding_length=896,
        feed_forward_length=4864,
        vocab_size=151936,
        languages=_QWEN_LANGS,
        good_for="The smallest that reads and writes Chinese: quick answers on any machine.",
        sources={
            "file, size, license, quantization": "https://huggingface.co/second-state/Qwen2.5-0.5B-Instruct-GGUF/tree/main",
            "layers, heads, KV heads, widths, context, vocabulary": "https://huggingface.co/unsloth/Qwen2.5-0.5B-Instruct/blame/00bafb7cd8d700177637919923d0e579fe0cfa5f/config.json",
            "parameters": "https://fitmygpu.com/models/qwen-2.5-0.5b",
            "languages": _QWEN_LANGUAGES,
        },
    ),
    CatalogEntry(
        id="qwen2.5-1.5b-instruct",
        name="Qwen2.5 1.5B Instruct",
        repo="lmstudio-community/Qwen2.5-1.5B-Instruct-GGUF",
        file="Qwen2.5-1.5B-Instruct-Q4_K_M.gguf",
        revision="main",
        license="apache-2.0",
        quantization="Q4_K_M",
        parameters="1.544B",
        size_bytes=986 * MB,
        layers=28,
        kv_heads=2,
        head_size=1536 // 12,
        context_length=32768,
        embedding_length=1536,
        feed_forward_length=8960,
        vocab_size=151936,
        languages=_QWEN_LANGS,
        good_for="Everyday chat in Chinese and English.",
        sources={
            "file, size, license, quantization": "https://huggingface.co/lmstudio-community/Qwen2.5-1.5B-Instruct-GGUF/tree/main",
            "layers, heads, KV heads, context": "https://huggingface.co/Qwen/Qwen2.5-1.5B-Instruct-GGUF/commit/9a67271e685adc64b524e200885c9c726227a5c3",
            "widths, vocabulary": "https://huggingface.co/kaitchup/Qwen2.5-1.5B-AutoRound-GPTQ-asym-4bit/blame/5b2afaa328afe39d67b206d6b0f3a5a1d43893a7/config.json",
            "parameters": "https://huggingface.co/datasets/OALL/requests_v2/blame/e6a972b68aa4f28663a15b7fd292e5b63b1ca53f/Qwen/Qwen2.5-1.5B-Instruct_eval_request_False_bfloat16_Original.json",
            "languages": _QWEN_LANGUAGES,
        },
    ),
    CatalogEntry(
        id="qwen2.5-3b-instruct",
        name="Qwen2.5 3B Instruct",
        repo="lmstudio-community/Qwen2.5-3B-Instruct-GGUF",
        file="Qwen2.5-3B-Instruct-Q4_K_M.gguf",
        revision="main",
        license="qwen-research",
        quantization="Q4_K_M",
        parameters="3B",
        size_bytes=1930 * MB,
        layers=36,
        kv_heads=2,
        head_size=2048 // 16,
        context_length=32768,
        embedding_length=2048,
        feed_forward_length=11008,
        vocab_size=151936,
        languages=_QWEN_LANGS,
        good_for="Longer, better-reasoned answers in Chinese and English; research licence.",
        sources={
            "file, size, license, quantization, parameters": "https://huggingface.co/lmstudio-community/Qwen2.5-3B-Instruct-GGUF/tree/main",
            "layers, heads, KV heads, widths, context, vocabulary": "https://huggingface.co/unsloth/Qwen2.5-3B-Instruct/blame/873eaaed1bdc45a8acda0d473bddb3a57f1efde8/config.json",
            "languages": _QWEN_LANGUAGES,
        },
    ),
    CatalogEntry(
        id="qwen2.5-7b-instruct",
        name="Qwen2.5 7B Instruct",
        repo="lmstudio-community/Qwen2.5-7B-Instruct-GGUF",
        file="Qwen2.5-7B-Instruct-Q4_K_M.gguf",
        revision="241ab5cebcbfa8415dac6ccf198069ba6cce3b2f",
        license="apache-2.0",
        quantization="Q4_K_M",
        parameters="7B",
        size_bytes=4680 * MB,
        layers=28,
        kv_heads=4,
        head_size=3584 // 28,
        context_length=32768,
        embedding_length=3584,
        feed_forward_length=18944,
        vocab_size=152064,
        languages=_QWEN_LANGS,
        good_for="The largest here: writing and planning in Chinese and English.",
        sources={
            "file, revision, size, license, quantization, parameters": "https://huggingface.co/lmstudio-community/Qwen2.5-7B-Instruct-GGUF/tree/241ab5cebcbfa8415dac6ccf198069ba6cce3b2f",
            "layers, heads, KV heads, widths, context, vocabulary": "https://www.ollama.com/library/qwen2.5:7b-instruct-q4_0/blobs/8be7c98329ca",
            "languages": _QWEN_LANGUAGES,
        },
    ),
    CatalogEntry(
        id="llama-3.2-1b-instruct",
        name="Llama 3.2 1B Instruct",
        repo="bartowski/Llama-3.2-1B-Instruct-GGUF",
        file="Llama-3.2-1B-Instruct-Q4_K_M.gguf",
        revision="d1738bbcc8ec1f61cf4edbbab55e3522f67ecdd4",
        license="llama3.2",
        quantization="Q4_K_M",
        parameters="1B",
        size_bytes=808 * MB,
        layers=16,
        kv_heads=8,
        head_size=64,
        context_length=131072,
        embedding_length=2048,
        feed_forward_length=8192,
        vocab_size=128256,
        languages=(
            "English",
            "German",
            "French",
            "Italian",
            "Portuguese",
            "Hindi",
            "Spanish",
            "Thai",
        ),
        good_for="Fast, small and good at following instructions in English.",
        sources={
            "file, revision, size, license, quantization, parameters": "https://huggingface.co/bartowski/Llama-3.2-1B-Instruct-GGUF/tree/d1738bbcc8ec1f61cf4edbbab55e3522f67ecdd4",
            "layers, heads, KV heads, head size, widths, context, vocabulary": "https://huggingface.co/ngxson/MiniThinky-1B-Llama-3.2/blob/03ac92f9bfcc8dc9affbbc3b19ed5dabb498c075/config.json",
            "languages": "https://huggingface.co/RichardErkhov/meta-llama_-_Llama-3.2-1B-Instruct-gguf",
        },
    ),
    CatalogEntry(
        id="llama-3.2-3b-instruct",
        name="Llama 3.2 3B Instruct",
        repo="bartowski/Llama-3.2-3B-Instruct-GGUF",
        file="Llama-3.2-3B-Instruct-Q4_K_M.gguf",
        revision="main",
        license="llama3.2",
        quantization="Q4_K_M",
        parameters="3.21B",
        size_bytes=2020 * MB,
        layers=28,
        kv_heads=8,
        head_size=128,
        context_length=131072,
        embedding_length=3072,
        feed_forward_length=8192,
        vocab_size=128256,
        languages=(
            "English",
            "German",
            "French",
            "Italian",
            "Portuguese",
            "Hindi",
            "Spanish",
            "Thai",
        ),
        good_for="A capable all-rounder, strongest in English.",
        sources={
            "file, quantization, size, context": "https://pub.dev/documentation/onenm_local_llm/latest/models/OneNmModel/llama32-constant.html",
            "license": "https://huggingface.co/datasets/inceptionai/requests-dataset/blame/793e8cde35afd13530e556edd09cf90681d35ed4/finished/meta-llama/Llama-3.2-3B-Instruct_eval_request_main_bfloat16.json",
            "layers, heads, KV heads, head size, widths, vocabulary": "https://huggingface.co/lunahr/thea-c-3b-25r/blame/63c6400776db39a8969b2bcc2decf1a5751ddf7e/config.json",
            "parameters": "https://huggingface.co/datasets/la-leaderboard/requests/blob/06e6464d092969bfd238b0aab7f80a4d52d7d18f/meta-llama/Llama-3.2-3B_eval_request_False_bfloat16_Original.json",
            "languages": "https://huggingface.co/RichardErkhov/meta-llama_-_Llama-3.2-1B-Instruct-gguf",
        },
    ),
    CatalogEntry(
        id="smollm2-1.7b-instruct",
        name="SmolLM2 1.7B Instruct",
        repo="HuggingFaceTB/SmolLM2-1.7B-Instruct-GGUF",
        file="smollm2-1.7b-instruct-q4_k_m.gguf",
        revision="main",
        license="apache-2.0",
        quantization="Q4_K_M",
        parameters="1.7B",
        size_bytes=1060 * MB,
        layers=24,
        kv_heads=32,
        head_size=2048 // 32,
        context_length=8192,
        embedding_length=2048,
        feed_forward_length=8192,
        vocab_size=49152,
        languages=("English",),
        good_for="The embedded model's big sibling: the same family, much better answers.",
        sources={
            "file, size, license, quantization, parameters, languages": "https://huggingface.co/HuggingFaceTB/SmolLM2-1.7B-Instruct-GGUF/tree/main",
            "layers, heads, KV heads, widths, context, vocabulary": "https://huggingface.co/HuggingFaceTB/SmolLM2-1.7B-Instruct/blob/dfc017ec3d4e0eaed394f8bf2a0fd2ff24f8b2cd/config.json",
        },
    ),
    CatalogEntry(
        id="phi-3.5-mini-instruct",
        name="Phi-3.5 mini Instruct",
        repo="bartowski/Phi-3.5-mini-instruct-GGUF",
        file="Phi-3.5-mini-instruct-Q4_K_M.gguf",
        revision="4cd0c5148e612aa078f250862a4bffe4a10f5d38",
        license="mit",
        quantization="Q4_K_M",
        parameters="3.821B",
        size_bytes=2390 * MB,
        layers=32,
        kv_heads=32,
        head_size=3072 // 32,
        context_length=131072,
        embedding_length=3072,
        feed_forward_length=8192,
        vocab_size=32064,
        languages=("multilingual",),
        good_for="Reasoning and code under a permissive licence; strongest in English.",
        sources={
            "file, revision, size, license, quantization": "https://huggingface.co/bartowski/Phi-3.5-mini-instruct-GGUF/tree/4cd0c5148e612aa078f250862a4bffe4a10f5d38",
            "layers, heads, KV heads, widths, context, vocabulary": "https://huggingface.co/twelcone/pii-phi/blob/main/config.json",
            "parameters": "https://huggingface.co/datasets/cot-leaderboard/cot-leaderboard-requests/blame/97c70dad931cc73dc15f7ebfd6f354ea075bbad8/microsoft/Phi-3.5-mini-instruct_eval_request_False_bfloat16_Original.json",
            "languages": "https://huggingface.co/bartowski/Phi-3.5-mini-instruct-GGUF/tree/4cd0c5148e612aa078f250862a4bffe4a10f5d38",
        },
    ),
)


def find_entry(name: str, catalog: tuple[CatalogEntry, ...] = CATALOG) -> CatalogEntry:
    wanted = name.strip().lower()
    for entry in catalog:
        if wanted in (entry.id, entry.name.lower()):
            return entry
    hits = [e for e in catalog if e.id.startswith(wanted)]
    if len(hits) == 1:
        return hits[0]
    raise UsageError(
        f"{name!r} is not in the catalog"
        + (f" (it could be: {', '.join(e.id for e in hits)})." if hits else "."),
        hint=_t("`steward models available` lists it; a URL of a .gguf file works too."),
    )


__all__ = ["CATALOG", "CatalogEntry", "find_entry"]
