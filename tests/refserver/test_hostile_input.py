"""The reference server under hostile or odd input: every answer is the error envelope with
a 4xx, never a 500 or plain text; children need their parent; no placeholder values."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import httpx
import pytest

from openai_conformance.contract import requests as dispatch
from openai_conformance.refserver.app import OFF_LOOP_BODY_BYTES
from openai_conformance.refserver.server import ReferenceServer


def _envelope(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("application/json")
    return response.json()["error"]


def test_json_nested_a_thousand_deep_is_a_400_envelope(api: httpx.Client) -> None:
    body = b"[" * 1000 + b"]" * 1000
    response = api.post(
        "/chat/completions", content=body, headers={"content-type": "application/json"}
    )
    error = _envelope(response, 400)
    assert "nested too deeply" in error["message"]
    nested: object = "x"
    for _ in range(200):  # parses fine, but deeper than any request needs
        nested = {"a": nested}
    response = api.post("/chat/completions", json={"model": "ref-chat", "messages": nested})
    assert "nested too deeply" in _envelope(response, 400)["message"]


def test_trace_and_unknown_methods_answer_the_envelope(api: httpx.Client) -> None:
    for method in ("TRACE", "FROBNICATE"):
        error = _envelope(api.request(method, "/models"), 405)
        assert method in error["message"]


def test_malformed_http_is_a_400_envelope(core: ReferenceServer) -> None:
    host, port = core.base_url.split("//")[1].split("/")[0].split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"GET /v1/models HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n")
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400") and b"application/json" in head
    assert b'"error"' in body and b"Invalid HTTP request" in body


def test_children_of_a_missing_project_are_404(api: httpx.Client) -> None:
    body = {"role_name": "oaic-role", "permissions": ["api.model.read"]}
    error = _envelope(api.post("/projects/proj_missing/roles", json=body), 404)
    assert error["param"] == "project_id"


def test_created_objects_carry_no_placeholder_values(api: httpx.Client) -> None:
    container = api.post("/containers", json={"name": "oaic-c1"}).json()
    assert container["object"] == "container", container
    project = api.post("/organization/projects", json={"name": "oaic-p1"}).json()
    body = {"role_name": "oaic-role", "permissions": ["api.model.read"]}
    role = api.post(f"/projects/{project['id']}/roles", json=body)
    assert role.status_code == 200, role.text[:300]
    assert role.json()["name"] == "oaic-role", role.json()


def test_custom_tools_with_tool_choice_are_accepted(api: httpx.Client) -> None:
    body = {
        "model": "ref-chat",
        "messages": [{"role": "user", "content": "Say OK."}],
        "tools": [{"type": "custom", "custom": {"name": "grammar"}}],
        "tool_choice": "required",
    }
    response = api.post("/chat/completions", json=body)
    assert response.status_code == 200, response.text[:300]


def test_deep_object_with_an_empty_key_is_parsed_as_an_object(api: httpx.Client) -> None:
    # metadata[]=0 is how a client serialises {"": "0"} (deepObject), not an array.
    response = api.get("/fine_tuning/jobs?metadata[]=0")
    assert response.status_code == 200, response.text[:300]


def test_a_large_body_is_validated_off_the_event_loop(
    api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Validation is linear in the body (3,000 conversation items: about 4 s): on the event loop
    # it stalled every other request and webhook delivery meanwhile.
    where: list[str] = []
    real = dispatch.check_body

    def spy(*args: Any, **kwargs: Any) -> None:
        try:
            asyncio.get_running_loop()
            where.append("event loop")
        except RuntimeError:
            where.append("worker thread")
        real(*args, **kwargs)

    monkeypatch.setattr(dispatch, "check_body", spy)
    small = {"model": "ref-embed", "input": "x"}
    large = {"model": "ref-embed", "input": ["x" * 100] * (OFF_LOOP_BODY_BYTES // 100)}
    assert api.post("/embeddings", json=small).status_code == 200
    assert api.post("/embeddings", json=large).status_code == 200
    assert where == ["event loop", "worker thread"]
