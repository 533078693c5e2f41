"""Discriminator-aware validation names the real field and never rejects a valid instance."""

from __future__ import annotations

import pytest

from openai_conformance.contract.validation import SchemaValidator


@pytest.fixture(scope="module")
def validator(spec) -> SchemaValidator:
    return SchemaValidator(spec)


DELTA = {
    "type": "response.output_text.delta",
    "sequence_number": 3,
    "item_id": "msg_1",
    "output_index": 0,
    "content_index": 0,
    "delta": "Hel",
    "logprobs": [],
}


def test_valid_stream_event_has_no_violations(validator: SchemaValidator) -> None:
    assert validator.validate(DELTA, "ResponseStreamEvent") == []


def test_wrong_type_in_selected_variant_names_the_field(validator: SchemaValidator) -> None:
    [violation] = validator.validate({**DELTA, "sequence_number": "3"}, "ResponseStreamEvent")
    assert violation.pointer == "/sequence_number"
    assert violation.message == "'3' is not of type 'integer'"
    assert violation.expected == "integer" and violation.actual == "3"


def test_unknown_discriminator_value_is_reported_at_the_discriminator(
    validator: SchemaValidator,
) -> None:
    [violation] = validator.validate({**DELTA, "type": "response.bogus"}, "ResponseStreamEvent")
    assert violation.pointer == "/type"
    # the count follows the contract and its overlays (516 added the observed keepalive event)
    assert f"{len(violation.expected)} variants, nearest:" in violation.message
    assert "response.output_text.delta" in violation.expected


def test_missing_field_in_nested_union_item_is_pinpointed(validator: SchemaValidator) -> None:
    call = {"id": "call_1", "type": "function", "function": {"name": "f"}}
    violations = validator.validate([call], "ChatCompletionMessageToolCalls")
    assert [v.pointer for v in violations] == ["/0/function"]
    assert "'arguments' is a required property" in violations[0].message


def test_tool_call_with_type_function_is_valid_despite_missing_mapping(
    validator: SchemaValidator,
) -> None:
    # schemathesis derives an implicit mapping from schema names and rejects this (field notes).
    call = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    assert validator.validate([call], "ChatCompletionMessageToolCalls") == []


def test_error_envelope_requires_param_and_code_keys(validator: SchemaValidator) -> None:
    violations = validator.validate({"error": {"message": "m", "type": "t"}}, "ErrorResponse")
    assert {v.message for v in violations} == {"'param' is a required property"} or len(
        violations
    ) == 2
    ok = {"error": {"message": "m", "type": "t", "param": None, "code": None}}
    assert validator.validate(ok, "ErrorResponse") == []


def test_inline_schema_with_local_refs_resolves(validator: SchemaValidator) -> None:
    schema = {"type": "object", "properties": {"e": {"$ref": "#/components/schemas/ErrorResponse"}}}
    assert validator.validate({"e": {"error": 1}}, schema)[0].pointer == "/e/error"


def test_nullable_from_openapi_30_accepts_null(validator: SchemaValidator, spec) -> None:
    upload = {
        "id": "upload_1",
        "object": "upload",
        "bytes": 3,
        "created_at": 1,
        "filename": "a.jsonl",
        "purpose": "batch",
        "status": "pending",
        "expires_at": 2,
        "file": None,
    }
    assert validator.validate(upload, "Upload") == []


def test_union_error_names_the_branch_that_got_deepest(validator: SchemaValidator, spec) -> None:
    schema = spec.operation("POST /responses").request_content["application/json"]
    body = {
        "model": "m",
        "input": [{"role": "user", "content": [{"type": "input_text", "text": 5}]}],
    }
    [violation, *_] = validator.validate(body, schema)
    assert violation.pointer.startswith("/input/0/content")
    assert violation.message == "5 is not of type 'string'"


def test_message_with_content_parts_is_a_valid_responses_input(
    validator: SchemaValidator,
    spec,
) -> None:
    # Erratum 043: InputItem's variants overlap, so oneOf rejected the most common input.
    schema = spec.operation("POST /responses").request_content["application/json"]
    body = {
        "model": "m",
        "input": [{"role": "user", "content": [{"type": "input_text", "text": "hi"}]}],
    }
    assert validator.validate(body, schema) == []


def test_union_error_names_the_variant_the_type_selects(validator: SchemaValidator, spec) -> None:
    # Before, the first branch's short enum won: "'image_generation_call' is not one of
    # ['message', None]", although the item type exists and only a field was missing.
    schema = spec.operation("POST /responses").request_content["application/json"]
    item = {"type": "image_generation_call", "id": "ig_1", "status": "completed"}
    [violation] = validator.validate({"model": "m", "input": [item]}, schema)
    assert violation.pointer == "/input/0"
    assert violation.message == "'result' is a required property (variant ImageGenToolCall)"


def test_unknown_item_type_is_reported_against_every_known_type(
    validator: SchemaValidator, spec
) -> None:
    schema = spec.operation("POST /responses").request_content["application/json"]
    body = {"model": "m", "input": [{"type": "bogus_item", "id": "x"}]}
    [violation] = validator.validate(body, schema)
    assert violation.pointer == "/input/0/type"
    assert "is not one of the known 'type' values" in violation.message
    assert {"message", "function_call", "item_reference"} <= set(violation.expected)
