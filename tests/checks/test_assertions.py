"""Unit level: the domain assertions raise the right outcome exceptions."""

from __future__ import annotations

import pytest
from checks_support import CHAT_BODY, ERROR_BODY, MODELS_BODY, FakeExchange

from openai_conformance.checks import (
    assert_conforms,
    assert_error,
    findings,
)
from openai_conformance.checks.outcomes import ConformanceFailure


def test_assert_conforms_returns_the_body_of_a_conformant_exchange(ctx):
    assert assert_conforms(FakeExchange(200, MODELS_BODY), "GET /models", ctx=ctx) == MODELS_BODY


def test_assert_conforms_raises_with_every_must_failure(ctx):
    bad = FakeExchange(200, {"object": "list", "data": [{"id": 1}]}, content_type="text/plain")
    with pytest.raises(ConformanceFailure) as info:
        assert_conforms(bad, "GET /models", ctx=ctx)
    checks = {f.check for f in info.value.failures}
    assert checks == {"content_type_conformance", "response_schema_conformance"}


def test_assert_conforms_records_should_findings_without_failing(ctx):
    exchange = FakeExchange(200, CHAT_BODY)
    del exchange.headers["x-request-id"]
    findings.begin()
    assert_conforms(exchange, "POST /chat/completions", ctx=ctx)
    [finding] = findings.take()
    assert finding.check == "request_id_header_conformance"


def test_assert_error_fails_when_the_error_does_not_happen(ctx):
    with pytest.raises(ConformanceFailure) as info:
        assert_error(FakeExchange(200, CHAT_BODY), 400, param="messages", ctx=ctx)
    [failure] = info.value.failures
    assert failure.title == "expected an error 400, got 200"
    assert failure.actual and failure.actual.startswith("200 {")


def test_assert_error_checks_param_and_code(ctx):
    error = assert_error(FakeExchange(400, ERROR_BODY), 400, param="model", ctx=ctx)
    assert error["type"] == "invalid_request_error"
    with pytest.raises(ConformanceFailure) as info:
        assert_error(FakeExchange(400, ERROR_BODY), 400, param="messages", code="x", ctx=ctx)
    assert {f.pointer for f in info.value.failures} == {"/error/param", "/error/code"}


def test_assert_error_accepts_several_statuses(ctx):
    assert_error(FakeExchange(404, ERROR_BODY), (400, 404), ctx=ctx)
