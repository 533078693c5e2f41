"""Each check FAILS against the reference server with its named fault and PASSES without it.

One server (``allow_fault_header=True``) serves the whole module; the fault is switched on per
request with the ``x-oaic-fault`` header, so the same request is judged with and without it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from openai_conformance.checks import (
    CheckContext,
    auth_conformance,
    content_type_conformance,
    error_envelope_conformance,
    request_id_header_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from openai_conformance.refserver.server import ReferenceServer
from openai_conformance.target.config import build_config
from openai_conformance.wire.client import ConformanceClient

KEY = "sk-oaic-selftest-checks-0123456789"
CHAT = {"model": "ref-chat", "messages": [{"role": "user", "content": "hi"}]}
Request = tuple[str, str, Any]
MODELS: Request = ("GET", "/models", None)
CHAT_OK: Request = ("POST", "/chat/completions", CHAT)
INVALID: Request = ("POST", "/chat/completions", {"model": "ref-chat"})  # no messages


@pytest.fixture(scope="module")
def server() -> Iterator[ReferenceServer]:
    with ReferenceServer(api_key=KEY, allow_fault_header=True) as srv:
        yield srv


def _client(server: ReferenceServer, key: str) -> ConformanceClient:
    cfg = build_config({"target": server.base_url, "api_key": key}, env={})
    return ConformanceClient(cfg)


@pytest.fixture(scope="module")
def client(server: ReferenceServer) -> Iterator[ConformanceClient]:
    c = _client(server, KEY)
    yield c
    c.close()


def _send(client: ConformanceClient, request: Request, fault: str | None) -> Any:
    method, path, body = request
    headers = {"x-oaic-fault": fault} if fault else None
    return client.request(method, path, json=body, headers=headers)


CASES: list[tuple[str, Request, Callable[..., list]]] = [
    ("missing-required-field", MODELS, response_schema_conformance),
    ("wrong-type", MODELS, response_schema_conformance),
    ("wrong-enum", CHAT_OK, response_schema_conformance),
    ("error-flat-envelope", INVALID, error_envelope_conformance),
    ("error-status-200", INVALID, error_envelope_conformance),
    ("wrong-content-type", MODELS, content_type_conformance),
    ("server-error-on-valid", CHAT_OK, status_code_conformance),
    ("html-error-page", INVALID, error_envelope_conformance),
    ("html-error-page", INVALID, content_type_conformance),
    ("missing-request-id", MODELS, request_id_header_conformance),
    ("missing-request-id", INVALID, request_id_header_conformance),
]


@pytest.mark.parametrize(
    ("fault", "request_", "check"), CASES, ids=[f"{c[0]}-{c[2].__name__}" for c in CASES]
)
def test_check_fails_with_fault_and_passes_without(
    client: ConformanceClient,
    ctx: CheckContext,
    fault: str,
    request_: Request,
    check: Callable[..., list],
) -> None:
    clean = _send(client, request_, None)
    assert check(clean, None, ctx) == [], "the check must pass against the conformant server"
    broken = _send(client, request_, fault)
    failures = check(broken, None, ctx)
    assert failures, f"{check.__name__} did not catch fault {fault}"
    assert all(f.check == check.__name__ for f in failures)
    if check is request_id_header_conformance:  # a SHOULD: reported, weighed as SHOULD
        assert {(f.level, f.requirement) for f in failures} == {
            ("SHOULD", "core/request-id-header")
        }
    assert KEY not in "".join(f.format() for f in failures)


def test_auth_check_fails_when_the_server_ignores_auth(
    server: ReferenceServer, ctx: CheckContext
) -> None:
    wrong = _client(server, "sk-oaic-wrong-key-000000000000")
    try:
        assert auth_conformance(wrong.request("GET", "/models"), None, ctx) == []
        ignored = wrong.request("GET", "/models", headers={"x-oaic-fault": "ignore-auth"})
        [failure] = auth_conformance(ignored, None, ctx)
        assert failure.title == "unauthenticated request answered 200"
    finally:
        wrong.close()
