"""The one gate every request that leaves the machine passes: chat, the planner's last
resort and the connection test alike.

In order, for each request: the policy (off or local-only sends nothing), consent (stored
for the conversation, asked now, or given up front with ``allow_cloud``; choosing the cloud
explicitly is itself consent), redaction when it is on (the consent request describes the
text as it will be sent), a :class:`Routed` notice before the first byte leaves, and the
answer with placeholders restored. Nothing here stores anything: the caller records the
backend and model with what it keeps.
"""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from app.core.errors import KnownError
from app.core.llm.cloud import CloudClient
from app.core.llm.engine import DoneEvent, SamplingParams, TokenEvent
from app.core.llm.prompt import ChatMessage
from app.core.llm.redact import Redactor, StreamRestorer
from app.core.settings import CloudSettings
from app.core.store.models import Backend
from app.language import _t

ConsentAnswer = Literal["once", "conversation", "refuse"]


@dataclass(frozen=True)
class Routed:
    """The request is about to leave the machine: shown before anything is sent."""

    backend: Backend
    model: str
    host: str
    reason: str
    redacted: int  # values replaced by placeholders before sending

    def text(self) -> str:
        """The notice, in the same words on every front end."""
        redacted = (
            _t("; {0} values replaced by placeholders").format(self.redacted)
            if self.redacted
            else ""
        )
        return _t("Sending to the cloud: {0} ({1}) — {2}{3}").format(
            self.host, self.model, self.reason, redacted
        )


@dataclass(frozen=True)
class ConsentRequest:
    """What a person is shown before a conversation is first sent to the cloud: the
    figures describe the text exactly as it would be sent (after redaction)."""

    conversation_id: str
    title: str
    message_count: int
    characters: int
    host: str
    model: str
    reason: str
    redact: bool
    redacted: int = 0  # values that will be replaced by placeholders

    def redaction_text(self) -> str:
        if not self.redact:
            return "It is sent as it is; Settings › Cloud can replace personal details first."
        if not self.redacted:
            return "Redaction is on; no e-mail address, phone number or home-folder path was found."
        return (
            f"{self.redacted} e-mail addresses, phone numbers or home-folder paths are replaced "
            "by placeholders before sending."
        )


# Returns the person's answer, or None when there is nobody to ask.
ConsentAsker = Callable[[ConsentRequest], Awaitable[ConsentAnswer | None]]
OnRouted = Callable[[Routed], None]


class CloudRefusedError(KnownError):
    """The request needs the cloud and the policy or the person said no (or could not be
    asked)."""


@dataclass
class CloudRoute:
    """The cloud endpoint and the policy it is used under."""

    client: CloudClient
    settings: CloudSettings


class ConsentMemory:
    """Where "allow for this conversation" is kept; the default keeps nothing."""

    async def given(self, conversation_id: str) -> bool:
        return False

    async def give(self, conversation_id: str) -> None:
        return None


@dataclass
class Outgoing:
    """One request as it will leave the machine."""

    messages: list[ChatMessage]
    redactor: Redactor | None

    @property
    def redacted(self) -> int:
        return self.redactor.replaced if self.redactor is not None else 0

    def restorer(self) -> StreamRestorer | None:
        return StreamRestorer(self.redactor) if self.redactor is not None else None


