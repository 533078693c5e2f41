"""suites/core against the reference server: each named fault fails exactly the core tests
that claim to catch it (and the suite passes without faults, see test_outcome_mapping)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openai_conformance.refserver.server import ReferenceServer

SUITE = Path(__file__).resolve().parents[2] / "suites" / "core"
KEY = "sk-oaic-canary-core-faults-0123456789"

ERROR_TESTS = {
    "test_unknown_route_returns_404_envelope",
    "test_unknown_model_on_chat_completions_returns_404_envelope",
    "test_chat_completion_without_messages_returns_400_envelope",
    "test_invalid_request_error_names_the_missing_parameter",
    "test_error_responses_use_the_error_envelope",
    "test_request_without_credentials_returns_401_envelope",
    "test_request_with_wrong_key_returns_401_envelope",
}

CASES = {
    None: set(),
    "ignore-auth": {
        "test_request_without_credentials_returns_401_envelope",
        "test_request_with_wrong_key_returns_401_envelope",
    },
    "error-flat-envelope": ERROR_TESTS,
    "html-error-page": ERROR_TESTS,
    "wrong-content-type": {
        "test_models_list_returns_list_of_model_objects",
        "test_chat_completion_is_served_as_json",
    },
    "wrong-enum": {
        "test_models_list_returns_list_of_model_objects",
        "test_chat_completion_body_matches_its_schema",
    },
    "models-list-bare-array": {"test_models_list_returns_list_of_model_objects"},
    "models-owner-field": {"test_models_list_returns_list_of_model_objects"},
    "chat-stream-data-no-space": {"test_chat_stream_uses_canonical_sse_framing"},
    "chat-stream-wrong-content-type": {"test_chat_stream_events_match_the_chunk_schema"},
    "chat-stream-content-after-done": {"test_chat_stream_events_match_the_chunk_schema"},
    # The fault strikes after validation: the unknown model reaches the handler and gets a 500
    # instead of its 404; the content-type test still sees a JSON (error) body and passes.
    "server-error-on-valid": {
        "test_unknown_model_on_chat_completions_returns_404_envelope",
        "test_valid_chat_completion_is_not_a_server_error",
        "test_models_list_returns_list_of_model_objects",
        "test_models_list_status_is_documented",
        "test_chat_completion_body_matches_its_schema",
        "test_chat_stream_events_match_the_chunk_schema",
        "test_chat_stream_uses_canonical_sse_framing",
    },
}


@pytest.mark.parametrize("fault", list(CASES), ids=lambda f: f or "no-fault")
def test_core_suite_fails_exactly_the_tests_that_catch_the_fault(
    pytester: pytest.Pytester, oaic_env: pytest.MonkeyPatch, fault: str | None
) -> None:
    oaic_env.setenv("OAIC_API_KEY", KEY)
    faults = (fault,) if fault else ()
    with ReferenceServer(api_key=KEY, faults=faults) as server:
        report_dir = pytester.path / "reports"
        result = pytester.runpytest(
            "-p", "openai_conformance.plugin", str(SUITE), "--target", server.base_url,
            "--profile", "reference", "--report-dir", str(report_dir),
        )  # fmt: skip
    doc = json.loads((report_dir / "latest" / "results.json").read_text())
    outcomes = {t["name"]: t["outcome"] for t in doc["tests"]}
    assert len(outcomes) == 15
    failed = {name for name, outcome in outcomes.items() if outcome != "PASS"}
    assert failed == CASES[fault], outcomes
    assert {outcomes[n] for n in failed} <= {"FAIL"}
    assert result.ret == (1 if failed else 0)
