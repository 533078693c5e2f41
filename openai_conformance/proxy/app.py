"""The validating reverse proxy as an ASGI app (starlette + one httpx.AsyncClient).

``create_proxy_app(session, upstream, reject=False)``: every request under ``/v1`` is

1. read and validated against the contract (``requestcheck``; findings attributed "client");
2. with ``reject`` and at least one finding: answered ``400`` with the OpenAI error envelope
   naming the first violation (``param`` = its pointer, ``code`` =
   ``oaic_request_violation``) and NOT forwarded; otherwise
3. forwarded to ``upstream + path-after-/v1`` with the client's headers (credentials
   included) minus hop-by-hop headers and ``x-oaic-exercise``, and ``Accept-Encoding:
   identity`` so the proxy judges the bytes it forwards;
4. answered: a plain response is read, then sent; an event stream (``text/event-stream``,
   or a 2xx answer to ``"stream": true``) is relayed chunk by chunk as the upstream sends it,
   never buffered, and parsed on the way with the harness's incremental ``sse.SSEParser``;
5. judged after the client has its answer (a background task, so judging adds no latency):
   ``responsecheck`` (attributed "server"), then the exchange and every finding go to the
   ``ProxySession``.

An unreachable upstream is answered 502 with the envelope and reported as a server failure
(``upstream_reachable``). ``/v1/realtime`` WebSockets are relayed by ``realtime.relay``.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route, WebSocketRoute

from ..checks.failures import Failure
from ..contract import requests as dispatch
from ..wire.exchange import Exchange, utc_now
from ..wire.sse import SSEParser
from .attribution import SERVER, attribute
from .evidence import build_exchange, request_secrets, respond
from .requestcheck import RequestVerdict, check_request
from .responsecheck import response_failures
from .session import LABEL_HEADER, UNMATCHED, ProxySession

SSE = "text/event-stream"
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
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
KEEP_STREAM_BYTES = 256 * 1024  # stream bytes kept for the evidence excerpt (events kept apart)
REJECT_CODE = "oaic_request_violation"


class ProxyState:
    """Per-app state: the session, upstream base URL, mode and the lazily created client."""

    def __init__(
        self, session: ProxySession, upstream: str, reject: bool, timeout: httpx.Timeout
    ) -> None:
        self.session = session
        self.upstream = upstream.rstrip("/")
        self.reject = reject
        self.timeout = timeout
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        # Created on first use, inside the server's event loop (an AsyncClient is loop-bound).
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=self.timeout,
                trust_env=False,
                follow_redirects=False,
                limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def create_proxy_app(
    session: ProxySession,
    upstream: str,
    *,
    reject: bool = False,
    timeout: httpx.Timeout | None = None,
) -> Starlette:
    from .realtime import relay

    state = ProxyState(
        session, upstream, reject, timeout or httpx.Timeout(600.0, connect=10.0, pool=30.0)
    )

    async def endpoint(request: Request) -> Response:
        return await handle(state, request)

    async def websocket(ws: Any) -> None:
        await relay(state, ws)

    routes: list[BaseRoute] = [
        WebSocketRoute("/v1/realtime", websocket),
        Route("/{path:path}", endpoint, methods=ALL_METHODS),
    ]
    app = Starlette(routes=routes)
    app.state.proxy = state
    return app


def forward_headers(headers: Any) -> list[tuple[str, str]]:
    out = [(k, v) for k, v in headers.items() if k.lower() not in HOP_BY_HOP]
    out.append(("accept-encoding", "identity"))
    return out


def upstream_url(state: ProxyState, request: Request) -> str:
    path = request.url.path
    sub = path[3:] if path.startswith("/v1/") else path
    query = request.url.query
    return state.upstream + sub + (f"?{query}" if query else "")


def _response_headers(headers: httpx.Headers) -> list[tuple[bytes, bytes]]:
    return [
        (k.lower().encode("latin-1"), v.encode("latin-1"))
        for k, v in headers.multi_items()
        if k.lower() not in HOP_BY_HOP
    ]


def _raw_response(
    content: bytes, status: int, headers: httpx.Headers, task: BackgroundTask
) -> Response:
    response = Response(content, status_code=status, background=task)
    response.raw_headers += _response_headers(headers)
    return response


async def handle(state: ProxyState, request: Request) -> Response:
    session = state.session
    session.begin()
    try:
        return await _handle(state, request)
    except BaseException:
        session.done()
        raise


async def _handle(state: ProxyState, request: Request) -> Response:
    session = state.session
    started_at, t0 = utc_now(), time.perf_counter()
    raw = await request.body()
    verdict = await check_request(session.spec, session.validator, request, raw)
    group = request.headers.get(LABEL_HEADER) or verdict.operation_id or UNMATCHED
    secrets = request_secrets(request.headers)
    exchange = build_exchange(
        method=request.method,
        url=str(request.url),
        request_headers=request.headers,
        request_body=raw,
        operation=verdict.operation_id,
        secrets=secrets,
        started_at=started_at,
    )
    if state.reject and verdict.failures:
        return _reject(state, verdict, exchange, group, t0)
    upstream_request = state.client.build_request(
        request.method,
        upstream_url(state, request),
        headers=forward_headers(request.headers),
        content=raw,
    )
    try:
        upstream = await state.client.send(upstream_request, stream=True)
    except httpx.HTTPError as exc:
        return _unreachable(state, verdict, exchange, group, t0, exc)
    ctype = upstream.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == SSE or (verdict.stream and upstream.status_code < 300):
        return _stream(state, verdict, exchange, group, upstream, t0, request, raw)
    try:
        content = await upstream.aread()
    finally:
        await upstream.aclose()
    respond(
        exchange,
        status=upstream.status_code,
        reason=upstream.reason_phrase,
        headers=upstream.headers,
        content=content,
        started=t0,
    )
    task = BackgroundTask(_judge, state, verdict, exchange, group, request, raw)
    return _raw_response(content, upstream.status_code, upstream.headers, task)


def _stream(
    state: ProxyState,
    verdict: RequestVerdict,
    exchange: Exchange,
    group: str,
    upstream: httpx.Response,
    t0: float,
    request: Request,
    raw: bytes,
) -> Response:
    parser = SSEParser()
    events: list[Any] = []
    kept: list[bytes] = []
    size = 0

    async def relay() -> AsyncIterator[bytes]:
        nonlocal size
        try:
            async for chunk in upstream.aiter_bytes():
                if size < KEEP_STREAM_BYTES:
                    kept.append(chunk)
                size += len(chunk)
                events.extend(parser.feed(chunk))
                yield chunk
        finally:
            await upstream.aclose()
            events.extend(parser.close())
            exchange.events = events
            exchange.findings = parser.findings
            respond(
                exchange,
                status=upstream.status_code,
                reason=upstream.reason_phrase,
                headers=upstream.headers,
                content=b"".join(kept),
                started=t0,
            )

    task = BackgroundTask(_judge, state, verdict, exchange, group, request, raw)
    response = StreamingResponse(relay(), status_code=upstream.status_code, background=task)
    response.raw_headers += _response_headers(upstream.headers)
    return response


async def _judge(
    state: ProxyState,
    verdict: RequestVerdict,
    exchange: Exchange,
    group: str,
    request: Request,
    raw: bytes,
) -> None:
    """After the answer: run the response checks and file everything (always calls done()).

    With the letter of the document at hand (not --strict-spec), the exchange is judged
    against it too; what only the letter flags is filed as findings labelled ``observed``."""
    session = state.session
    try:
        from ..checks import event_types
        from .calibration import observed_only

        failures = list(verdict.failures)
        failures += response_failures(exchange, verdict.operation, session.ctx)
        labelled = []
        letter = session.letter
        if letter is not None:
            by_letter = await check_request(letter.spec, letter.validator, request, raw)
            seen = list(by_letter.failures)
            seen += response_failures(exchange, by_letter.operation, letter.ctx)
            labelled = [("observed", f) for f in observed_only(failures, seen)]
        types = event_types(exchange) if exchange.events is not None else []
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


def _envelope(status: int, message: str, *, param: str | None, code: str) -> Response:
    import json

    body = {"error": {"message": message, "type": "invalid_request_error", "param": param}}
    body["error"]["code"] = code
    return Response(json.dumps(body), status_code=status, media_type="application/json")


def _reject(
    state: ProxyState, verdict: RequestVerdict, exchange: Exchange, group: str, t0: float
) -> Response:
    first = verdict.failures[0]
    more = len(verdict.failures) - 1
    where = f" at {first.pointer}" if first.pointer else ""
    message = (
        f"oaic proxy rejected the request ({first.check}){where}: {first.message}"
        + (f" (and {more} more violation(s))" if more else "")
        + ". The request was not forwarded."
    )
    param = dispatch.param_path(first.pointer) if first.pointer else None
    response = _envelope(400, message, param=param, code=REJECT_CODE)
    response.headers["x-oaic-proxy"] = "rejected"
    respond(
        exchange,
        status=400,
        reason="Bad Request",
        headers=httpx.Headers(dict(response.headers)),
        content=bytes(response.body),
        started=t0,
    )
    exchange.error = "rejected by oaic proxy --reject (not forwarded)"
    response.background = BackgroundTask(_file_only, state, verdict, exchange, group)
    return response


async def _file_only(
    state: ProxyState, verdict: RequestVerdict, exchange: Exchange, group: str
) -> None:
    try:
        state.session.observe(group, verdict.operation_id, exchange, list(verdict.failures))
    finally:
        state.session.done()


def _unreachable(
    state: ProxyState,
    verdict: RequestVerdict,
    exchange: Exchange,
    group: str,
    t0: float,
    exc: httpx.HTTPError,
) -> Response:
    reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    response = _envelope(
        502, f"oaic proxy could not reach the upstream: {reason}", param=None, code="bad_gateway"
    )
    exchange.error = reason
    exchange.elapsed_ms = (time.perf_counter() - t0) * 1000
    failure = attribute(
        Failure(
            title=f"upstream unreachable ({type(exc).__name__})",
            check="upstream_reachable",
            operation=verdict.operation_id,
            message=f"no response from the upstream: {reason}",
        ),
        SERVER,
    )
    verdict.failures.append(failure)
    response.background = BackgroundTask(_file_only, state, verdict, exchange, group)
    return response
