"""Grammars that keep the local model's answer to a JSON schema (the planner's drafts)."""

from __future__ import annotations

from typing import Any

from app.core.errors import ModelError
from app.language import _t

CACHE_ENTRIES = 8


class Grammars:
    """llama.cpp grammars by JSON schema text, each built once (building one takes
    milliseconds, and a planner asks with the same schema again when it retries). Used from
    the engine thread only."""

    def __init__(self) -> None:
        self._built: dict[str, Any] = {}  # JSON schema text -> LlamaGrammar

    def get(self, json_schema: str) -> Any:
        """The grammar for ``json_schema``; None for an empty schema (free text)."""
        if not json_schema:
            return None
        grammar = self._built.get(json_schema)
        if grammar is None:
            from llama_cpp.llama_grammar import LlamaGrammar

            try:
                grammar = LlamaGrammar.from_json_schema(json_schema, verbose=False)
            except (ValueError, KeyError, AssertionError, RecursionError) as exc:
                raise ModelError(
                    _t("The answer format could not be turned into a grammar: {0}.").format(exc)
                ) from exc
            if len(self._built) >= CACHE_ENTRIES:
                self._built.pop(next(iter(self._built)))
            self._built[json_schema] = grammar
        return grammar
