"""Self-tests of the models handlers: shape, lookup, deletion rules, registry, faults."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from handler_support import assert_valid, faulty, serve

from openai_conformance.refserver.handlers.models import register_model, unregister_model
from openai_conformance.refserver.server import ReferenceServer


@pytest.fixture(scope="module")
def srv() -> Iterator[tuple[ReferenceServer, httpx.Client]]:
    yield from serve()


def test_list_models_is_a_schema_valid_list_with_the_reference_family(srv) -> None:
    _, c = srv
    body = c.get("/models").json()
    assert_valid(body, "ListModelsResponse")
    ids = {m["id"] for m in body["data"]}
    assert {"ref-chat", "ref-embed", "gpt-4o-mini", "text-embedding-3-small", "whisper-1"} <= ids


def test_retrieve_each_listed_model_validates(srv) -> None:
    _, c = srv
    for model in c.get("/models").json()["data"][:5]:
        r = c.get(f"/models/{model['id']}")
        assert r.status_code == 200
        assert_valid(r.json(), "Model")


def test_unknown_model_is_a_404_envelope_naming_model(srv) -> None:
    _, c = srv
    r = c.get("/models/no-such-model")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "model_not_found"
    r = c.post(
        "/chat/completions", json={"model": "nope", "messages": [{"role": "user", "content": "x"}]}
    )
    assert r.status_code == 404
    assert r.json()["error"]["param"] == "model"


def test_deleting_a_base_model_is_refused(srv) -> None:
    _, c = srv
    r = c.delete("/models/ref-chat")
    assert r.status_code == 403
    assert "error" in r.json()


def test_registered_fine_tuned_model_is_listed_then_deletable(srv) -> None:
    server, c = srv
    state = server.state
    register_model(state, "ft:ref-chat:org::abc123", "org-test")
    assert c.get("/models/ft:ref-chat:org::abc123").status_code == 200
    r = c.delete("/models/ft:ref-chat:org::abc123")
    assert r.status_code == 200
    assert_valid(r.json(), "DeleteModelResponse")
    assert c.get("/models/ft:ref-chat:org::abc123").status_code == 404
    assert not unregister_model(state, "ft:ref-chat:org::abc123")


def test_models_list_bare_array_fault_drops_the_list_wrapper(srv) -> None:
    _, c = srv
    assert isinstance(c.get("/models", headers=faulty("models-list-bare-array")).json(), list)


def test_models_owner_field_fault_renames_owned_by(srv) -> None:
    _, c = srv
    model = c.get("/models/ref-chat", headers=faulty("models-owner-field")).json()
    assert "owner" in model and "owned_by" not in model
