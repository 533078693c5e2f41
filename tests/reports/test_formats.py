"""junit.xml, summary.md, badge.svg and REPRODUCE.md written from the crafted run."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from sample import CANARY_KEY, make_run, make_tests

from openai_conformance.reports.badge import band_colour, render_badge
from openai_conformance.reports.markdown import MAX_BYTES, render_summary
from openai_conformance.reports.model import Results, TestResult
from openai_conformance.reports.text import anchor
from openai_conformance.reports.writer import FILES, rerender


def _cases(run_dir: Path) -> dict[str, ET.Element]:
    root = ET.parse(run_dir / "junit.xml").getroot()  # raises when not well-formed
    return {c.get("name", ""): c for c in root.iter("testcase")}


def test_every_format_is_written(run_dir: Path) -> None:
    for name in FILES.values():
        assert (run_dir / name).stat().st_size > 0, name


def test_junit_has_one_testcase_per_test_with_suite_resource_classname(run_dir: Path) -> None:
    cases = _cases(run_dir)
    assert len(cases) == len(make_tests())
    case = cases["test_cancel_moves_in_progress_batch_to_cancelling"]
    assert case.get("classname") == "batches/batches"


def test_junit_maps_outcomes_to_failure_error_and_skipped(run_dir: Path) -> None:
    cases = _cases(run_dir)
    fail = cases["test_operation[POST /chat/completions]"].find("failure")
    assert fail is not None and fail.get("message") == "response does not match the schema"
    assert "/choices/0/finish_reason" in (fail.text or "")
    xpass = cases["test_retrieve_unknown_is_404"].find("failure")
    assert xpass is not None and xpass.get("message", "").startswith("XPASS")
    assert cases["test_list_walks_every_page_once"].find("error") is not None
    unsup = cases["test_operation[POST /images/generations]"].find("skipped")
    assert unsup is not None and unsup.get("message", "").startswith("UNSUPPORTED: ")
    dis = cases["test_operation[POST /images/edits]"].find("skipped")
    assert dis is not None and dis.get("message", "").startswith("DISABLED: ")
    xfail = cases["test_stream_usage_chunk_is_last"].find("skipped")
    assert xfail is not None and xfail.get("message") == "XFAIL: usage chunk missing"
    assert len(cases["test_operation[GET /models]"]) == 1  # only <properties>: a pass


def test_junit_properties_carry_requirement_level_operation_outcome(run_dir: Path) -> None:
    case = _cases(run_dir)["test_cancel_moves_in_progress_batch_to_cancelling"]
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert props["requirement"] == "batches/cancel"
    assert props["level"] == "MUST"
    assert props["operation"] == "POST /batches/{batch_id}/cancel"
    assert props["outcome"] == "FAIL"


def test_junit_survives_control_characters_and_surrogates(run_dir: Path) -> None:
    text = (run_dir / "junit.xml").read_text("utf-8")
    assert "\x00" not in text and "\\x00" in text and "\\x1b" in text
    assert "<script>" not in text  # escaped by the XML writer


def test_summary_has_header_score_table_and_failures_first(results: Results) -> None:
    md = render_summary(results)
    lines = md.splitlines()
    assert lines[0].startswith("## ❌ OpenAI API conformance: 60.9%")
    assert "profile **reference**" in md and "spec 2.3.0 (abababababab)" in md
    assert "| batches | 42.9% |" in md and "| models | 100.0% |" in md
    failures = [ln for ln in lines if ln.startswith("- **")]
    assert [ln.split("**")[1] for ln in failures] == ["FAIL", "FAIL", "XPASS", "ERROR"]
    link = anchor("suites/generated/test_operations.py::test_operation[POST /chat/completions]")
    assert f"(report.html#{link})" in md
    assert "Overlay `error-convention`" in md


def test_summary_escapes_markup_and_stays_small() -> None:
    many = [
        TestResult(
            id=f"s/t.py::test_{i}",
            name=f"test_{i}",
            suite="s",
            resource=f"r{i % 40}",
            outcome="FAIL",
            # one distinct cause per test (letters: numbers are normalised away by causes.py)
            message="<b>x</b>|" * 50 + "".join(chr(97 + i // 26**k % 26) for k in range(3)),
        )
        for i in range(5000)
    ]
    md = render_summary(Results(run=make_run(), tests=many))
    assert len(md.encode("utf-8")) <= MAX_BYTES
    assert "<b>" not in md and "<script>" not in md
    assert "… and " in md


def test_badge_colour_follows_score_band() -> None:
    assert band_colour(99.0) == "#4c1" and band_colour(10.0) == "#e05d44"
    assert band_colour(None) == "#9f9f9f"
    svg = render_badge(87.5)
    ET.fromstring(svg)
    assert "87.5%" in svg and "#97ca00" in svg


def test_reproduce_lists_command_versions_config_and_seed(run_dir: Path) -> None:
    text = (run_dir / "REPRODUCE.md").read_text("utf-8")
    assert "oaic run --profile reference -n 2 --seed 42" in text
    assert "| pytest |" in text and "| Spec sha256 | `" + "ab" * 32 + "` |" in text
    assert '"api_key": "[REDACTED]"' in text
    one = "python -m pytest suites/batches/test_lifecycle.py::test_list_walks_every_page_once"
    assert one + " --profile reference --seed 42" in text


def test_no_report_contains_the_api_key(run_dir: Path) -> None:
    for name in FILES.values():
        assert CANARY_KEY not in (run_dir / name).read_text("utf-8"), name


def test_rerender_rebuilds_every_format_from_results_json(run_dir: Path) -> None:
    (run_dir / "report.html").unlink()
    (run_dir / "junit.xml").unlink()
    results, paths = rerender(run_dir)
    assert paths["html"].is_file() and paths["junit"].is_file()
    assert results.summary["total"] == len(make_tests())
    assert re.search(r"60\.9%", paths["html"].read_text("utf-8"))
