"""A sub-feature whose routes the target lacks is UNSUPPORTED, not FAIL, even when its 404
carries the OpenAI error envelope; a present route that refuses a valid request is still FAIL,
and a refused step never crashes the next one (ERROR).

The target is the reference server behind a thin ASGI layer:

* every file-batch route of a vector store and ``POST /batches/{id}/cancel`` answer ``404``
  with the OpenAI envelope (``Invalid URL ...``, as OpenAI answers an unknown route). The
  sub-features' probes aim at missing ids, where such a 404 may just mean "no such object":
  they find the sub-features present, so the tests run and their steps meet the 404 on
  objects the test just created (``scenario.lifecycles.accepted`` weighs it against the
  parent, which reads back: the route is absent);
* ``POST /vector_stores/{id}/search`` answers ``400`` (a present route refusing a valid
  request: FAIL with the refusal);
* ``POST /conversations`` with a body that has ``metadata`` answers ``400`` (the feature's
  probe, ``{"items": 0}``, still gets the reference server's own 400: present), so every
  conversation test's create is refused: FAIL, never a KeyError on the missing ``id``.

Everything else is the reference server: every other test of the three suites passes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openai_conformance.contract.features import registry
from openai_conformance.refserver.app import create_app
from openai_conformance.refserver.state import ServerConfig
from openai_conformance.wire.serving import BackgroundServer

ROOT = Path(__file__).resolve().parents[2]
KEY = "sk-oaic-canary-subabsence-0123456789abcdef"
ABSENT = re.compile(r"^/v1/(vector_stores/[^/]+/file_batches(/.*)?|batches/[^/]+/cancel)$")
SEARCH = re.compile(r"^/v1/vector_stores/[^/]+/search$")
SUITES = ["suites/vector_stores", "suites/batches", "suites/conversations"]


def _envelope(message: str, code: str | None = None) -> bytes:
    error = {"message": message, "type": "invalid_request_error", "param": None, "code": code}
    return json.dumps({"error": error}).encode()


async def _read_body(receive: Any) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


def without_sub_routes(app: Any) -> Any:
    """``app`` lacking the routes above (see module doc)."""

    async def answer(send: Any, status: int, body: bytes) -> None:
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            path, method = scope["path"], scope["method"]
            if ABSENT.match(path):
                return await answer(send, 404, _envelope(f"Invalid URL ({method} {path})"))
            if SEARCH.match(path) and method == "POST":
                return await answer(send, 400, _envelope("search is refused", "invalid_value"))
            if path == "/v1/conversations" and method == "POST":
                body = await _read_body(receive)
                if b"metadata" in body:
                    return await answer(send, 400, _envelope("creation is refused"))
                replayed = [{"type": "http.request", "body": body, "more_body": False}]

                async def replay() -> Any:
                    return replayed.pop(0) if replayed else await receive()

                return await app(scope, replay, send)
        await app(scope, receive, send)

    return wrapped


@pytest.fixture(scope="module")
def outcomes() -> Iterator[dict[str, dict[str, Any]]]:
    """One run of the three suites against the target lacking those routes: test name → result."""
    server = BackgroundServer(
        without_sub_routes(create_app(ServerConfig(api_key=KEY))), name="oaic-subabsence"
    )
    server.start()
    try:
        with tempfile.TemporaryDirectory(prefix="oaic-subabsence-") as tmp:
            cmd = [
                sys.executable, "-m", "pytest", *SUITES, "-q", "-p", "no:cacheprovider",
                "--target", server.base_url, "--profile", "reference", "--report-dir", tmp,
            ]  # fmt: skip
            env = {k: v for k, v in os.environ.items() if not k.startswith(("OAIC_", "OPENAI_"))}
            env["OAIC_API_KEY"] = KEY
            proc = subprocess.run(
                cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
            )
            found = sorted(Path(tmp).glob("runs/*/results.json"))
            assert found, f"no results.json; exit {proc.returncode}\n{proc.stdout[-3000:]}"
            results = json.loads(found[-1].read_text(encoding="utf-8"))
    finally:
        server.stop()
    yield {t["id"].split("::")[-1]: t for t in results["tests"]}


def _requirement(test: dict[str, Any]) -> str:
    return str((test.get("requirement") or {}).get("id") or "")


def _sub_feature_requirements(*names: str) -> set[str]:
    found = [registry().get(n) for n in names]
    return {rid for f in found if f is not None for rid in f.requirement_ids}


ABSENT_SUBS = ("vector_stores.file-batches", "batches.cancel")


@pytest.mark.slow
def test_tests_of_a_sub_feature_whose_routes_answer_an_enveloped_404_are_unsupported(
    outcomes: dict[str, dict[str, Any]],
) -> None:
    wanted = _sub_feature_requirements(*ABSENT_SUBS)
    tests = {n: t for n, t in outcomes.items() if _requirement(t) in wanted}
    assert {_requirement(t) for t in tests.values()} == wanted, "a sub-feature test is missing"
    assert {n: t["outcome"] for n, t in tests.items()} == dict.fromkeys(tests, "UNSUPPORTED")
    for test in tests.values():  # the reason carries both answers: the route's and the parent's
        assert "the target does not implement it" in test["message"]
        assert "answered HTTP 404" in test["message"]
        assert "the object exists, its route is missing" in test["message"]
    cancel = outcomes["test_cancel_moves_in_progress_batch_to_cancelling_then_cancelled"]
    assert cancel["message"].startswith("batches.cancel: ")


@pytest.mark.slow
def test_a_present_route_refusing_a_valid_request_is_still_fail(
    outcomes: dict[str, dict[str, Any]],
) -> None:
    search = {
        n: t for n, t in outcomes.items() if _requirement(t).startswith("vector_stores/search")
    }
    assert len(search) == 2
    assert {t["outcome"] for t in search.values()} == {"FAIL"}, search
    for test in search.values():
        assert "400" in test["message"]


@pytest.mark.slow
def test_a_refused_create_is_a_fail_of_each_conversation_test_never_an_error(
    outcomes: dict[str, dict[str, Any]],
) -> None:
    conversations = {n: t for n, t in outcomes.items() if t["suite"] == "conversations"}
    created = {n: t for n, t in conversations.items() if "rejected" not in n}
    assert created
    assert {t["outcome"] for t in created.values()} == {"FAIL"}, created
    assert all("refused (400)" in t["message"] for t in created.values())


@pytest.mark.slow
def test_every_other_test_of_the_three_suites_passes(
    outcomes: dict[str, dict[str, Any]],
) -> None:
    judged = _sub_feature_requirements(*ABSENT_SUBS)
    rest = {
        n: t["outcome"]
        for n, t in outcomes.items()
        if _requirement(t) not in judged
        and not _requirement(t).startswith("vector_stores/search")
        and t["suite"] != "conversations"
    }
    assert rest
    assert set(rest.values()) == {"PASS"}, {n: o for n, o in rest.items() if o != "PASS"}
