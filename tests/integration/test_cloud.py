"""The cloud fallback against real servers on 127.0.0.1: llama-cpp-python's OpenAI-compatible
server with the embedded model, and a fault-injecting server for what a real one will not do
on demand (429, 500, disconnects, malformed chunks, slow first byte, TLS)."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from pathlib import Path

import pytest

from app.core.assistant import (
    Assistant,
    CloudRefusedError,
    CloudRoute,
    ConsentRequest,
    Finished,
    Routed,
    Started,
    Token,
)
from app.core.errors import ModelError
from app.core.llm.cloud import CloudClient, CloudEndpoint, CloudError
from app.core.llm.engine import DoneEvent, LocalEngine, SamplingParams, TokenEvent
from app.core.llm.model_files import ModelRef
from app.core.llm.prompt import ChatMessage
from app.core.settings import CloudSettings, ModelSettings
from app.core.store.database import Database
from tests.conftest import Result, run_steward
from tests.fault_server import FaultServer

HELLO = [ChatMessage("user", "Say hello.")]
FAST = SamplingParams(temperature=0.0, max_tokens=16)
API_KEY = "sk-test-5ecret-cloud-key-0042"


def endpoint(base: str, model: str = "ok", **kw: object) -> CloudEndpoint:
    return CloudEndpoint(base, model, API_KEY, **kw)  # type: ignore[arg-type]


async def collect(client: CloudClient, cancel: threading.Event | None = None):
    text, done = [], None
    async for ev in client.stream_chat(HELLO, FAST, cancel):
        if isinstance(ev, TokenEvent):
            text.append(ev.text)
        elif isinstance(ev, DoneEvent):
            done = ev
    return "".join(text), done


def run(coro):
    return asyncio.run(coro)


async def with_client(ep: CloudEndpoint, fn, **kw):
    client = CloudClient(ep, **kw)
    try:
        return await fn(client)
    finally:
        await client.aclose()


# --- the client --------------------------------------------------------------------------


def test_streams_from_a_real_llama_cpp_server(llama_server: str) -> None:
    text, done = run(with_client(endpoint(llama_server, "smollm2"), collect))
    assert text.strip()
    assert done.stats.finish_reason in ("stop", "length") and done.stats.completion_tokens > 0
    ms = run(with_client(endpoint(llama_server, "smollm2"), lambda c: c.test_connection()))
    assert ms > 0


def test_sends_the_key_and_reads_usage(fault_server: FaultServer) -> None:
    text, done = run(with_client(endpoint(fault_server.base_url), collect))
    assert text == "Hello from the cloud."
    assert done.stats.prompt_tokens == 11 and done.stats.completion_tokens == 5
    request = fault_server.requests[-1]
    assert request["headers"]["Authorization"] == f"Bearer {API_KEY}"
    assert request["body"]["stream"] is True and request["body"]["max_tokens"] == 16


@pytest.mark.parametrize(
    ("model", "kind", "message"),
    [
        ("unauthorized", "auth", "refused the API key (HTTP 401)"),
        ("missing", "model", "does not offer the model 'missing'"),
        ("ratelimit-always", "rate_limited", "rate-limiting"),
        ("error500", "server", "failed (HTTP 500)"),
    ],
)
def test_http_errors_are_clear(
    fault_server: FaultServer, model: str, kind: str, message: str
) -> None:
    ep = endpoint(fault_server.base_url, model, max_retries=1)
    with pytest.raises(CloudError) as info:
        run(with_client(ep, collect))
    assert info.value.kind == kind and message in info.value.user_text()
    assert API_KEY not in info.value.user_text()


def test_retries_honour_retry_after(fault_server: FaultServer) -> None:
    t0 = time.perf_counter()
    text, _ = run(with_client(endpoint(fault_server.base_url, "ratelimit-once"), collect))
    assert text == "Hello from the cloud."
    assert time.perf_counter() - t0 >= 1.0  # waited the server's Retry-After: 1
    assert fault_server.counts["ratelimit-once"] == 2
    text, _ = run(with_client(endpoint(fault_server.base_url, "error500-once"), collect))
    assert text == "Hello from the cloud." and fault_server.counts["error500-once"] == 2


def test_slow_first_byte_times_out(fault_server: FaultServer) -> None:
    ep = endpoint(fault_server.base_url, "slow", first_byte_timeout=0.5)
    t0 = time.perf_counter()
    with pytest.raises(CloudError, match=r"sent nothing for 0\.5 s") as info:
        run(with_client(ep, collect))
    assert info.value.kind == "timeout" and time.perf_counter() - t0 < 1.5


@pytest.mark.parametrize(
    ("model", "kind"), [("disconnect", "disconnected"), ("malformed", "malformed")]
)
def test_broken_streams_keep_what_arrived(fault_server: FaultServer, model: str, kind: str) -> None:
    received: list[str] = []

    async def consume(client: CloudClient) -> None:
        async for ev in client.stream_chat(HELLO, FAST):
            if isinstance(ev, TokenEvent):
                received.append(ev.text)

    with pytest.raises(CloudError) as info:
        run(with_client(endpoint(fault_server.base_url, model), consume))
    assert info.value.kind == kind
    assert "".join(received) == "Hello from the cloud."


def test_endpoint_down() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    with pytest.raises(CloudError, match="Cannot reach") as info:
        run(with_client(endpoint(f"http://127.0.0.1:{port}/v1"), collect))
    assert info.value.kind == "unreachable"


def test_dns_failure() -> None:
    # a label longer than 63 characters fails inside the resolver: no query leaves the machine
    host = "a" * 70 + ".invalid"
    with pytest.raises(CloudError, match="could not be resolved") as info:
        run(with_client(endpoint(f"http://{host}/v1"), collect))
    assert info.value.kind == "dns"


def test_untrusted_tls_certificate(tmp_path: Path) -> None:
    with FaultServer(tls_dir=tmp_path) as server:
        with pytest.raises(CloudError, match="secure connection") as info:
            run(with_client(endpoint(server.base_url), collect))
        assert info.value.kind == "tls"
        assert not server.requests  # nothing was sent over the untrusted connection


@pytest.mark.parametrize("model", ["drip", "slow"])
def test_cancel_within_100_ms(fault_server: FaultServer, model: str) -> None:
    async def go(client: CloudClient) -> tuple[float, str]:
        cancel = threading.Event()
        t_cancel = 0.0

        async def stop_soon() -> None:
            nonlocal t_cancel
            await asyncio.sleep(0.4)  # streaming (drip) or waiting for the first byte (slow)
            cancel.set()
            t_cancel = time.perf_counter()

        stopper = asyncio.ensure_future(stop_soon())
        _, done = await collect(client, cancel)
        await stopper
        assert done is not None
        return time.perf_counter() - t_cancel, done.stats.finish_reason

    latency, reason = run(with_client(endpoint(fault_server.base_url, model), go))
    assert reason == "cancelled" and latency < 0.1


# --- routing, consent, redaction ----------------------------------------------------------


def route(base: str, model: str = "ok", **settings: object) -> CloudRoute:
    cfg = CloudSettings(enabled=True, base_url=base, model=model, **settings)  # type: ignore[arg-type]
    return CloudRoute(CloudClient(endpoint(base, model)), cfg)


async def ask(assistant: Assistant, text: str, conversation: str | None = None, **kw):
    events = []
    async for ev in assistant.ask(text, conversation_id=conversation, params=FAST, **kw):
        events.append(ev)
    return events


class Asker:
    def __init__(self, answer: str | None) -> None:
        self.answer = answer
        self.requests: list[ConsentRequest] = []

    async def __call__(self, request: ConsentRequest):
        self.requests.append(request)
        return self.answer


MISSING = ModelError("The model file /nope.gguf does not exist.")


def test_auto_escalates_when_the_local_model_is_missing(db: Database, llama_server: str) -> None:
    asker = Asker("conversation")
    assistant = Assistant(
        db, None, cloud=route(llama_server, "smollm2"), consent=asker, local_error=MISSING
    )

    async def go():
        first = await ask(assistant, "Hello?")
        conv = next(e for e in first if isinstance(e, Started)).conversation.id
        second = await ask(assistant, "Again?", conv)
        await assistant.cloud.client.aclose()
        return conv, first, second

    conv, first, _ = run(go())
    assistant.close()
    routed = next(e for e in first if isinstance(e, Routed))
    assert routed.host.startswith("127.0.0.1:") and "not available" in routed.reason
    assert len(asker.requests) == 1  # consent for the conversation: asked once
    assert asker.requests[0].message_count == 1 and asker.requests[0].model == "smollm2"
    answers = [m for m in db.messages(conv) if m.role == "assistant"]
    assert [(m.backend, m.model) for m in answers] == [("cloud", "smollm2")] * 2
    # 16 tokens may end an answer or cut it (the endpoint's finish reason says which)
    for m in answers:
        assert m.status == ("length" if m.completion_tokens == 16 else "complete"), m
    assert all(m.content for m in answers)
    assert db.cloud_consent(conv)


@pytest.mark.parametrize(
    ("answer", "message"), [(None, "needs your consent"), ("refuse", "Not sent")]
)
def test_no_consent_sends_nothing_and_keeps_the_question(
    db: Database, fault_server: FaultServer, answer: str | None, message: str
) -> None:
    assistant = Assistant(
        db, None, cloud=route(fault_server.base_url), consent=Asker(answer), local_error=MISSING
    )
    with pytest.raises(CloudRefusedError, match=message):
        run(ask(assistant, "Private question"))
    run(assistant.cloud.client.aclose())
    assistant.close()
    assert not fault_server.requests
    [conv] = db.conversations()
    assert [(m.role, m.content) for m in db.messages(conv.id)] == [("user", "Private question")]


def test_allow_cloud_up_front_is_consent_once(db: Database, fault_server: FaultServer) -> None:
    assistant = Assistant(
        db, None, cloud=route(fault_server.base_url), allow_cloud=True, local_error=MISSING
    )
    events = run(ask(assistant, "hi"))
    run(assistant.cloud.client.aclose())
    assistant.close()
    assert "".join(e.text for e in events if isinstance(e, Token)) == "Hello from the cloud."
    assert not db.cloud_consent(db.conversations()[0].id)  # once, not for the conversation


def test_local_policy_never_uses_the_cloud(db: Database, fault_server: FaultServer) -> None:
    assistant = Assistant(
        db,
        None,
        cloud=route(fault_server.base_url, policy="local"),
        allow_cloud=True,
        local_error=MISSING,
    )
    with pytest.raises(ModelError):
        run(ask(assistant, "hi"))
    run(assistant.cloud.client.aclose())
    assistant.close()
    assert not fault_server.requests


def _small_engine(model_path: Path) -> LocalEngine:
    return LocalEngine(ModelRef("embedded", "local", model_path), ModelSettings(n_ctx=512))


def test_too_long_for_the_local_context_escalates(
    db: Database, model_path: Path, fault_server: FaultServer
) -> None:
    engine = _small_engine(model_path)
    assistant = Assistant(db, engine, cloud=route(fault_server.base_url), allow_cloud=True)
    events = run(ask(assistant, "word " * 1500))
    run(assistant.cloud.client.aclose())
    assistant.close()
    engine.close()
    routed = next(e for e in events if isinstance(e, Routed))
    assert "does not fit" in routed.reason
    assert next(e for e in events if isinstance(e, Finished)).message.backend == "cloud"


def test_long_history_alone_is_trimmed_locally(
    db: Database, model_path: Path, fault_server: FaultServer
) -> None:
    engine = _small_engine(model_path)
    assistant = Assistant(db, engine, cloud=route(fault_server.base_url), allow_cloud=True)

    async def go():
        conv = None
        for i in range(25):
            events = await ask(assistant, f"Tell me fact number {i} about owls, briefly.", conv)
            conv = next(e for e in events if isinstance(e, Started)).conversation.id
        await assistant.cloud.client.aclose()
        return conv

    conv = run(go())
    assistant.close()
    engine.close()
    assert not fault_server.requests
    assert {m.backend for m in db.messages(conv)} == {"local"}


def test_explicit_cloud_choice_needs_no_further_consent(
    db: Database, fault_server: FaultServer, model_path: Path
) -> None:
    engine = _small_engine(model_path)
    asker = Asker("refuse")
    assistant = Assistant(db, engine, cloud=route(fault_server.base_url), consent=asker)
    events = run(ask(assistant, "hi", backend="cloud"))
    run(assistant.cloud.client.aclose())
    assistant.close()
    engine.close()
    assert not asker.requests
    assert next(e for e in events if isinstance(e, Finished)).message.backend == "cloud"


def test_disconnect_mid_answer_keeps_the_partial_answer(
    db: Database, fault_server: FaultServer
) -> None:
    assistant = Assistant(
        db,
        None,
        cloud=route(fault_server.base_url, "disconnect"),
        allow_cloud=True,
        local_error=MISSING,
    )
    with pytest.raises(CloudError, match=r"lost|ended before"):
        run(ask(assistant, "hi"))
    run(assistant.cloud.client.aclose())
    assistant.close()
    [conv] = db.conversations()
    _, answer = db.messages(conv.id)
    assert answer.content == "Hello from the cloud." and answer.status == "error"
    assert answer.backend == "cloud" and "ended before" in answer.error


def test_redaction_round_trip(db: Database, fault_server: FaultServer) -> None:
    text = "Write to ada@example.org or call +44 20 7946 0958 about " + str(
        Path.home() / "notes.txt"
    )
    assistant = Assistant(
        db,
        None,
        cloud=route(fault_server.base_url, "echo", redact=True),
        allow_cloud=True,
        local_error=MISSING,
    )
    events = run(ask(assistant, text))
    run(assistant.cloud.client.aclose())
    assistant.close()
    sent = json.dumps(fault_server.requests[-1]["body"])
    assert "ada@example.org" not in sent and "7946" not in sent and str(Path.home()) not in sent
    assert "[EMAIL_1]" in sent and "[PHONE_1]" in sent and "[PATH_1]" in sent
    shown = "".join(e.text for e in events if isinstance(e, Token))
    assert shown == text  # the echoed placeholders are restored for the user
    assert next(e for e in events if isinstance(e, Routed)).redacted == 3
    stored = next(m for m in db.messages(db.conversations()[0].id) if m.role == "assistant")
    assert stored.content == text


# --- the command line ---------------------------------------------------------------------


def test_cli_cloud_commands_against_the_real_server(home: Path, llama_server: str) -> None:
    result = cloud_set(home, llama_server, "smollm2", STEWARD_CLOUD_API_KEY=API_KEY)
    assert result.returncode == 0, result.stderr
    shown = json.loads(run_steward("cloud", "show", "--json", home=home).stdout)
    assert shown == {
        "enabled": True,
        "base_url": llama_server,
        "model": "smollm2",
        "policy": "auto",
        "redact": False,
        "api_key": "stored",
    }
    tested = run_steward("cloud", "test", home=home)
    assert tested.returncode == 0 and "OK" in tested.stdout, tested.stderr
    out = run_steward(
        "ask", "Hi there", "--backend", "cloud", "--json", "--max-tokens", "8", home=home
    )
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    assert answer["backend"] == "cloud" and answer["model"] == "smollm2" and answer["content"]
    assert "Sending to the cloud" in out.stderr
    local = json.loads(run_steward("ask", "Hi", "--json", "--max-tokens", "4", home=home).stdout)
    assert local["backend"] == "local"  # auto: local first
    text = run_steward("history", "show", answer["conversation_id"], home=home).stdout
    assert "cloud · smollm2" in text
    assert run_steward("cloud", "off", home=home).returncode == 0
    off = run_steward("ask", "Hi", "--backend", "cloud", home=home)
    assert off.returncode == 2 and "not set up" in off.stderr


def test_cli_headless_escalation_needs_allow_cloud(
    home: Path, fault_server: FaultServer, tmp_path: Path
) -> None:
    assert cloud_set(home, fault_server.base_url, "ok", "--no-key").returncode == 0
    missing = str(tmp_path / "gone.gguf")
    refused = run_steward("ask", "hello", "--model", missing, home=home)
    assert refused.returncode == 3
    assert "needs your consent" in refused.stderr and "--allow-cloud" in refused.stderr
    assert not fault_server.requests
    allowed = run_steward("ask", "hello", "--model", missing, "--allow-cloud", "--json", home=home)
    assert allowed.returncode == 0, allowed.stderr
    assert json.loads(allowed.stdout)["content"] == "Hello from the cloud."
    assert "Authorization" not in fault_server.requests[-1]["headers"]
    failing = cloud_set(home, fault_server.base_url, "unauthorized", STEWARD_CLOUD_API_KEY="wrong")
    assert failing.returncode == 0
    bad = run_steward("cloud", "test", home=home)
    assert bad.returncode == 3 and "HTTP 401" in bad.stderr and "wrong" not in bad.stderr


def test_cli_rejects_a_bad_base_url(home: Path) -> None:
    result = cloud_set(home, "ftp://x", "m", "--no-key")
    assert result.returncode == 3 and "not an http(s) URL" in result.stderr
    assert json.loads(run_steward("cloud", "show", "--json", home=home).stdout)["enabled"] is False


def test_api_key_canary(home: Path, fault_server: FaultServer) -> None:
    assert (
        cloud_set(home, fault_server.base_url, "ok", STEWARD_CLOUD_API_KEY=API_KEY).returncode == 0
    )
    out = run_steward("-v", "ask", "hello", "--backend", "cloud", home=home)
    assert out.returncode == 0
    cloud_set(home, fault_server.base_url, "unauthorized", STEWARD_CLOUD_API_KEY=API_KEY)
    run_steward("-v", "ask", "hello", "--backend", "cloud", home=home)  # fails: HTTP 401
    run_steward(
        "history", "export", db_first(home), "--json", "-o", str(home / "export.json"), home=home
    )
    assert fault_server.requests[0]["headers"]["Authorization"] == f"Bearer {API_KEY}"
    scanned = 0
    for path in home.rglob("*"):
        if path.is_file():
            scanned += 1
            assert API_KEY.encode() not in path.read_bytes(), path
    assert scanned >= 5


def cloud_set(home: Path, base_url: str, model: str, *extra: str, **env: str) -> Result:
    return run_steward(
        "cloud", "set", "--base-url", base_url, "--model", model, *extra, home=home, **env
    )


def db_first(home: Path) -> str:
    return json.loads(run_steward("history", "list", "--json", home=home).stdout)[0]["id"]


def test_planner_escalation_hook_follows_policy_and_consent(
    db: Database, fault_server: FaultServer
) -> None:
    conv = db.create_conversation("plan my week")
    request = [ChatMessage("user", "Make a workflow that lists my Downloads folder.")]

    async def escalate(assistant: Assistant) -> str:
        try:
            return await assistant.complete_in_cloud(
                request, conversation_id=conv.id, reason="the planner found no valid workflow"
            )
        finally:
            await assistant.cloud.client.aclose()
            assistant.close()

    asker = Asker("once")
    text = run(escalate(Assistant(db, None, cloud=route(fault_server.base_url), consent=asker)))
    assert text == "Hello from the cloud."
    assert asker.requests[0].reason == "the planner found no valid workflow"
    assert db.count() == 0  # the hook stores nothing in the conversation
    for refusing in (
        Assistant(db, None, cloud=route(fault_server.base_url, policy="local"), allow_cloud=True),
        Assistant(db, None, cloud=route(fault_server.base_url), consent=Asker("refuse")),
    ):
        with pytest.raises(CloudRefusedError):
            run(escalate(refusing))
    assert len(fault_server.requests) == 1

    # drafting a workflow happens outside any conversation: asked every time, never stored
    async def draft(assistant: Assistant) -> str:
        try:
            return await assistant.complete_in_cloud(
                request, conversation_id=None, reason="drafting a workflow"
            )
        finally:
            await assistant.cloud.client.aclose()
            assistant.close()

    asker = Asker("conversation")
    assert run(draft(Assistant(db, None, cloud=route(fault_server.base_url), consent=asker)))
    assert asker.requests[0].conversation_id == "" and asker.requests[0].title == (
        "drafting a workflow"
    )
    with pytest.raises(CloudRefusedError):  # no one to ask, no --allow-cloud: not sent
        run(draft(Assistant(db, None, cloud=route(fault_server.base_url))))
    assert len(fault_server.requests) == 2 and db.count() == 0


def test_cli_reads_the_api_key_from_standard_input(home: Path, fault_server: FaultServer) -> None:
    result = cloud_set(home, fault_server.base_url, "ok", input="sk-from-stdin-123\n")
    assert result.returncode == 0 and "API key stored" in result.stdout
    assert run_steward("ask", "hi", "--backend", "cloud", home=home).returncode == 0
    assert fault_server.requests[-1]["headers"]["Authorization"] == "Bearer sk-from-stdin-123"
