"""Support for the harness self-tests: a misbehaving HTTP target started in-thread.

``target`` is a starlette app served by uvicorn on a free loopback port. Each route is a
named misbehaviour the harness must survive or report (hang, trickle, 429 with Retry-After,
HTML body, SSE framings, a WebSocket echo). ``garbage_port`` speaks no HTTP at all and
``dead_port`` has nothing listening.
"""

from __future__ import annotations

import asyncio
import collections
import json
import socket
import threading
import time
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from openai_conformance.target.config import RunConfig
from openai_conformance.wire.redact import Secret
from openai_conformance.wire.settings import Timeouts

CANARY = "sk-oaic-canary-7f3a9c1e5b2d4086a1c3e5f7"
HITS: collections.Counter[str] = collections.Counter()


async def echo(request: Request) -> Response:
    body = await request.body()
    return JSONResponse(
        {
            "method": request.method,
            "path": request.url.path,
            "query": dict(request.query_params),
            "headers": dict(request.headers),
            "body": body.decode("utf-8", "replace"),
        }
    )


async def flaky(request: Request) -> Response:
    """First ``fail`` calls (per ``key``) answer ``status`` with ``Retry-After: after``."""
    key = request.query_params["key"]
    HITS[key] += 1
    if HITS[key] <= int(request.query_params.get("fail", "1")):
        headers = {}
        if "after" in request.query_params:
            headers["Retry-After"] = request.query_params["after"]
        status = int(request.query_params.get("status", "429"))
        err = {"error": {"message": "slow down", "type": "rate_limit", "param": None, "code": None}}
        return JSONResponse(err, status_code=status, headers=headers)
    return JSONResponse({"ok": True, "attempt": HITS[key]})


async def hang(request: Request) -> Response:
    await asyncio.sleep(float(request.query_params.get("s", "30")))
    return JSONResponse({"late": True})


async def trickle_body(request: Request) -> Response:
    async def gen() -> Any:
        yield b'{"a": '
        for _ in range(400):
            await asyncio.sleep(0.05)
            yield b" "

    return StreamingResponse(gen(), media_type="application/json")


async def html(request: Request) -> Response:
    return Response("<html><body>502 Bad Gateway</body></html>", media_type="text/html")


async def sse(request: Request) -> Response:
    payload = request.query_params.get("raw", 'data: {"n": 1}\n\ndata: [DONE]\n\n')

    async def gen() -> Any:
        for i in range(0, len(payload), 7):  # small chunks: boundaries everywhere
            yield payload[i : i + 7].encode()

    return StreamingResponse(gen(), media_type="text/event-stream")


async def sse_stall(request: Request) -> Response:
    async def gen() -> Any:
        yield b'data: {"n": 1}\n\n'
        await asyncio.sleep(30)
        yield b"data: [DONE]\n\n"

    return StreamingResponse(gen(), media_type="text/event-stream")


async def sse_keepalive_forever(request: Request) -> Response:
    async def gen() -> Any:
        yield b'data: {"n": 1}\n\n'
        for _ in range(600):
            await asyncio.sleep(0.05)
            yield b": keep-alive\n\n"

    return StreamingResponse(gen(), media_type="text/event-stream")


STATES = ["validating", "in_progress", "in_progress", "finalizing", "completed"]


async def job(request: Request) -> Response:
    key = "job-" + request.path_params["ident"]
    HITS[key] += 1
    state = STATES[min(HITS[key] - 1, len(STATES) - 1)]
    if request.path_params["ident"].startswith("stuck"):
        state = "in_progress"
    if request.path_params["ident"].startswith("gone") and HITS[key] > 1:
        err = {"error": {"message": "No such job", "type": "invalid_request_error"}}
        return JSONResponse(err, status_code=404)
    return JSONResponse({"id": request.path_params["ident"], "status": state})


async def ws_echo(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text(
        json.dumps(
            {"type": "session.created", "auth": bool(websocket.headers.get("authorization"))}
        )
    )
    try:
        while True:
            text = await websocket.receive_text()
            msg = json.loads(text)
            if msg.get("type") == "silence":
                continue
            await websocket.send_text(json.dumps({"type": "echo", "got": msg}))
    except Exception:
        return


async def ws_forbidden(request: Request) -> Response:
    return JSONResponse({"error": {"message": "no realtime here"}}, status_code=404)


APP = Starlette(
    routes=[
        Route("/v1/echo", echo, methods=["GET", "POST", "DELETE"]),
        Route("/v1/flaky", flaky, methods=["GET", "POST"]),
        Route("/v1/hang", hang),
        Route("/v1/trickle", trickle_body),
        Route("/v1/html", html),
        Route("/v1/sse", sse, methods=["GET", "POST"]),
        Route("/v1/sse/stall", sse_stall, methods=["GET", "POST"]),
        Route("/v1/sse/keepalive", sse_keepalive_forever, methods=["GET", "POST"]),
        Route("/v1/jobs/{ident}", job),
        WebSocketRoute("/v1/realtime", ws_echo),
    ]
)


class Target:
    """uvicorn in a daemon thread on a free loopback port."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        ws = "websockets-sansio"
        try:
            from uvicorn.protocols.websockets import websockets_sansio_impl  # noqa: F401
        except ImportError:
            ws = "auto"
        config = uvicorn.Config(
            APP,
            log_level="critical",
            lifespan="off",
            access_log=False,
            ws=ws,
            timeout_graceful_shutdown=1,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def start(self) -> Target:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("test target did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.server.force_exit = True
        self.thread.join(timeout=5)
        self.sock.close()


def make_config(base_url: str | None, **overrides: Any) -> RunConfig:
    """A RunConfig for tests: small timeouts, the canary key, a fixed run id."""
    values: dict[str, Any] = {
        "base_url": base_url,
        "api_key": Secret(CANARY),
        "timeouts": Timeouts(connect=1.0, read=1.0, total=2.0, stream_total=2.0, stream_idle=0.5),
        "run_id": "test",
        "retry_after_cap": 0.3,
    }
    values.update(overrides)
    return RunConfig(**values)
