"""Helpers for the check self-tests: a crafted exchange and known-good/bad bodies."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FakeEvent:
    data: str
    event: str | None = None


@dataclass
class FakeFinding:
    kind: str
    detail: str = ""


@dataclass
class FakeExchange:
    """The attributes checks read from the harness's Exchange (see checks/exchange.py)."""

    status: int
    body: Any = None
    content_type: str | None = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    operation: str | None = None
    events: list[FakeEvent] | None = None
    findings: list[FakeFinding] | None = None
    seq: int = 7
    reason: str = ""

    def __post_init__(self) -> None:
        if self.content_type is not None:
            self.headers.setdefault("content-type", self.content_type)
        self.headers.setdefault("x-request-id", "req_123")
        if isinstance(self.body, bytes):
            self.content = self.body
        elif isinstance(self.body, str):
            self.content = self.body.encode()
        elif self.body is None:
            self.content = b""
        else:
            self.content = json.dumps(self.body).encode()

    def curl(self) -> str:
        return (
            "curl -sS http://127.0.0.1:1/v1/chat/completions "
            "-H 'Authorization: Bearer $OPENAI_API_KEY' --data-raw '{}'"
        )


ERROR_BODY = {
    "error": {"message": "bad", "type": "invalid_request_error", "param": "model", "code": None}
}
MODELS_BODY = {
    "object": "list",
    "data": [{"id": "ref-chat", "object": "model", "created": 1700000000, "owned_by": "oaic"}],
}
CHAT_BODY = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1700000000,
    "model": "ref-chat",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "OK", "refusal": None},
            "finish_reason": "stop",
            "logprobs": None,
        }
    ],
    "usage": {"prompt_tokens": 2, "completion_tokens": 1, "total_tokens": 3},
}
