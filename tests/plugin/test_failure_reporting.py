"""A real FAIL against the reference server with a fault: the message explains itself and no
artifact or console line contains the API key."""

from __future__ import annotations

from plugin_support import KEY

FAULT_SUITE = """
import pytest
from openai_conformance.checks import assert_conforms

@pytest.mark.requirement("core/response-schema")
def test_chat_completion_conforms(client):
    exchange = client.request(
        "POST", "/chat/completions",
        json={"model": "ref-chat", "messages": [{"role": "user", "content": "hi"}]},
        headers={"x-oaic-fault": "wrong-enum"},
    )
    assert_conforms(exchange, "POST /chat/completions")
"""


def test_failure_names_operation_check_pointer_expected_received_and_curl(run_suite):
    run = run_suite({"test_fault.py": FAULT_SUITE})
    assert run.outcomes() == {"test_chat_completion_conforms": "FAIL"}
    assert run.ret == 1
    [failure] = run.test("test_chat_completion_conforms")["failures"]
    assert failure["check"] == "response_schema_conformance"
    assert failure["operation"] == "POST /chat/completions"
    assert failure["requirement"] == "core/response-schema"
    assert failure["pointer"].startswith("/")
    assert failure["expected"] and failure["actual"] == "'not-a-valid-value'"
    assert failure["status_line"].startswith("HTTP 200")
    assert failure["curl"].startswith("curl ") and "$OPENAI_API_KEY" in failure["curl"]
    assert failure["evidence_seq"], "the failure points at its evidence record"
    run.result.stdout.fnmatch_lines(
        [
            "FAIL response_schema_conformance · POST /chat/completions · "
            "core/response-schema (MUST)",
            "  at /*: 'not-a-valid-value' is not one of*",
            "  expected: one of * received: 'not-a-valid-value'",
            "  response: HTTP 200 OK*",
            "  reproduce: curl *",
        ]
    )


def test_no_artifact_or_console_line_contains_the_api_key(run_suite):
    run = run_suite({"test_fault.py": FAULT_SUITE})
    assert run.run_dir is not None
    console = run.result.stdout.str() + run.result.stderr.str()
    assert KEY not in console
    for path in run.run_dir.rglob("*"):
        if path.is_file():
            assert KEY not in path.read_text(errors="replace"), f"{path.name} leaks the key"
