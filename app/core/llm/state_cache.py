"""Which conversation the engine's KV cache holds, and where the others' states are kept.

llama.cpp evaluates one conversation at a time. When the engine turns to another, the state of
the one it leaves is kept in a small in-memory LRU cache (token ids and llama.cpp's state
bytes), so switching back does not read that history again. For conversations the user
keeps, the state after each answer is also saved on disk, encrypted
(app.core.llm.saved_states), and read from there when the conversation is not in memory: in a
new process, or after it left the in-memory cache. Runs on the engine's thread only.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.core.llm import model_state
from app.core.llm.saved_states import SavedStates

log = logging.getLogger(__name__)


class StateCache:
    def __init__(self, entries: int, saved_states: Callable[[], SavedStates | None]) -> None:
        self.entries = max(0, entries)
        # the conversation states on disk while the history is unlocked (else None)
        self.saved_states = saved_states
        self.current: str | None = None
        self._memory: OrderedDict[str, model_state.Saved] = OrderedDict()
        self._model: Path | None = None
        self._context = ""  # what a saved state depends on besides the model file

    def loaded(self, model: Path, llm: Any) -> None:
        """A model was loaded: states made for anything else are misses from now on."""
        import llama_cpp

        self.clear()
        self._model = model
        self._context = (
            f"n_ctx={int(llm.n_ctx())} type_k={llm.context_params.type_k} "
            f"type_v={llm.context_params.type_v} llama-cpp-python={llama_cpp.__version__}"
        )
        if (states := self.saved_states()) is not None:
            states.model_digest(model)  # known before the first answer is saved

    def clear(self) -> None:
        self._memory.clear()
        self.current = None

    def switch(self, llm: Any, key: str, persist: bool) -> None:
        """Make ``key``'s conversation the one in ``llm``'s KV cache, keeping the previous one
        (a kept conversation not in memory is read from the saved states)."""
        if key == self.current:
            return
        if self.current is not None and self.entries and llm.n_tokens > 0:
            self._memory[self.current] = model_state.take(llm)
            self._memory.move_to_end(self.current)
            while len(self._memory) > self.entries:
                self._memory.popitem(last=False)
        saved = self._memory.pop(key, None)
        if saved is not None and not model_state.put(llm, saved):  # pragma: no cover
            llm.reset()  # llama.cpp refused its own state
        elif saved is None and persist and (states := self.saved_states()) is not None:
            assert self._model is not None
            kept = states.load(key, self._model, self._context)
            if kept is not None and not model_state.put_sequence(llm, kept):
                log.info("a saved conversation state was refused; the history is read again")
        self.current = key

    def save(self, llm: Any, key: str) -> None:
        """Hand ``key``'s state (in ``llm`` now) to the saved states, written in the
        background."""
        states = self.saved_states()
        if states is not None and states.limit and self._model and llm.n_tokens > 0:
            states.save(key, self._model, self._context, model_state.take_sequence(llm))

    def forget(self, llm: Any, key: str) -> None:
        """Drop what is held in memory of a deleted conversation."""
        self._memory.pop(key, None)
        if key == self.current and llm is not None:
            llm.reset()
            self.current = None


__all__ = ["StateCache"]
