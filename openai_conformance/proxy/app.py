"""The validating reverse proxy as a raw ASGI app: a lean forwarding path, judging elsewhere.

``create_proxy_app(session, upstream, reject=False)``: every HTTP request is

1. read (the body as bytes); with ``reject`` it is validated against the contract first
   (``requestcheck``; findings attributed "client") and, with at least one finding, answered
   ``400`` with the OpenAI error envelope naming the first violation (``param`` = its
   pointer, ``code`` = ``oaic_request_violation``) and NOT forwarded; otherwise
2. forwarded to ``upstream + path-after-/v1`` over one reused ``httpcore`` connection pool,
   with the client's headers (credentials included) minus hop-by-hop headers and
   ``x-oaic-exercise``, and ``Accept-Encoding: identity`` so the proxy judges the bytes it
   forwards;
3. answered with raw ASGI messages: a plain response is read, then sent in one message; an
   event stream (``text/event-stream``, or a 2xx answer to ``"stream": true``) is relayed
   chunk by chunk as the upstream sends it, never buffered, and parsed on the way with the
   harness's incremental ``sse.SSEParser``;
4. judged after the client has its answer, on the ``judge.Judge`` thread: request validation
   (unless ``reject`` did it already), the redacted exchange (``evidence``), ``responsecheck``
   (attributed "server"), then the exchange and every finding go to the ``ProxySession``.

No framework request/response objects are built on the forwarding path (a per-hop cost of
about a millisecond on a loaded 2-core machine); the requestcheck/responsecheck/session
interfaces are the same as for offline judging.

An unreachable upstream is answered 502 with the envelope and reported as a server failure
(``upstream_reachable``). ``/v1/realtime`` WebSockets are relayed by ``realtime.relay``.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import httpcore
import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import WebSocketRoute

from ..checks.failures import Failure
from ..contract import requests as dispatch
from ..wire.exchange import Exchange, utc_now
from ..wire.sse import SSEParser
from .attribution import SERVER, attribute
from .evidence import build_exchange, request_secrets, respond
from .judge import Judge
from .requestcheck import RequestVerdict, check_request
from .responsecheck import response_failures
from .session import LABEL_HEADER, UNMATCHED, ProxySession

SSE = "text/event-stream"
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
        "content-encoding",
        "accept-encoding",
        LABEL_HEADER,
    }
)
_HOP_BY_HOP_RAW = frozenset(h.encode("latin-1") for h in HOP_BY_HOP)
_NO_BODY_STATUS = frozenset({204, 304})
KEEP_STREAM_BYTES = 256 * 1024  # stream bytes kept for the evidence excerpt (events kept apart)
REJECT_CODE = "oaic_request_violation"
# What an upstream that cannot be reached (or breaks the connection) raises in httpcore.
UPSTREAM_ERRORS = (
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.UnsupportedProtocol,
    OSError,
)


class ProxyState:
    """Per-app state: the session, upstream base URL, mode, connection pool and judge."""

    def __init__(
        self, session: ProxySession, upstream: str, reject: bool, timeout: httpx.Timeout
    ) -> None:
        self.session = session
        self.upstream = upstream.rstrip("/")
        self.reject = reject
        self.timeout = timeout
        self.judge = Judge()
        base = httpx.URL(self.upstream)
        self._scheme = base.raw_scheme
        self._host = base.raw_host
        if b":" in self._host:  # an IPv6 literal: bracketed in the Host header
            self._host_literal = b"[" + self._host + b"]"
        else:
            self._host_literal = self._host
        self._port = base.port
        self._prefix = base.raw_path.rstrip(b"/")
        default_port = {b"http": 80, b"https": 443}.get(self._scheme)
        self.host_header = (
            self._host
            if self._port in (None, default_port)
            else b"%b:%d" % (self._host, self._port)
        )
        self.extensions = {
            "timeout": {
                "connect": timeout.connect,
                "read": timeout.read,
                "write": timeout.write,
                "pool": timeout.pool,
            }
        }
        self._pool: httpcore.AsyncConnectionPool | None = None

    @property
    def pool(self) -> httpcore.AsyncConnectionPool:
        # Created on first use, inside the server's event loop (the pool is loop-bound).
        if self._pool is None:
            self._pool = httpcore.AsyncConnectionPool(
                max_connections=200, max_keepalive_connections=50, keepalive_expiry=30.0
            )
        return self._pool

    def target(self, scope: dict[str, Any]) -> httpcore.URL:
        """The upstream URL: the base URL's path + the client's raw path after ``/v1``."""
        raw: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
        raw = raw.split(b"?", 1)[0]
        sub = raw[3:] if raw.startswith(b"/v1/") else raw
        query: bytes = scope.get("query_string") or b""
        target = self._prefix + sub + (b"?" + query if query else b"")
        return httpcore.URL(scheme=self._scheme, host=self._host, port=self._port, target=target)

    async def aclose(self) -> None:
        self.judge.close()
        if self._pool is not None:
            await self._pool.aclose()
            self._pool = None


class ProxyApp:
    """The ASGI callable: HTTP on the lean path, WebSockets through a small starlette router."""

    def __init__(self, state: ProxyState) -> None:
        from .realtime import relay

        async def websocket(ws: Any) -> None:
            await relay(state, ws)

        self.proxy = state
        self.state = SimpleNamespace(proxy=state)
        self._ws = Starlette(routes=[WebSocketRoute("/v1/realtime", websocket)])

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            await handle(self.proxy, scope, receive, send)
        else:
            await self._ws(scope, receive, send)


def create_proxy_app(
    session: ProxySession,
    upstream: str,
    *,
    reject: bool = False,
    timeout: httpx.Timeout | None = None,
) -> ProxyApp:
    state = ProxyState(
        session, upstream, reject, timeout or httpx.Timeout(600.0, connect=10.0, pool=30.0)
    )
    return ProxyApp(state)


@dataclass
class Hop:
    """One relayed request and what came back: everything the judge needs, nothing built yet."""

    scope: dict[str, Any]
    body: bytes
    started_at: str
    t0: float
    verdict: RequestVerdict | None = None  # already checked (``--reject``)
    status: int | None = None
    reason: str = ""
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    content: bytes = b""
    elapsed_ms: float = 0.0
    events: list[Any] | None = None
    sse_findings: list[Any] = field(default_factory=list)
    error: str | None = None
    unreachable: str | None = None  # exception class name: the upstream never answered
    rejected: bool = False


async def handle(state: ProxyState, scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answer one HTTP request; its judging is queued on the judge (``done()`` is always paired)."""
    session = state.session
    session.begin()
    hop: Hop | None = None
    try:
        body = await _read_body(receive)
        if body is None:
            return  # the client left before it finished sending: nothing to forward or judge
        hop = Hop(scope, body, utc_now(), time.perf_counter())
        await _answer(state, hop, receive, send)
    finally:
        if hop is None:
            session.done()
        else:
            job = _judge(state, hop)
            try:
                state.judge.submit(job)
            except BaseException:  # never submitted: nothing else will call done()
                job.close()
                session.done()
                raise


