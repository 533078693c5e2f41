"""Failures grouped by root cause: one schema defect of a shared body is one cause."""

from __future__ import annotations

from sample import make_run

from openai_conformance.reports.causes import group
from openai_conformance.reports.markdown import render_summary
from openai_conformance.reports.model import FailureDetail, Results, TestResult


def _failing(i: int, title: str, operation: str = "POST /chat/completions") -> TestResult:
    failure = FailureDetail(title=title, check="response_schema_conformance", operation=operation)
    return TestResult(
        id=f"suites/chat/t.py::test_{i}", name=f"test_{i}", suite="chat", resource="chat",
        outcome="FAIL", failures=[failure],
    )  # fmt: skip


def test_one_defect_seen_by_many_tests_is_one_cause():
    tests = [_failing(i, f"schema violation at /choices/{i % 3}/logprobs") for i in range(20)]
    tests.append(_failing(99, "schema violation at /usage"))
    causes = group(tests)
    assert [len(c.tests) for c in causes] == [20, 1]
    assert causes[0].first.name == "test_0"


def test_summary_lists_causes_with_their_counts():
    tests = [_failing(i, "schema violation at /choices/0/logprobs") for i in range(5)]
    md = render_summary(Results(run=make_run(), tests=tests))
    assert "Failures by cause (1 causes, 5 tests)" in md
    assert "**5 tests**" in md


def test_a_different_status_is_a_different_cause():
    tests = [
        _failing(1, "expected an error 400, got 200"),
        _failing(2, "expected an error 400, got 500"),
    ]
    assert len(group(tests)) == 2
