"""junit.xml: one ``<testcase>`` per test, grouped in one ``<testsuite>`` per suite folder.

Mapping: FAIL -> ``<failure message=title>`` with the formatted failures; ERROR -> ``<error>``;
UNSUPPORTED/DISABLED -> ``<skipped message="UNSUPPORTED: …">``; XFAIL -> ``<skipped
message="XFAIL: reason">``; XPASS -> ``<failure>`` (a stale expectation fails the run).
Each testcase carries ``<properties>``: outcome, requirement id/level, operation, resource.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from openai_conformance.reports.model import Results, TestResult
from openai_conformance.reports.text import format_failure, test_title, xml_safe


def _props(parent: ET.Element, items: list[tuple[str, str | None]]) -> None:
    props = ET.SubElement(parent, "properties")
    for name, value in items:
        if value is not None:
            ET.SubElement(props, "property", name=name, value=xml_safe(str(value)))


def _testcase(suite_el: ET.Element, t: TestResult) -> None:
    case = ET.SubElement(
        suite_el,
        "testcase",
        classname=xml_safe(f"{t.suite}/{t.resource}"),
        name=xml_safe(t.name),
        time=f"{t.duration_s:.3f}",
        file=xml_safe(t.id.split("::", 1)[0]),
    )
    req = t.requirement
    _props(
        case,
        [
            ("outcome", t.outcome),
            ("requirement", req.id if req else None),
            ("level", t.level),
            ("operation", t.operation),
            ("resource", t.resource),
            ("nodeid", t.id),
        ],
    )
    title = xml_safe(test_title(t))
    text = xml_safe("\n\n".join(format_failure(f) for f in t.failures) or t.message)
    if t.outcome == "FAIL":
        ET.SubElement(case, "failure", message=title, type="ConformanceFailure").text = text
    elif t.outcome == "XPASS":
        reason = t.expectation.reason if t.expectation else ""
        msg = xml_safe(f"XPASS: expected to fail ({reason}) but passed; remove the expectation")
        ET.SubElement(case, "failure", message=msg, type="XPASS").text = msg
    elif t.outcome == "ERROR":
        ET.SubElement(case, "error", message=title, type="HarnessError").text = text
    elif t.outcome in ("UNSUPPORTED", "DISABLED"):
        ET.SubElement(case, "skipped", message=xml_safe(f"{t.outcome}: {t.message}"))
    elif t.outcome == "XFAIL":
        reason = t.expectation.reason if t.expectation else t.message
        ET.SubElement(case, "skipped", type="XFAIL", message=xml_safe(f"XFAIL: {reason}"))
    if t.findings:
        lines = [f"{f.level} {f.check}: {f.message}" for f in t.findings]
        ET.SubElement(case, "system-out").text = xml_safe("\n".join(lines))


def write_junit(path: Path, results: Results) -> Path:
    run = results.run
    by_suite: dict[str, list[TestResult]] = {}
    for t in results.tests:
        by_suite.setdefault(t.suite, []).append(t)
    totals = results.summary["totals"]
    root = ET.Element(
        "testsuites",
        name="openai-conformance",
        tests=str(results.summary["total"]),
        failures=str(totals["FAIL"] + totals["XPASS"]),
        errors=str(totals["ERROR"]),
        skipped=str(totals["UNSUPPORTED"] + totals["DISABLED"] + totals["XFAIL"]),
        time=f"{run.duration_s:.3f}",
        timestamp=run.started_at,
    )
    for suite, tests in sorted(by_suite.items()):
        counts = {o: sum(1 for t in tests if t.outcome == o) for o in totals}
        suite_el = ET.SubElement(
            root,
            "testsuite",
            name=xml_safe(suite),
            tests=str(len(tests)),
            failures=str(counts["FAIL"] + counts["XPASS"]),
            errors=str(counts["ERROR"]),
            skipped=str(counts["UNSUPPORTED"] + counts["DISABLED"] + counts["XFAIL"]),
            time=f"{sum(t.duration_s for t in tests):.3f}",
            timestamp=run.started_at,
        )
        _props(
            suite_el,
            [
                ("target", run.target.base_url),
                ("profile", run.target.profile),
                ("spec_version", run.spec.version),
                ("spec_sha256", run.spec.sha256),
                ("suite_version", run.suite_version),
                ("run_id", run.id),
                ("seed", None if run.seed is None else str(run.seed)),
                ("score", str(results.summary["score"]["overall"])),
            ],
        )
        for t in tests:
            _testcase(suite_el, t)
    ET.indent(root)
    tree = ET.ElementTree(root)
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return path
