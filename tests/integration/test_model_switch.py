"""Switching the session's model (what the chat's model picker does): the next answer comes
from the new model and records it; a model that cannot load changes nothing, and the model
before answers again; the choice is kept for the next start."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from app.core.errors import ModelError
from app.core.llm.gguf_info import read_gguf
from app.core.paths import resolve_paths
from app.session import Finished, Session
from tests.gguf_models import write_tiny_gguf


async def answer(session: Session, text: str, conversation: str | None = None) -> Finished:
    done = None
    async for event in session.submit(text, conversation, drafting=False):
        if isinstance(event, Finished):
            done = event
    assert done is not None
    return done


def copy_with_other_bytes(model_path: Path, dest: Path) -> Path:
    data = model_path.read_bytes()
    dest.write_bytes(data.replace(b"Smollm2 135M", b"Smollm2 COPY"))
    return dest


def test_switching_models_between_answers(tmp_path: Path, model_path: Path) -> None:
    paths = resolve_paths(tmp_path / "home").ensure()
    other = copy_with_other_bytes(model_path, tmp_path / "Other-Model.gguf")
    # a working chat template, but nothing llama.cpp can load
    template = read_gguf(model_path).chat_template
    broken = write_tiny_gguf(tmp_path / "Broken-Model.gguf", "not loadable", template)

    async def go() -> None:
        session = Session(paths)
        try:
            library = session.models()
            for path in (other, broken):
                library.add(path)
            assert session.active_model().id == "embedded"
            first = await answer(session, "Say hello.")
            assert "embedded" in first.message.model
            conv = first.message.conversation_id
            info = await session.use_model(session.models().find("other-model"))
            assert info.ref.path == other
            assert session.active_model().id == "other-model"
            second = await answer(session, "Say hello again.", conv)
            assert second.message.model == "Other-Model.gguf"
            # a file llama.cpp cannot load: a clear error, and nothing changed
            with pytest.raises(ModelError, match="could not be loaded"):
                await session.use_model(session.models().find("broken-model"))
            assert session.active_model().id == "other-model"
            third = await answer(session, "And once more.", conv)
            assert third.message.model == "Other-Model.gguf"
            messages = session.unlock().messages(conv)
            assert [m.role for m in messages] == ["user", "assistant"] * 3
        finally:
            await session.aclose()

    asyncio.run(go())
    # the choice is saved: a new session starts with it
    assert Session(paths).active_model().id == "other-model"
