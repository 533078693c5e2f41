"""The dispatcher: routing, auth, body parsing, request validation, headers, no tracebacks."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from core_support import API_KEY

from openai_conformance.refserver.context import HANDLERS, Ctx
from openai_conformance.refserver.server import ReferenceServer

ENVELOPE_KEYS = {"message", "type", "param", "code"}


def assert_envelope(resp: httpx.Response, status: int, param: Any = ..., code: Any = ...) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == ENVELOPE_KEYS
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if param is not ...:
        assert body["error"]["param"] == param
    if code is not ...:
        assert body["error"]["code"] == code
    return body["error"]


def test_unknown_route_is_a_404_envelope(api: httpx.Client) -> None:
    assert_envelope(api.get("/no/such/thing"), 404, code="unknown_url")


def test_path_outside_v1_is_a_404_envelope(core: ReferenceServer, api: httpx.Client) -> None:
    assert_envelope(api.get(core.origin + "/models"), 404)


def test_path_with_an_encoded_newline_is_a_404_envelope(api: httpx.Client) -> None:
    # Starlette's catch-all route cannot match "\n"; its plain-text 404 must not leak out.
    assert_envelope(api.get("/no%0Asuch"), 404)


def test_known_path_with_wrong_method_is_a_405_envelope(api: httpx.Client) -> None:
    assert_envelope(api.put("/assistants"), 405, code="method_not_allowed")


def test_missing_api_key_is_a_401_invalid_api_key(core: ReferenceServer) -> None:
    resp = httpx.get(core.base_url + "/assistants", timeout=5)
    assert_envelope(resp, 401, code="invalid_api_key")


def test_wrong_api_key_is_a_401_that_does_not_echo_the_key(core: ReferenceServer) -> None:
    wrong = "sk-wrong-key-abcdefghijkl"
    resp = httpx.get(
        core.base_url + "/assistants", headers={"Authorization": f"Bearer {wrong}"}, timeout=5
    )
    err = assert_envelope(resp, 401, code="invalid_api_key")
    assert wrong not in resp.text and API_KEY not in resp.text
    assert err["message"].startswith("Incorrect API key")


def test_malformed_json_is_a_400_envelope(api: httpx.Client) -> None:
    resp = api.post(
        "/assistants", content=b'{"model": ', headers={"content-type": "application/json"}
    )
    assert_envelope(resp, 400, code="invalid_json")


def test_wrong_content_type_is_a_415_envelope(api: httpx.Client) -> None:
    resp = api.post("/assistants", content=b"model=x", headers={"content-type": "text/plain"})
    assert_envelope(resp, 415, code="unsupported_media_type")


def test_body_over_the_limit_is_a_413_envelope(api: httpx.Client) -> None:
    big = b'{"model": "' + b"x" * (128 * 1024) + b'"}'
    resp = api.post("/assistants", content=big, headers={"content-type": "application/json"})
    assert_envelope(resp, 413, code="request_too_large")


def test_missing_required_body_field_names_it_as_param(api: httpx.Client) -> None:
    resp = api.post("/assistants", json={"name": "no model"})
    assert_envelope(resp, 400, param="model", code="missing_required_parameter")


def test_nested_invalid_enum_names_the_dotted_path(api: httpx.Client) -> None:
    body = {"messages": [{"role": "user", "content": "hi"}, {"role": "nobody", "content": "x"}]}
    resp = api.post("/threads", json=body)
    err = assert_envelope(resp, 400, param="messages[1].role")
    assert "nobody" in err["message"]


def test_wrong_body_type_names_the_field(api: httpx.Client) -> None:
    resp = api.post("/assistants", json={"model": "ref-chat", "temperature": "hot"})
    assert_envelope(resp, 400, param="temperature")


def test_query_parameter_of_wrong_type_is_a_400_naming_it(api: httpx.Client) -> None:
    assert_envelope(api.get("/assistants", params={"limit": "many"}), 400, param="limit")


def test_query_parameter_outside_its_enum_is_a_400_naming_it(api: httpx.Client) -> None:
    assert_envelope(api.get("/assistants", params={"order": "sideways"}), 400, param="order")


def test_every_response_carries_request_id_and_rate_limit_headers(api: httpx.Client) -> None:
    for resp in (api.get("/assistants"), api.get("/nope"), api.post("/assistants", json={})):
        assert resp.headers["x-request-id"].startswith("req_")
        assert int(resp.headers["openai-processing-ms"]) >= 0
        for name in ("requests", "tokens"):
            assert int(resp.headers[f"x-ratelimit-limit-{name}"]) > 0
            assert int(resp.headers[f"x-ratelimit-remaining-{name}"]) >= 0
            assert resp.headers[f"x-ratelimit-reset-{name}"]


def test_request_ids_are_unique(api: httpx.Client) -> None:
    ids = {api.get("/assistants").headers["x-request-id"] for _ in range(5)}
    assert len(ids) == 5


def test_unexpected_exception_is_a_500_envelope_without_traceback(
    api: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    op_id = "GET /assistants/{assistant_id}"
    previous = HANDLERS.get(op_id)

    async def boom(ctx: Ctx) -> Any:
        raise RuntimeError("secret internal detail")

    HANDLERS[op_id] = boom
    try:
        resp = api.get("/assistants/asst_1")
    finally:
        if previous is None:
            HANDLERS.pop(op_id)
        else:
            HANDLERS[op_id] = previous
    err = assert_envelope(resp, 500)
    assert err["type"] == "server_error"
    assert "Traceback" not in resp.text and "secret internal detail" not in resp.text


def test_unknown_fault_in_header_is_a_400_naming_the_header(api: httpx.Client) -> None:
    resp = api.get("/assistants", headers={"x-oaic-fault": "no-such-fault"})
    assert_envelope(resp, 400, param="x-oaic-fault", code="unknown_fault")


def test_fault_header_is_ignored_when_not_allowed() -> None:
    with ReferenceServer() as srv:
        resp = httpx.get(
            srv.base_url + "/assistants", headers={"x-oaic-fault": "wrong-object"}, timeout=5
        )
        assert resp.status_code == 200 and resp.json()["object"] == "list"
        assert httpx.post(srv.base_url + "/__oaic/clock", json={"advance": 1}).status_code == 404


def test_multipart_body_is_parsed_coerced_and_validated(api: httpx.Client) -> None:
    files = [("files", ("SKILL.md", b"# skill\n", "text/markdown"))]
    resp = api.post("/skills", files=files)
    assert resp.status_code == 200, resp.text
    assert resp.json()["object"] == "skill"


def test_multipart_missing_required_file_names_it(api: httpx.Client) -> None:
    resp = api.post("/videos/characters", files=[("name", (None, "hero"))])
    assert_envelope(resp, 400, param="video")


def test_urlencoded_body_is_accepted_where_documented(api: httpx.Client) -> None:
    skill = api.post("/skills", files=[("files", ("SKILL.md", b"x", "text/markdown"))]).json()
    resp = api.post(f"/skills/{skill['id']}", data={"default_version": "1"})
    assert resp.status_code == 200, resp.text


def test_clock_control_advances_the_server_clock(core: ReferenceServer, api: httpx.Client) -> None:
    before = core.state.clock.now()
    resp = api.post("/__oaic/clock", json={"advance": 3600})
    assert resp.status_code == 200
    assert resp.json()["now"] >= before + 3600
    assert_envelope(api.post("/__oaic/clock", json={"advance": -5}), 400)
