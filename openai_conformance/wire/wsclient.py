"""The WebSocket side of the one client: ``ConformanceClient.websocket(path, params)``.

Uses ``websockets.sync.client.connect`` with the client's auth headers, user agent and
timeouts; spends one budget unit per handshake; every frame sent and received goes into a
redacted, truncated transcript that is recorded as the exchange's ``websocket`` evidence
(with a ``websocat`` reproduction line). A handshake answered with HTTP (e.g. 404 where
realtime is absent) raises ``WebSocketRejected`` (status kept); a silent socket raises
``StreamTimeout`` from ``recv``; no connection at all raises ``TargetUnreachable``.
"""

from __future__ import annotations

import contextlib
import json as jsonlib
import time
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import httpx

from .. import __version__
from .exchange import Exchange, RequestSummary, TargetUnreachable, utc_now
from .redact import redact_headers, redact_text, redact_url

if TYPE_CHECKING:
    from .client import ConformanceClient

USER_AGENT = f"openai-conformance/{__version__}"

WS_FRAME_LIMIT = 16 * 1024  # characters of each frame kept in the transcript


class WebSocketSession:
    """A connected WebSocket: ``send(event)``, ``recv(timeout)``, ``recv_until(pred)``.

    Every frame is appended to ``transcript`` (``{"dir": "send"|"recv"|"close", "t_ms",
    "data"}``, redacted, truncated) which becomes the exchange's ``websocket`` evidence.
    ``recv`` waits at most ``timeout`` (default: the stream idle deadline) and raises
    ``StreamTimeout`` (kind ``idle``) with the frames received so far.
    """

    def __init__(self, conn: Any, exchange: Exchange, idle_s: float, secrets: list[str]) -> None:
        self.conn = conn
        self.exchange = exchange
        self.idle_s = idle_s
        self.secrets = secrets
        self.transcript: list[dict[str, Any]] = []
        self.received: list[Any] = []
        self._t0 = time.monotonic()

    def _note(self, direction: str, data: str) -> None:
        if len(data) > WS_FRAME_LIMIT:
            data = data[:WS_FRAME_LIMIT] + f"...[truncated: {len(data)} chars]"
        self.transcript.append(
            {
                "dir": direction,
                "t_ms": round((time.monotonic() - self._t0) * 1000, 1),
                "data": redact_text(data, self.secrets),
            }
        )

    def send(self, message: Mapping[str, Any] | str | bytes) -> None:
        if isinstance(message, Mapping):
            message = jsonlib.dumps(message)
        self._note("send", message if isinstance(message, str) else f"<{len(message)} bytes>")
        self.conn.send(message)

    def recv(self, timeout: float | None = None) -> Any:
        """The next message (JSON-decoded when it is JSON text)."""
        from websockets.exceptions import ConnectionClosed

        from .exchange import StreamTimeout, TargetFailure

        wait = self.idle_s if timeout is None else timeout
        try:
            raw = self.conn.recv(timeout=wait)
        except TimeoutError:
            self._note("timeout", f"nothing received for {wait}s")
            raise StreamTimeout(
                f"WebSocket {self.exchange.request.url}: nothing received for {wait}s",
                events=list(self.received),
                kind="idle",
                exchange=self.exchange,
            ) from None
        except ConnectionClosed as exc:
            self._note("close", f"closed by target: {exc}")
            raise TargetFailure(
                f"WebSocket {self.exchange.request.url} closed by the target: {exc}",
                exchange=self.exchange,
            ) from None
        if isinstance(raw, bytes):
            self._note("recv", f"<binary frame: {len(raw)} bytes>")
            self.received.append(raw)
            return raw
        self._note("recv", raw)
        try:
            value = jsonlib.loads(raw)
        except ValueError:
            value = raw
        self.received.append(value)
        return value

    def recv_until(
        self, predicate: Callable[[Any], bool], deadline_s: float | None = None
    ) -> list[Any]:
        """Messages up to and including the first that satisfies ``predicate``."""
        end = time.monotonic() + (deadline_s if deadline_s is not None else self.idle_s)
        out: list[Any] = []
        while True:
            msg = self.recv(timeout=max(0.01, end - time.monotonic()))
            out.append(msg)
            if predicate(msg):
                return out


