"""Failures grouped by root cause: one schema defect of a shared body is one cause."""

from __future__ import annotations

from sample import make_run

from openai_conformance.reports.causes import group
from openai_conformance.reports.html import render_html
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


def _server_error(
    i: int,
    operation: str,
    resource: str = "files",
    status: str = "HTTP 500 Internal Server Error  application/json",
    body: str = '{"error":{"message":"Connection error.","type":"internal_server_error"}}',
) -> TestResult:
    failure = FailureDetail(
        title=f"server error {status.split()[1]}", check="status_code_conformance",
        operation=operation, status_line=status, body_excerpt=body,
    )  # fmt: skip
    return TestResult(
        id=f"suites/{resource}/t.py::test_{i}", name=f"test_{i}", suite=resource,
        resource=resource, outcome="FAIL", operation=operation, failures=[failure],
    )  # fmt: skip


def _litellm_like() -> list[TestResult]:
    """A target without an upstream: every files and batches operation answers 500."""
    files = ["GET /files", "GET /files/{file_id}", "GET /files/{file_id}/content", "POST /files"]
    tests = [_server_error(i, op) for i, op in enumerate(files)]
    tests.append(_server_error(10, "POST /files"))  # a second test of one operation
    # the same defect quoting a different object address and id: still the same body shape
    tests.append(
        _server_error(
            11, "DELETE /files/{file_id}",
            body='{"error":{"message":"Connection error at 0x7fbfd9341130 for '
            'file-abc123def456ghi","type":"internal_server_error"}}',
        )
    )  # fmt: skip
    tests.append(
        _server_error(
            12, "GET /files/{file_id}",
            body='{"error":{"message":"Connection error at 0x7f00aa11bb22 for '
            'file-zzz999yyy888xxx","type":"internal_server_error"}}',
        )
    )  # fmt: skip
    plain = "HTTP 500 Internal Server Error  text/plain; charset=utf-8"
    tests += [
        _server_error(20 + i, op, "batches", plain, "Internal Server Error")
        for i, op in enumerate(["GET /batches", "GET /batches/{batch_id}"])
    ]
    return tests


def test_server_errors_of_one_resource_with_one_body_are_one_cause():
    causes = group(_litellm_like())
    by_resource = {(c.resource, len(c.tests)): c for c in causes}
    files = by_resource[("files", 5)]
    assert files.operation is None
    assert files.operations == [
        "GET /files", "GET /files/{file_id}", "GET /files/{file_id}/content", "POST /files",
    ]  # fmt: skip
    assert files.first.name == "test_0"
    assert by_resource[("files", 2)].operations == [
        "DELETE /files/{file_id}",
        "GET /files/{file_id}",
    ]
    assert by_resource[("batches", 2)].operations == ["GET /batches", "GET /batches/{batch_id}"]
    assert len(causes) == 3


def test_a_different_server_error_status_or_body_stays_a_distinct_cause():
    unavailable = "HTTP 503 Service Unavailable  application/json"
    html_page = "HTTP 500 Internal Server Error  text/html"
    tests = [
        _server_error(1, "GET /files"),
        _server_error(2, "GET /files/{file_id}", status=unavailable),
        _server_error(
            3, "POST /files",
            body='{"error":{"message":"files_settings is not set","type":"internal_server_error"}}',
        ),
        _server_error(4, "GET /files/{file_id}/content", status=html_page),
        _server_error(5, "GET /files", resource="uploads"),  # another resource
    ]  # fmt: skip
    causes = group(tests)
    assert len(causes) == 5
    assert all(len(c.tests) == 1 for c in causes)


def test_server_errors_and_other_failures_of_one_resource_are_not_merged():
    tests = [_server_error(1, "GET /files"), _server_error(2, "GET /files/{file_id}")]
    other = _failing(3, "schema violation at /data", operation="GET /files")
    other.resource = "files"
    tests.append(other)
    assert sorted(len(c.tests) for c in group(tests)) == [1, 2]


def test_summary_and_report_list_the_operations_of_a_grouped_server_error():
    tests = _litellm_like()
    md = render_summary(Results(run=make_run(), tests=tests))
    assert "Failures by cause (3 causes, 9 tests)" in md
    assert "on 4 operations of files: GET /files, GET /files/{file\\_id}, " in md
    html = render_html(Results(run=make_run(), tests=tests))
    assert "Failures by cause (3 causes)" in html
    assert "4 operations of files: GET /files, GET /files/{file_id}, " in html
