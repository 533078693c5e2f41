"""Reports of a run: results.json (+ JSON Schema), junit.xml, summary.md, report.html, badge.

The data model lives in ``model``; each format has its own module; ``write_reports`` writes all.
"""

from openai_conformance.reports.model import (
    FailureDetail,
    Finding,
    Results,
    RunInfo,
    TestResult,
    write_reports,
)

__all__ = ["FailureDetail", "Finding", "Results", "RunInfo", "TestResult", "write_reports"]
