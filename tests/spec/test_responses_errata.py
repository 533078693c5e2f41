"""Errata 046-051 of the Responses schemas: each holds on its evidence and stays narrow.

046: an output_text part may omit logprobs (the document's own examples omit it).
047: an additional_tools input item (the SDKs, generated from OpenAI's newer document).
048: an image_generation_call passed back by its id alone (OpenAI's image generation guide).
049: a structured mcp_call error object (the SDKs; the document's own Realtime MCP call).
050: a web_search_call without action (a specification bug OpenAI tracks).
051: a web search source {type: api, name} without url (a specification bug OpenAI tracks).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from openai_conformance.contract import Spec, load_spec
from openai_conformance.contract.validation import SchemaValidator

# (operation, example index or None for a single example, JSON pointer) cited by erratum 046.
EXAMPLES_WITHOUT_LOGPROBS = [
    ("/responses", "post", 0, "/output/0/content/0"),
    ("/responses", "post", 1, "/output/0/content/0"),
    ("/responses", "post", 3, "/output/1/content/0"),
    ("/responses", "post", 4, "/output/1/content/0"),
    ("/responses", "post", 7, "/output/0/content/0"),
    ("/responses/{response_id}", "get", None, "/output/0/content/0"),
]
TOOL = {"type": "function", "name": "f", "parameters": {"type": "object"}, "strict": False}
MCP_CALL = {"type": "mcp_call", "id": "mcp_1", "server_label": "s", "name": "n", "arguments": "{}"}


@pytest.fixture(scope="module", params=[False, True], ids=["observed", "strict-spec"])
def validator(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Errata apply in both modes (only ``observed`` overlays are left out by --strict-spec)."""
    cache = tmp_path_factory.mktemp("spec-cache")
    return SchemaValidator(load_spec(cache_dir=Path(cache), strict=request.param))


def _example(spec: Spec, path: str, method: str, index: int | None) -> Any:
    examples = spec.document["paths"][path][method]["x-oaiMeta"]["examples"]
    return json.loads((examples if index is None else examples[index])["response"])


def _at(doc: Any, pointer: str) -> Any:
    for part in pointer.strip("/").split("/"):
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc


def _responses_request(spec: Spec, items: list[dict[str, Any]]) -> tuple[Any, Any]:
    schema = spec.operation("POST /responses").request_content["application/json"]
    return {"model": "gpt-5", "input": items}, schema


@pytest.mark.parametrize(("path", "method", "index", "pointer"), EXAMPLES_WITHOUT_LOGPROBS)
def test_document_examples_show_output_text_without_logprobs_and_pass_with_erratum(
    spec: Spec, validator: SchemaValidator, path: str, method: str, index: int | None, pointer: str
) -> None:
    part = _at(_example(spec, path, method, index), pointer)
    assert part["type"] == "output_text" and "logprobs" not in part  # the cited evidence
    assert validator.validate(part, "OutputTextContent") == []


def test_output_text_keeps_its_other_fields_and_the_logprobs_shape(
    validator: SchemaValidator,
) -> None:
    part = {"type": "output_text", "text": "hi", "annotations": []}
    [violation] = validator.validate({**part, "logprobs": "x"}, "OutputTextContent")
    assert violation.pointer == "/logprobs"
    bare = {v.message for v in validator.validate({"type": "output_text"}, "OutputTextContent")}
    assert bare == {"'text' is a required property", "'annotations' is a required property"}


def test_additional_tools_input_item_is_accepted_as_the_sdk_types_it(
    spec: Spec, validator: SchemaValidator
) -> None:
    item = {"type": "additional_tools", "role": "developer", "tools": [TOOL]}
    body, schema = _responses_request(spec, [item, {**item, "id": None}, {**item, "id": "at_1"}])
    assert validator.validate(body, schema) == []
    body, schema = _responses_request(spec, [{**item, "role": "user"}])
    [violation] = validator.validate(body, schema)
    assert violation.pointer == "/input/0/role"
    assert "(variant AdditionalToolsItemParam)" in violation.message
    body, schema = _responses_request(spec, [{"type": "additional_tools", "role": "developer"}])
    assert "'tools' is a required property" in str(validator.validate(body, schema))


