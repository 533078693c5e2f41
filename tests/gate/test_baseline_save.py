"""``oaic baseline save``: failures become expectations in a managed section of the profile,
the rest of the file stays byte for byte, and re-saving keeps edits and drops fixed tests."""

from __future__ import annotations

import tomllib
from pathlib import Path

from gate_support import CORE, results, write_run

from openai_conformance.commands.cli import main
from openai_conformance.reports.baseline import BEGIN_MARK, END_MARK, save_baseline
from openai_conformance.target.profiles import load_profile

PROFILE = """# A hand-written profile: comments and layout must survive a save.
name = "demo"
features = ["models", "chat"]   # trailing comment

[target]
auth = "none"

[expect."suites/core/test_core_responses.py::test_hand_written"]
outcome = "unsupported"
reason = "documented gap"
link = "https://example.com/gap"
"""


def write_profile(tmp_path: Path) -> Path:
    path = tmp_path / "demo.toml"
    path.write_text(PROFILE, encoding="utf-8")
    return path


def test_save_writes_failures_and_keeps_the_rest_byte_for_byte(tmp_path: Path) -> None:
    profile = write_profile(tmp_path)
    run = results(
        "run-1",
        {
            CORE + "test_ok": "PASS",
            CORE + "test_red": "FAIL",
            CORE + 'test_quote["x\\y"]': "ERROR",
            CORE + "test_hand_written": "FAIL",  # outcome differs from the hand entry
            CORE + "test_off": "DISABLED",
        },
    )
    report = save_baseline(run, profile)
    text = profile.read_text(encoding="utf-8")
    assert text.startswith(PROFILE), "everything outside the section is preserved"
    assert text.count(BEGIN_MARK) == 1 and text.rstrip().endswith(END_MARK)
    expect = tomllib.loads(text)["expect"]
    assert expect[CORE + "test_red"] == {
        "outcome": "fail",
        "reason": "baseline run-1 2025-01-31: test_red broke",
        "link": "",
    }
    assert expect[CORE + 'test_quote["x\\y"]']["outcome"] == "error"
    assert expect[CORE + "test_hand_written"]["reason"] == "documented gap"
    assert report.skipped == [CORE + "test_hand_written"]
    assert CORE + "test_ok" not in expect and CORE + "test_off" not in expect
    load_profile(str(profile))  # the result validates against the profile schema


def test_resave_keeps_edited_entries_and_drops_fixed_tests(tmp_path: Path) -> None:
    profile = write_profile(tmp_path)
    save_baseline(results("run-1", {CORE + "test_a": "FAIL", CORE + "test_b": "FAIL"}), profile)
    edited = profile.read_text().replace('link = ""', 'link = "https://example.com/issue/7"', 1)
    profile.write_text(edited)
    second = results(
        "run-2", {CORE + "test_a": "XFAIL", CORE + "test_b": "PASS", CORE + "test_c": "FAIL"}
    )
    report = save_baseline(second, profile)
    expect = tomllib.loads(profile.read_text())["expect"]
    assert expect[CORE + "test_a"]["link"] == "https://example.com/issue/7"
    assert expect[CORE + "test_a"]["reason"].startswith("baseline run-1 ")
    assert CORE + "test_b" not in expect, "a test that passes again loses its entry"
    assert expect[CORE + "test_c"]["reason"].startswith("baseline run-2 ")
    assert report.dropped == [CORE + "test_b"]
    assert profile.read_text().count(BEGIN_MARK) == 1


def test_baseline_save_command_uses_the_named_profile(tmp_path: Path, capsys) -> None:
    profile = write_profile(tmp_path)
    run_dir = write_run(tmp_path, results("run-9", {CORE + "test_red": "FAIL"}))
    assert main(["baseline", "save", str(run_dir), "--profile", str(profile)]) == 0
    out = capsys.readouterr().out
    assert "1 expected failure(s)" in out and "fill in `link`" in out
    assert CORE + "test_red" in tomllib.loads(profile.read_text())["expect"]


def test_baseline_save_refuses_a_broken_section(tmp_path: Path, capsys) -> None:
    profile = tmp_path / "demo.toml"
    profile.write_text(PROFILE + BEGIN_MARK + "\n")
    run_dir = write_run(tmp_path, results("run-9", {CORE + "test_red": "FAIL"}))
    assert main(["baseline", "save", str(run_dir), "--profile", str(profile)]) == 2
    assert "end line" in capsys.readouterr().err
    assert profile.read_text() == PROFILE + BEGIN_MARK + "\n", "nothing is written"
