"""The generic response contract, each part verified on its own: documented status, no 5xx,
media type, schema, x-request-id, and the /models list every client calls first."""

from __future__ import annotations

from typing import Any

import pytest

from openai_conformance.checks import (
    assert_conforms,
    content_type_conformance,
    raise_failures,
    request_id_header_conformance,
    response_model_conformance,
    response_schema_conformance,
    status_code_conformance,
    timestamps_conformance,
)
from openai_conformance.checks.context import CheckContext
from openai_conformance.wire.client import ConformanceClient


@pytest.mark.requirement("core/models-list")
def test_models_list_returns_list_of_model_objects(client: ConformanceClient) -> None:
    exchange = client.request("GET", "/models")
    body = assert_conforms(exchange, "GET /models")
    assert body["data"], "the model list is empty: the target serves no model"


@pytest.mark.requirement("core/documented-status")
def test_models_list_status_is_documented(
    client: ConformanceClient, check_ctx: CheckContext
) -> None:
    exchange = client.request("GET", "/models")
    raise_failures(status_code_conformance(exchange, "GET /models", check_ctx))


@pytest.mark.requirement("core/no-server-error")
def test_valid_chat_completion_is_not_a_server_error(
    client: ConformanceClient, check_ctx: CheckContext, chat_request: dict[str, Any]
) -> None:
    exchange = client.request("POST", "/chat/completions", json=chat_request)
    raise_failures(status_code_conformance(exchange, "POST /chat/completions", check_ctx))


@pytest.mark.requirement("core/content-type")
def test_chat_completion_is_served_as_json(
    client: ConformanceClient, check_ctx: CheckContext, chat_request: dict[str, Any]
) -> None:
    exchange = client.request("POST", "/chat/completions", json=chat_request)
    raise_failures(content_type_conformance(exchange, "POST /chat/completions", check_ctx))


@pytest.mark.requirement("core/response-schema")
def test_chat_completion_body_matches_its_schema(
    client: ConformanceClient, check_ctx: CheckContext, chat_request: dict[str, Any]
) -> None:
    exchange = client.request("POST", "/chat/completions", json=chat_request)
    raise_failures(status_code_conformance(exchange, "POST /chat/completions", check_ctx))
    raise_failures(response_schema_conformance(exchange, "POST /chat/completions", check_ctx))


@pytest.mark.requirement("core/request-id-header")
def test_responses_carry_a_request_id(client: ConformanceClient, check_ctx: CheckContext) -> None:
    exchange = client.request("GET", "/models")
    raise_failures(request_id_header_conformance(exchange, "GET /models", check_ctx), strict=True)


@pytest.mark.requirement("core/response-model")
def test_chat_completion_names_the_requested_model(
    client: ConformanceClient, check_ctx: CheckContext, chat_request: dict[str, Any]
) -> None:
    exchange = client.request("POST", "/chat/completions", json=chat_request)
    raise_failures(status_code_conformance(exchange, "POST /chat/completions", check_ctx))
    raise_failures(response_model_conformance(exchange, "POST /chat/completions", check_ctx))


@pytest.mark.requirement("core/timestamps")
def test_chat_completion_created_is_unix_seconds_now(
    client: ConformanceClient, check_ctx: CheckContext, chat_request: dict[str, Any]
) -> None:
    exchange = client.request("POST", "/chat/completions", json=chat_request)
    raise_failures(status_code_conformance(exchange, "POST /chat/completions", check_ctx))
    raise_failures(timestamps_conformance(exchange, "POST /chat/completions", check_ctx))
