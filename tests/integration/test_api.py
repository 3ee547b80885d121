"""The local OpenAI-compatible API: the unmodified official `openai` client against a real
`steward serve` process on 127.0.0.1 with the embedded model — models, chat (streamed and
not), JSON-schema output, stop sequences, max_tokens — and what it refuses: no or a wrong
token, a wrong Host, a page from an origin not allowed, tools the model's template cannot
take, a model not loaded or unknown, a full queue; a client that goes away stops the engine;
a busy port is one clear line and exit status 3; nothing of the API's requests is stored."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import openai
import pytest

from tests.conftest import ROOT, run_steward, steward_env
from tests.gguf_models import QWEN3, write_random_model, write_tiny_gguf


@dataclass
class Server:
    url: str
    port: int
    token: str
    home: Path
    proc: subprocess.Popen[bytes]

    def client(self, token: str | None = None) -> openai.OpenAI:
        return openai.OpenAI(
            base_url=self.url, api_key=token or self.token, max_retries=0, timeout=120
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(home: Path, port: int, *extra: str) -> subprocess.Popen[bytes]:
    """`steward serve` in a process of its own; returns once it says it answers (its
    messages go to ``serve.log`` beside the home folder)."""
    log = home.parent / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--port", str(port), *extra],
            cwd=ROOT,
            env=steward_env(home),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 120
    while b"Steward's API:" not in log.read_bytes():
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "steward serve did not start"
        time.sleep(0.05)
    return proc


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("api") / "home"
    other = write_tiny_gguf(home.parent / "other.gguf", "other")
    assert run_steward("models", "import", str(other), home=home).returncode == 0
    port = _free_port()
    proc = start_server(home, port, "--queue", "1")
    token = run_steward("serve", "--show-token", home=home).stdout.strip()
    yield Server(f"http://127.0.0.1:{port}/v1", port, token, home, proc)
    proc.terminate()
    proc.wait(30)
    assert "Traceback" not in (home.parent / "serve.log").read_text()


CHAT = [{"role": "user", "content": "Count from 1 to 20, one number per line."}]


def test_models_chat_streaming_and_limits(server: Server) -> None:
    client = server.client()
    models = {m.id: m.model_dump() for m in client.models.list().data}
    assert models["embedded"]["loaded"] is True
    assert [m for m, d in models.items() if not d["loaded"]]  # the imported one, not loaded
    whole = client.chat.completions.create(
        model="embedded", messages=CHAT, max_tokens=12, temperature=0
    )
    assert whole.choices[0].finish_reason == "length"
    assert whole.usage is not None and whole.usage.completion_tokens == 12
    assert whole.usage.prompt_tokens > 10 and whole.choices[0].message.content
    pieces, finishes = [], []
    stream = client.chat.completions.create(
        model="embedded",
        messages=CHAT,
        max_tokens=12,
        temperature=0,
        stream=True,
        stream_options={"include_usage": True},
    )
    usage = None
    for event in stream:
        if event.usage is not None:
            usage = event.usage
        for choice in event.choices:
            pieces.append(choice.delta.content or "")
            finishes.append(choice.finish_reason)
    assert "".join(pieces) == whole.choices[0].message.content  # greedy: the same answer
    assert finishes[-1] == "length" and usage is not None and usage.completion_tokens == 12


def test_stop_sequences_and_json_schema(server: Server) -> None:
    client = server.client()
    full = client.chat.completions.create(
        model="embedded", messages=CHAT, max_tokens=40, temperature=0
    ).choices[0]
    text = full.message.content or ""
    assert "4" in text
    stopped = client.chat.completions.create(
        model="embedded", messages=CHAT, max_tokens=40, temperature=0, stop=["4"]
    ).choices[0]
    assert stopped.finish_reason == "stop"
    assert stopped.message.content == text[: text.index("4")]
    streamed = "".join(
        c.choices[0].delta.content or ""
        for c in client.chat.completions.create(
            model="embedded", messages=CHAT, max_tokens=40, temperature=0, stop=["4"], stream=True
        )
        if c.choices
    )
    assert streamed == stopped.message.content
    schema = {
        "type": "object",
        "properties": {
            "city": {"type": "string", "maxLength": 24},
            "population": {"type": "integer"},
        },
        "required": ["city", "population"],
        "additionalProperties": False,
    }
    answer = client.chat.completions.create(
        model="embedded",
        messages=[{"role": "user", "content": "Name a big city and its population as JSON."}],
        max_tokens=60,
        temperature=0,
        response_format={"type": "json_schema", "json_schema": {"name": "city", "schema": schema}},
    )
    parsed = json.loads(answer.choices[0].message.content or "")
    assert set(parsed) == {"city", "population"} and isinstance(parsed["population"], int)


def test_what_it_refuses(server: Server) -> None:
    with pytest.raises(openai.AuthenticationError):
        server.client("stw-not-the-token").models.list()
    plain = httpx.get(f"{server.url}/models")  # no token at all
    assert plain.status_code == 401 and plain.json()["error"]["code"] == "invalid_api_key"
    rebinding = httpx.get(
        f"{server.url}/models",
        headers={"Authorization": f"Bearer {server.token}", "Host": f"evil.example:{server.port}"},
    )
    assert rebinding.status_code == 403 and "evil.example" in rebinding.json()["error"]["message"]
    preflight = httpx.options(
        f"{server.url}/chat/completions",
        headers={
            "Origin": "https://evil.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert not any(h.lower().startswith("access-control-") for h in preflight.headers)
    from_page = httpx.get(
        f"{server.url}/models",
        headers={"Authorization": f"Bearer {server.token}", "Origin": "https://evil.example"},
    )
    assert from_page.status_code == 200 and "access-control-allow-origin" not in from_page.headers
    client = server.client()
    with pytest.raises(openai.BadRequestError) as tools:
        client.chat.completions.create(
            model="embedded",
            messages=CHAT,
            tools=[{"type": "function", "function": {"name": "f", "parameters": {}}}],
        )
    assert "tool" in str(tools.value)
    with pytest.raises(openai.BadRequestError) as other:
        client.chat.completions.create(model="other", messages=CHAT, max_tokens=4)
    assert other.value.code == "model_not_loaded"
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="no-such-model", messages=CHAT, max_tokens=4)
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="embedded", messages=[], max_tokens=4)


def test_a_full_queue_answers_429_and_a_client_that_leaves_stops_the_engine(
    server: Server,
) -> None:
    client = server.client()
    started = time.perf_counter()
    client.chat.completions.create(model="embedded", messages=CHAT, max_tokens=1, temperature=0)
    idle = time.perf_counter() - started
    url, headers = f"{server.url}/chat/completions", {"Authorization": f"Bearer {server.token}"}
    story = [{"role": "user", "content": "Write a very long story about the sea."}]
    long_request = {"model": "embedded", "messages": story, "max_tokens": 3000, "stream": True}
    short_request = {"model": "embedded", "messages": CHAT, "max_tokens": 1, "stream": True}
    with (
        httpx.Client(timeout=120) as http,
        http.stream("POST", url, json=long_request, headers=headers) as running,
    ):
        lines = running.iter_lines()
        assert next(line for line in lines if '"content"' in line and '""' not in line)
        # one request waits behind it (the queue holds one): its first event says it
        # is in the queue; the next request is refused
        with http.stream("POST", url, json=short_request, headers=headers) as waiting:
            queued = waiting.iter_lines()
            assert '"role"' in next(queued)
            refused = http.post(url, json={**short_request, "stream": False}, headers=headers)
            assert refused.status_code == 429 and refused.headers["retry-after"]
            assert refused.json()["error"]["type"] == "rate_limit_error"
            running.close()  # the client leaves mid-answer
            left = time.perf_counter()
            rest = "".join(queued)
            freed = time.perf_counter() - left
    assert '"finish_reason": "length"' in rest and rest.endswith("[DONE]")
    # the long answer would have gone on for tens of seconds: the engine stopped at once
    assert freed < idle + 2.0, (freed, idle)


def test_busy_port_is_one_line_and_exit_3_and_nothing_is_stored(server: Server) -> None:
    busy = run_steward("serve", "--port", str(server.port), home=server.home)
    assert busy.returncode == 3
    lines = busy.stderr.strip().splitlines()
    assert len(lines) == 1 and f"Port {server.port}" in lines[0] and "in use" in lines[0]
    listed = run_steward("history", "list", "--json", home=server.home)
    assert json.loads(listed.stdout) == []
    states = server.home / "cache" / "conversation-states"
    assert not list(states.glob("*.state"))


def test_a_chat_message_goes_first_and_the_api_answer_goes_on_after_it(home: Path) -> None:
    """In one process, as in the desktop app with the API on: a chat message sent while an
    API answer streams is answered about as fast as on an idle model (the API answer pauses
    at the next token), and the API answer then goes on to its full length, one stream."""
    import asyncio

    from app.api.server import Api, ApiOptions, bind, serve
    from app.session import Session, Token

    async def go() -> tuple[float, float, str, list[str]]:
        session = Session()
        await session.load_engine()
        options = ApiOptions(port=0)
        api = Api(session, "stw-test-token", options)
        sock = bind(options)
        ready = asyncio.Event()
        server = asyncio.ensure_future(serve(api, sock, ready))
        await ready.wait()

        async def chat_ttft(text: str) -> float:
            started = time.perf_counter()
            async for event in session.submit(text, drafting=False):
                if isinstance(event, Token):
                    first = time.perf_counter() - started
                    break
            return first

        idle = await chat_ttft("Name a colour.")
        url = f"http://127.0.0.1:{api.port}/v1/chat/completions"
        request = {
            "model": "embedded",
            "messages": [{"role": "user", "content": "Write a long story about the sea."}],
            "max_tokens": 300,
            "temperature": 0,
            "stream": True,
        }
        events: list[str] = []
        async with (
            httpx.AsyncClient(timeout=300) as http,
            http.stream(
                "POST", url, json=request, headers={"Authorization": "Bearer stw-test-token"}
            ) as answer,
        ):
            lines = answer.aiter_lines()
            async for line in lines:
                events.append(line)
                if '"content"' in line and '""' not in line:
                    break  # the API answer is being written
            busy = await chat_ttft("Name a fruit.")
            events += [line async for line in lines]
        server.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await server
        await session.aclose()
        text = "".join(
            json.loads(e[6:])["choices"][0]["delta"].get("content") or ""
            for e in events
            if e.startswith("data: {") and json.loads(e[6:])["choices"]
        )
        return idle, busy, text, events

    import contextlib

    idle, busy, text, events = asyncio.run(go())
    assert busy <= 1.5 * idle + 0.15, (busy, idle)  # (+ one token's wait, at most)
    finishes = [
        json.loads(e[6:])["choices"][0]["finish_reason"]
        for e in events
        if e.startswith("data: {") and json.loads(e[6:])["choices"]
    ]
    assert finishes[-1] == "length" and [e for e in events if e][-1] == "data: [DONE]"
    assert len(text) > 600  # 300 tokens in all: it went on after the chat


def test_what_the_user_may_allow_keeping_and_switching(tmp_path: Path) -> None:
    """With --keep-history each request and its answer is a conversation in the encrypted
    history; with --switch-models a request naming another installed model loads it."""
    home = tmp_path / "home"
    other = write_random_model(tmp_path / "other.gguf", QWEN3)  # small, random weights
    assert run_steward("models", "import", str(other), home=home).returncode == 0
    token = run_steward("serve", "--show-token", home=home).stdout.strip()
    port = _free_port()
    proc = start_server(home, port, "--keep-history", "--switch-models")
    try:
        client = openai.OpenAI(
            base_url=f"http://127.0.0.1:{port}/v1", api_key=token, max_retries=0, timeout=120
        )
        first = client.chat.completions.create(
            model="embedded",
            messages=[{"role": "user", "content": "Name a colour."}],
            max_tokens=8,
            temperature=0,
        )
        other_id = next(m.id for m in client.models.list().data if m.id != "embedded")
        switched = client.chat.completions.create(
            model=other_id, messages=CHAT, max_tokens=4, temperature=0
        )
        assert switched.model == other_id
        loaded = [m.id for m in client.models.list().data if m.model_dump()["loaded"]]
        assert loaded == [other_id]
    finally:
        proc.terminate()
        proc.wait(30)
    kept = json.loads(run_steward("history", "list", "--json", home=home).stdout)
    assert len(kept) == 2 and all(c["title"].startswith("API: ") for c in kept)
    shown = run_steward("history", "show", kept[-1]["id"], "--json", home=home).stdout
    messages = json.loads(shown)["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert messages[1]["content"] == first.choices[0].message.content


def test_the_cloud_answers_api_requests_only_when_allowed_for_the_api(
    tmp_path: Path, llama_server: str
) -> None:
    """The cloud (a real OpenAI-compatible server on 127.0.0.1) set up with the policy
    "cloud": API requests stay local unless `--allow-cloud` was given for the API."""
    home = tmp_path / "home"
    setup = run_steward(
        "cloud",
        "set",
        "--base-url",
        llama_server,
        "--model",
        "smollm2",
        "--policy",
        "cloud",
        "--no-key",
        home=home,
    )
    assert setup.returncode == 0, setup.stderr
    token = run_steward("serve", "--show-token", home=home).stdout.strip()
    log = home / "logs" / "steward.log"
    for allowed in (False, True):
        port = _free_port()
        proc = start_server(home, port, *(["--allow-cloud"] if allowed else []))
        try:
            client = openai.OpenAI(
                base_url=f"http://127.0.0.1:{port}/v1", api_key=token, max_retries=0
            )
            answer = client.chat.completions.create(
                model="embedded", messages=CHAT, max_tokens=6, temperature=0
            )
            assert answer.choices[0].message.content
        finally:
            proc.terminate()
            proc.wait(30)
        sent = log.read_text().count("Sending to the cloud: 127.0.0.1")
        assert sent == (1 if allowed else 0), log.read_text()[-2000:]
