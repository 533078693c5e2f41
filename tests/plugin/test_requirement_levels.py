"""Requirement id and level are declared once, in spec/requirements: test code names the id
only by its marker, and the plugin stamps id and catalogue level onto every failure, on the
console and in results.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from plugin_support import KEY

from openai_conformance.contract.requirements import catalogue
from openai_conformance.refserver.server import ReferenceServer

UPLOADS = Path(__file__).resolve().parents[2] / "suites" / "uploads"
MD5 = "uploads/complete-with-md5"


def test_may_requirement_broken_by_a_fault_is_reported_as_may(
    pytester: pytest.Pytester, oaic_env: pytest.MonkeyPatch
) -> None:
    assert catalogue()[MD5].level == "MAY"
    # The parts are assembled in the wrong order: the md5 of the intended bytes is refused.
    with ReferenceServer(api_key=KEY, faults=("uploads-complete-wrong-order",)) as server:
        report_dir = pytester.path / "reports"
        result = pytester.runpytest(
            "-p", "openai_conformance.plugin", str(UPLOADS), "-k", "md5",
            "--target", server.base_url, "--profile", "reference",
            "--report-dir", str(report_dir),
        )  # fmt: skip
    doc = json.loads((report_dir / "latest" / "results.json").read_text())
    [test] = doc["tests"]
    assert test["outcome"] == "FAIL", test
    assert (test["requirement"]["id"], test["requirement"]["level"]) == (MD5, "MAY")
    assert test["failures"], test
    assert {(f["requirement"], f["level"]) for f in test["failures"]} == {(MD5, "MAY")}
    out = result.stdout.str()
    assert f"· {MD5} (MAY)" in out, out
    assert f"{MD5} (MUST)" not in out


DEMO = """
import pytest
from openai_conformance.checks.failures import Failure
from openai_conformance.checks.outcomes import ConformanceFailure

@pytest.mark.requirement("chat/stream-usage-only-when-asked")
def test_own_failure(client):
    raise ConformanceFailure(Failure.of("demo_conformance", "usage sent unasked"))

@pytest.mark.requirement("chat/stream-usage-only-when-asked")
def test_plain_assert(client):
    assert False, "usage sent unasked"

@pytest.mark.requirement("chat/basic-completion")
def test_generic_check_keeps_its_own_requirement(client):
    raise ConformanceFailure(
        Failure.of("sse_framing_conformance", "odd framing", requirement="core/sse-framing")
    )
"""


def test_failures_get_the_cited_requirement_and_every_level_comes_from_the_catalogue(
    run_suite,
) -> None:
    run = run_suite({"test_levels.py": DEMO}, "--profile", "reference")
    assert set(run.outcomes().values()) == {"FAIL"}, run.outcomes()
    stamped = {
        name: [(f["requirement"], f["level"]) for f in run.test(name)["failures"]]
        for name in run.outcomes()
    }
    assert stamped == {
        "test_own_failure": [("chat/stream-usage-only-when-asked", "SHOULD")],
        "test_plain_assert": [("chat/stream-usage-only-when-asked", "SHOULD")],
        # A generic check verifies a requirement of its own; its level is still the catalogue's.
        "test_generic_check_keeps_its_own_requirement": [("core/sse-framing", "SHOULD")],
    }
    run.result.stdout.fnmatch_lines(
        ["FAIL demo_conformance · chat/stream-usage-only-when-asked (SHOULD)"]
    )
