"""What a model hub says about a file, and what its answers mean.

Hugging Face answers a ``HEAD`` on a large file's ``/{repo}/resolve/{revision}/{file}`` URL
with ``X-Linked-Size`` and ``X-Linked-Etag`` (the file's SHA-256) before redirecting to its
CDN, so the expected size and hash are known before the first byte. A mirror with the same
URL layout (hf-mirror, say) can stand in for huggingface.co; a hub token is sent to the hub
(or that mirror) only. Statuses no retry can fix (401/403, 404) become clear errors; the
rest of the failures are worth another try.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from app.core.errors import KnownError, NotFoundError
from app.core.llm.http_fetch import REDIRECTS, Transport, ssl_context
from app.language import _t

HUB_HOST = "huggingface.co"


class DownloadError(KnownError):
    """The file could not be downloaded or did not verify; nothing was installed."""


class HubTokenNeededError(DownloadError):
    """The server wants an access token (401/403)."""


Verification = Literal["hub", "given", "unverified"]


@dataclass(frozen=True)
class DownloadOptions:
    stall_timeout: float = 30.0  # seconds without a byte before reconnecting
    connect_timeout: float = 15.0
    retries: int = 10  # failed attempts in a row before giving up
    backoff_s: float = 1.0  # first wait; doubles after each failure, with jitter
    backoff_max_s: float = 60.0
    ca_file: str = ""  # an extra CA certificate (PEM), for TLS-inspecting networks
    proxy: str = ""  # empty: HTTPS_PROXY / HTTP_PROXY / NO_PROXY from the environment
    mirror: str = ""  # a host with the hub's URL layout, used instead of huggingface.co
    token: str = ""  # a hub access token, sent to the hub (or its mirror) only


@dataclass(frozen=True)
class Expected:
    """What the finished file must be: its size and SHA-256 (hex), where known."""

    size: int | None
    sha256: str | None
    verification: Verification


def mirrored(url: str, mirror: str) -> str:
    """``url`` on the mirror when it is a hub URL and a mirror is set (same path layout)."""
    if not mirror:
        return url
    parts = urlsplit(url)
    if parts.hostname != HUB_HOST:
        return url
    base = urlsplit(mirror if "://" in mirror else f"https://{mirror}")
    path = base.path.rstrip("/") + parts.path
    return urlunsplit((base.scheme, base.netloc, path, parts.query, ""))


def make_transport(options: DownloadOptions) -> Transport:
    try:
        context = ssl_context(options.ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise DownloadError(
            _t("The CA certificate file {0} cannot be used: {1}.").format(options.ca_file, exc),
            hint=_t("Set ca_file under [downloads] in the settings file to a PEM certificate."),
        ) from exc
    return Transport(
        context,
        proxy=options.proxy,
        connect_timeout=options.connect_timeout,
        stall_timeout=options.stall_timeout,
    )


def auth_headers(url: str, options: DownloadOptions) -> dict[str, str]:
    """The token goes to the hub or its mirror only, never to another host."""
    if not options.token:
        return {}
    host = urlsplit(url).hostname
    hubs = {HUB_HOST, urlsplit(mirrored(f"https://{HUB_HOST}/", options.mirror)).hostname}
    return {"Authorization": f"Bearer {options.token}"} if host in hubs else {}


def _sha256_header(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip().removeprefix("W/").strip('"').lower()
    if len(value) == 64 and all(c in "0123456789abcdef" for c in value):
        return value
    return None


def refused(status: int, url: str) -> KnownError | None:
    """The error for a status no retry can fix, or None."""
    if status in (401, 403):
        return HubTokenNeededError(
            f"The server refused the download ({status}): {url} needs an access token.",
            hint="Store one with `steward models token` (it is kept with your other secrets), or "
            "accept the model's terms on its page first.",
        )
    if status in (404, 410):
        return NotFoundError(
            _t("There is no file at {0} (the server answered {1}).").format(url, status)
        )
    return None


def probe(
    transport: Transport, url: str, options: DownloadOptions, sha256: str | None = None
) -> Expected:
    """The size and hash the file must have: ``sha256`` if given, else the hub's headers,
    else the size the server reports (unverified)."""
    headers = auth_headers(url, options) | {"Accept-Encoding": "identity"}
    try:
        first, _ = transport.request("HEAD", url, headers, follow=False)
        first.close()
        final = first
        if first.status in REDIRECTS:
            final, _ = transport.request("HEAD", url, headers)
            final.close()
    except NETWORK_ERRORS as exc:
        raise network_error(url, exc) from exc
    for status in (first.status, final.status):
        problem = refused(status, url)
        if problem is not None:
            raise problem
    if final.status >= 400:
        raise DownloadError(_t("The server answered {0} for {1}.").format(final.status, url))
    linked_size = first.getheader("X-Linked-Size")
    hub_hash = _sha256_header(first.getheader("X-Linked-Etag"))
    length = final.getheader("Content-Length")
    size = int(linked_size) if linked_size else int(length) if length else None
    if sha256:
        return Expected(size, sha256.lower(), "given")
    if hub_hash:
        return Expected(size, hub_hash, "hub")
    return Expected(size, None, "unverified")


def network_error(url: str, exc: BaseException) -> DownloadError:
    host = urlsplit(url).netloc
    if isinstance(exc, ssl.SSLCertVerificationError):
        return DownloadError(
            _t("The certificate of {0} is not trusted by this computer.").format(host),
            hint=_t(
                "On a network that inspects TLS, add your organisation's CA certificate "
                "file as ca_file under [downloads] in the settings file."
            ),
        )
    if isinstance(exc, OSError) and str(exc).startswith("Tunnel connection failed"):
        return DownloadError(_t("The proxy refused the connection to {0}: {1}.").format(host, exc))
    return DownloadError(
        _t("{0} cannot be reached ({1}).").format(host, reason(exc)),
        hint=_t(
            "Check the connection, or set a mirror or a proxy under [downloads] in "
            "the settings file."
        ),
    )


class ServerTroubleError(http.client.HTTPException):
    """The server answered 5xx or 429: worth another try."""


# what a retry may cure (a certificate that is not trusted is answered at once, not retried)
NETWORK_ERRORS = (OSError, http.client.HTTPException)


def reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "no data for a while"
    if isinstance(exc, ConnectionRefusedError | socket.gaierror):
        return "cannot connect"
    if isinstance(exc, ServerTroubleError):
        return str(exc)
    return "connection dropped"
