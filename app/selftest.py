"""`steward --self-test`: check that this installation works, end to end, without touching
the user's data: the embedded model loads and generates, an encrypted database is created and
reopened, a sample workflow runs (dry run, for real, undone) on temporary files, and the
keyring backend is reported (the passphrase path counts as a pass when there is none).

Built for the frozen app (installers run it in CI), but works from source too. Exit status 0
only when every check passed.
"""

from __future__ import annotations

import asyncio
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app import __version__

Check = Callable[[Path], str]


def check_keyring(tmp: Path) -> str:
    from app.core.secrets import keyring_info

    info = keyring_info()
    if info.usable:
        return f"backend {info.backend}"
    return f"no usable keyring ({info.backend}); the passphrase path will keep the key"


def check_model(tmp: Path) -> str:
    from app.core.llm.engine import LocalEngine, SamplingParams, TokenEvent
    from app.core.llm.model_files import ModelRef, embedded_model_path
    from app.core.llm.prompt import ChatMessage
    from app.core.llm.saved_states import SavedStates
    from app.core.settings import ModelSettings

    path = embedded_model_path()
    if path is None:
        raise RuntimeError("the embedded model is missing from this installation")
    # the conversation's state is saved encrypted, then read back by a second engine (as by
    # the next process) and, if it is whole, the second answer reads only its new tokens
    states = SavedStates(tmp / "conversation-states", secrets.token_bytes(32))

    async def ask(engine: LocalEngine, messages: list[ChatMessage]) -> tuple[str, Any]:
        await engine.load()
        pieces, done = [], None
        async for event in engine.generate(
            messages,
            conversation="self-test",
            params=SamplingParams(temperature=0.0, max_tokens=8),
            persist=True,
        ):
            if isinstance(event, TokenEvent):
                pieces.append(event.text)
            else:
                done = getattr(event, "stats", done)
        return "".join(pieces), done

    turns = [ChatMessage("user", "Say hello.")]
    texts, stats = [], []
    for _ in range(2):
        engine = LocalEngine(
            ModelRef("embedded", "embedded", path),
            ModelSettings(n_ctx=512),
            saved_states=lambda: states,
        )
        try:
            text, done = asyncio.run(ask(engine, turns))
        finally:
            engine.close()
        states.flush()
        texts.append(text)
        stats.append(done)
        turns += [ChatMessage("assistant", text), ChatMessage("user", "Again, please.")]
    states.close()
    if not texts[0].strip():
        raise RuntimeError("the model generated nothing")
    if states.hits != 1 or stats[1] is None or stats[1].cached_tokens == 0:
        raise RuntimeError("the saved conversation state was not read back")
    return (
        f"{path.name} loaded (context 512), generated {texts[0].strip()[:40]!r}; "
        f"a new engine resumed from the encrypted state ({stats[1].cached_tokens} tokens)"
    )


def check_database(tmp: Path) -> str:
    from app.core.errors import WrongKeyError
    from app.core.store.database import open_database

    key = secrets.token_bytes(32)
    path = tmp / "self-test.db"
    db = open_database(path, key)
    conv = db.create_conversation("self-test")
    db.add_message(conv.id, "user", "self-test marker 8c1f")
    db.close()
    if b"8c1f" in path.read_bytes():
        raise RuntimeError("the database file holds plain text")
    again = open_database(path, key)
    try:
        found = [m.content for m in again.messages(conv.id)]
    finally:
        again.close()
    if found != ["self-test marker 8c1f"]:
        raise RuntimeError(f"reopened database returned {found!r}")
    try:
        open_database(path, secrets.token_bytes(32)).close()
    except WrongKeyError:
        pass
    else:
        raise RuntimeError("a wrong key opened the database")
    return "SQLCipher database created, reopened, refused a wrong key"


def check_workflow(tmp: Path) -> str:
    from app.automations.builtins import MODULES
    from app.automations.plugins import load_plugins
    from app.automations.runner import HeadlessServices
    from app.automations.service import Automations
    from app.core.paths import resolve_paths
    from app.core.store.database import open_database

    registry = load_plugins(builtins=MODULES, entry_points=False)
    if registry.problems:
        raise RuntimeError(f"built-in plugins failed: {registry.problems[0]}")
    paths = resolve_paths(tmp / "home").ensure()
    work = tmp / "work"
    work.mkdir()
    (work / "a.txt").write_text("alpha\n- [ ] beta\n- [ ] gamma\n")
    db = open_database(paths.database, secrets.token_bytes(32))
    try:
        auto = Automations(db, paths, HeadlessServices(), registry=registry)
        document: dict[str, Any] = {
            "steward_workflow": 1,
            "name": "self-test",
            "trigger": {"type": "manual"},
            "steps": [
                {"id": "list", "action": "files.list", "params": {"folder": str(work)}},
                {
                    "id": "read",
                    "action": "files.read",
                    "params": {"path": "{{steps.list.output.files.0}}"},
                },
                {
                    "id": "open",
                    "action": "text.lines",
                    "params": {"text": "{{steps.read.output}}", "contains": "- [ ]"},
                },
                {
                    "id": "save",
                    "action": "files.write",
                    "params": {
                        "path": str(work / "open.txt"),
                        "text": "{{steps.open.output.text}}",
                    },
                },
            ],
            "permissions": [{"kind": "files.write", "scope": str(work)}],
        }
        stored = auto.create(document)
        dry = asyncio.run(auto.run(stored, dry_run=True))
        if dry.status != "succeeded" or (work / "open.txt").exists():
            raise RuntimeError(f"the dry run {dry.status}: {dry.error}")
        real = asyncio.run(auto.run(stored, assume_yes=True))
        if real.status != "succeeded":
            raise RuntimeError(f"the run {real.status}: {real.error}")
        if (work / "open.txt").read_text() != "- [ ] beta\n- [ ] gamma":
            raise RuntimeError("the workflow wrote the wrong text")
        auto.undo(real.id)
        if (work / "open.txt").exists():
            raise RuntimeError("undo did not remove the written file")
        recorded = len(auto.history.run(real.id).steps)
    finally:
        db.close()
    return f"{len(registry.actions)} actions; dry run, run ({recorded} steps recorded), undo"


