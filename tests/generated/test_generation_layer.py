"""Unit tests of the generation layer against the contract alone (no server)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import seed as hypothesis_seed

from openai_conformance.contract import load_spec
from openai_conformance.contract.validation import SchemaValidator
from openai_conformance.errors import UsageError
from openai_conformance.generated.cases import (
    cap_arrays,
    fill_path,
    form_fields,
    schemathesis_schema,
    strategy,
)
from openai_conformance.generated.links import lifecycle_for_path, lifecycles
from openai_conformance.generated.mutations import UNKNOWN_ENUM, mutations, pick
from openai_conformance.generated.roles import model_role
from openai_conformance.generated.settings import derive_seed, hypothesis_settings, profile
from openai_conformance.generated.shaping import ShapingContext, shape_body, shape_query

SPEC = load_spec()
VALIDATOR = SchemaValidator(SPEC)
CHAT = SPEC.operation("POST /chat/completions")
CHAT_SCHEMA = CHAT.request_content["application/json"]


def valid_chat(body: object) -> bool:
    return VALIDATOR.is_valid(body, CHAT_SCHEMA)


def test_seed_is_stable_per_operation_and_differs_between_operations() -> None:
    assert derive_seed(7, "GET /files", "positive") == derive_seed(7, "GET /files", "positive")
    assert derive_seed(7, "GET /files", "positive") != derive_seed(7, "GET /models", "positive")
    assert derive_seed(7, "GET /files", "positive") != derive_seed(8, "GET /files", "positive")


def test_quick_profile_draws_five_examples_without_deadline_or_database() -> None:
    s = hypothesis_settings(profile("quick"), "positive")
    assert (s.max_examples, s.deadline, s.database) == (5, None, None)


def test_unknown_profile_is_a_usage_error_naming_the_choices() -> None:
    with pytest.raises(UsageError, match="quick"):
        profile("fast")


def test_model_role_follows_the_operation_path() -> None:
    assert model_role("/audio/speech") == "tts"
    assert model_role("/embeddings") == "embeddings"
    assert model_role("/chat/completions") == "chat"


def test_shaping_pins_model_caps_tokens_and_drops_stream() -> None:
    body = {
        "model": "random",
        "messages": [{"role": "user", "content": "x"}],
        "stream": True,
        "n": 9,
        "max_completion_tokens": 100000,
        "undeclared": 1,
    }
    ctx = ShapingContext(models={"chat": "my-chat"}, run_id="r1")
    out = shape_body(SPEC, CHAT, body, CHAT_SCHEMA, ctx, valid_chat)
    assert out["model"] == "my-chat"
    assert out["max_completion_tokens"] == 16 and out["n"] == 1
    assert "stream" not in out and "undeclared" not in out
    assert out["metadata"] == {"oaic_run": "r1"}
    assert valid_chat(out)


def test_shaping_adds_a_token_cap_when_none_is_given() -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
    out = shape_body(SPEC, CHAT, body, CHAT_SCHEMA, ShapingContext(), valid_chat)
    assert out["max_completion_tokens"] == 16


def test_responses_body_never_combines_conversation_and_previous_response() -> None:
    # "previous_response_id ... Cannot be used in conjunction with conversation."
    op = SPEC.operation("POST /responses")
    schema = op.request_content["application/json"]
    body = {"model": "m", "input": "x", "conversation": "conv_1", "previous_response_id": "r"}
    out = shape_body(SPEC, op, body, schema, ShapingContext(), lambda b: True)
    assert not ("conversation" in out and "previous_response_id" in out)


def test_id_fields_inside_an_array_of_objects_name_created_objects() -> None:
    # A file batch's `files: [{"file_id": ""}]` named no file the run created (a false FAIL).
    op = SPEC.operation("POST /vector_stores/{vector_store_id}/file_batches")
    schema = op.request_content["application/json"]
    body = {"files": [{"file_id": ""}, {"file_id": "x", "attributes": {}}]}
    ctx = ShapingContext(ids={"file_id": "file-real"})
    out = shape_body(SPEC, op, body, schema, ctx, lambda b: VALIDATOR.is_valid(b, schema))
    assert [f["file_id"] for f in out["files"]] == ["file-real", "file-real"]


def test_query_shaping_drops_dangling_cursors_and_stream_params_and_clamps_limit() -> None:
    op = SPEC.operation("GET /files")
    assert shape_query(op, {"after": "x", "limit": 10000}, ShapingContext()) == {"limit": 20}
    resume = {"stream": True, "starting_after": 3, "include_obfuscation": False}
    assert shape_query(op, resume, ShapingContext()) == {"include_obfuscation": False}


def test_every_mutation_is_invalid_and_names_its_field() -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
    found = mutations(SPEC, CHAT, body, {}, valid_chat)
    kinds = {m.kind for m in found}
    assert {"missing-required", "wrong-type", "out-of-range"} <= kinds
    assert all(not valid_chat(m.body) for m in found)
    assert all(m.param in (m.body or {}) or m.kind == "missing-required" for m in found)
    assert len({m.label for m in pick(found, 5, 3)}) == 5


def test_nested_fields_are_broken_in_place_under_their_top_level_param() -> None:
    body = {
        "model": "m",
        "messages": [{"role": "user", "content": "x"}, {"role": "user", "content": "y"}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "x"}},
    }
    found = {m.label: m for m in mutations(SPEC, CHAT, body, {}, valid_chat)}
    role = found["unknown-enum messages[0].role"]
    assert role.param == "messages" and not valid_chat(role.body)
    assert role.body["messages"] == [{"role": UNKNOWN_ENUM, "content": "x"}, body["messages"][1]]
    assert found["missing-required response_format.json_schema.name"].param == "response_format"
    assert body["messages"][0]["role"] == "user"  # the valid body itself is left alone


def test_size_constraints_are_broken_one_past_their_limit() -> None:
    op = SPEC.operation("POST /assistants")
    schema = op.request_content["application/json"]
    found = {m.label: m for m in mutations(SPEC, op, {"model": "m"}, {}, _valid(schema))}
    assert len(found["too-long name"].body["name"]) == 257  # maxLength 256
    embed = SPEC.operation("POST /embeddings")
    valid = _valid(embed.request_content["application/json"])
    labels = [m.label for m in mutations(SPEC, embed, {"model": "m", "input": "x"}, {}, valid)]
    assert labels.count("too-few-items input") == 1  # several branches, one mutation


def _valid(schema: object) -> Callable[[object], bool]:
    return lambda body: VALIDATOR.is_valid(body, schema)  # type: ignore[arg-type]


def test_is_valid_agrees_with_validate_on_every_mutation_of_a_union_body() -> None:
    op = SPEC.operation("POST /conversations/{conversation_id}/items")
    schema = op.request_content["application/json"]
    item = {"type": "shell_call", "call_id": "c", "action": {"commands": ["ls"]}, "x": 1}
    found = mutations(SPEC, op, {"items": [item]}, {}, lambda body: False)  # keep them all
    assert len(found) > 10
    for m in found:
        assert VALIDATOR.is_valid(m.body, schema) == (not VALIDATOR.validate(m.body, schema))


def test_a_format_only_jsonschema_rs_rejects_is_judged_by_the_python_validator() -> None:
    # jsonschema_rs checks formats the Python format checker does not: such a value is valid.
    schema = {"type": "string", "format": "uri-reference"}
    assert VALIDATOR.is_valid("a b", schema) == (not VALIDATOR.validate("a b", schema))


def test_a_pattern_the_regex_dialects_disagree_on_is_judged_by_the_python_validator() -> None:
    # Python's $ also matches before a final newline; jsonschema_rs's does not.
    schema = {"type": "object", "properties": {"name": {"type": "string", "pattern": "^[a-z]+$"}}}
    assert VALIDATOR.validate({"name": "abc\n"}, schema) == []
    assert VALIDATOR.is_valid({"name": "abc\n"}, schema)
    assert not VALIDATOR.is_valid({"name": "ab c"}, schema)
    lookahead = {"type": "string", "pattern": "^(?!x)[a-z]+$"}
    for value in ("abc", "xbc", "abc\n", 1):
        assert VALIDATOR.is_valid(value, lookahead) == (not VALIDATOR.validate(value, lookahead))


def test_enum_query_parameter_gets_an_unknown_value_mutation() -> None:
    found = mutations(SPEC, SPEC.operation("GET /files"), None, {}, lambda b: True)
    assert [m.label for m in found] == ["unknown-enum order"]


def test_links_overlay_gives_full_lifecycles_for_regular_resources() -> None:
    by_create = {lc.create: lc for lc in lifecycles(SPEC)}
    files = by_create["POST /files"]
    assert files.id_param == "file_id" and files.steps["delete"] == "DELETE /files/{file_id}"
    messages = by_create["POST /threads/{thread_id}/messages"]
    assert messages.parents == ("thread_id",)
    chain = lifecycle_for_path(SPEC, "/threads/{thread_id}/messages/{message_id}")
    assert [lc.create for lc in chain] == ["POST /threads", "POST /threads/{thread_id}/messages"]


def test_form_fields_use_sdk_bracket_notation_and_omit_null() -> None:
    fields = form_fields({"a": {"b": 1}, "c": [1, "x"], "d": None, "e": True})
    assert fields == [("a[b]", "1"), ("c[]", "1"), ("c[]", "x"), ("e", "true")]


def test_path_values_are_quoted_once() -> None:
    assert fill_path("/files/{file_id}", {"file_id": "a/b"}) == "/files/a%2Fb"
    assert fill_path("/files/{file_id}", {"file_id": "a%2Fb"}) == "/files/a%2Fb"


def test_every_generated_requirement_is_used_by_a_generated_check() -> None:
    from openai_conformance.contract.requirements import load_catalogue
    from openai_conformance.generated.judge import REQUIREMENTS

    catalogue = {r for r in load_catalogue() if r.startswith("generated/")}
    used = set(REQUIREMENTS.values()) | {"generated/response-schema"}  # the items' verified id
    assert used == catalogue
    assert load_catalogue()["generated/error-param"].level == "SHOULD"


def test_form_bodies_that_bracket_notation_cannot_carry_are_detected() -> None:
    from openai_conformance.generated.cases import form_roundtrips

    assert form_roundtrips({"a": {"b": [1, 2]}, "t": [{"x": "1", "y": True}]})
    assert not form_roundtrips({"a": {}})
    assert not form_roundtrips({"t": [{"x": 1}, {"x": 1, "y": 2}, [3]]})
    assert not form_roundtrips({"a": {"": 1}})


def _hunt_for_large_numbers(shrink: bool) -> list[int]:
    """Run a hypothesis test that 'fails' on numbers >= 10 through Hunt; the reported values."""
    from hypothesis import given
    from hypothesis import seed as hypothesis_seed
    from hypothesis import strategies as st

    from openai_conformance.checks.failures import Failure
    from openai_conformance.generated.runner import Hunt

    failures: list[Failure] = []
    hunt = Hunt(shrink, failures)
    gen = profile("default" if shrink else "quick")

    @hypothesis_seed(3)
    @hypothesis_settings(gen, "positive")
    @given(n=st.integers(min_value=0, max_value=10**9))
    def examples(n: int) -> None:
        if n >= 10:
            hunt.report([Failure(title=str(n), check="demo", actual=str(n))])

    hunt.run(examples)
    return [int(f.actual or 0) for f in failures]


def test_non_quick_profiles_shrink_a_failure_to_its_minimal_example() -> None:
    assert _hunt_for_large_numbers(shrink=True) == [10]


def test_quick_profile_reports_failures_as_drawn_without_shrinking() -> None:
    found = _hunt_for_large_numbers(shrink=False)
    assert found and all(n >= 10 for n in found) and found != [10]


def test_json_null_body_is_sent_as_null_not_as_no_body() -> None:
    # A negative case whose body is JSON null must reach the target as `null`: sending no body
    # turned an invalid request into a valid one and produced a false "invalid accepted" FAIL.
    from openai_conformance.generated.cases import GeneratedRequest

    req = GeneratedRequest(
        "POST", "/conversations", "POST /conversations", media="application/json", has_body=True
    )
    kwargs = req.kwargs()
    assert kwargs["content"] == b"null" and "json" not in kwargs
    assert kwargs["headers"]["Content-Type"] == "application/json"


def test_an_id_route_answering_only_foreign_404s_is_unsupported_but_enveloped_404s_are_not() -> (
    None
):
    from openai_conformance.contract import load_spec
    from openai_conformance.generated.runner import unsupported_reason

    op = load_spec().operation("GET /skills/{skill_id}")
    # a framework's {"detail": "Not Found"} on every example: the route is not offered
    assert "without the OpenAI error envelope" in (
        unsupported_reason(op, [404, 404], foreign_404s=2) or ""
    )
    # the envelope says the object is missing: the route exists, the tests judge it
    assert unsupported_reason(op, [404, 404], foreign_404s=0) is None
    assert unsupported_reason(op, [404, 200], foreign_404s=1) is None
    # a collection route's 404 is absence whatever the body
    assert unsupported_reason(load_spec().operation("GET /skills"), [404]) is not None


def test_array_cap_lowers_max_items_but_never_below_min_items() -> None:
    schema = {
        "type": "object",
        "properties": {
            "free": {"type": "array", "items": {"type": "string"}},
            "long": {"type": "array", "items": {}, "minItems": 5},
            "short": {"type": "array", "items": {}, "maxItems": 2},
            "union": {"anyOf": [{"type": "array", "items": {}, "maxItems": 100}]},
        },
    }
    cap_arrays(schema, 3)
    props = schema["properties"]
    assert [props[k]["maxItems"] for k in ("free", "long", "short")] == [3, 5, 2]
    assert props["union"]["anyOf"][0]["maxItems"] == 3


def test_capped_draws_stay_short_and_only_the_generation_copy_is_capped() -> None:
    op = SPEC.operation("POST /conversations")
    drawn: list[Any] = []

    @hypothesis_seed(3)
    @hypothesis_settings(profile("default"), "positive")
    @given(case=strategy(SPEC, op, "positive", 3))
    def draw(case: Any) -> None:
        drawn.append(case.body)

    draw()
    bodies = [b for b in drawn if isinstance(b, dict)]  # the body is optional
    assert bodies and all(len(b.get("items") or []) <= 3 for b in bodies)
    capped = schemathesis_schema(SPEC, 3).raw_schema["components"]["schemas"]
    assert capped["CreateConversationBody"]["properties"]["items"]["anyOf"][0]["maxItems"] == 3
    original = SPEC.document["components"]["schemas"]["CreateConversationBody"]
    assert original["properties"]["items"]["anyOf"][0]["maxItems"] == 20  # the contract's own