async def _read_body(receive: Any) -> bytes | None:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def _answer(state: ProxyState, hop: Hop, receive: Any, send: Any) -> None:
    scope = hop.scope
    if state.reject:
        session = state.session
        request = Request(scope)
        hop.verdict = await check_request(session.spec, session.validator, request, hop.body)
        if hop.verdict.failures:
            await _reject(hop, send)
            return
    headers = [
        (k, v) for k, v in scope["headers"] if k not in _HOP_BY_HOP_RAW and k != b"accept-encoding"
    ]
    headers.append((b"accept-encoding", b"identity"))
    headers.append((b"host", state.host_header))
    if hop.body or scope["method"] not in ("GET", "HEAD", "DELETE", "OPTIONS"):
        headers.append((b"content-length", str(len(hop.body)).encode("latin-1")))
    upstream_request = httpcore.Request(
        scope["method"],
        state.target(scope),
        headers=headers,
        content=hop.body,
        extensions=state.extensions,
    )
    try:
        upstream = await state.pool.handle_async_request(upstream_request)
    except UPSTREAM_ERRORS as exc:
        await _unreachable(hop, exc, send)
        return
    try:
        hop.status = upstream.status
        reason = upstream.extensions.get("reason_phrase", b"")
        hop.reason = reason.decode("latin-1") if isinstance(reason, bytes) else str(reason)
        hop.headers = list(upstream.headers)
        out = [(k.lower(), v) for k, v in hop.headers if k.lower() not in _HOP_BY_HOP_RAW]
        ctype = _content_type(hop.headers)
        if ctype == SSE or (upstream.status < 300 and _asks_stream(hop)):
            await _stream(hop, upstream, out, receive, send)
        else:
            chunks = [chunk async for chunk in upstream.aiter_stream()]
            hop.content = b"".join(chunks)
            hop.elapsed_ms = (time.perf_counter() - hop.t0) * 1000
            if scope["method"] == "HEAD":
                out += [(k.lower(), v) for k, v in hop.headers if k.lower() == b"content-length"]
            elif upstream.status >= 200 and upstream.status not in _NO_BODY_STATUS:
                out.append((b"content-length", str(len(hop.content)).encode("latin-1")))
            await send({"type": "http.response.start", "status": upstream.status, "headers": out})
            await send({"type": "http.response.body", "body": hop.content})
    finally:
        await upstream.aclose()


