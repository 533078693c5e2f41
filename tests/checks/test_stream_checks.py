"""Unit level: SSE framing findings and per-event schema validation of streams."""

from __future__ import annotations

import json

from checks_support import FakeEvent, FakeExchange, FakeFinding

from openai_conformance.checks import (
    event_types,
    sse_framing_conformance,
    stream_event_schema_conformance,
)

CHAT = "POST /chat/completions"
CHUNK = {
    "id": "chatcmpl-1",
    "object": "chat.completion.chunk",
    "created": 1700000000,
    "model": "ref-chat",
    "choices": [
        {"index": 0, "delta": {"role": "assistant", "content": "OK"}, "finish_reason": None}
    ],
}


def _stream(*datas: str, findings=None, ctype="text/event-stream") -> FakeExchange:
    events = [FakeEvent(d) for d in datas]
    return FakeExchange(200, "", content_type=ctype, events=events, findings=findings or [])


def test_chat_stream_with_valid_chunks_and_done_passes(ctx):
    exchange = _stream(json.dumps(CHUNK), "[DONE]")
    assert stream_event_schema_conformance(exchange, CHAT, ctx) == []
    assert event_types(exchange) == ["chat.completion.chunk"]


def test_event_violating_its_schema_fails_with_event_pointer(ctx):
    bad = {**CHUNK, "created": "now"}
    [failure] = stream_event_schema_conformance(_stream(json.dumps(bad), "[DONE]"), CHAT, ctx)
    assert failure.pointer == "/events/0/created"
    assert failure.requirement == "core/stream-event-schema"


def test_responses_stream_events_are_validated_against_their_variant(ctx):
    event = {"type": "response.output_text.delta", "sequence_number": "3"}
    failures = stream_event_schema_conformance(_stream(json.dumps(event)), "POST /responses", ctx)
    assert any(f.pointer == "/events/0/sequence_number" for f in failures)
    assert all("any of the given schemas" not in f.message for f in failures)


def test_done_marker_is_a_failure_outside_chat_completions(ctx):
    failures = stream_event_schema_conformance(_stream("[DONE]"), "POST /responses", ctx)
    assert [f.title for f in failures] == ["unexpected [DONE]"]


def test_events_after_done_fail(ctx):
    failures = stream_event_schema_conformance(
        _stream(json.dumps(CHUNK), "[DONE]", json.dumps(CHUNK)), CHAT, ctx
    )
    assert [f.title for f in failures] == ["events after [DONE]"]


def test_non_json_event_fails(ctx):
    [failure] = stream_event_schema_conformance(_stream("hello", "[DONE]"), CHAT, ctx)
    assert failure.title == "event 0 is not JSON"


def test_stream_with_json_content_type_fails(ctx):
    exchange = _stream(json.dumps(CHUNK), "[DONE]", ctype="application/json")
    [failure] = stream_event_schema_conformance(exchange, CHAT, ctx)
    assert failure.expected == "text/event-stream"


def test_framing_findings_become_should_failures_and_keepalives_do_not(ctx):
    clean = _stream(json.dumps(CHUNK), findings=[FakeFinding("comment", ": keep-alive")])
    assert sse_framing_conformance(clean, CHAT, ctx) == []
    sloppy = _stream(json.dumps(CHUNK), findings=[FakeFinding("data-without-space", "line 1")])
    [failure] = sse_framing_conformance(sloppy, CHAT, ctx)
    assert failure.level == "SHOULD"
    assert "line 1" in failure.message
