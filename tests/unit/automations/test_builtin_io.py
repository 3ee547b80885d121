"""HTTP against a real server on 127.0.0.1, programs as real child processes, and the
notification and clipboard actions when Steward runs headless."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest

from app.automations.runner import HeadlessServices
from app.automations.service import Automations
from app.automations.workflow import InvalidWorkflow
from tests.unit.automations.conftest import step, workflow
from tests.unit.automations.http_server import serve
from tests.unit.automations.test_builtin_files import run, yes

NET = [{"kind": "network", "scope": "127.0.0.1"}]


def test_http_get_post_limits_and_redirects(auto: Automations) -> None:
    with serve() as server:
        doc = workflow(
            [
                step("page", "http.get", url=f"{server.url}/page"),
                step(
                    "title",
                    "text.match",
                    text="{{steps.page.output.text}}",
                    pattern="<title>(.*?)</title>",
                ),
                step(
                    "send",
                    "http.post",
                    url=f"{server.url}/in",
                    body="{{steps.title.output.first}}",
                    content_type="text",
                ),
                step("moved", "http.get", url=f"{server.url}/redirect"),
            ],
            NET,
        )
        result = run(auto, doc)
        assert result.status == "succeeded", result.error
        out = {s.step_id: s.output for s in result.steps}
        assert out["page"]["status"] == 200 and out["page"]["ok"]
        assert out["title"]["groups"] == ["Steward test page"]
        assert out["send"]["status"] == 201
        assert out["send"]["text"] == "got <title>Steward test page</title>"
        assert out["moved"]["status"] == 302
        assert out["moved"]["location"] == "http://elsewhere.test/"
        assert [r.path for r in server.requests] == ["/page", "/in", "/redirect"]

        big = run(
            auto, workflow([step("b", "http.get", url=f"{server.url}/big", max_bytes=100_000)], NET)
        )
        assert big.status == "failed"
        assert "larger than the 100,000-byte limit" in (big.error or "")

        slow = run(
            auto, workflow([step("s", "http.get", url=f"{server.url}/slow", timeout_s=0.5)], NET)
        )
        assert slow.status == "failed"
        assert "timed out" in (slow.error or "").lower() or "timeout" in (slow.error or "").lower()


def test_http_to_an_ungranted_host_is_refused_before_any_request(auto: Automations) -> None:
    with serve() as server:
        doc = workflow([step("g", "http.get", url=f"http://localhost:{server.port}/page")], NET)
        problems = _problems(auto, doc)
        assert "'localhost', which was not granted" in problems
        assert server.requests == []


def _problems(auto: Automations, doc: dict[str, Any]) -> str:
    from app.automations.workflow import validate

    found, problems = validate(doc, auto.registry)
    assert found is None
    return "\n".join(map(str, problems))


def test_process_runs_without_a_shell(auto: Automations, work: Path) -> None:
    program = sys.executable
    doc = workflow(
        [
            step(
                "p",
                "process.run",
                program=program,
                args=["-c", "import sys; print(sys.argv[1:])", "a b", "; rm -rf /", "$HOME"],
                cwd=str(work),
            )
        ],
        [{"kind": "process.run", "scope": program}, {"kind": "files.read", "scope": str(work)}],
    )
    result = run(auto, doc)
    assert result.status == "succeeded", result.error
    assert result.steps[0].output["stdout"].strip() == "['a b', '; rm -rf /', '$HOME']"
    assert result.steps[0].output["exit_code"] == 0


def test_process_runs_a_script_named_from_home(
    auto: Automations, tmp_path: Path, monkeypatch: Any
) -> None:
    """ "Run ~/Scripts/hello.sh": the program is written as people write it, and runs."""
    monkeypatch.setenv("HOME", str(tmp_path))
    script = tmp_path / "Scripts" / "hello.sh"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\necho hello from $0\n")
    script.chmod(0o755)
    doc = workflow(
        [step("p", "process.run", program="~/Scripts/hello.sh")],
        [{"kind": "process.run", "scope": "~/Scripts/hello.sh"}],
    )
    stored = auto.create(doc)
    result = asyncio.run(auto.run(stored, approver=yes))
    assert result.status == "succeeded", result.error
    assert result.steps[0].output["stdout"].strip() == f"hello from {script}"
    script.unlink()  # gone by the next run: it is not run, the message says which program
    with pytest.raises(InvalidWorkflow, match=f"the program '{script}' does not exist"):
        asyncio.run(auto.run(stored, approver=yes))
    assert auto.history.workflow(stored.id).document == doc


def test_process_time_limit_and_failure(auto: Automations) -> None:
    program = sys.executable
    grants = [{"kind": "process.run", "scope": program}]
    slow = run(
        auto,
        workflow(
            [
                step(
                    "p",
                    "process.run",
                    program=program,
                    args=["-c", "import time; time.sleep(30)"],
                    timeout_s=1,
                )
            ],
            grants,
        ),
    )
    assert slow.status == "failed"
    assert "did not finish within 1 s" in (slow.error or "")
    assert slow.steps[0].duration_ms < 10_000
    bad = run(
        auto,
        workflow(
            [
                step(
                    "p",
                    "process.run",
                    program=program,
                    args=["-c", "import sys; sys.exit('broken input')"],
                )
            ],
            grants,
        ),
    )
    assert bad.status == "failed"
    assert "exited with status 1 broken input" in (bad.error or "")


def test_process_always_needs_approval(auto: Automations) -> None:
    program = sys.executable
    doc = workflow(
        [step("p", "process.run", program=program, args=["-c", "print(1)"])],
        [{"kind": "process.run", "scope": program}],
    )
    stored = auto.create(doc)
    asked: list[Any] = []

    async def approver(request: Any) -> str:
        asked.append(request)
        return "once"

    result = asyncio.run(auto.run(stored, approver=approver))
    assert result.status == "succeeded"
    assert asked and asked[0].what.startswith(f"Run {program} -c print(1)")
    nobody = asyncio.run(auto.run(stored, approver=None))
    assert nobody.status == "approval_required"


def test_notify_headless_is_logged_and_clipboard_needs_the_app(
    auto: Automations, services: HeadlessServices
) -> None:
    notify = workflow(
        [step("n", "notify.show", title="Done", body="All good")], [{"kind": "notify"}]
    )
    assert run(auto, notify).status == "succeeded"
    assert services.notifications == [("Done", "All good")]
    clip = run(auto, workflow([step("c", "clipboard.read")], [{"kind": "clipboard"}]))
    assert clip.status == "failed"
    assert "needs the Steward desktop app" in (clip.error or "")


def test_unused_approver_for_read_only_steps(auto: Automations, work: Path) -> None:
    (work / "a.txt").write_text("a")
    asked: list[Any] = []

    async def approver(request: Any) -> str:
        asked.append(request)
        return "deny"

    doc = workflow(
        [step("r", "files.read", path=str(work / "a.txt"))],
        [{"kind": "files.read", "scope": str(work)}],
    )
    result = asyncio.run(auto.run(auto.create(doc), approver=approver))
    assert result.status == "succeeded" and asked == []
