"""Streams pass through unbuffered and are judged; the realtime relay judges both directions."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Iterator

import pytest
import uvicorn
from proxy_support import KEY, client_for, findings, titles
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route
from websockets.sync.client import connect

from openai_conformance.proxy.server import ValidatingProxy

GATE_TIMEOUT_S = 10.0
CHUNK = {
    "id": "chatcmpl-1",
    "object": "chat.completion.chunk",
    "created": 1,
    "model": "m",
    "choices": [{"index": 0, "delta": {"role": "assistant", "content": "hi"}}],
}


class SlowUpstream:
    """Sends one chat chunk, then waits for ``gate`` before sending the rest and [DONE]."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.finished = threading.Event()

        async def stream(request: Request) -> StreamingResponse:
            async def body() -> AsyncIterator[bytes]:
                yield f"data: {json.dumps(CHUNK)}\n\n".encode()
                await asyncio.to_thread(self.gate.wait, GATE_TIMEOUT_S)
                yield f"data: {json.dumps(CHUNK)}\n\ndata: [DONE]\n\n".encode()
                self.finished.set()

            return StreamingResponse(body(), media_type="text/event-stream")

        app = Starlette(routes=[Route("/v1/chat/completions", stream, methods=["POST"])])
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
        )

    def __enter__(self) -> str:
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        while not self.server.started:
            self.thread.join(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/v1"

    def __exit__(self, *exc: object) -> None:
        self.gate.set()
        self.server.should_exit = True
        self.thread.join(5)


@pytest.fixture(scope="module")
def slow() -> Iterator[tuple[SlowUpstream, ValidatingProxy]]:
    upstream = SlowUpstream()
    with upstream as url, ValidatingProxy(url) as p:
        yield upstream, p


def test_first_sse_event_arrives_before_the_upstream_finishes(slow) -> None:
    upstream, p = slow
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    with client_for(p, "unbuffered") as c, c.stream("POST", "/chat/completions", json=body) as r:
        lines = r.iter_lines()
        first = next(line for line in lines if line)
        assert first.startswith("data: {") and not upstream.finished.is_set()
        upstream.gate.set()
        rest = [line for line in lines if line]
    assert rest[-1] == "data: [DONE]" and upstream.finished.is_set()
    client = [f for f in findings(p, "unbuffered") if f.title.startswith("client sent:")]
    assert client == []
    assert p.session.snapshot()["unbuffered"].sse_event_types == {"chat.completion.chunk"}


def test_stream_events_are_judged_against_the_event_schema(proxy: ValidatingProxy) -> None:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    fault = {"x-oaic-fault": "chat-stream-tool-call-no-index"}
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
    body = {**body, "stream": True, "tools": tools, "tool_choice": "required"}
    with (
        client_for(proxy, "stream-schema", **fault) as c,
        c.stream("POST", "/chat/completions", json=body) as r,
    ):
        assert r.status_code == 200
        r.read()
    failures = findings(proxy, "stream-schema")
    assert failures, "a tool-call delta without index must be found"
    assert {f.check for f in failures} == {"stream_event_schema_conformance"}, titles(failures)
    assert all(f.title.startswith("server returned:") for f in failures)


def test_realtime_relay_judges_client_and_server_events(proxy: ValidatingProxy) -> None:
    url = proxy.base_url.replace("http://", "ws://") + "/realtime?model=gpt-realtime"
    headers = {
        "Authorization": f"Bearer {KEY}",
        "x-oaic-exercise": "realtime",
        "x-oaic-fault": "realtime-event-wrong-schema",
    }
    with connect(url, additional_headers=headers, open_timeout=10) as ws:
        ws.recv(timeout=10)  # session.created
        ws.send(json.dumps({"type": "session.update", "session": {"type": 42}}))
        ws.recv(timeout=10)  # the server's error event
    failures = findings(proxy, "realtime")
    checks = {f.check for f in failures}
    assert checks == {"client_event_schema_conformance", "server_event_schema_conformance"}
    client = [f for f in failures if f.check == "client_event_schema_conformance"]
    assert all(f.title.startswith("client sent:") for f in client), titles(client)
    group = proxy.session.snapshot()["realtime"]
    assert "session.created" in group.realtime_event_types
