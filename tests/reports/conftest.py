"""Fixtures of the report self-tests: a crafted run rendered once per test module."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from sample import make_run, make_tests, write_evidence

from openai_conformance.reports.model import Results
from openai_conformance.reports.writer import write_reports


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run directory with evidence.jsonl and every report written from the crafted run."""
    d = tmp_path_factory.mktemp("run")
    write_evidence(d)
    write_reports(d, make_run(), make_tests())
    return d


@pytest.fixture
def results() -> Results:
    return Results(run=make_run(), tests=make_tests())
