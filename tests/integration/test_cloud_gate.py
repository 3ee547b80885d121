"""Every request that leaves the machine passes one gate: chat, the planner's last resort on
the desktop and in the terminal, and the connection test. Checked against a recording
OpenAI-compatible server on 127.0.0.1 with redaction on."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from app.core.assistant import Assistant, CloudRefusedError, Routed, Token
from app.core.llm.cloud import CloudClient, CloudEndpoint
from app.core.llm.gate import CloudGate, CloudRoute
from app.core.llm.prompt import ChatMessage
from app.core.settings import CloudSettings
from app.core.store.database import Database
from tests.conftest import run_steward
from tests.fault_server import FaultServer
from tests.integration.test_cloud import Asker

EMAIL, PHONE = "ada.lovelace@example.org", "+44 20 7946 0958"
HOME_FILE = str(Path.home() / "Documents" / "budget.ods")
PERSONAL = f"Mail {EMAIL} or call {PHONE} when {HOME_FILE} changes"
API_KEY = "sk-gate-canary-7731"


def route(base: str, model: str = "echo", **settings: object) -> CloudRoute:
    cfg = CloudSettings(enabled=True, base_url=base, model=model, redact=True, **settings)  # type: ignore[arg-type]
    return CloudRoute(CloudClient(CloudEndpoint(base, model, max_retries=0)), cfg)


def sent_text(server: FaultServer) -> str:
    return json.dumps([r["body"]["messages"] for r in server.requests], ensure_ascii=False)


def assert_placeholders_only(server: FaultServer) -> None:
    sent = sent_text(server)
    assert server.requests
    for value in (EMAIL, "7946", str(Path.home())):
        assert value not in sent, value
    for placeholder in ("[EMAIL_1]", "[PHONE_1]", "[PATH_1]"):
        assert placeholder in sent, placeholder


def test_chat_with_redaction_sends_placeholders_and_asks_about_what_is_sent(
    db: Database, fault_server: FaultServer
) -> None:
    asker = Asker("once")
    assistant = Assistant(db, None, cloud=route(fault_server.base_url), consent=asker)

    async def go() -> list[object]:
        try:
            return [e async for e in assistant.ask(PERSONAL)]
        finally:
            await assistant.gate.aclose()
            assistant.close()

    events = asyncio.run(go())
    assert_placeholders_only(fault_server)
    [request] = asker.requests
    sent = fault_server.requests[0]["body"]["messages"]
    assert request.redact and request.redacted == 3
    assert request.message_count == len(sent)
    assert request.characters == sum(len(m["content"]) for m in sent)
    assert "3 e-mail addresses, phone numbers or home-folder paths" in request.redaction_text()
    routed = next(e for e in events if isinstance(e, Routed))
    assert routed.redacted == 3 and "3 values replaced" in routed.text()
    assert "".join(e.text for e in events if isinstance(e, Token)) == PERSONAL
    stored = [m for m in db.messages(db.conversations()[0].id) if m.role == "assistant"]
    assert stored[0].content == PERSONAL and stored[0].backend == "cloud"


def test_planner_escalation_on_the_desktop_path_is_redacted_and_restored_as_json(
    db: Database, fault_server: FaultServer
) -> None:
    """The desktop planner escalates through Assistant.complete_in_cloud: the same gate."""
    draft = json.dumps({"name": "Tell Ada", "to": EMAIL, "phone": PHONE, "file": HOME_FILE})
    asker = Asker("once")
    routed: list[Routed] = []
    assistant = Assistant(db, None, cloud=route(fault_server.base_url), consent=asker)

    async def go() -> str:
        try:
            return await assistant.complete_in_cloud(
                [ChatMessage("system", "Answer with JSON."), ChatMessage("user", draft)],
                conversation_id=None,
                reason="drafting a workflow",
                on_routed=routed.append,
                json_answer=True,
            )
        finally:
            await assistant.gate.aclose()
            assistant.close()

    answer = asyncio.run(go())
    assert_placeholders_only(fault_server)
    assert json.loads(answer) == json.loads(draft)  # the echoed placeholders are restored
    assert routed and routed[0].redacted == 3 and asker.requests[0].redacted == 3
    sent = fault_server.requests[0]["body"]["messages"]
    assert asker.requests[0].characters == sum(len(m["content"]) for m in sent)
    assert db.count() == 0  # an escalation is stored nowhere


def test_refused_consent_and_local_policy_send_nothing(
    db: Database, fault_server: FaultServer
) -> None:
    for gate in (
        CloudGate(route(fault_server.base_url), consent=Asker("refuse")),
        CloudGate(route(fault_server.base_url)),  # nobody to ask and no --allow-cloud
        CloudGate(route(fault_server.base_url, policy="local"), allow_cloud=True),
    ):

        async def go(gate: CloudGate = gate) -> None:
            try:
                await gate.complete([ChatMessage("user", PERSONAL)], reason="testing")
            finally:
                await gate.aclose()

        with pytest.raises(CloudRefusedError):
            asyncio.run(go())
    assert fault_server.requests == []


def cloud_set(home: Path, base_url: str, *extra: str) -> None:
    result = run_steward(
        "cloud",
        "set",
        "--base-url",
        base_url,
        "--model",
        "echo",
        "--redact",
        *extra,
        home=home,
        STEWARD_CLOUD_API_KEY=API_KEY,
    )
    assert result.returncode == 0, result.stderr


def test_terminal_planner_escalation_goes_through_the_gate(
    home: Path, fault_server: FaultServer, tmp_path: Path
) -> None:
    """`automations plan` with no local model: the cloud drafts, under the same consent,
    redaction and notice as chat (it used to send the request as it was)."""
    cloud_set(home, fault_server.base_url)
    missing = str(tmp_path / "gone.gguf")
    user_home = tmp_path / "ada"  # the person's home folder (root's is out of bounds)
    budget = user_home / "Documents" / "budget.ods"
    request = f"Every weekday at 17:00 remind me to call {PHONE} about {budget} and {EMAIL}"

    def plan(*extra: str):
        return run_steward(
            "--model",
            missing,
            "automations",
            "plan",
            request,
            *extra,
            home=home,
            HOME=str(user_home),
        )

    refused = plan()
    assert refused.returncode == 0, refused.stderr  # a question, not a crash
    assert fault_server.requests == []  # no terminal to ask in and no --allow-cloud: not sent
    allowed = plan("--allow-cloud")
    assert allowed.returncode == 0, allowed.stderr
    sent = sent_text(fault_server)
    for value in (EMAIL, "7946", str(user_home)):
        assert value not in sent, value
    for placeholder in ("[EMAIL_1]", "[PHONE_1]", "[PATH_1]"):
        assert placeholder in sent, placeholder
    assert "Sending to the cloud: 127.0.0.1" in allowed.stderr
    assert "3 values replaced by placeholders" in allowed.stderr
    tested = run_steward("cloud", "test", home=home)
    assert tested.returncode == 0 and "a connection test" in tested.stderr
    assert fault_server.requests[-1]["headers"]["Authorization"] == f"Bearer {API_KEY}"
    for path in home.rglob("*"):
        if path.is_file():
            assert API_KEY.encode() not in path.read_bytes(), path