def _content_type(headers: list[tuple[bytes, bytes]]) -> str:
    for key, value in headers:
        if key.lower() == b"content-type":
            return value.decode("latin-1").split(";")[0].strip().lower()
    return ""


def _asks_stream(hop: Hop) -> bool:
    """Did the body ask for a stream (``"stream": true``)? Cheap unless the word is there."""
    if hop.verdict is not None:
        return hop.verdict.stream
    if b'"stream"' not in hop.body:
        return False
    try:
        body = json.loads(hop.body)
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("stream") is True


async def _stream(
    hop: Hop, upstream: httpcore.Response, out: list[tuple[bytes, bytes]], receive: Any, send: Any
) -> None:
    """Relay an event stream chunk by chunk, parsing it on the way (stops if the client leaves)."""
    parser = SSEParser()
    events: list[Any] = []
    kept: list[bytes] = []
    size = 0
    hop.events = events
    gone = asyncio.ensure_future(receive())  # completes with http.disconnect
    try:
        await send({"type": "http.response.start", "status": hop.status, "headers": out})
        async for chunk in upstream.aiter_stream():
            if size < KEEP_STREAM_BYTES:
                kept.append(chunk)
            size += len(chunk)
            events.extend(parser.feed(chunk))
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            if gone.done():
                hop.error = "the client disconnected before the stream ended"
                break
        else:
            await send({"type": "http.response.body", "body": b""})
    finally:
        if not gone.done():
            gone.cancel()
        events.extend(parser.close())
        hop.sse_findings = parser.findings
        hop.content = b"".join(kept)
        hop.elapsed_ms = (time.perf_counter() - hop.t0) * 1000


