"""Run control: xdist merge, request budget, feature/resource gating, profile expectations."""

from __future__ import annotations

from pathlib import Path

REQUESTS_SUITE = """
import pytest
from openai_conformance.checks import assert_conforms

# core/response-schema needs no probed feature (core/models-list needs models.list: its probe
# would be one more request and the first test's evidence).
@pytest.mark.requirement("core/response-schema")
@pytest.mark.parametrize("n", range(4))
def test_models(client, n):
    assert_conforms(client.request("GET", "/models"), "GET /models")
"""

FEATURE_SUITE = """
import pytest

@pytest.mark.requirement("core/models-list")
def test_core():
    pass

@pytest.mark.requirement("files/content-byte-exact")
def test_files():
    pass
"""


def test_xdist_workers_results_and_evidence_are_merged(run_suite):
    run = run_suite({"test_requests.py": REQUESTS_SUITE}, "-n", "2")
    assert run.ret == 0
    assert sorted(run.outcomes()) == [
        "test_models[0]",
        "test_models[1]",
        "test_models[2]",
        "test_models[3]",
    ]
    assert set(run.outcomes().values()) == {"PASS"}
    assert run.run_dir is not None
    assert not list(run.run_dir.glob("evidence-*.jsonl")), "per-worker parts are merged"
    seqs = [s for t in run.doc["tests"] for s in t["evidence"]]
    assert len(seqs) == 4 and len(set(seqs)) == 4, "evidence seq numbers are unique across workers"
    workers = {
        line.split('"worker": "')[1].split('"')[0]
        for line in (run.run_dir / "evidence.jsonl").read_text().splitlines()
        if '"worker": "' in line
    }
    assert workers == {"gw0", "gw1"}


def test_spent_request_budget_disables_the_remaining_tests(run_suite):
    # 3 = the preflight's GET /models (plugin/health.py) + two tests
    run = run_suite({"test_requests.py": REQUESTS_SUITE}, "--max-requests", "3")
    assert list(run.outcomes().values()) == ["PASS", "PASS", "DISABLED", "DISABLED"]
    assert run.test("test_models[3]")["message"].startswith("request budget spent")
    assert run.ret == 0


HEAVY_SUITE = """
import pytest
from openai_conformance.checks import assert_conforms

@pytest.mark.requirement("core/response-schema")
@pytest.mark.parametrize("n", range(4))
def test_heavy(client, n):
    for _ in range(6):
        assert_conforms(client.request("GET", "/models"), "GET /models")
"""

LIGHT_SUITE = """
import pytest
from openai_conformance.checks import assert_conforms

@pytest.mark.requirement("core/response-schema")
@pytest.mark.parametrize("n", range(4))
def test_light(client, n):
    assert_conforms(client.request("GET", "/models"), "GET /models")
"""


def test_budget_is_planned_so_one_resource_cannot_starve_another(run_suite):
    # 30 requests: 7 reserved for cleanup, 23 planned; each folder's four tests get a share of
    # int(23 * 4/8 * 1.5) = 17. The heavy tests (6 requests each) spend theirs at the third;
    # without a plan they would spend the whole budget and the light tests would never run.
    run = run_suite(
        {"../heavy/test_heavy.py": HEAVY_SUITE, "../light/test_light.py": LIGHT_SUITE},
        "--max-requests",
        "30",
    )
    outcomes = run.outcomes()
    heavy = [outcomes[f"test_heavy[{n}]"] for n in range(4)]
    assert heavy[:2] == ["PASS", "PASS"] and set(heavy[2:]) == {"DISABLED"}
    assert "planned share" in run.test("test_heavy[3]")["message"]
    assert [outcomes[f"test_light[{n}]"] for n in range(4)] == ["PASS"] * 4


def test_undeclared_feature_is_disabled_with_its_reason(run_suite, oaic_env):
    oaic_env.setenv("OAIC_FEATURES", "chat")
    run = run_suite({"test_features.py": FEATURE_SUITE})
    assert run.outcomes() == {"test_core": "PASS", "test_files": "DISABLED"}
    assert "feature 'files' is not declared" in run.test("test_files")["message"]


def test_resources_filter_keeps_deselected_tests_as_disabled(run_suite):
    run = run_suite({"test_features.py": FEATURE_SUITE}, "--resources", "files")
    assert run.outcomes() == {"test_core": "DISABLED", "test_files": "PASS"}
    assert "--resources files" in run.test("test_core")["message"]


def _profile(tmp: Path, base_url: str) -> str:
    path = tmp / "demo-profile.toml"
    path.write_text(
        f'''name = "demo"
[target]
base_url = "{base_url}"

[expect."suites/demo/test_expect.py::test_known_broken"]
outcome = "fail"
reason = "issue 42"
link = "https://example.com/42"

[expect."suites/demo/test_expect.py::test_fixed_meanwhile"]
outcome = "fail"
reason = "issue 43"
'''
    )
    return str(path)