class CloudGate:
    """Policy, consent, redaction and the routed notice for one cloud route (or none)."""

    def __init__(
        self,
        route: CloudRoute | None,
        *,
        consent: ConsentAsker | None = None,
        allow_cloud: bool = False,
        memory: ConsentMemory | None = None,
        refused_hint: Callable[[], str | None] = lambda: None,
    ) -> None:
        self.route = route
        self.consent = consent
        self.allow_cloud = allow_cloud
        self.memory = memory or ConsentMemory()
        self.refused_hint = refused_hint

    @property
    def enabled(self) -> bool:
        return self.route is not None and self.route.settings.enabled

    @property
    def policy(self) -> str:
        return self.route.settings.policy if self.route is not None else "local"

    def _route(self) -> CloudRoute:
        if self.route is None or not self.route.settings.enabled:
            raise CloudRefusedError(
                _t("The cloud is not set up."),
                hint=_t("Set an endpoint with `steward cloud set --base-url URL --model NAME`."),
            )
        return self.route

    def prepare(self, messages: Sequence[ChatMessage]) -> Outgoing:
        """The messages as they will be sent: with placeholders when redaction is on."""
        route = self._route()
        if not route.settings.redact:
            return Outgoing(list(messages), None)
        redactor = Redactor()
        return Outgoing(
            [ChatMessage(m.role, redactor.redact(m.content)) for m in messages], redactor
        )

    async def authorize(
        self,
        outgoing: Outgoing,
        *,
        reason: str,
        explicit: bool,
        conversation_id: str | None = None,
        title: str = "",
    ) -> None:
        """Consent for sending ``outgoing``, or CloudRefusedError (and nothing is sent)."""
        route = self._route()
        if explicit or (conversation_id and await self.memory.given(conversation_id)):
            return
        host = route.client.endpoint.host
        request = ConsentRequest(
            conversation_id or "",
            title or reason,
            len(outgoing.messages),
            sum(len(m.content) for m in outgoing.messages),
            host,
            route.settings.model,
            reason,
            route.settings.redact,
            outgoing.redacted,
        )
        answer = await self.consent(request) if self.consent else None
        if answer is None and self.allow_cloud:
            answer = "once"
        if answer is None:
            raise CloudRefusedError(
                _t(
                    "The local model cannot answer: {0}. Sending this to {1} needs your consent."
                ).format(reason, host),
                hint=_t(
                    "Add --allow-cloud (or --backend cloud), or run in a terminal to be asked."
                ),
            )
        if answer == "refuse":
            raise CloudRefusedError(
                _t("Not sent to the cloud. The local model cannot answer: {0}.").format(reason),
                hint=self.refused_hint(),
            )
        if answer == "conversation" and conversation_id:
            await self.memory.give(conversation_id)

    def routed(self, outgoing: Outgoing, reason: str) -> Routed:
        route = self._route()
        return Routed(
            "cloud", route.settings.model, route.client.endpoint.host, reason, outgoing.redacted
        )

    async def stream(
        self, outgoing: Outgoing, params: SamplingParams, cancel: threading.Event
    ) -> AsyncIterator[TokenEvent | DoneEvent]:
        """The answer to an authorized request, placeholders restored as it streams."""
        route = self._route()
        restorer = outgoing.restorer()
        async for event in route.client.stream_chat(outgoing.messages, params, cancel):
            if restorer is None:
                yield event
            elif isinstance(event, TokenEvent):
                if text := restorer.feed(event.text):
                    yield TokenEvent(text)
            else:
                if tail := restorer.flush():
                    yield TokenEvent(tail)
                yield event

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        reason: str,
        conversation_id: str | None = None,
        title: str = "",
        params: SamplingParams | None = None,
        cancel: threading.Event | None = None,
        on_routed: OnRouted | None = None,
        json_answer: bool = False,
    ) -> str:
        """The whole answer to ``messages`` as an escalation (the planner's last resort):
        refused when the cloud is off or the policy is local only; under the policy
        ``cloud`` no further consent is asked. With ``json_answer``, restored values are
        escaped for the JSON strings they stand in."""
        if not self.enabled:
            raise CloudRefusedError(_t("The cloud is off, so {0} stays unresolved.").format(reason))
        if self.policy == "local":
            raise CloudRefusedError(
                _t("The policy is local only, so {0} was not sent to the cloud.").format(reason)
            )
        outgoing = self.prepare(messages)
        await self.authorize(
            outgoing,
            reason=reason,
            explicit=self.policy == "cloud",
            conversation_id=conversation_id,
            title=title,
        )
        if on_routed is not None:
            on_routed(self.routed(outgoing, reason))
        parts: list[str] = []
        async for event in self._route().client.stream_chat(
            outgoing.messages, params or SamplingParams(), cancel or threading.Event()
        ):
            if isinstance(event, TokenEvent):
                parts.append(event.text)
        text = "".join(parts)
        if outgoing.redactor is None:
            return text
        if json_answer:
            return outgoing.redactor.restore_with(text, lambda v: json.dumps(v)[1:-1])
        return outgoing.redactor.restore(text)

    async def test_connection(self, on_routed: OnRouted | None = None) -> float:
        """One short request that carries nothing of the user's; the round trip in ms."""
        route = self._route()
        if on_routed is not None:
            on_routed(
                Routed(
                    "cloud",
                    route.settings.model,
                    route.client.endpoint.host,
                    "a connection test, nothing of yours",
                    0,
                )
            )
        return await route.client.test_connection()

    async def aclose(self) -> None:
        if self.route is not None:
            await self.route.client.aclose()