async def _judge(state: ProxyState, hop: Hop) -> None:
    """On the judge thread: check, build the exchange, file everything (always calls done())."""
    session = state.session
    try:
        from ..checks import event_types

        request = Request(hop.scope)
        verdict = hop.verdict
        if verdict is None:
            verdict = await check_request(session.spec, session.validator, request, hop.body)
        group = request.headers.get(LABEL_HEADER) or verdict.operation_id or UNMATCHED
        exchange = build_exchange(
            method=request.method,
            url=str(request.url),
            request_headers=request.headers,
            request_body=hop.body,
            operation=verdict.operation_id,
            secrets=request_secrets(request.headers),
            started_at=hop.started_at,
        )
        failures = list(verdict.failures)
        if hop.status is not None:
            respond(
                exchange,
                status=hop.status,
                reason=hop.reason,
                headers=httpx.Headers(hop.headers),
                content=hop.content,
                started=hop.t0,
            )
            exchange.elapsed_ms = hop.elapsed_ms
        exchange.error = hop.error
        types: list[str] = []
        if hop.events is not None:
            exchange.events = hop.events
            exchange.findings = hop.sse_findings
            types = event_types(exchange)
        labelled: list[tuple[str, Failure]] = []
        if hop.unreachable is not None:
            exchange.elapsed_ms = hop.elapsed_ms
            failures.append(_unreachable_failure(verdict, hop))
        elif not hop.rejected:
            failures += response_failures(exchange, verdict.operation, session.ctx)
            labelled = await _by_letter(session, request, hop.body, exchange, failures)
        session.observe(
            group,
            verdict.operation_id,
            exchange,
            failures,
            sse_event_types=types,
            labelled=labelled,
        )
    finally:
        session.done()


async def _by_letter(
    session: ProxySession,
    request: Request,
    body: bytes,
    exchange: Exchange,
    failures: list[Failure],
) -> list[tuple[str, Failure]]:
    """With the letter of the document at hand (not --strict-spec), the exchange is judged
    against it too; what only the letter flags is filed as findings labelled ``observed``."""
    from .calibration import observed_only

    letter = session.letter
    if letter is None:
        return []
    by_letter = await check_request(letter.spec, letter.validator, request, body)
    seen = list(by_letter.failures)
    seen += response_failures(exchange, by_letter.operation, letter.ctx)
    return [("observed", f) for f in observed_only(failures, seen)]


def _envelope(status: int, message: str, *, param: str | None, code: str) -> Response:
    body = {"error": {"message": message, "type": "invalid_request_error", "param": param}}
    body["error"]["code"] = code
    return Response(json.dumps(body), status_code=status, media_type="application/json")


async def _reject(hop: Hop, send: Any) -> None:
    assert hop.verdict is not None
    failures = hop.verdict.failures
    first, more = failures[0], len(failures) - 1
    where = f" at {first.pointer}" if first.pointer else ""
    message = (
        f"oaic proxy rejected the request ({first.check}){where}: {first.message}"
        + (f" (and {more} more violation(s))" if more else "")
        + ". The request was not forwarded."
    )
    param = dispatch.param_path(first.pointer) if first.pointer else None
    response = _envelope(400, message, param=param, code=REJECT_CODE)
    response.headers["x-oaic-proxy"] = "rejected"
    hop.status, hop.reason, hop.content = 400, "Bad Request", bytes(response.body)
    hop.headers = list(response.raw_headers)
    hop.elapsed_ms = (time.perf_counter() - hop.t0) * 1000
    hop.error = "rejected by oaic proxy --reject (not forwarded)"
    hop.rejected = True
    await _send_response(response, send)


async def _unreachable(hop: Hop, exc: BaseException, send: Any) -> None:
    reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    response = _envelope(
        502, f"oaic proxy could not reach the upstream: {reason}", param=None, code="bad_gateway"
    )
    hop.error, hop.unreachable = reason, type(exc).__name__
    hop.elapsed_ms = (time.perf_counter() - hop.t0) * 1000
    await _send_response(response, send)


async def _send_response(response: Response, send: Any) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": response.status_code,
            "headers": response.raw_headers,
        }
    )
    await send({"type": "http.response.body", "body": bytes(response.body)})


def _unreachable_failure(verdict: RequestVerdict, hop: Hop) -> Failure:
    return attribute(
        Failure(
            title=f"upstream unreachable ({hop.unreachable})",
            check="upstream_reachable",
            operation=verdict.operation_id,
            message=f"no response from the upstream: {hop.error}",
        ),
        SERVER,
    )
