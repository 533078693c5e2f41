"""``oaic diff``: the classification of two crafted runs and the gate's exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gate_support import CORE, results, write_run

from openai_conformance.commands.cli import main
from openai_conformance.reports.baseline import compare

BASE = {
    CORE + "test_stays_green": "PASS",
    CORE + "test_breaks": "PASS",
    CORE + "test_known_then_error": "XFAIL",
    CORE + "test_gets_fixed": "FAIL",
    CORE + "test_stays_red": "FAIL",
    CORE + "test_gets_disabled": "PASS",
    CORE + "test_was_disabled": "DISABLED",
    CORE + "test_goes_away": "PASS",
}
NEW = {
    CORE + "test_stays_green": "PASS",
    CORE + "test_breaks": "FAIL",
    CORE + "test_known_then_error": "ERROR",
    CORE + "test_gets_fixed": "PASS",
    CORE + "test_stays_red": "FAIL",
    CORE + "test_gets_disabled": "DISABLED",
    CORE + "test_was_disabled": "FAIL",
    CORE + "test_is_new_and_red": "FAIL",
}


def names(changes: list) -> set[str]:
    return {c.name for c in changes}


def test_comparison_classifies_regressions_fixes_changes_and_membership() -> None:
    cmp = compare(results("base", BASE), results("new", NEW))
    assert names(cmp.regressions) == {"test_breaks", "test_known_then_error"}
    assert names(cmp.new_failures) == {
        "test_breaks",
        "test_known_then_error",
        "test_was_disabled",
        "test_is_new_and_red",
    }
    assert names(cmp.fixed) == {"test_gets_fixed"}
    assert names(cmp.changed) == {"test_gets_disabled", "test_was_disabled"}
    assert names(cmp.added) == {"test_is_new_and_red"}
    assert names(cmp.removed) == {"test_goes_away"}
    assert cmp.unchanged == 2
    assert cmp.exit_code == 1


def test_diff_exits_1_and_lists_the_regression(tmp_path: Path, capsys) -> None:
    base = write_run(tmp_path, results("base", BASE))
    new = write_run(tmp_path, results("new", NEW))
    assert main(["diff", str(base), str(new / "results.json")]) == 1
    out = capsys.readouterr().out
    assert "REGRESSIONS: passed before, fail now (2)" in out
    assert "PASS -> FAIL" in out and CORE + "test_breaks" in out
    assert "test_breaks broke" in out, "the failure title explains the regression"
    assert "gate: FAILED, 2 regression(s)" in out


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        ({CORE + "test_a": "PASS", CORE + "test_b": "FAIL"}, 0),  # unchanged
        ({CORE + "test_a": "PASS", CORE + "test_b": "PASS"}, 0),  # fixed
        ({CORE + "test_a": "PASS", CORE + "test_b": "FAIL", CORE + "test_c": "FAIL"}, 0),  # added
        ({CORE + "test_b": "FAIL"}, 0),  # removed
        ({CORE + "test_a": "XFAIL", CORE + "test_b": "FAIL"}, 0),  # excused by the profile
        ({CORE + "test_a": "ERROR", CORE + "test_b": "FAIL"}, 1),  # regression to ERROR
    ],
    ids=["unchanged", "fixed", "added-failing", "removed", "pass-to-xfail", "pass-to-error"],
)
def test_diff_fails_only_when_something_that_passed_now_fails(
    tmp_path: Path, new: dict[str, str], expected: int, capsys
) -> None:
    base = write_run(tmp_path, results("base", {CORE + "test_a": "PASS", CORE + "test_b": "FAIL"}))
    run = write_run(tmp_path, results("new", new))
    assert main(["diff", str(base), str(run), "--json"]) == expected
    doc = json.loads(capsys.readouterr().out)
    assert doc["exit_code"] == expected and doc["regressed"] is bool(expected)


def test_diff_of_an_unreadable_run_is_a_usage_error(tmp_path: Path, capsys) -> None:
    base = write_run(tmp_path, results("base", {CORE + "test_a": "PASS"}))
    (tmp_path / "broken.json").write_text("{not json")
    assert main(["diff", str(base), str(tmp_path / "missing")]) == 2
    assert main(["diff", str(base), str(tmp_path / "broken.json")]) == 2
    assert "not a readable results.json" in capsys.readouterr().err


def test_latest_pointer_file_resolves_to_its_run(tmp_path: Path, capsys) -> None:
    runs = tmp_path / "runs"
    write_run(runs, results("one", {CORE + "test_a": "PASS"}))
    (tmp_path / "latest").write_text("runs/one\n")  # where symlinks are unavailable
    assert main(["diff", str(tmp_path / "latest"), str(runs / "one")]) == 0
    assert "baseline one -> run one" in capsys.readouterr().out
