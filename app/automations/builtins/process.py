"""Process: run a program with arguments (never through a shell), with a time limit and
its output captured. Always asks for approval unless the user approved this exact program
and argument template before."""

from __future__ import annotations

import asyncio
import contextlib
import os
from typing import Any

from app.automations.api import (
    N_,
    Action,
    ActionContext,
    Permission,
    Planning,
    RegisterAction,
    hookimpl,
    integer,
    params,
    text,
)

OUTPUT_LIMIT = 100_000


async def run_program(context: ActionContext, p: dict[str, Any]) -> dict[str, Any]:
    cwd = p.get("cwd") or None
    if cwd is not None and not os.path.isdir(cwd):
        raise FileNotFoundError(f"the working folder {cwd} does not exist")
    process = await asyncio.create_subprocess_exec(
        p["program"],
        *p.get("args", []),
        stdin=asyncio.subprocess.PIPE if "input" in p else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=cwd,
        start_new_session=True,
    )
    timeout = p.get("timeout_s", 60)
    try:
        out, err = await asyncio.wait_for(
            process.communicate(p["input"].encode() if "input" in p else None), timeout
        )
    except (TimeoutError, asyncio.CancelledError) as exc:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        if isinstance(exc, TimeoutError):
            raise TimeoutError(
                f"{p['program']} did not finish within {timeout} s; stopped"
            ) from None
        raise
    result = {
        "exit_code": process.returncode,
        "stdout": out.decode(errors="replace")[:OUTPUT_LIMIT],
        "stderr": err.decode(errors="replace")[:OUTPUT_LIMIT],
    }
    if p.get("check", True) and process.returncode != 0:
        tail = err.decode(errors="replace").strip().splitlines()[-1:] or [""]
        raise RuntimeError(
            f"{p['program']} exited with status {process.returncode} {tail[0][:300]}".strip()
        )
    return result


@hookimpl
def register_actions(register: RegisterAction) -> None:
    register(
        Action(
            id="process.run",
            planning=Planning(
                "run", "source", reads="program", paths={"cwd": "folder"}, term="process.run"
            ),
            title=N_("Run a program"),
            description="Run a program with a list of arguments (no shell), capturing its output.",
            parameters=params(
                ("program",),
                program=text(1000, N_("The program (a name on PATH or an absolute path)")),
                args={"type": "array", "items": text(4000), "maxItems": 100},
                cwd=text(4096),
                input=text(1_000_000),
                timeout_s=integer(1, 3600, default=60),
                check={"type": "boolean", "default": True},
            ),
            output=params(
                ("exit_code", "stdout", "stderr"),
                exit_code=integer(-255, 255),
                stdout=text(OUTPUT_LIMIT),
                stderr=text(OUTPUT_LIMIT),
            ),
            permissions=(Permission("process.run", "program"), Permission("files.read", "cwd")),
            run=run_program,
            timeout_s=3700.0,
            describe_in={
                "zh": lambda p: (
                    "运行 " + " ".join([p["program"], *map(str, p.get("args", []))])[:500]
                )
            },
            describe=lambda p: (
                "Run " + " ".join([p["program"], *map(str, p.get("args", []))])[:500]
            ),
        )
    )
