"""Errors: unknown routes and models, invalid requests and the error envelope."""

from __future__ import annotations

from typing import Any

import pytest

from openai_conformance.checks import (
    assert_error,
    error_code_conformance,
    error_envelope_conformance,
    raise_failures,
)
from openai_conformance.checks.context import CheckContext
from openai_conformance.wire.client import ConformanceClient


@pytest.mark.requirement("core/unknown-route-404")
def test_unknown_route_returns_404_envelope(client: ConformanceClient) -> None:
    exchange = client.request("GET", "/oaic-no-such-route")
    assert_error(exchange, 404)


@pytest.mark.requirement("core/unknown-model-404")
def test_unknown_model_on_chat_completions_returns_404_envelope(
    client: ConformanceClient, chat_request: dict[str, Any]
) -> None:
    body = {**chat_request, "model": "oaic-no-such-model"}
    exchange = client.request("POST", "/chat/completions", json=body)
    assert_error(exchange, 404)


@pytest.mark.requirement("core/invalid-request-400")
def test_chat_completion_without_messages_returns_400_envelope(
    client: ConformanceClient, chat_request: dict[str, Any]
) -> None:
    body = {k: v for k, v in chat_request.items() if k != "messages"}
    exchange = client.request("POST", "/chat/completions", json=body)
    assert_error(exchange, 400)


@pytest.mark.requirement("core/invalid-request-param")
def test_invalid_request_error_names_the_missing_parameter(
    client: ConformanceClient, chat_request: dict[str, Any]
) -> None:
    body = {k: v for k, v in chat_request.items() if k != "messages"}
    exchange = client.request("POST", "/chat/completions", json=body)
    assert_error(exchange, 400, param="messages")


@pytest.mark.requirement("core/error-envelope")
def test_error_responses_use_the_error_envelope(
    client: ConformanceClient, check_ctx: CheckContext, chat_request: dict[str, Any]
) -> None:
    body = {**chat_request, "messages": "not-a-list"}
    exchange = client.request("POST", "/chat/completions", json=body)
    raise_failures(error_envelope_conformance(exchange, "POST /chat/completions", check_ctx))
    assert_error(exchange, 400)


@pytest.mark.requirement("core/malformed-json-400")
def test_malformed_json_body_returns_400_envelope(client: ConformanceClient) -> None:
    exchange = client.request(
        "POST",
        "/chat/completions",
        content=b"{bad",
        headers={"Content-Type": "application/json"},
    )
    assert_error(exchange, 400)


@pytest.mark.requirement("core/error-code")
def test_error_codes_are_not_http_statuses(
    client: ConformanceClient, check_ctx: CheckContext, chat_request: dict[str, Any]
) -> None:
    invalid = {k: v for k, v in chat_request.items() if k != "messages"}
    exchanges = [
        (client.request("GET", "/oaic-no-such-route"), None),
        (client.request("POST", "/chat/completions", json=invalid), "POST /chat/completions"),
    ]
    failures = [f for ex, op in exchanges for f in error_code_conformance(ex, op, check_ctx)]
    raise_failures(failures, strict=True)


@pytest.mark.requirement("core/error-code-documented")
def test_unknown_model_error_code_is_model_not_found(
    client: ConformanceClient, chat_request: dict[str, Any]
) -> None:
    body = {**chat_request, "model": "oaic-no-such-model"}
    exchange = client.request("POST", "/chat/completions", json=body)
    assert_error(exchange, 404, code="model_not_found")