def check_planner(tmp: Path) -> str:
    """A request drafted by the embedded model under a grammar, and checked."""
    from app.automations.builtins import MODULES
    from app.automations.planner import Planner, engine_generate_json
    from app.automations.plugins import load_plugins
    from app.automations.workflow import validate
    from app.core.llm.engine import LocalEngine
    from app.core.llm.model_files import ModelRef, embedded_model_path
    from app.core.llm.prompt_states import prepared_folder
    from app.core.settings import EMBEDDED_MODEL_ID, ModelSettings

    path = embedded_model_path()
    if path is None:
        raise RuntimeError("the embedded model is missing from this installation")
    registry = load_plugins(builtins=MODULES, entry_points=False)
    prepared = prepared_folder()
    kept = tmp / "prompt-states"
    engine = LocalEngine(
        ModelRef(EMBEDDED_MODEL_ID, "embedded", path),
        ModelSettings(n_ctx=4096),
        prompt_states=kept,
        prepared_states=prepared,
    )
    # misspelt on purpose: the English words that tell a misspelling are part of the build
    request = "Evry weekday at 17:00 remind me to write my timesheet"
    try:
        result = asyncio.run(Planner(registry, engine_generate_json(engine)).plan(request))
    finally:
        engine.close()
    if result.kind != "workflow" or result.workflow is None:
        raise RuntimeError(f"no draft for a plain request: {result.text}")
    workflow, problems = validate(result.workflow, registry)
    if workflow is None:
        raise RuntimeError(f"the draft is not valid: {problems}")
    if result.workflow["trigger"].get("type") != "schedule":
        raise RuntimeError(f"the time was not read: {result.workflow['trigger']}")
    steps = ", ".join(s.action for s in workflow.steps)
    # the fixed prompt's state: read from what the install brings, or evaluated and kept
    read = not list(kept.glob("*.state"))
    if getattr(sys, "frozen", False) and not read:
        raise RuntimeError(f"the bundle's planner prompt state (in {prepared}) was not used")
    state = "the install's prompt state read" if read else "prompt evaluated"
    return f"drafted {steps} in {result.seconds:.1f} s ({result.attempts} attempt; {state})"


def check_api(tmp: Path) -> str:
    """The local API's HTTP stack answers on 127.0.0.1 and refuses what it must (the checks
    before a request reaches the model: no session is needed for them)."""
    from typing import cast

    import httpx

    from app.api.server import Api, ApiOptions, bind, new_token, serve
    from app.session import Session

    class Idle:
        def __init__(self) -> None:
            self.on_chat_turn: list[Any] = []

    token = new_token()

    async def ask() -> tuple[httpx.Response, httpx.Response]:
        options = ApiOptions(port=0)
        api = Api(cast(Session, Idle()), token, options)
        started = asyncio.Event()
        task = asyncio.ensure_future(serve(api, bind(options), started, signals=False))
        await started.wait()
        url = f"http://127.0.0.1:{api.port}/v1/models"
        try:
            async with httpx.AsyncClient(timeout=30) as http:
                no_token = await http.get(url)
                rebinding = await http.get(
                    url, headers={"Authorization": f"Bearer {token}", "Host": "evil.example"}
                )
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        return no_token, rebinding

    no_token, rebinding = asyncio.run(ask())
    if no_token.status_code != 401 or no_token.json()["error"]["code"] != "invalid_api_key":
        raise RuntimeError(f"a request without the token got {no_token.status_code}")
    if rebinding.status_code != 403:
        raise RuntimeError(f"a request for another host got {rebinding.status_code}")
    return "served on 127.0.0.1; no token → 401, another Host → 403"


CHECKS: list[tuple[str, Check]] = [
    ("keyring", check_keyring),
    ("model", check_model),
    ("database", check_database),
    ("workflow", check_workflow),
    ("planner", check_planner),
    ("api", check_api),
]


def run() -> int:
    frozen = "frozen" if getattr(sys, "frozen", False) else "from source"
    print(f"Steward {__version__} self-test ({frozen}, Python {sys.version.split()[0]})")
    failed = 0
    with tempfile.TemporaryDirectory(prefix="steward-self-test-") as folder:
        for name, check in CHECKS:
            started = time.perf_counter()
            try:
                detail = check(Path(folder))
                mark = "ok  "
            except Exception as exc:
                failed += 1
                detail = f"{type(exc).__name__}: {exc}"
                mark = "FAIL"
            took = (time.perf_counter() - started) * 1000
            print(f"  {mark} {name:9} {detail} ({took:.0f} ms)", flush=True)
    print("All checks passed." if not failed else f"{failed} of {len(CHECKS)} checks failed.")
    return 0 if not failed else 1


__all__ = ["run"]
