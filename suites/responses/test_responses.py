"""Responses API, non-streamed: text, instructions and input items, the function-call round
trip through previous_response_id, text.format, usage, the stored lifecycle, input_tokens and
conversations (field notes #9, #17); background responses are in test_responses_background."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from resp_steps import create, expect, output_text

from openai_conformance.checks import assert_conforms, assert_error, raise_failures
from openai_conformance.checks.failures import Failure
from openai_conformance.checks.outcomes import Disabled
from openai_conformance.scenario.cleanup import CleanupRegistry
from openai_conformance.scenario.lifecycles import register_undo
from openai_conformance.scenario.streams import tool_call_problems, usage_problems
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather in a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
    "strict": True,
}
COLOUR = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "warm": {"type": "boolean"}},
    "required": ["name", "warm"],
    "additionalProperties": False,
}


def _require(config: RunConfig, feature: str) -> None:
    if not config.claims(feature):
        raise Disabled(f"the profile does not claim {feature}")


def _stored(
    client: ConformanceClient, cleanup: CleanupRegistry, body: dict[str, Any]
) -> tuple[Any, Any]:
    exchange, got = create(client, {**body, "store": True})
    rid = got["id"]
    register_undo(cleanup, client, "response", rid, "DELETE", f"/responses/{rid}", "response")
    return exchange, got


@pytest.mark.requirement("responses/create-text")
def test_text_input_creates_a_completed_response_with_output_text(
    client: ConformanceClient, model: str
) -> None:
    exchange, got = create(client, {"model": model, "input": "Describe a harbour.", "store": False})
    text = output_text(got)
    expect(
        got.get("status") == "completed" and bool(text.strip()),
        exchange,
        "the response is not completed with an assistant output_text",
        check="response_text_conformance",
        pointer="/output",
        expected="status completed, message with output_text",
        actual=got.get("output"),
    )


@pytest.mark.requirement("responses/input-items")
def test_instructions_and_multi_turn_items_are_accepted_and_listed(
    client: ConformanceClient, model: str, cleanup: CleanupRegistry
) -> None:
    items = [
        {"role": "user", "content": "Name a colour."},
        {"role": "assistant", "content": "Blue."},
        {"role": "user", "content": "Another?"},
    ]
    body = {"model": model, "instructions": "Answer in one word.", "input": items}
    exchange, got = _stored(client, cleanup, body)
    expect(
        bool(output_text(got)),
        exchange,
        "no output text for a multi-turn input",
        check="response_text_conformance",
        pointer="/output",
        actual=got.get("output"),
    )
    exchange = client.request("GET", f"/responses/{got['id']}/input_items", params={"order": "asc"})
    listed = assert_conforms(exchange, "GET /responses/{response_id}/input_items")
    roles = [i.get("role") for i in listed.get("data") or []]
    expect(
        roles == ["user", "assistant", "user"],
        exchange,
        "input_items does not list the input",
        check="input_items_conformance",
        pointer="/data",
        expected=["user", "assistant", "user"],
        actual=roles,
    )


@pytest.mark.requirement("responses/function-call-round-trip")
def test_function_call_round_trip_via_previous_response_id(
    client: ConformanceClient, model: str, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> None:
    _require(oaic_config, "responses.tools")
    body = {
        "model": model,
        "input": "Use get_weather for Paris.",
        "tools": [WEATHER],
        "tool_choice": "required",
    }
    exchange, first = _stored(client, cleanup, body)
    calls = [i for i in first["output"] if i.get("type") == "function_call"]
    expect(
        bool(calls),
        exchange,
        "tool_choice required produced no function_call item",
        check="function_call_conformance",
        pointer="/output",
        actual=first["output"],
    )
    as_chat = [
        {
            "id": c.get("call_id"),
            "type": "function",
            "function": {"name": c.get("name"), "arguments": c.get("arguments")},
        }
        for c in calls
    ]
    problems = tool_call_problems(as_chat, {"get_weather": WEATHER["parameters"]})
    raise_failures(
        [
            Failure(
                title=m,
                check="function_call_conformance",
                operation="POST /responses",
                pointer=f"/output{p}",
                message=m,
                expected=str(e),
                actual=str(a),
            ).with_exchange(exchange)
            for p, m, e, a in problems
        ]
    )
    follow = {
        "model": model,
        "previous_response_id": first["id"],
        "input": [
            {
                "type": "function_call_output",
                "call_id": calls[0]["call_id"],
                "output": json.dumps({"temperature": 18}),
            }
        ],
        "tools": [WEATHER],
    }
    exchange, second = _stored(client, cleanup, follow)
    expect(
        bool(output_text(second)) and second.get("previous_response_id") == first["id"],
        exchange,
        "the function result was not answered in text on the chain",
        check="function_call_conformance",
        pointer="/output",
        expected="a message; previous_response_id echoed",
        actual=second.get("output"),
    )


@pytest.mark.requirement("responses/text-format")
def test_text_format_json_schema_output_validates(
    client: ConformanceClient, model: str, oaic_config: RunConfig
) -> None:
    _require(oaic_config, "responses.structured-outputs")
    fmt = {"type": "json_schema", "name": "colour", "schema": COLOUR, "strict": True}
    body = {"model": model, "input": "Describe a colour.", "text": {"format": fmt}, "store": False}
    exchange, got = create(client, body)
    text = output_text(got)
    try:
        value: Any = json.loads(text)
        errors = [e.message for e in jsonschema.Draft202012Validator(COLOUR).iter_errors(value)]
    except ValueError:
        errors = ["the output text is not JSON"]
    expect(
        not errors,
        exchange,
        "the output does not validate against text.format's schema",
        check="text_format_conformance",
        pointer="/output/0/content/0/text",
        expected="an instance of the schema",
        actual=[*errors[:3], text[:200]],
    )


@pytest.mark.requirement("responses/usage-totals")
def test_usage_counts_add_up(client: ConformanceClient, model: str) -> None:
    exchange, got = create(client, {"model": model, "input": "Describe a harbour.", "store": False})
    raise_failures(
        [
            Failure(
                title=m,
                check="usage_conformance",
                operation="POST /responses",
                pointer=f"/usage{p}",
                message=m,
                expected=str(e),
                actual=str(a),
            ).with_exchange(exchange)
            for p, m, e, a in usage_problems(got.get("usage"), api="responses")
        ]
    )


@pytest.mark.requirement("responses/stored-lifecycle")
def test_stored_response_is_retrievable_then_deleted(
    client: ConformanceClient, model: str, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> None:
    _require(oaic_config, "responses.stored")
    _, got = _stored(client, cleanup, {"model": model, "input": "Name a colour."})
    path = f"/responses/{got['id']}"
    exchange = client.request("GET", path)
    again = assert_conforms(exchange, "GET /responses/{response_id}")
    expect(
        again.get("id") == got["id"] and output_text(again) == output_text(got),
        exchange,
        "retrieve does not return the stored response",
        check="stored_response_conformance",
        expected=got["id"],
        actual=again.get("id"),
    )
    assert_conforms(client.request("DELETE", path), "DELETE /responses/{response_id}")
    cleanup.discard("response", got["id"])
    assert_error(client.request("GET", path), 404)


@pytest.mark.requirement("responses/input-tokens")
def test_input_tokens_match_the_usage_of_the_same_input(
    client: ConformanceClient, model: str, oaic_config: RunConfig
) -> None:
    _require(oaic_config, "responses.input-tokens")
    body = {"model": model, "input": "Describe a quiet harbour in two sentences."}
    exchange = client.request("POST", "/responses/input_tokens", json=body)
    counted = assert_conforms(exchange, "POST /responses/input_tokens")
    _, got = create(client, {**body, "store": False})
    want = (got.get("usage") or {}).get("input_tokens")
    expect(
        counted.get("input_tokens") == want,
        exchange,
        "input_tokens differs from usage.input_tokens",
        check="input_tokens_conformance",
        pointer="/input_tokens",
        expected=want,
        actual=counted.get("input_tokens"),
    )


@pytest.mark.requirement("responses/conversations")
def test_response_in_a_conversation_appends_its_items(
    client: ConformanceClient, model: str, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> None:
    _require(oaic_config, "conversations")
    exchange = client.request("POST", "/conversations", json={"metadata": oaic_config.tag()})
    conv = assert_conforms(exchange, "POST /conversations")
    cid = conv["id"]
    register_undo(
        cleanup, client, "conversation", cid, "DELETE", f"/conversations/{cid}", "conversation"
    )
    _stored(client, cleanup, {"model": model, "input": "Name a colour.", "conversation": cid})
    exchange = client.request("GET", f"/conversations/{cid}/items", params={"order": "asc"})
    listed = assert_conforms(exchange, "GET /conversations/{conversation_id}/items")
    kinds = [(i.get("type"), i.get("role")) for i in listed.get("data") or []]
    expect(
        ("message", "user") in kinds and ("message", "assistant") in kinds,
        exchange,
        "the conversation does not hold the response's input and output",
        check="conversation_items_conformance",
        pointer="/data",
        expected="the user input and the assistant output",
        actual=kinds,
    )
