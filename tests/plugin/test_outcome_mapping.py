"""Every way a test can end maps to its outcome, in results.json and in the exit status."""

from __future__ import annotations

OUTCOMES_SUITE = """
import pytest
from openai_conformance.checks.failures import Failure
from openai_conformance.checks.outcomes import ConformanceFailure, Disabled, Unsupported

REQ = pytest.mark.requirement("core/models-list")

@REQ
def test_pass():
    pass

@REQ
def test_fail():
    raise ConformanceFailure(Failure(title="broken", check="demo_conformance", pointer="/x"))

@REQ
def test_plain_assert_is_fail():
    assert 1 == 2, "target said 2"

@REQ
def test_unsupported():
    raise Unsupported("the target answered 404")

@REQ
def test_disabled():
    raise Disabled("costly is not allowed")

@REQ
def test_skip_is_disabled():
    pytest.skip("not here")

@REQ
def test_error():
    raise RuntimeError("harness bug")

def test_missing_requirement():
    pass

@pytest.mark.requirement("core/no-such-thing")
def test_unknown_requirement():
    pass
"""


def test_each_way_of_ending_maps_to_its_outcome(run_suite):
    run = run_suite({"test_outcomes.py": OUTCOMES_SUITE}, "-rs")
    assert run.outcomes() == {
        "test_pass": "PASS",
        "test_fail": "FAIL",
        "test_plain_assert_is_fail": "FAIL",
        "test_unsupported": "UNSUPPORTED",
        "test_disabled": "DISABLED",
        "test_skip_is_disabled": "DISABLED",
        "test_error": "ERROR",
        "test_missing_requirement": "ERROR",
        "test_unknown_requirement": "ERROR",
    }
    assert run.ret == 1  # a conformance failure is the definitive finding
    assert run.test("test_unsupported")["message"] == "the target answered 404"
    assert "cites no requirement" in run.test("test_missing_requirement")["message"]
    fail = run.test("test_fail")
    assert fail["failures"][0]["pointer"] == "/x"
    assert fail["requirement"]["id"] == "core/models-list"
    run.result.stdout.fnmatch_lines(["*UNSUPPORTED: the target answered 404*"])


def test_error_tracebacks_go_to_the_evidence_not_the_message(run_suite):
    run = run_suite({"test_outcomes.py": OUTCOMES_SUITE}, "-k", "test_error")
    assert run.test("test_error")["message"] == "RuntimeError: harness bug"
    assert run.run_dir is not None
    evidence = (run.run_dir / "evidence.jsonl").read_text()
    assert '"traceback"' in evidence and "harness bug" in evidence


def test_only_passes_exit_0(run_suite):
    run = run_suite({"test_outcomes.py": OUTCOMES_SUITE}, "-k", "test_pass or test_disabled")
    assert run.outcomes() == {"test_pass": "PASS", "test_disabled": "DISABLED"}
    assert run.ret == 0


def test_harness_errors_without_failures_exit_3(run_suite):
    run = run_suite({"test_outcomes.py": OUTCOMES_SUITE}, "-k", "test_pass or test_error")
    assert run.ret == 3


def test_certify_turns_disabled_must_into_a_failure(run_suite):
    run = run_suite(
        {"test_outcomes.py": OUTCOMES_SUITE}, "-k", "test_pass or test_disabled", "--certify"
    )
    assert run.ret == 1


def test_embedded_reference_server_starts_without_target(run_suite):
    suite = """
import pytest
from openai_conformance.checks import assert_conforms

@pytest.mark.requirement("core/models-list")
def test_models(client):
    assert_conforms(client.request("GET", "/models"), "GET /models")
"""
    run = run_suite({"test_embedded.py": suite}, target=False)
    assert run.outcomes() == {"test_models": "PASS"}
    assert run.doc["run"]["target"]["embedded"] is True
    assert run.run_dir is not None and run.run_dir.name.endswith("-reference")
