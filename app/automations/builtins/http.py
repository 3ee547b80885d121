"""HTTP: GET or POST a URL on a granted host, with size and time limits.

Redirects are not followed: a redirect to another host would leave the granted one; the
status and Location are returned instead.
"""

from __future__ import annotations

import json
from typing import Any

from app.automations.api import (
    N_,
    Action,
    ActionContext,
    Permission,
    Planning,
    RegisterAction,
    amount_of_text,
    hookimpl,
    integer,
    params,
    text,
)
from app.automations.builtins import asks

MAX_BYTES = 5_000_000
TEXT_LIMIT = 1_000_000
HEADERS = {"type": "object", "additionalProperties": text(1000), "maxProperties": 20}
CONTENT_TYPES = {
    "json": "application/json",
    "text": "text/plain; charset=utf-8",
    "form": "application/x-www-form-urlencoded",
}


async def request(context: ActionContext, p: dict[str, Any], method: str) -> dict[str, Any]:
    import httpx  # here, not at start: importing it costs more than the rest of discovery

    limit = p.get("max_bytes", 1_000_000)
    headers = {"user-agent": "Steward automation", **p.get("headers", {})}
    content: bytes | None = None
    if method == "POST":
        kind = p.get("content_type", "json")
        headers["content-type"] = CONTENT_TYPES[kind]
        body = p.get("body", "")
        if kind == "json" and not isinstance(body, str):
            body = json.dumps(body)
        content = str(body).encode()
    timeout = httpx.Timeout(p.get("timeout_s", 30))
    async with (
        httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False) as client,
        client.stream(method, p["url"], headers=headers, content=content) as response,
    ):
        data = bytearray()
        async for chunk in response.aiter_bytes():
            data += chunk
            if len(data) > limit:
                raise ValueError(
                    f"the response is larger than the {limit:,}-byte limit; nothing was kept"
                )
        encoding = response.encoding or "utf-8"
        body_text = bytes(data).decode(encoding, errors="replace")[:TEXT_LIMIT]
        return {
            "status": response.status_code,
            "ok": response.is_success,
            "content_type": response.headers.get("content-type", "")[:200],
            "location": response.headers.get("location", "")[:4096],
            "text": body_text,
            "bytes": len(data),
        }


async def get(context: ActionContext, p: dict[str, Any]) -> dict[str, Any]:
    return await request(context, p, "GET")


async def post(context: ActionContext, p: dict[str, Any]) -> dict[str, Any]:
    return await request(context, p, "POST")


RESPONSE = params(
    ("status", "ok", "text", "bytes"),
    status=integer(100, 599),
    ok={"type": "boolean"},
    content_type=text(200),
    location=text(4096),
    text=text(TEXT_LIMIT),
    bytes=integer(0, MAX_BYTES),
)
COMMON = {
    "url": text(4096, N_("http:// or https:// on a granted host")),
    "headers": HEADERS,
    "max_bytes": integer(1, MAX_BYTES, default=1_000_000),
    "timeout_s": {"type": "number", "exclusiveMinimum": 0, "maximum": 120, "default": 30},
}


@hookimpl
def register_actions(register: RegisterAction) -> None:
    register(
        Action(
            id="http.get",
            planning=Planning("fetch", "source", (asks.FETCHING,), reads="url", term="http.get"),
            title=N_("Fetch a web address"),
            description="GET a URL on a granted host; the response text (size- and time-limited).",
            parameters=params(("url",), **COMMON),
            output=RESPONSE,
            permissions=(Permission("network", "url"),),
            run=get,
            timeout_s=130.0,
            retries=1,
            describe_in={"zh": lambda p: f"获取 {p['url']}"},
            describe=lambda p: f"GET {p['url']}",
        )
    )
    register(
        Action(
            id="http.post",
            planning=Planning(
                "send",
                "send",
                (asks.SENDING, asks.FETCHING),
                only_when_asked=True,
                term="http.post",
            ),
            title=N_("Send to a web address"),
            description="POST text or JSON to a URL on a granted host.",
            parameters=params(
                ("url", "body"),
                **COMMON,
                body=text(TEXT_LIMIT),
                content_type={"enum": list(CONTENT_TYPES), "default": "json"},
            ),
            output=RESPONSE,
            permissions=(Permission("network", "url"),),
            run=post,
            timeout_s=130.0,
            describe_in={
                "zh": lambda p: f"把 {amount_of_text(p.get('body', ''), 'zh')} 发送到 {p['url']}"
            },
            describe=lambda p: f"POST {amount_of_text(p.get('body', ''))} to {p['url']}",
        )
    )