def _no_redirects_class() -> type:
    from websockets.sync.client import reconnect

    class NoRedirects(reconnect):
        """Never follows a handshake redirect: websockets strips only Authorization and
        Cookie on a cross-origin redirect, so an ``api-key`` header would follow it. A 3xx is
        reported as the answer it is (``WebSocketRejected``)."""

        def process_redirect(self, exc: Exception) -> Exception | str:
            return exc

    return NoRedirects


def _connecter(uri: str, **kwargs: Any) -> Any:
    return _no_redirects_class()(uri, **kwargs)


@contextlib.contextmanager
def open_websocket(
    client: ConformanceClient,
    path: str,
    params: Mapping[str, Any] | None,
    *,
    operation: str | None = None,
    subprotocols: list[str] | None = None,
) -> Iterator[WebSocketSession]:
    """Connect (spending one budget unit), yield a session, record the transcript on exit."""
    from urllib.parse import urlencode

    from websockets.exceptions import InvalidHandshake, InvalidStatus, InvalidURI

    from .exchange import WebSocketProtocolError, WebSocketRejected

    params = {**client.config.query, **(params or {})}  # target.query (Azure api-version)
    http_url = client.url(path) + (("?" + urlencode(params)) if params else "")
    ws_url = "ws" + http_url[len("http") :]
    shown_url = redact_url(ws_url, client.secrets)
    placeholder = client.shown_auth_headers()
    repro = "websocat " + " ".join(f'-H "{n}: {v}"' for n, v in placeholder) + f" '{shown_url}'"
    exchange = Exchange(
        request=RequestSummary(
            "GET", shown_url, redact_headers(dict(placeholder), client.secrets), None
        ),
        status=None,
        reason="",
        headers=httpx.Headers(),
        content=b"",
        elapsed_ms=0.0,
        started_at=utc_now(),
        operation=operation,
        curl_line=redact_text(repro, client.secrets),
        secrets=client.secrets,
    )
    t = client.config.timeouts
    started = time.monotonic()
    client.budget.spend()
    session: WebSocketSession | None = None
    try:
        conn = _connecter(
            ws_url,
            additional_headers=client.auth_headers(),
            user_agent_header=USER_AGENT,
            proxy=None,  # like the HTTP client (trust_env=False): no proxy from the environment
            open_timeout=t.connect,
            close_timeout=min(5.0, t.connect),
            max_size=16 * 1024 * 1024,
            subprotocols=subprotocols,
        ).connect()
        conn.pending_legacy_warning = False
    except InvalidStatus as exc:
        resp = exc.response
        exchange.status, exchange.reason = resp.status_code, resp.reason_phrase
        exchange.headers = httpx.Headers(list(resp.headers.raw_items()))
        exchange.content = bytes(resp.body or b"")
        exchange.elapsed_ms = (time.monotonic() - started) * 1000
        client.record(exchange)
        raise WebSocketRejected(
            f"WebSocket {shown_url}: handshake answered HTTP {resp.status_code} instead of 101",
            status=resp.status_code,
            exchange=exchange,
        ) from None
    except (InvalidHandshake, InvalidURI) as exc:
        # The target answered, but not with a valid WebSocket handshake: its fault (FAIL).
        exchange.error = redact_text(f"{exc.__class__.__name__}: {exc}", client.secrets)
        exchange.elapsed_ms = (time.monotonic() - started) * 1000
        client.record(exchange)
        raise WebSocketProtocolError(
            f"WebSocket {shown_url}: invalid handshake: {exchange.error}", exchange=exchange
        ) from None
    except (OSError, TimeoutError) as exc:
        exchange.error = redact_text(f"{exc.__class__.__name__}: {exc}", client.secrets)
        client.record(exchange)
        raise TargetUnreachable(
            f"WebSocket {shown_url}: cannot connect: {exchange.error}", exchange=exchange
        ) from None
    exchange.status, exchange.reason = 101, "Switching Protocols"
    session = WebSocketSession(conn, exchange, min(t.stream_idle, t.stream_total), client.secrets)
    try:
        yield session
    finally:
        with contextlib.suppress(Exception):
            conn.close()
        exchange.elapsed_ms = (time.monotonic() - started) * 1000
        close = {
            "code": getattr(conn, "close_code", None),
            "reason": getattr(conn, "close_reason", None),
        }
        exchange.websocket = {"url": shown_url, "transcript": session.transcript, "close": close}
        client.record(exchange)
