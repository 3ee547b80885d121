"""Grammar-bound sampling that asks the grammar about one token, not the whole vocabulary.

llama-cpp-python puts a grammar first in its sampler chain, so for every token it generates,
llama.cpp checks each of the model's ~49,000 tokens against the grammar before the other
samplers choose one. With the embedded model that is most of the time a JSON answer takes:
the planner's drafts came at ~25 tokens/s under a grammar against ~110 without one.

``checked_sampler`` chooses as llama.cpp's own server does by default: the chain without the
grammar picks a token; the grammar is asked about that one token; only when it refuses it are
all tokens checked and the choice made again among those it allows. With greedy sampling (the
planner's first attempt) this chooses exactly the token the grammar-first chain would (the
most likely token is kept when the grammar allows it, and the choice among allowed tokens is
the same when it does not); with temperature the choice follows the same distribution's
allowed part except where the truncation (top-k, top-p, min-p) cut first.

``install`` hooks it into a ``llama_cpp.Llama`` (through ``_init_sampler``, which
``Llama.generate`` calls with the grammar it was given; ``tests/integration/test_sampling.py``
checks it against the grammar-first chain on the installed llama-cpp-python).
"""

from __future__ import annotations

import ctypes
import logging
import math
from collections.abc import Callable
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

_TOKEN_DATA = np.dtype([("id", np.intc), ("logit", np.single), ("p", np.single)], align=True)


class _CheckedGrammar:
    """A sampler for ``Llama``: ``sample(ctx, idx)`` as ``llama_cpp._internals.LlamaSampler``."""

    def __init__(self, chain: Any, model: Any, grammar: Any) -> None:
        import llama_cpp

        self._llama = llama_cpp
        self.chain = chain  # the samplers without the grammar (penalties … greedy or dist)
        self.grammar = llama_cpp.llama_sampler_init_grammar(
            model.vocab, grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8")
        )
        if not self.grammar:
            raise ValueError("llama.cpp refused the grammar")
        self.n_vocab = int(llama_cpp.llama_vocab_n_tokens(model.vocab))
        self._one = (llama_cpp.llama_token_data * 1)()
        self.sampled = 0
        self.rechosen = 0  # tokens the grammar refused, chosen again among those it allows

    def _allows(self, token: int) -> bool:
        one = self._one
        one[0] = self._llama.llama_token_data(token, 0.0, 0.0)
        candidates = self._llama.llama_token_data_array(one, 1, -1, False)
        self._llama.llama_sampler_apply(self.grammar, ctypes.byref(candidates))
        return not math.isinf(one[0].logit)

    def sample(self, ctx: Any, idx: int = -1) -> int:
        llama = self._llama
        self.sampled += 1
        token = int(self.chain.sample(ctx, idx))
        if not self._allows(token):
            self.rechosen += 1
            logits = np.ctypeslib.as_array(
                llama.llama_get_logits_ith(ctx.ctx, idx), shape=(self.n_vocab,)
            )
            data = np.empty(self.n_vocab, dtype=_TOKEN_DATA)
            data["id"] = np.arange(self.n_vocab, dtype=np.intc)
            data["logit"] = logits
            data["p"] = 0.0
            candidates = llama.llama_token_data_array(
                data.ctypes.data_as(llama.llama_token_data_p), self.n_vocab, -1, False
            )
            llama.llama_sampler_apply(self.grammar, ctypes.byref(candidates))
            llama.llama_sampler_apply(self.chain.sampler, ctypes.byref(candidates))
            token = int(candidates.data[candidates.selected].id)
        llama.llama_sampler_accept(self.grammar, token)
        return token

    def close(self) -> None:
        if self.grammar:
            self._llama.llama_sampler_free(self.grammar)
            self.grammar = None
        self.chain.close()

    def __del__(self) -> None:
        self.close()


def install(llm: Any) -> None:
    """Make ``llm.generate(..., grammar=G)`` sample with ``_CheckedGrammar``."""
    original: Callable[..., Any] = llm._init_sampler

    def init_sampler(*, grammar: Any = None, **options: Any) -> Any:
        chain = original(grammar=None, **options)
        if grammar is None:
            return chain
        return _CheckedGrammar(chain, llm._model, grammar)

    llm._init_sampler = init_sampler


__all__ = ["install"]
