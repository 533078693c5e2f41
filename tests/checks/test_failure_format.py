"""Failure messages: every part present, secrets never, bodies truncated."""

from __future__ import annotations

import copy

from checks_support import CHAT_BODY, FakeExchange

from openai_conformance.checks import response_schema_conformance
from openai_conformance.checks.failures import (
    BODY_EXCERPT_BYTES,
    Failure,
    excerpt,
    register_secrets,
)
from openai_conformance.checks.outcomes import ConformanceFailure


def test_schema_failure_message_has_operation_check_pointer_expected_received_and_curl(ctx):
    body = copy.deepcopy(CHAT_BODY)
    body["choices"][0]["finish_reason"] = "done"
    exchange = FakeExchange(200, body, operation="POST /chat/completions")
    [failure] = response_schema_conformance(exchange, None, ctx)
    text = failure.format()
    lines = text.splitlines()
    assert lines[0] == (
        "FAIL response_schema_conformance · POST /chat/completions · core/response-schema (MUST)"
    )
    assert lines[1].startswith("  at /choices/0/finish_reason: 'done' is not one of")
    assert "expected: one of stop|length|tool_calls|content_filter|function_call" in lines[2]
    assert "received: 'done'" in lines[2]
    assert lines[3].startswith("  response: HTTP 200 OK  application/json  {")
    assert lines[4].startswith("  reproduce: curl -sS ")
    assert "$OPENAI_API_KEY" in lines[4]
    assert failure.evidence_seq == (7,)


def test_failure_text_never_shows_an_api_key():
    register_secrets(["sk-oaic-canary-registered-0123456789"])
    failure = Failure(
        title="t",
        check="c",
        message="echo: sk-oaic-canary-registered-0123456789 and sk-proj-abcdefghijklmnop",
        curl="curl -H 'Authorization: Bearer sk-live-zzzzzzzzzzzzzzzz' http://x",
        body_excerpt=excerpt(b'{"key": "sk-oaic-canary-registered-0123456789"}'),
        status_line="HTTP 400 Bad Request",
    )
    text = failure.format() + repr(failure.to_dict())
    assert "canary-registered" not in text
    assert "abcdefghijklmnop" not in text
    assert "zzzzzzzz" not in text
    assert "[REDACTED]" in text


def test_body_excerpt_is_truncated_to_2_kib():
    cut = excerpt(b"x" * 10_000)
    assert cut.startswith("x" * BODY_EXCERPT_BYTES)
    assert cut.endswith("[10000 bytes, truncated]")


def test_conformance_failure_renders_every_failure():
    exc = ConformanceFailure([Failure(title="a", check="one"), Failure(title="b", check="two")])
    assert "FAIL one" in str(exc) and "FAIL two" in str(exc)
    assert isinstance(exc, AssertionError)


def test_failure_round_trips_through_its_dict():
    failure = Failure(title="t", check="c", pointer="/a", evidence_seq=(1, 2))
    assert Failure.from_dict(failure.to_dict()) == failure
