"""A throwaway OpenAI-compatible target for the probe and discovery self-tests: models and
chat only (model id ``tiny-model``), every other path 404 ``{"detail": "Not Found"}`` like a
FastAPI server. Switches reproduce the answers the probe misread on real servers."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from openai_conformance.wire.serving import BackgroundServer

MODEL = "tiny-model"


@dataclass
class TinyTarget:
    """ASGI app. ``prefix`` is where the API lives; ``key`` makes every path answer 401 without
    it; ``statuses`` forces a status on ``"METHOD /path"`` (e.g. ``{"GET /files": 405}``);
    ``responses`` serves a streaming-only ``POST /responses``; ``models`` is what ``/models``
    lists (None: 404) and ``chat_models`` the ids chat accepts."""

    prefix: str = "/v1"
    key: str | None = None
    models: tuple[str, ...] | None = (MODEL,)
    chat_models: tuple[str, ...] = (MODEL,)  # what chat accepts (listed or not)
    statuses: dict[str, int] = field(default_factory=dict)
    responses: bool = False
    realtime: bool = False  # accept every WebSocket upgrade (then close on disconnect)
    refuse: tuple[str, ...] = ()  # chat parameters answered 400 (unsupported_parameter)
    crash_on_empty: bool = False  # a chat body without a model answers 500 (mockllm)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            if self.realtime and scope.get("path", "").startswith(self.prefix + "/realtime"):
                await receive()  # websocket.connect
                await send({"type": "websocket.accept"})
                while (await receive())["type"] != "websocket.disconnect":
                    pass
                return
            await send({"type": "websocket.close", "code": 1008})
            return
        raw = b""
        while True:
            message = await receive()
            raw += message.get("body", b"")
            if not message.get("more_body"):
                break
        status, body, sse = self.answer(scope, raw)
        kind = b"text/event-stream" if sse else b"application/json"
        headers = [(b"content-type", kind)]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def answer(self, scope: Any, raw: bytes) -> tuple[int, bytes, bool]:
        auth = dict(scope["headers"]).get(b"authorization", b"").decode()
        if self.key and auth != f"Bearer {self.key}":
            return (
                401,
                _dump({"error": {"message": "bad key", "type": "auth", "code": None}}),
                False,
            )
        path = scope["path"]
        if not path.startswith(self.prefix + "/"):
            return 404, _dump({"detail": "Not Found"}), False
        route = f"{scope['method']} {path[len(self.prefix) :]}"
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            return (
                400,
                _dump({"error": {"message": "bad json", "type": "invalid_request_error"}}),
                False,
            )
        streamed = route == "POST /responses" and self.responses and body.get("stream")
        if route in self.statuses and not streamed:
            return self.statuses[route], _dump({"detail": "forced"}), False
        if route == "GET /models" and self.models is not None:
            data = [
                {"id": m, "object": "model", "created": 1, "owned_by": "t"} for m in self.models
            ]
            return 200, _dump({"object": "list", "data": data}), False
        if route == "POST /chat/completions":
            return self.chat(body)
        if streamed:
            events = [{"type": "response.created"}, {"type": "response.completed"}]
            return 200, b"".join(b"data: " + _dump(e) + b"\n\n" for e in events), True
        return 404, _dump({"detail": "Not Found"}), False

    def chat(self, body: dict[str, Any]) -> tuple[int, bytes, bool]:
        model = body.get("model")
        if model is None and self.crash_on_empty:
            return 500, b"Internal Server Error", False
        if model not in self.chat_models:
            err = {"message": f"model {model!r} not found", "type": "invalid_request_error"}
            return (
                400,
                _dump({"error": {**err, "param": "model", "code": "model_not_found"}}),
                False,
            )
        refused = next((p for p in self.refuse if p in body), None)
        if refused is not None:
            err = {"message": f"{refused} is not supported", "type": "invalid_request_error"}
            return (
                400,
                _dump({"error": {**err, "param": refused, "code": "unsupported_parameter"}}),
                False,
            )
        created = int(time.time())
        if body.get("stream"):
            chunk = {
                "id": "c1",
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [{"index": 0, "delta": {"content": "OK"}, "finish_reason": "stop"}],
            }
            return 200, b"data: " + _dump(chunk) + b"\n\ndata: [DONE]\n\n", True
        message = {"role": "assistant", "content": "OK", "refusal": None}
        completion = {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": [
                {"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
        return 200, _dump(completion), False


def _dump(value: Any) -> bytes:
    return json.dumps(value).encode()


@contextmanager
def serving(target: TinyTarget) -> Iterator[BackgroundServer]:
    """``target`` on a loopback port; ``server.base_url`` ends in ``/v1``."""
    server = BackgroundServer(target, name="oaic-tiny-target")
    server.start()
    try:
        yield server
    finally:
        server.stop()