EXPECT_SUITE = """
import pytest
from openai_conformance.checks.failures import Failure
from openai_conformance.checks.outcomes import ConformanceFailure

@pytest.mark.requirement("core/models-list")
def test_known_broken():
    raise ConformanceFailure(Failure(title="still broken", check="demo_conformance"))

@pytest.mark.requirement("core/models-list")
def test_fixed_meanwhile():
    pass
"""


def test_profile_expectations_give_xfail_and_strict_xpass(run_suite, pytester, refserver):
    profile = _profile(pytester.path, refserver.base_url)
    run = run_suite({"test_expect.py": EXPECT_SUITE}, "--profile", profile, target=False)
    assert run.outcomes() == {"test_known_broken": "XFAIL", "test_fixed_meanwhile": "XPASS"}
    assert run.test("test_known_broken")["expectation"]["reason"] == "issue 42"
    assert "remove the expectation" in run.test("test_fixed_meanwhile")["message"]
    assert run.ret == 1, "XPASS fails the run until the expectation is removed"
    run.result.stdout.fnmatch_lines(["*XPASS(strict)*"])


def test_expected_failure_alone_exits_0(run_suite, pytester, refserver):
    profile = _profile(pytester.path, refserver.base_url)
    run = run_suite(
        {"test_expect.py": EXPECT_SUITE}, "--profile", profile, "-k", "known", target=False
    )
    assert run.outcomes() == {"test_known_broken": "XFAIL"}
    assert run.ret == 0


BUDGET_PROBE_SUITE = """
import pytest

@pytest.mark.requirement("core/models-list")
@pytest.mark.parametrize("n", range(2))
def test_worker_budget(oaic_session, n):
    assert oaic_session.run_config.max_requests is None
"""


def test_embedded_server_run_under_xdist_has_no_request_budget(run_suite):
    # Regression: workers used to treat the embedded server as a remote target and apply the
    # 2000-request remote default, which disabled most of a full run.
    run = run_suite({"test_budget.py": BUDGET_PROBE_SUITE}, "-n", "2", target=False)
    assert set(run.outcomes().values()) == {"PASS"}, run.outcomes()
    assert run.ret == 0


def test_run_without_seed_records_one_shared_by_all_workers(run_suite):
    run = run_suite({"test_requests.py": REQUESTS_SUITE}, "-n", "2")
    seed = run.doc["run"]["seed"]
    assert isinstance(seed, int)
    assert (
        f"--seed {seed}" in (run.run_dir / "REPRODUCE.md").read_text()
        or str(seed) in (run.run_dir / "REPRODUCE.md").read_text()
    )


def test_bench_mode_prints_phases_suites_and_slowest_items(run_suite, oaic_env):
    oaic_env.setenv("OAIC_BENCH", "3")
    run = run_suite({"test_requests.py": REQUESTS_SUITE}, "-n", "2")
    assert run.ret == 0
    text = run.result.stdout.str()
    for phase in (
        "start-up (server, collect)",
        "tests",
        "session teardown",
        "reports",
        "whole run",
    ):
        assert phase in text, phase
    assert "demo                 4" in text  # 4 items of the demo suite
    assert "cpu: this process" in text and "cpu: workers (reaped)" in text
    busy = [ln.split() for ln in text.splitlines() if ln.startswith("gw")]
    # One line per worker, and the items they ran add up to the suite's four.
    assert busy and sum(int(row[1]) for row in busy) == 4, busy
    assert "slowest 3 items (setup + call + teardown)" in text
    slowest = [ln for ln in text.splitlines() if "suites/demo/test_requests.py::" in ln]
    assert len(slowest) == 3 and all(" [gw" in ln for ln in slowest)  # the worker is named


def test_bench_table_is_absent_without_bench_mode(run_suite):
    run = run_suite({"test_requests.py": REQUESTS_SUITE})
    assert run.ret == 0
    assert "oaic bench" not in run.result.stdout.str()


FREEZE_SUITE = """
import gc

import pytest


@pytest.mark.requirement("core/models-list")
def test_heap_collected_before_the_tests_is_frozen():
    assert gc.get_freeze_count() > 0
"""


def test_run_freezes_the_collected_heap_and_leaves_the_process_as_it_was(run_suite):
    import gc

    before = gc.get_freeze_count()
    run = run_suite({"test_freeze.py": FREEZE_SUITE}, target=False)
    assert run.outcomes() == {"test_heap_collected_before_the_tests_is_frozen": "PASS"}
    assert gc.get_freeze_count() == before  # this process ran pytest in-process: unfrozen
