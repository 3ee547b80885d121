"""A llama.cpp context's state (its KV cache and last logits, through llama_state_get_data)
taken out of a ``llama_cpp.Llama`` and put back, with the tokens it holds: the engine keeps
the state of a conversation it leaves in memory, and the planner's fixed prompt on disk
(app.core.llm.prompt_states). ``take_sequence``/``put_sequence`` move only the KV cache of the
one sequence the engine uses (no logits: the next answer evaluates at least one token), for
the conversation states saved on disk (app.core.llm.saved_states)."""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass
class Saved:
    tokens: list[int]
    data: bytes | memoryview  # a view where it was read out of a larger buffer (no copy)


def take(llm: Any) -> Saved:
    """The state of ``llm`` now, with the tokens it has evaluated."""
    import llama_cpp

    size = llama_cpp.llama_state_get_size(llm._ctx.ctx)
    buffer = (ctypes.c_uint8 * int(size))()
    written = int(llama_cpp.llama_state_get_data(llm._ctx.ctx, buffer, size))
    return Saved([int(t) for t in llm.input_ids[: llm.n_tokens]], bytes(buffer)[:written])


def put(llm: Any, saved: Saved) -> bool:
    """Put ``saved`` back into ``llm``; False (``llm`` unchanged) when llama.cpp refuses it
    (a state from another build or context)."""
    import llama_cpp

    data = (ctypes.c_uint8 * len(saved.data)).from_buffer_copy(saved.data)
    if llama_cpp.llama_state_set_data(llm._ctx.ctx, data, len(saved.data)) != len(saved.data):
        return False
    llm.input_ids[: len(saved.tokens)] = saved.tokens
    llm.n_tokens = len(saved.tokens)
    llm._requires_eval = True
    return True


def take_sequence(llm: Any) -> Saved:
    """The KV cache of ``llm``'s sequence now, with the tokens it holds."""
    import llama_cpp

    size = llama_cpp.llama_state_seq_get_size(llm._ctx.ctx, 0)
    buffer = (ctypes.c_uint8 * int(size))()
    written = int(llama_cpp.llama_state_seq_get_data(llm._ctx.ctx, buffer, size, 0))
    # the buffer itself (no copy: this runs on the engine's thread)
    return Saved([int(t) for t in llm.input_ids[: llm.n_tokens]], memoryview(buffer)[:written])


def put_sequence(llm: Any, saved: Saved) -> bool:
    """Put a sequence's KV cache from ``take_sequence`` back; False (and ``llm`` emptied)
    when llama.cpp refuses it."""
    import llama_cpp
    import numpy

    llm.reset()
    llama_cpp.llama_memory_clear(llama_cpp.llama_get_memory(llm._ctx.ctx), True)
    # llama.cpp only reads it: handed over where it lies (a state is tens of megabytes)
    view = numpy.frombuffer(saved.data, dtype=numpy.uint8)
    data = view.ctypes.data_as(ctypes.POINTER(ctypes.c_uint8))
    if llama_cpp.llama_state_seq_set_data(llm._ctx.ctx, data, view.size, 0) == 0:
        llama_cpp.llama_memory_clear(llama_cpp.llama_get_memory(llm._ctx.ctx), True)
        return False
    llm.input_ids[: len(saved.tokens)] = saved.tokens
    llm.n_tokens = len(saved.tokens)
    llm._requires_eval = True
    return True


def holds(llm: Any, tokens: Sequence[int]) -> bool:
    """Has ``llm`` evaluated ``tokens`` (as the start of what it holds)?"""
    have = llm.input_ids[: llm.n_tokens].tolist()
    return int(llm.longest_token_prefix(have, list(tokens))) >= len(tokens)


__all__ = ["Saved", "holds", "put", "put_sequence", "take", "take_sequence"]
