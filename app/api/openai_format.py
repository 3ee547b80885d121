"""The OpenAI chat-completions format, read and written: a request's JSON checked into an
:class:`ApiRequest` (or an :class:`ApiError` saying what is wrong, in the OpenAI error
format), the answer as one ``chat.completion`` or as ``chat.completion.chunk`` events, and
stop sequences found in streamed text. No HTTP here (see app.api.server)."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from app.core.llm.engine import SamplingParams
from app.core.llm.prompt import ChatMessage

MAX_STOPS = 4  # as OpenAI's API
ROLES = ("system", "user", "assistant", "developer")


@dataclass
class ApiError(Exception):
    """An answer in the OpenAI error format."""

    status: int
    message: str
    type: str = "invalid_request_error"
    code: str | None = None
    param: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }


@dataclass(frozen=True)
class ApiRequest:
    model: str
    messages: list[ChatMessage]
    params: SamplingParams
    stream: bool
    stops: tuple[str, ...]
    include_usage: bool
    wants_tools: bool


def _number(body: dict[str, Any], name: str, default: float, low: float, high: float) -> float:
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ApiError(400, f"{name} must be a number from {low} to {high}.", param=name)
    return float(value)


def _content(message: dict[str, Any], index: int) -> str:
    content = message.get("content")
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # parts: only text is understood
        texts = []
        for part in content:
            if not isinstance(part, dict) or part.get("type") != "text":
                raise ApiError(
                    400,
                    "Only text content is supported by this model.",
                    param=f"messages[{index}].content",
                )
            texts.append(str(part.get("text", "")))
        return "".join(texts)
    raise ApiError(400, "A message's content must be text.", param=f"messages[{index}].content")


def parse_request(body: object, *, max_tokens_limit: int) -> ApiRequest:
    """``body`` (the request's JSON) checked and turned into what the engine needs."""
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise ApiError(400, "model is required: one of GET /v1/models.", param="model")
    limit = body.get("max_completion_tokens", body.get("max_tokens"))
    if limit is None:
        limit = max_tokens_limit
    if isinstance(limit, bool) or not isinstance(limit, int) or not limit >= 1:
        raise ApiError(400, "max_tokens must be a positive whole number.", param="max_tokens")
    seed = body.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise ApiError(400, "seed must be a whole number of at least 0.", param="seed")
    options = body.get("stream_options") or {}
    params = SamplingParams(
        temperature=_number(body, "temperature", 0.7, 0.0, 2.0),
        top_p=_number(body, "top_p", 0.95, 0.0, 1.0),
        max_tokens=limit,
        seed=-1 if seed is None else seed,
        json_schema=_schema(body.get("response_format")),
    )
    return ApiRequest(
        model=model,
        messages=_messages(body.get("messages")),
        params=params,
        stream=bool(body.get("stream")),
        stops=_stops(body.get("stop")),
        include_usage=isinstance(options, dict) and bool(options.get("include_usage")),
        wants_tools=bool(body.get("tools")) or bool(body.get("functions")),
    )


def _messages(raw: object) -> list[ChatMessage]:
    if not isinstance(raw, list) or not raw:
        raise ApiError(400, "messages must be a non-empty list.", param="messages")
    messages = []
    for index, message in enumerate(raw):
        role = message.get("role") if isinstance(message, dict) else None
        if role not in ROLES:
            raise ApiError(
                400,
                f"messages[{index}] needs a role: one of {', '.join(ROLES)}.",
                param=f"messages[{index}].role",
            )
        said = _content(message, index)
        messages.append(
            ChatMessage("user", said)
            if role == "user"
            else ChatMessage("assistant", said)
            if role == "assistant"
            else ChatMessage("system", said)
        )
    return messages


def _stops(stop: object) -> tuple[str, ...]:
    stops: tuple[str, ...] = ()
    if isinstance(stop, str):
        stops = (stop,)
    elif isinstance(stop, list) and all(isinstance(s, str) for s in stop):
        stops = tuple(stop)
    elif stop is not None:
        raise ApiError(400, "stop must be a string or a list of strings.", param="stop")
    if len(stops) > MAX_STOPS or any(not s for s in stops):
        raise ApiError(400, f"stop takes at most {MAX_STOPS} non-empty strings.", param="stop")
    return stops


def _schema(response_format: object) -> str:
    """The JSON schema an answer must follow, as JSON text ("" for free text)."""
    if response_format is None:
        return ""
    if not isinstance(response_format, dict):
        raise ApiError(400, "response_format must be an object.", param="response_format")
    kind = response_format.get("type")
    if kind == "text":
        return ""
    if kind == "json_object":
        return json.dumps({"type": "object"})
    if kind == "json_schema":
        spec = response_format.get("json_schema")
        schema = spec.get("schema") if isinstance(spec, dict) else None
        if not isinstance(schema, dict):
            raise ApiError(
                400,
                "response_format.json_schema.schema must be a JSON schema object.",
                param="response_format",
            )
        return json.dumps(schema)
    raise ApiError(
        400,
        "response_format.type must be text, json_object or json_schema.",
        param="response_format",
    )


class StopFinder:
    """Text as it streams, held back only as long as it could still become a stop sequence."""

    def __init__(self, stops: tuple[str, ...]) -> None:
        self.stops = stops
        self._held = ""
        self.stopped = False

    def feed(self, text: str) -> str:
        """What may be sent now; sets ``stopped`` when a stop sequence appeared (it and what
        follows are never sent)."""
        if not self.stops:
            return text
        held = self._held + text
        cut = min((i for s in self.stops if (i := held.find(s)) >= 0), default=-1)
        if cut >= 0:
            self.stopped, self._held = True, ""
            return held[:cut]
        keep = 0  # the longest end of ``held`` that starts a stop sequence
        for stop in self.stops:
            for size in range(min(len(stop) - 1, len(held)), keep, -1):
                if held.endswith(stop[:size]):
                    keep = size
                    break
        self._held = held[len(held) - keep :] if keep else ""
        return held[: len(held) - keep]

    def flush(self) -> str:
        """At the end: what was held back (it never became a stop sequence)."""
        held, self._held = self._held, ""
        return held


def new_id() -> str:
    return "chatcmpl-" + secrets.token_hex(12)


def completion(
    ident: str, model: str, text: str, finish: str, prompt_tokens: int, completion_tokens: int
) -> dict[str, Any]:
    return {
        "id": ident,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "logprobs": None,
                "finish_reason": finish,
            }
        ],
        "usage": usage(prompt_tokens, completion_tokens),
    }


def usage(prompt_tokens: int, completion_tokens: int) -> dict[str, int]:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def chunk(
    ident: str,
    model: str,
    delta: dict[str, str],
    finish: str | None = None,
    *,
    usage_of: dict[str, int] | None = None,
) -> str:
    """One server-sent event of a streamed answer."""
    body: dict[str, Any] = {
        "id": ident,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [] if usage_of else [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    if usage_of:
        body["usage"] = usage_of
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


__all__ = [
    "ApiError",
    "ApiRequest",
    "StopFinder",
    "chunk",
    "completion",
    "new_id",
    "parse_request",
    "usage",
]
