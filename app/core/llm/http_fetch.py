"""HTTP(S) requests for model downloads, on the standard library's http.client.

A download reads gigabytes; httpx's asynchronous stream reached about 60 MB/s here where curl
reached 150, while http.client reading large blocks on a thread of its own keeps pace. This
module gives the downloader what it needs and no more: TLS against the operating system's
trust store plus an optional CA file (truststore), proxies from the environment
(``HTTP(S)_PROXY``, ``NO_PROXY``) or a setting (HTTPS is tunnelled with CONNECT), redirects
(an ``Authorization`` header is dropped when the host changes), a connect timeout and a stall
timeout on every read, and ``abort()`` from another thread to end a read at once.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import socket
import ssl
import threading
import urllib.request
from urllib.parse import unquote, urljoin, urlsplit

REDIRECTS = (301, 302, 303, 307, 308)
MAX_REDIRECTS = 10


class TooManyRedirectsError(http.client.HTTPException):
    pass


def ssl_context(ca_file: str = "") -> ssl.SSLContext:
    """The operating system's trust store, plus ``ca_file`` when given (raises OSError or
    ssl.SSLError for a file that cannot be used)."""
    import truststore

    context = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


class Transport:
    """Connections for one download; ``abort`` may be called from any thread."""

    def __init__(
        self,
        context: ssl.SSLContext,
        *,
        proxy: str = "",
        connect_timeout: float = 15.0,
        stall_timeout: float = 30.0,
    ) -> None:
        self.context = context
        self.proxy = proxy
        self.connect_timeout = connect_timeout
        self.stall_timeout = stall_timeout
        self._lock = threading.Lock()
        self._open: http.client.HTTPConnection | None = None
        self._aborted = False

    def request(
        self, method: str, url: str, headers: dict[str, str], *, follow: bool = True
    ) -> tuple[http.client.HTTPResponse, str]:
        """The response (its body unread) and the URL that gave it, after redirects when
        ``follow``. The caller closes the response."""
        headers = dict(headers)
        for _ in range(MAX_REDIRECTS + 1):
            connection, target, extra = self._connect(url)
            connection.request(method, target, headers=headers | extra)
            response = connection.getresponse()
            location = response.getheader("Location")
            if not (follow and response.status in REDIRECTS and location):
                return response, url
            response.read()
            connection.close()
            moved = urljoin(url, location)
            if urlsplit(moved).netloc != urlsplit(url).netloc:
                headers.pop("Authorization", None)  # a token is for the host it was meant for
            url = moved
        raise TooManyRedirectsError(f"more than {MAX_REDIRECTS} redirects")

    def abort(self) -> None:
        """End the connection in use now (a blocked read returns at once) and any later one."""
        with self._lock:
            self._aborted = True
            connection = self._open
        if connection is not None and connection.sock is not None:
            with contextlib.suppress(OSError):
                connection.sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        with self._lock:
            connection, self._open = self._open, None
        if connection is not None:
            connection.close()

    def _connect(self, url: str) -> tuple[http.client.HTTPConnection, str, dict[str, str]]:
        """A connection for ``url``, the request target to send it, and the headers a plain
        HTTP proxy needs with each request."""
        parts = urlsplit(url)
        https = parts.scheme == "https"
        host = parts.hostname or ""
        port = parts.port or (443 if https else 80)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        proxy = self._proxy_for(url)
        connection: http.client.HTTPConnection
        target = path
        auth: dict[str, str] | None = None
        if proxy is None:
            connection = (
                http.client.HTTPSConnection(
                    host, port, timeout=self.connect_timeout, context=self.context
                )
                if https
                else http.client.HTTPConnection(host, port, timeout=self.connect_timeout)
            )
        else:
            via = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
            auth = _proxy_auth(via.username, via.password)
            if https:
                connection = http.client.HTTPSConnection(
                    via.hostname or "",
                    via.port or 8080,
                    timeout=self.connect_timeout,
                    context=self.context,
                )
                connection.set_tunnel(host, port, headers=auth)
            else:
                connection = http.client.HTTPConnection(
                    via.hostname or "", via.port or 8080, timeout=self.connect_timeout
                )
                target = url  # a plain HTTP proxy takes the whole URL
        with self._lock:
            if self._aborted:
                raise ConnectionAbortedError("the download was stopped")
            self._close_unlocked()
            self._open = connection
        connection.connect()
        if connection.sock is not None:
            connection.sock.settimeout(self.stall_timeout)  # no byte for this long: a stall
        return connection, target, (auth or {}) if proxy is not None and not https else {}

    def _close_unlocked(self) -> None:
        if self._open is not None:
            self._open.close()
            self._open = None

    def _proxy_for(self, url: str) -> str | None:
        host = urlsplit(url).hostname or ""
        if urllib.request.proxy_bypass(host):
            return None
        if self.proxy:
            return self.proxy
        return urllib.request.getproxies().get(urlsplit(url).scheme)


def _proxy_auth(user: str | None, password: str | None) -> dict[str, str] | None:
    if not user:
        return None
    pair = f"{unquote(user)}:{unquote(password or '')}".encode()
    return {"Proxy-Authorization": "Basic " + base64.b64encode(pair).decode()}
