"""Crafted runs for the gate self-tests: ``results(run_id, {test id: outcome})``."""

from __future__ import annotations

from pathlib import Path

from openai_conformance.reports.model import FailureDetail, Results, RunInfo, TestResult

CORE = "suites/core/test_core_responses.py::"


def results(run_id: str, outcomes: dict[str, str], certify: bool = False) -> Results:
    """A run whose tests have the given outcomes (failing ones carry one failure)."""
    run = RunInfo(
        id=run_id,
        started_at="2025-01-31T12:00:00Z",
        finished_at="2025-01-31T12:00:05Z",
        duration_s=5.0,
        suite_version="0.1.0",
        target={"base_url": "http://127.0.0.1:1/v1", "profile": "demo"},
        spec={"origin": "test", "version": "2.3.0"},
        certify=certify,
        versions={},
    )
    tests = []
    for test_id, outcome in outcomes.items():
        failures = []
        if outcome in ("FAIL", "ERROR", "XFAIL"):
            failures = [FailureDetail(title=f"{test_id.split('::')[-1]} broke", check="demo")]
        tests.append(
            TestResult(
                id=test_id,
                name=test_id.split("::")[-1],
                suite="core",
                resource="core",
                outcome=outcome,
                requirement={"id": "core/models-list", "level": "MUST"},
                failures=failures,
                message="broken" if failures else "",
            )
        )
    return Results(run=run, tests=tests)


def write_run(root: Path, res: Results) -> Path:
    """Write ``res`` as ``root/<run id>/results.json``; returns the run directory."""
    run_dir = root / res.run.id
    run_dir.mkdir(parents=True, exist_ok=True)
    res.dump(run_dir / "results.json")
    return run_dir
