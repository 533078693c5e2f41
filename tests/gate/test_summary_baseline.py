"""summary.md with a baseline: the gate verdict and the new failures come first."""

from __future__ import annotations

from gate_support import CORE, results

from openai_conformance.reports.baseline import compare
from openai_conformance.reports.markdown import render_summary


def test_summary_lists_new_failures_before_the_resource_table() -> None:
    base = results(
        "base", {CORE + "test_a": "PASS", CORE + "test_b": "FAIL", CORE + "test_d": "FAIL"}
    )
    new = results(
        "new",
        {
            CORE + "test_a": "FAIL",
            CORE + "test_b": "FAIL",
            CORE + "test_c": "FAIL",
            CORE + "test_d": "PASS",
        },
    )
    md = render_summary(new, baseline=compare(base, new))
    new_at, table_at = md.index("### New failures (2)"), md.index("### Per resource")
    assert new_at < table_at
    assert "1 regression(s)** against baseline **base**" in md
    section = md[new_at:table_at]
    assert section.index("test\\_a") < section.index("test\\_c"), "regressions come first"
    assert "(regression, was PASS)" in section and "(new test)" in section
    others = md[md.index("### Other failures by cause (1 causes, 1 tests)") :]
    assert "test\\_b" in others and "test\\_a" not in others.split("### Notes")[0]
    assert "Fixed since the baseline: `test\\_d`" in md


def test_summary_without_baseline_is_unchanged() -> None:
    run = results("new", {CORE + "test_a": "FAIL"})
    md = render_summary(run)
    assert "New failures" not in md and "### Failures by cause (1 causes, 1 tests)" in md
