"""Reports of a run: results.json (+ JSON Schema), junit.xml, summary.md, report.html, badge.

The data model lives in ``model`` (no format knowledge); each format has its own module;
``writer.write_reports`` writes all of them (import it from ``writer``: it pulls in jinja2).
"""

from openai_conformance.reports.model import (
    FailureDetail,
    Finding,
    Results,
    RunInfo,
    TestResult,
)

__all__ = ["FailureDetail", "Finding", "Results", "RunInfo", "TestResult"]
