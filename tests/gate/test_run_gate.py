"""``oaic run --baseline`` against the reference server, then the round trip through the
profile: a fault regresses one test (gate exit 1), ``baseline save`` records it, the same fault
is then XFAIL (exit 0, but blocking under --certify), and the fixed server is a strict XPASS
(exit 1). ``oaic run`` runs as a subprocess (as users run it); the profile round trip runs the
plugin in-process with pytester, which is faster."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from gate_support import results, write_run

from openai_conformance.commands.cli import main
from openai_conformance.refserver.server import ReferenceServer

ROOT = Path(__file__).resolve().parents[2]
KEY = "sk-oaic-canary-gate-0123456789abcdef"
RESPONSES = "suites/core/test_core_responses.py::"
MODELS = RESPONSES + "test_models_list_returns_list_of_model_objects"
CHAT = RESPONSES + "test_chat_completion_body_matches_its_schema"
SELECT = "models_list_returns_list_of_model_objects or chat_completion_body_matches_its_schema"
OTHER_SUITES = ("generated", "batches", "files", "fine_tuning", "uploads")


def oaic_run(server: ReferenceServer, report_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OAIC_", "OPENAI_"))}
    env["OAIC_API_KEY"] = KEY
    ignore = [f"--ignore={ROOT / 'suites' / d}" for d in OTHER_SUITES]  # only suites/core
    argv = [sys.executable, "-m", "openai_conformance", "run", "--target", server.base_url]
    argv += ["--report-dir", str(report_dir), "-k", SELECT, *args, "--", *ignore]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.slow
def test_run_with_baseline_fails_on_a_regression_and_puts_it_first(tmp_path: Path) -> None:
    baseline = write_run(tmp_path, results("green", {MODELS: "PASS", CHAT: "PASS"}))
    with ReferenceServer(api_key=KEY, faults=("models-list-bare-array",)) as server:
        proc = oaic_run(server, tmp_path / "reports", "--baseline", str(baseline))
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out[-3000:]
    assert "REGRESSIONS: passed before, fail now (1)" in out and MODELS in out
    assert "gate: FAILED, 1 regression(s)" in out
    run_dir = (tmp_path / "reports" / "latest").resolve()
    summary = (run_dir / "summary.md").read_text()
    assert summary.index("### New failures (1)") < summary.index("### Per resource")
    assert "(regression, was PASS)" in summary
    diff = json.loads((run_dir / "baseline-diff.json").read_text())
    assert [c["id"] for c in diff["regressions"]] == [MODELS]


def test_run_with_an_unreadable_baseline_is_a_usage_error(tmp_path: Path, capsys) -> None:
    assert main(["run", "--baseline", str(tmp_path / "nothing-here")]) == 2
    assert "no results.json found" in capsys.readouterr().err


# ----------------------------------------------------------------- profile round trip


def plugin_run(pytester: pytest.Pytester, server: ReferenceServer, profile: Path, *args: str):
    report_dir = pytester.path / "reports"
    result = pytester.runpytest(
        "-p", "openai_conformance.plugin", str(ROOT / "suites" / "core"),
        f"--rootdir={ROOT}", "--target", server.base_url, "--profile", str(profile),
        "--report-dir", str(report_dir), "-k", SELECT, *args,
    )  # fmt: skip
    doc = json.loads((report_dir / "latest" / "results.json").read_text())
    return result.ret, {t["id"]: t for t in doc["tests"]}, report_dir / "latest"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.startswith(("OAIC_", "OPENAI_", "PYTEST_XDIST")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OAIC_API_KEY", KEY)
    return monkeypatch


def test_saved_baseline_gives_xfail_blocks_certify_and_strict_xpass(
    pytester: pytest.Pytester, clean_env: pytest.MonkeyPatch, tmp_path: Path, capsys
) -> None:
    profile = tmp_path / "gate.toml"
    reference = (ROOT / "targets" / "reference.toml").read_text()
    profile.write_text(reference.replace('name = "reference"', 'name = "gate"'))
    with ReferenceServer(api_key=KEY, faults=("models-list-bare-array",)) as broken:
        ret, tests, run_dir = plugin_run(pytester, broken, profile)
        assert (ret, tests[MODELS]["outcome"], tests[CHAT]["outcome"]) == (1, "FAIL", "PASS")

        assert main(["baseline", "save", str(run_dir), "--profile", str(profile)]) == 0
        assert profile.read_text().startswith(reference.replace('reference"', 'gate"', 1))

        ret, tests, _ = plugin_run(pytester, broken, profile)
        assert tests[MODELS]["outcome"] == "XFAIL" and ret == 0, "the known failure is excused"
        assert tests[MODELS]["expectation"]["reason"].startswith("baseline ")

        ret, tests, run_dir = plugin_run(pytester, broken, profile, "--certify")
        assert tests[MODELS]["outcome"] == "XFAIL" and ret == 1, "certify: XFAIL on a MUST fails"
        doc = json.loads((run_dir / "results.json").read_text())
        assert doc["summary"]["certify"]["blockers"] == [MODELS]
    with ReferenceServer(api_key=KEY) as fixed:
        ret, tests, _ = plugin_run(pytester, fixed, profile)
    assert tests[MODELS]["outcome"] == "XPASS" and ret == 1, "a fix fails until the entry goes"
    assert "remove the expectation" in tests[MODELS]["message"]
    capsys.readouterr()
