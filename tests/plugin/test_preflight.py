"""One hint instead of a flood: a target that refuses our key, or a base URL without /v1, stops
the run before its first test with one message naming the fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openai_conformance.refserver.server import ReferenceServer

SUITE = Path(__file__).resolve().parents[2] / "suites" / "core"
KEY = "sk-oaic-canary-preflight-0123456789"


def _run(pytester: pytest.Pytester, base_url: str) -> tuple[pytest.RunResult, dict]:
    report_dir = pytester.path / "reports"
    result = pytester.runpytest(
        "-p", "openai_conformance.plugin", str(SUITE), "--target", base_url,
        "--report-dir", str(report_dir),
    )  # fmt: skip
    doc = json.loads((report_dir / "latest" / "results.json").read_text())
    return result, {t["name"]: t for t in doc["tests"]}


def test_a_target_refusing_every_request_stops_the_run_with_one_key_hint(
    pytester: pytest.Pytester, oaic_env: pytest.MonkeyPatch
) -> None:
    oaic_env.delenv("OAIC_API_KEY")
    with ReferenceServer(api_key=KEY) as server:
        result, tests = _run(pytester, server.base_url)
    stopped = {n for n, t in tests.items() if t["message"].startswith("run stopped early")}
    assert stopped == set(tests) - {"test_target_without_configured_key_rejects_anonymous_requests"}
    assert {tests[n]["outcome"] for n in stopped} == {"DISABLED"}
    assert "no API key is configured" in tests[next(iter(stopped))]["message"]
    assert result.stdout.str().count("run stopped early") == 1


def test_a_base_url_without_v1_stops_the_run_with_one_url_hint(
    pytester: pytest.Pytester, oaic_env: pytest.MonkeyPatch
) -> None:
    with ReferenceServer(api_key=KEY) as server:
        _, tests = _run(pytester, server.base_url.removesuffix("/v1"))
    messages = {t["message"] for t in tests.values()}
    assert len(messages) == 1
    assert "It usually ends in /v1" in messages.pop()
