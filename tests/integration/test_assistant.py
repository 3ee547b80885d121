"""One request end to end against the real model and a real encrypted database."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.core.assistant import Assistant, Finished, Started, Token
from app.core.errors import ModelError, UsageError
from app.core.llm.engine import LocalEngine, SamplingParams, TokenEvent
from app.core.llm.model_files import ModelRef
from app.core.settings import ModelSettings
from app.core.store.database import Database, open_database

PARAMS = SamplingParams(temperature=0.0, max_tokens=16)


@pytest.fixture
def engine(model_path: Path):
    eng = LocalEngine(ModelRef("embedded", "SmolLM2", model_path), ModelSettings(n_ctx=2048))
    yield eng
    eng.close()


def test_question_is_committed_before_the_answer_starts(
    db: Database, engine: LocalEngine, tmp_path: Path, key: bytes
) -> None:
    async def go():
        assistant = Assistant(db, engine, system_prompt="Be brief.")
        seen_before_first_token = None
        finished = None
        async for ev in assistant.ask("What is rain?", params=PARAMS):
            if isinstance(ev, Started):
                # a second connection sees the committed question before any token exists
                other = open_database(tmp_path / "test.db", key, check=False)
                seen_before_first_token = [
                    (m.role, m.content) for m in other.messages(ev.conversation.id)
                ]
                other.close()
            elif isinstance(ev, Finished):
                finished = ev
        assistant.close()
        return seen_before_first_token, finished

    seen, finished = asyncio.run(go())
    assert seen == [("user", "What is rain?")]
    stored = db.message(finished.message.id)
    # 16 tokens may or may not end the answer: either way it is stored as what happened
    cut = finished.stats.finish_reason == "length"
    assert stored.status == ("length" if cut else "complete")
    assert stored.content == finished.message.content
    assert stored.backend == "local" and stored.model == "SmolLM2"
    assert stored.completion_tokens == finished.stats.completion_tokens
    assert stored.prompt_tokens and stored.tokens_per_s and stored.ttft_ms


def test_conversation_continues_with_history(db: Database, engine: LocalEngine) -> None:
    async def go():
        assistant = Assistant(db, engine)
        conv_id = None
        for text in ("My name is Ada.", "What is my name?"):
            async for ev in assistant.ask(text, conversation_id=conv_id, params=PARAMS):
                if isinstance(ev, Started):
                    conv_id = ev.conversation.id
        assistant.close()
        return conv_id

    conv_id = asyncio.run(go())
    assert [m.role for m in db.messages(conv_id)] == ["user", "assistant", "user", "assistant"]
    assert db.conversation(conv_id).title == "My name is Ada."


def test_stop_keeps_the_partial_answer(db: Database, engine: LocalEngine) -> None:
    async def go():
        assistant = Assistant(db, engine)
        cancel = threading.Event()
        text, n, finished = "", 0, None
        params = SamplingParams(temperature=0.8, max_tokens=500, seed=3)
        async for ev in assistant.ask("Tell a long story.", params=params, cancel=cancel):
            if isinstance(ev, Token):
                text += ev.text
                n += 1
                if n == 10:
                    cancel.set()
            elif isinstance(ev, Finished):
                finished = ev
        assistant.close()
        return text, finished

    text, finished = asyncio.run(go())
    stored = db.message(finished.message.id)
    assert stored.status == "partial" and stored.content == text and text


class FailingEngine(LocalEngine):
    """The real engine, failing after a few tokens (a model error mid-answer cannot be
    provoked on demand with a healthy model file)."""

    async def generate(self, *args, **kwargs) -> AsyncIterator:  # type: ignore[override]
        n = 0
        async for ev in super().generate(*args, **kwargs):
            yield ev
            n += isinstance(ev, TokenEvent)
            if n == 2:  # after two deliveries of text (the answer is longer than that)
                raise ModelError("The model failed while answering: out of memory.")


def test_model_error_mid_answer_keeps_text_and_marks_error(db: Database, model_path: Path) -> None:
    engine = FailingEngine(ModelRef("embedded", "m", model_path), ModelSettings(n_ctx=1024))

    async def go():
        assistant = Assistant(db, engine)
        pieces: list[str] = []

        async def consume() -> None:
            # greedy, so the answer is the same every time (and longer than 3 tokens)
            params = SamplingParams(max_tokens=50, temperature=0.0)
            async for ev in assistant.ask("Hello there", params=params):
                if isinstance(ev, Token):
                    pieces.append(ev.text)

        with pytest.raises(ModelError, match="out of memory"):
            await consume()
        assistant.close()
        return "".join(pieces)

    try:
        text = asyncio.run(go())
    finally:
        engine.close()
    [conv] = db.conversations()
    user, answer = db.messages(conv.id)
    assert user.content == "Hello there" and user.status == "complete"
    assert answer.status == "error" and answer.content == text and "out of memory" in answer.error


def test_regenerate_and_edit_last_message(db: Database, engine: LocalEngine) -> None:
    async def go():
        assistant = Assistant(db, engine)
        conv_id = None
        async for ev in assistant.ask("Say one word.", params=PARAMS):
            if isinstance(ev, Started):
                conv_id = ev.conversation.id
        async for _ in assistant.regenerate(conv_id, params=PARAMS):
            pass
        after_regen = [(m.role, m.content) for m in db.messages(conv_id)]
        async for _ in assistant.regenerate(conv_id, new_text="Say two words.", params=PARAMS):
            pass
        assistant.close()
        return conv_id, after_regen

    conv_id, after_regen = asyncio.run(go())
    assert [r for r, _ in after_regen] == ["user", "assistant"]
    msgs = db.messages(conv_id)
    assert [(m.role, m.seq) for m in msgs] == [("user", 1), ("assistant", 2)]
    assert msgs[0].content == "Say two words."


@pytest.mark.parametrize("text", ["", "   \n\t"])
def test_empty_message_is_refused_and_nothing_stored(
    db: Database, engine: LocalEngine, text: str
) -> None:
    async def go():
        async for _ in Assistant(db, engine).ask(text):
            pass

    with pytest.raises(UsageError, match="empty"):
        asyncio.run(go())
    assert db.count("conversations") == 0


def test_answer_cut_at_the_length_limit_is_marked_and_continued_in_place(
    db: Database, engine: LocalEngine
) -> None:
    story = "Tell me a long story about a dragon who learns to bake bread."

    async def answer(events: AsyncIterator[object]) -> Finished:
        finished = None
        async for ev in events:
            if isinstance(ev, Finished):
                finished = ev
        assert finished is not None
        return finished

    async def go() -> tuple[Finished, Finished, Finished]:
        assistant = Assistant(db, engine, system_prompt="Be brief.")
        short = SamplingParams(temperature=0.0, max_tokens=12)
        cut = await answer(assistant.ask(story, params=short))
        conv = cut.message.conversation_id
        more = await answer(assistant.continue_answer(conv, params=short))
        # the same answer in one go, for comparison (greedy: the continuation must match it)
        whole = await answer(assistant.ask(story, params=SamplingParams(0.0, max_tokens=24)))
        done = db.create_conversation("Done")
        db.add_message(done.id, "user", "Hi")
        db.add_message(done.id, "assistant", "Hello!")  # a complete answer
        with pytest.raises(UsageError, match="nothing to continue"):
            await answer(assistant.continue_answer(done.id))
        assistant.close()
        return cut, more, whole

    cut, more, whole = asyncio.run(go())
    assert cut.stats.finish_reason == "length" and cut.stats.completion_tokens == 12
    assert db.message(cut.message.id).status == "length"
    assert more.message.id == cut.message.id  # continued in place, not a second answer
    stored = db.message(cut.message.id)
    assert stored.content.startswith(cut.message.content)
    assert len(stored.content) > len(cut.message.content)
    assert stored.content.strip() == whole.message.content.strip()
    assert [m.role for m in db.messages(cut.message.conversation_id)] == ["user", "assistant"]
