"""Every generic fault changes the response as its catalogue entry says (and only with it)."""

from __future__ import annotations

import httpx
import pytest
from core_support import fault

from openai_conformance.contract.validation import SchemaValidator
from openai_conformance.refserver.faults import CATALOGUE
from openai_conformance.refserver.server import ReferenceServer

GENERIC = [
    "missing-required-field",
    "wrong-type",
    "wrong-enum",
    "wrong-object",
    "error-flat-envelope",
    "error-status-200",
    "server-error-on-valid",
    "wrong-content-type",
    "ignore-auth",
    "delete-does-not-delete",
    "create-not-listed",
    "ignore-pagination-cursor",
    "html-error-page",
]


@pytest.fixture(scope="module")
def validator(core: ReferenceServer) -> SchemaValidator:
    return core.state.validator


def _assistant(api: httpx.Client, **headers: str) -> httpx.Response:
    return api.post("/assistants", json={"model": "ref-chat", "name": "f"}, headers=headers)


@pytest.mark.parametrize("name", GENERIC)
def test_generic_fault_is_declared_with_description_and_target(name: str) -> None:
    assert CATALOGUE[name].description and CATALOGUE[name].targets


def test_body_is_valid_without_faults(api: httpx.Client, validator: SchemaValidator) -> None:
    resp = _assistant(api)
    assert resp.headers["content-type"] == "application/json"
    assert validator.validate(resp.json(), "AssistantObject") == []


@pytest.mark.parametrize(
    ("name", "pointer"),
    [
        ("missing-required-field", "/id"),
        ("wrong-type", "/created_at"),
        ("wrong-enum", "/object"),
        ("wrong-object", "/object"),
    ],
)
def test_shape_fault_breaks_the_schema_at_the_named_field(
    api: httpx.Client, validator: SchemaValidator, name: str, pointer: str
) -> None:
    body = _assistant(api, **fault(name)).json()
    violations = validator.validate(body, "AssistantObject")
    assert violations, f"{name} left the body valid"
    assert any(
        v.pointer == pointer or (pointer == "/id" and v.keyword == "required") for v in violations
    ), violations


def test_wrong_enum_hits_an_enum_field_of_a_list(api: httpx.Client) -> None:
    body = api.get("/assistants", headers=fault("wrong-enum")).json()
    assert "not-a-valid-value" in body.values()


def test_error_flat_envelope_drops_the_error_wrapper(api: httpx.Client) -> None:
    body = api.get("/assistants/asst_missing", headers=fault("error-flat-envelope")).json()
    assert "error" not in body and set(body) == {"message", "code"}


def test_error_status_200_sends_errors_with_200(api: httpx.Client) -> None:
    resp = api.get("/assistants/asst_missing", headers=fault("error-status-200"))
    assert resp.status_code == 200 and "error" in resp.json()


def test_html_error_page_sends_errors_as_html(api: httpx.Client) -> None:
    resp = api.get("/assistants/asst_missing", headers=fault("html-error-page"))
    assert resp.status_code == 404
    assert resp.headers["content-type"].startswith("text/html")
    assert resp.text.startswith("<!DOCTYPE html>")


def test_server_error_on_valid_turns_valid_requests_into_500(api: httpx.Client) -> None:
    resp = api.get("/assistants", headers=fault("server-error-on-valid"))
    assert resp.status_code == 500 and resp.json()["error"]["type"] == "server_error"
    invalid = api.get("/assistants", params={"limit": "x"}, headers=fault("server-error-on-valid"))
    assert invalid.status_code == 400


def test_wrong_content_type_sends_json_as_text_plain(api: httpx.Client) -> None:
    resp = api.get("/assistants", headers=fault("wrong-content-type"))
    assert resp.headers["content-type"].startswith("text/plain")
    assert resp.json()["object"] == "list"


def test_ignore_auth_lets_requests_without_a_key_through(core: ReferenceServer) -> None:
    url = core.base_url + "/assistants"
    assert httpx.get(url, timeout=5).status_code == 401
    assert httpx.get(url, headers=fault("ignore-auth"), timeout=5).status_code == 200


def test_delete_does_not_delete_keeps_the_object(api: httpx.Client) -> None:
    ident = _assistant(api).json()["id"]
    resp = api.delete(f"/assistants/{ident}", headers=fault("delete-does-not-delete"))
    assert resp.json()["deleted"] is True
    assert api.get(f"/assistants/{ident}").status_code == 200
    api.delete(f"/assistants/{ident}")
    assert api.get(f"/assistants/{ident}").status_code == 404


def test_create_not_listed_hides_created_objects_from_lists(api: httpx.Client) -> None:
    ident = api.post("/vector_stores", json={}, headers=fault("create-not-listed")).json()["id"]
    assert api.get(f"/vector_stores/{ident}").status_code == 200
    listed = {o["id"] for o in api.get("/vector_stores", params={"limit": 100}).json()["data"]}
    assert ident not in listed


def test_ignore_pagination_cursor_repeats_the_first_page(api: httpx.Client) -> None:
    for _ in range(2):
        api.post("/evals", json=_eval_body())
    after = api.get("/evals", params={"limit": 1}).json()["last_id"]
    normal = api.get("/evals", params={"limit": 1, "after": after}).json()
    faulty = api.get(
        "/evals", params={"limit": 1, "after": after}, headers=fault("ignore-pagination-cursor")
    ).json()
    assert normal["data"][0]["id"] != after
    assert faulty["data"][0]["id"] == after


def _eval_body() -> dict:
    return {
        "data_source_config": {"type": "custom", "item_schema": {"type": "object"}},
        "testing_criteria": [],
    }


def test_faults_from_the_server_config_apply_to_every_request() -> None:
    with ReferenceServer(faults=["wrong-object"]) as srv:
        body = httpx.get(srv.base_url + "/assistants", timeout=5).json()
        assert body["object"] == "not.the.right.object"
