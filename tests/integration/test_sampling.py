"""Grammar-bound sampling with the grammar asked about the chosen token only
(app.core.llm.sampling), against llama-cpp-python's own grammar-first chain, with the real
embedded model: greedy answers are the same token for token; a grammar that refuses the
model's choice still gets an answer it allows; sampled answers always fit; free text is
untouched."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.core.llm import sampling
from app.core.llm.grammar import Grammars

SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "maxLength": 24},
        "steps": {
            "type": "array",
            "maxItems": 3,
            "items": {
                "type": "object",
                "properties": {
                    "action": {"enum": ["files.read", "http.get", "notify.show", "notes.append"]},
                    "params": {
                        "type": "object",
                        "properties": {"text": {"type": "string", "maxLength": 60}},
                        "required": ["text"],
                    },
                },
                "required": ["action", "params"],
            },
        },
    },
    "required": ["name", "steps"],
}
PROMPTS = [
    "You write workflows as JSON.\nRequest: Every hour fetch https://example.com and tell me\n",
    "You write workflows as JSON.\nRequest: 每天早上八点提醒我喝水\n",
    "Write a short poem about the sea.\n",
]


@pytest.fixture(scope="module")
def models(model_path: Path) -> Iterator[tuple[Any, Any]]:
    """The same model twice: llama-cpp-python's own sampling, and with ``install``."""
    from llama_cpp import Llama

    plain = Llama(str(model_path), n_ctx=1024, n_threads=2, verbose=False)
    checked = Llama(str(model_path), n_ctx=1024, n_threads=2, verbose=False)
    sampling.install(checked)
    yield plain, checked
    plain.close()
    checked.close()


def answer(llm: Any, prompt: str, grammar: Any, temp: float = 0.0, seed: int = 7) -> str:
    import llama_cpp

    llm.reset()  # the whole prompt read afresh: the same logits on both models
    llm.set_seed(seed)
    tokens = llm.tokenize(prompt.encode())
    out: list[int] = []
    for token in llm.generate(tokens, temp=temp, top_k=40, top_p=0.95, min_p=0.05, grammar=grammar):
        if llama_cpp.llama_vocab_is_eog(llm._model.vocab, token) or len(out) >= 400:
            break
        out.append(token)
    return str(llm.detokenize(out).decode("utf-8", errors="replace"))


@pytest.mark.parametrize("prompt", PROMPTS)
def test_greedy_answers_are_those_of_the_grammar_first_chain(models, prompt: str) -> None:
    plain, checked = models
    grammar = Grammars().get(json.dumps(SCHEMA))
    expected = answer(plain, prompt, grammar)
    got = answer(checked, prompt, grammar)
    assert got == expected
    assert isinstance(checked._sampler, sampling._CheckedGrammar)  # it was used
    json.loads(got)  # and it is JSON (cut at 400 tokens it would not be)


def test_a_grammar_that_refuses_the_models_choice_still_gets_an_allowed_answer(models) -> None:
    from llama_cpp.llama_grammar import LlamaGrammar

    _, checked = models
    grammar = LlamaGrammar.from_string('root ::= "yes" | "no"', verbose=False)
    text = answer(checked, PROMPTS[2], grammar)
    assert text in {"yes", "no"}
    assert checked._sampler.rechosen >= 1  # a poem's first word was refused, chosen again


def test_sampled_answers_always_fit_the_schema(models) -> None:
    _, checked = models
    grammar = Grammars().get(json.dumps(SCHEMA))
    for seed in range(6):
        value = json.loads(answer(checked, PROMPTS[seed % 2], grammar, temp=0.9, seed=seed))
        assert set(value) == {"name", "steps"} and len(value["steps"]) <= 3
        for step in value["steps"]:
            assert (
                step["action"]
                in SCHEMA["properties"]["steps"]["items"]["properties"]["action"]["enum"]
            )


def test_free_text_is_sampled_as_before(models) -> None:
    plain, checked = models
    for temp in (0.0, 0.8):
        assert answer(checked, PROMPTS[2], None, temp) == answer(plain, PROMPTS[2], None, temp)
