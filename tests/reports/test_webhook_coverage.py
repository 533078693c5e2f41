"""Webhook event coverage: counted per test, summed in the summary, shown as "seen N of 15"."""

from __future__ import annotations

from sample import make_run, make_tests

from openai_conformance.reports.html import render_html
from openai_conformance.reports.model import Results, TestResult
from openai_conformance.reports.webhook_coverage import webhook_coverage


def _webhook_test(name: str, types: list[str]) -> TestResult:
    return TestResult(
        id=f"suites/webhooks/test_webhooks.py::{name}",
        name=name,
        suite="webhooks",
        resource="webhooks",
        outcome="PASS",
        coverage={"webhook_event_types": types},
    )


def test_coverage_counts_documented_types_and_names_the_rest() -> None:
    cov = webhook_coverage({"batch.completed": 2, "response.completed": 1, "batch.exploded": 1})
    assert cov is not None
    assert (cov["known"], cov["seen"]) == (15, 2)
    assert cov["unknown"] == ["batch.exploded"]
    assert "fine_tuning.job.succeeded" in cov["unseen"] and len(cov["unseen"]) == 13


def test_summary_sums_webhook_types_and_the_report_shows_seen_n_of_15() -> None:
    tests = [
        *make_tests(),
        _webhook_test("a", ["batch.completed"]),
        _webhook_test("b", ["batch.completed", "fine_tuning.job.succeeded"]),
    ]
    results = Results(run=make_run(), tests=tests)
    assert results.summary["coverage"]["webhook_event_types"] == {
        "batch.completed": 2,
        "fine_tuning.job.succeeded": 1,
    }
    html = render_html(results)
    assert 'id="webhook-coverage"' in html and "seen <b>2 of 15</b>" in html


def test_results_without_webhook_coverage_still_render() -> None:
    html = render_html(Results(run=make_run(), tests=make_tests()))
    assert "seen <b>0 of 15</b>" in html
