"""The Realtime WebSocket relay: ``/v1/realtime`` frames both ways, each judged on the way.

``relay(state, ws)`` opens the upstream socket first (``websockets`` asyncio client, the
client's query string and credentials, ``open_timeout`` 10 s), then accepts the client with
the subprotocol the upstream chose and relays frames in both directions until either side
closes; the other side is then closed with the same code. An upstream that refuses the
handshake refuses the client the same way (HTTP status via the ASGI denial response, where
the server supports it; close code 1008 otherwise).

Every text frame is parsed as JSON and validated while it passes: client frames against
``RealtimeClientEvent`` (``client_event_schema_conformance``, attributed "client sent"),
server frames against ``RealtimeServerEvent`` (``server_event_schema_conformance``,
attributed "server returned"); both unions are validated against the variant the event's
``type`` names. The whole transcript (redacted, each frame truncated to 16 KiB) is the
exchange's ``websocket`` evidence, as for the harness's own WebSocket client.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import TYPE_CHECKING, Any

from starlette.responses import Response
from starlette.websockets import WebSocket, WebSocketDisconnect
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from ..checks.failures import Failure, show
from ..wire.exchange import utc_now
from ..wire.redact import redact_text
from ..wire.wsclient import WS_FRAME_LIMIT
from .attribution import CLIENT, PREFIX, SERVER, Side
from .evidence import build_exchange, request_secrets
from .session import LABEL_HEADER

if TYPE_CHECKING:
    from .app import ProxyState

OPERATION = "GET /realtime"
OPEN_TIMEOUT_S = 10.0
_SKIP = frozenset(
    {"host", "connection", "upgrade", "content-length", "accept-encoding", LABEL_HEADER}
)
_CHECK = {CLIENT: "client_event_schema_conformance", SERVER: "server_event_schema_conformance"}
_SCHEMA = {CLIENT: "RealtimeClientEvent", SERVER: "RealtimeServerEvent"}


def _ws_url(state: ProxyState, ws: WebSocket) -> str:
    base = state.upstream.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
    query = ws.url.query
    return f"{base}/realtime" + (f"?{query}" if query else "")


class _Transcript:
    """Frames seen, their findings and the event types, for the evidence and the report."""

    def __init__(self, state: ProxyState, secrets: list[str]) -> None:
        self.state = state
        self.secrets = secrets
        self.frames: list[dict[str, Any]] = []
        self.failures: list[Failure] = []
        self.types: set[str] = set()
        self._t0 = time.monotonic()

    def note(self, side: Side, data: str | bytes) -> None:
        text = data if isinstance(data, str) else f"<binary frame: {len(data)} bytes>"
        index = len(self.frames)
        shown = text if len(text) <= WS_FRAME_LIMIT else text[:WS_FRAME_LIMIT] + "...[truncated]"
        self.frames.append(
            {
                "dir": "send" if side == CLIENT else "recv",
                "t_ms": round((time.monotonic() - self._t0) * 1000, 1),
                "data": redact_text(shown, self.secrets),
            }
        )
        if isinstance(data, str):
            self._judge(side, index, data)

    def _judge(self, side: Side, index: int, text: str) -> None:
        check = _CHECK[side]
        try:
            event = json.loads(text)
        except ValueError:
            self.failures.append(self._failure(side, index, "frame is not JSON", check, text))
            return
        kind = event.get("type") if isinstance(event, dict) else None
        if kind:
            self.types.add(str(kind))
        for v in self.state.session.validator.validate(event, _SCHEMA[side]):
            failure = self._failure(side, index, f"{kind or 'event'}: {v.message}", check, None)
            self.failures.append(
                Failure(
                    **{
                        **failure.__dict__,
                        "pointer": f"/frames/{index}{v.pointer}",
                        "expected": show(v.expected) if v.expected is not None else None,
                        "actual": show(v.actual) if v.actual is not None else None,
                    }
                )
            )

    def _failure(self, side: Side, index: int, title: str, check: str, raw: Any) -> Failure:
        who = "client event" if side == CLIENT else "server event"
        return Failure(
            title=PREFIX[side] + f"{who} {index}: {title}",
            check=check,
            operation=OPERATION,
            pointer=f"/frames/{index}",
            message=f"{who} {index} does not validate against {_SCHEMA[side]}: {title}",
            actual=show(raw) if raw is not None else None,
        )


async def relay(state: ProxyState, ws: WebSocket) -> None:
    session = state.session
    session.begin()
    try:
        await _relay(state, ws)
    finally:
        session.done()


async def _relay(state: ProxyState, ws: WebSocket) -> None:
    session = state.session
    started = time.perf_counter()
    secrets = request_secrets(ws.headers)
    group = ws.headers.get(LABEL_HEADER) or OPERATION
    exchange = build_exchange(
        method="GET",
        url=str(ws.url),
        request_headers=ws.headers,
        request_body=b"",
        operation=OPERATION,
        secrets=secrets,
        started_at=utc_now(),
    )
    transcript = _Transcript(state, secrets)
    headers = [
        (k, v)
        for k, v in ws.headers.items()
        if k.lower() not in _SKIP and not k.lower().startswith("sec-websocket-")
    ]
    protocols = [p.strip() for p in ws.headers.get("sec-websocket-protocol", "").split(",")]
    protocols = [p for p in protocols if p]
    close: dict[str, Any] = {}
    try:
        upstream = await connect(
            _ws_url(state, ws),
            additional_headers=headers,
            subprotocols=protocols or None,  # type: ignore[arg-type]
            open_timeout=OPEN_TIMEOUT_S,
            max_size=None,
            compression=None,
        )
    except InvalidStatus as exc:
        status = exc.response.status_code
        close = {"handshake_status": status}
        exchange.status, exchange.error = status, f"upstream refused the handshake: HTTP {status}"
        await _deny(ws, status, bytes(exc.response.body or b""))
    except (OSError, TimeoutError) as exc:
        close = {"error": type(exc).__name__}
        exchange.error = f"upstream WebSocket unreachable: {type(exc).__name__}: {exc}"
        await ws.close(code=1011)
    else:
        exchange.status = 101
        await ws.accept(subprotocol=upstream.subprotocol)
        close = await _pump(ws, upstream, transcript)
    exchange.elapsed_ms = (time.perf_counter() - started) * 1000
    exchange.websocket = {
        "url": exchange.request.url,
        "transcript": transcript.frames,
        "close": close,
    }
    session.observe(
        group,
        OPERATION,
        exchange,
        transcript.failures,
        realtime_event_types=sorted(transcript.types),
    )


async def _deny(ws: WebSocket, status: int, body: bytes) -> None:
    try:
        await ws.send_denial_response(Response(body, status_code=status))
    except RuntimeError:  # the server lacks the websocket.http.response extension
        await ws.close(code=1008)


async def _pump(ws: WebSocket, upstream: ClientConnection, t: _Transcript) -> dict[str, Any]:
    """Relay until one side closes; returns who closed and with which code."""
    close: dict[str, Any] = {}

    async def client_to_upstream() -> None:
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                close.setdefault("by", "client")
                close.setdefault("code", message.get("code", 1000))
                await upstream.close(code=int(close["code"]) if close["code"] != 1005 else 1000)
                return
            data = message.get("text")
            if data is None:
                data = message.get("bytes") or b""
            t.note(CLIENT, data)
            await upstream.send(data)

    async def upstream_to_client() -> None:
        try:
            async for data in upstream:
                t.note(SERVER, data)
                if isinstance(data, str):
                    await ws.send_text(data)
                else:
                    await ws.send_bytes(data)
        except ConnectionClosed:
            pass
        code = upstream.close_code or 1000
        close.setdefault("by", "server")
        close.setdefault("code", code)
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await ws.close(code=code if code not in (1005, 1006) else 1000)

    tasks = [
        asyncio.ensure_future(client_to_upstream()),
        asyncio.ensure_future(upstream_to_client()),
    ]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    for task in [*done, *pending]:
        with contextlib.suppress(asyncio.CancelledError, ConnectionClosed, WebSocketDisconnect):
            exc = await asyncio.gather(task, return_exceptions=True)
            if (
                exc
                and isinstance(exc[0], Exception)
                and not isinstance(exc[0], ConnectionClosed | WebSocketDisconnect | RuntimeError)
            ):
                close.setdefault("error", f"{type(exc[0]).__name__}: {exc[0]}")
    with contextlib.suppress(Exception):
        await upstream.close()
    return close