def test_listed_additional_tools_item_follows_the_sdk_response_item(
    validator: SchemaValidator,
) -> None:
    listed = {"id": "at_1", "type": "additional_tools", "role": "developer", "tools": [TOOL]}
    assert validator.validate(listed, "ItemResource") == []
    [violation] = validator.validate({**listed, "role": "robot"}, "ItemResource")
    assert violation.pointer == "/role"
    no_id = {k: v for k, v in listed.items() if k != "id"}
    assert "'id' is a required property" in str(validator.validate(no_id, "ItemResource"))


def test_image_generation_call_by_id_is_accepted_and_nothing_looser(
    spec: Spec, validator: SchemaValidator
) -> None:
    by_id = {"type": "image_generation_call", "id": "ig_1"}
    body, schema = _responses_request(spec, [{"role": "user", "content": "again"}, by_id])
    assert validator.validate(body, schema) == []
    # a full item is still judged as ImageGenToolCall: a bad status is named there
    body, schema = _responses_request(spec, [{**by_id, "status": "bogus"}])
    [violation] = validator.validate(body, schema)
    assert violation.pointer == "/input/0/status"
    assert violation.message.endswith("(variant ImageGenToolCall)")
    # other item types given by id alone are not covered by the erratum
    body, schema = _responses_request(spec, [{"type": "function_call", "id": "fc_1"}])
    assert validator.validate(body, schema)


def test_mcp_call_error_may_be_a_structured_error_object(validator: SchemaValidator) -> None:
    for error in (
        "tool failed",
        None,
        {"type": "http_error", "code": 500, "message": "An unknown error occurred"},
        {"type": "mcp_protocol_error", "code": -32602, "message": "bad params"},
        {"type": "mcp_tool_execution_error", "content": [{"type": "text", "text": "x"}]},
    ):
        assert validator.validate({**MCP_CALL, "error": error}, "MCPToolCall") == [], error
    wrong_code = {"type": "http_error", "code": "500", "message": "m"}
    [violation] = validator.validate({**MCP_CALL, "error": wrong_code}, "MCPToolCall")
    assert violation.pointer == "/error/code"
    [violation] = validator.validate({**MCP_CALL, "error": {"type": "oops"}}, "MCPToolCall")
    assert violation.pointer == "/error/type" and "'http_error'" in violation.message


def test_web_search_call_may_omit_action_but_not_its_other_fields(
    validator: SchemaValidator,
) -> None:
    call = {"id": "ws_1", "type": "web_search_call", "status": "in_progress"}
    assert validator.validate(call, "WebSearchToolCall") == []
    assert validator.validate({**call, "status": "completed"}, "WebSearchToolCall") == []
    assert "'status' is a required property" in str(
        validator.validate({"id": "ws_1", "type": "web_search_call"}, "WebSearchToolCall")
    )
    bad_action = {**call, "action": {"type": "teleport"}}
    [violation] = validator.validate(bad_action, "WebSearchToolCall")
    assert violation.pointer == "/action/type"


def test_web_search_source_may_be_a_named_api_source_and_nothing_looser(
    validator: SchemaValidator,
) -> None:
    def search(*sources: dict[str, Any]) -> dict[str, Any]:
        return {"type": "search", "query": "weather", "sources": list(sources)}

    url = {"type": "url", "url": "https://example.com/a"}
    api = {"type": "api", "name": "oai-weather"}
    assert validator.validate(search(url, api), "WebSearchActionSearch") == []
    assert validator.validate(search({**api, "url": None}), "WebSearchActionSearch") == []
    for bad in ({"type": "url"}, {"type": "api"}, {"type": "feed", "name": "x"}):
        assert validator.validate(search(bad), "WebSearchActionSearch") != [], bad
