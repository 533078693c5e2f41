"""The seed of a run: fixed by default (contract hash + suite version), ``--seed random``
explores, and every report names the seed. An interrupted run says so in its reports."""

from __future__ import annotations

from openai_conformance import __version__
from openai_conformance.contract import load_spec
from openai_conformance.target.options import default_seed

SUITE = """
import pytest

@pytest.mark.requirement("core/models-list")
def test_nothing_to_generate():
    pass
"""


def test_default_seed_is_fixed_per_contract_and_suite_version(run_suite):
    first = run_suite({"test_seeded_demo.py": SUITE})
    second = run_suite({"test_seeded_demo.py": SUITE})
    expected = default_seed(load_spec(None).sha256, str(__version__))
    assert first.doc["run"]["seed"] == second.doc["run"]["seed"] == expected


def test_random_seed_is_drawn_and_named_in_every_report(run_suite):
    run = run_suite({"test_seeded_demo.py": SUITE}, "--seed", "random")
    seed = run.doc["run"]["seed"]
    assert isinstance(seed, int) and seed >= 0
    assert run.run_dir is not None
    reproduce = (run.run_dir / "REPRODUCE.md").read_text()
    assert f"--seed {seed}" in reproduce and "--seed random" not in reproduce
    for name in ("summary.md", "junit.xml", "report.html"):
        assert str(seed) in (run.run_dir / name).read_text(), name


INTERRUPTED_SUITE = """
import pytest

@pytest.mark.requirement("core/models-list")
def test_first():
    pass

@pytest.mark.requirement("core/models-list")
def test_interrupts():
    # What Ctrl-C does, without a KeyboardInterrupt escaping pytester into this session.
    pytest.exit("interrupted", returncode=2)

@pytest.mark.requirement("core/models-list")
def test_never_runs():
    pass
"""


def test_interrupted_run_writes_partial_reports_that_say_so(run_suite):
    run = run_suite({"test_interrupted_demo.py": INTERRUPTED_SUITE})
    assert run.ret == 2, run.result.outlines[-15:]
    assert run.doc["run"]["interrupted"] is True
    assert run.doc["summary"]["exit_code"] == run.ret
    assert run.doc["summary"]["conformant"] is False
    assert run.run_dir is not None
    for name in ("summary.md", "report.html"):
        assert "INTERRUPTED" in (run.run_dir / name).read_text().upper(), name
