"""The synthesizer: a valid instance of every component schema; rendering keeps record values."""

from __future__ import annotations

import pytest

from openai_conformance.contract import Spec, load_spec
from openai_conformance.contract.validation import SchemaValidator
from openai_conformance.refserver.routes import classify
from openai_conformance.refserver.synth import Synth


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_spec()


@pytest.fixture(scope="module")
def validator(spec: Spec) -> SchemaValidator:
    return SchemaValidator(spec)


def test_every_component_schema_synthesizes_a_valid_instance(
    spec: Spec, validator: SchemaValidator
) -> None:
    synth = Synth(spec, now=lambda: 1_700_000_000)
    bad = {}
    for name in spec.component_names():
        violations = validator.validate(synth.value({"$ref": f"#/components/schemas/{name}"}), name)
        if violations:
            bad[name] = [str(v) for v in violations[:2]]
    assert not bad


def test_synthesis_is_deterministic(spec: Spec) -> None:
    a = Synth(spec, now=lambda: 1).value({"$ref": "#/components/schemas/CreateResponse"})
    b = Synth(spec, now=lambda: 1).value({"$ref": "#/components/schemas/CreateResponse"})
    assert a == b


def test_render_keeps_fitting_record_values_and_completes_the_rest(
    spec: Spec, validator: SchemaValidator
) -> None:
    record = {"id": "asst_1", "name": "n", "model": "m", "created_at": 5, "temperature": "bad"}
    body = Synth(spec).render(record, {"$ref": "#/components/schemas/AssistantObject"})
    assert body["id"] == "asst_1" and body["name"] == "n" and body["created_at"] == 5
    assert body["object"] == "assistant"
    assert "temperature" not in body or isinstance(body["temperature"], int | float | None)
    assert validator.validate(body, "AssistantObject") == []


def test_render_picks_the_union_variant_named_by_the_record(spec: Spec) -> None:
    record = {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"}
    body = Synth(spec).render(record, {"$ref": "#/components/schemas/ConversationItem"})
    assert body["type"] == "function_call" and body["call_id"] == "c1"


def test_every_operation_is_classified(spec: Spec) -> None:
    routes = classify(spec)
    assert len(routes) == 271
    assert routes["GET /assistants"].shape == "list"
    assert routes["POST /assistants"].shape == "create"
    assert routes["DELETE /threads/{thread_id}/messages/{message_id}"].shape == "delete"
    assert routes["POST /threads/{thread_id}/runs/{run_id}/cancel"].verb == "cancel"
    assert routes["GET /organization/projects/{project_id}/data_retention"].shape == "singleton"
