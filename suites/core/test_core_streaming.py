"""Streams: the media type, per-event schemas and canonical SSE framing of a chat stream."""

from __future__ import annotations

from typing import Any

import pytest

from openai_conformance.checks import (
    raise_failures,
    sse_framing_conformance,
    stream_event_schema_conformance,
)
from openai_conformance.checks.context import CheckContext
from openai_conformance.wire.client import ConformanceClient

OP = "POST /chat/completions"


def _stream(client: ConformanceClient, chat_request: dict[str, Any]) -> Any:
    with client.stream("POST", "/chat/completions", json={**chat_request, "stream": True}) as s:
        for _ in s.events():
            pass
    return s.exchange


@pytest.mark.requirement("core/stream-event-schema")
def test_chat_stream_events_match_the_chunk_schema(
    client: ConformanceClient, check_ctx: CheckContext, chat_request: dict[str, Any]
) -> None:
    exchange = _stream(client, chat_request)
    raise_failures(stream_event_schema_conformance(exchange, OP, check_ctx))


@pytest.mark.requirement("core/sse-framing")
def test_chat_stream_uses_canonical_sse_framing(
    client: ConformanceClient, check_ctx: CheckContext, chat_request: dict[str, Any]
) -> None:
    exchange = _stream(client, chat_request)
    raise_failures(sse_framing_conformance(exchange, OP, check_ctx), strict=True)
