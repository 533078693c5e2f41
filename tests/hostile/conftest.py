"""Fixtures of the hostile-target self-tests: one shared ``HostileServer`` and a runner that
drives real suite tests (``suites/``) against one of its modes with small deadlines."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hostile_server import DRIP_S, KEY, TIMEOUTS, HostileServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def hostile() -> Iterator[HostileServer]:
    with HostileServer(drip_s=DRIP_S, huge_bytes=48 * 1024 * 1024) as srv:
        yield srv


class HostileRun:
    """One pytester run of real suite tests against a hostile mode."""

    def __init__(self, result: pytest.RunResult, report_dir: Path, wall_s: float) -> None:
        self.result = result
        self.wall_s = wall_s
        self.report_dir = report_dir
        latest = report_dir / "latest"
        self.run_dir = latest.resolve() if latest.exists() else None
        path = self.run_dir / "results.json" if self.run_dir else None
        self.doc: dict[str, Any] = json.loads(path.read_text()) if path and path.exists() else {}

    def outcomes(self) -> dict[str, str]:
        return {t["name"]: t["outcome"] for t in self.doc.get("tests", [])}

    def test(self, name: str) -> dict[str, Any]:
        return next(t for t in self.doc["tests"] if t["name"] == name)


@pytest.fixture
def run_hostile(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, hostile):
    """``run_hostile(mode, tests: list[str], *args, env={})``: run the named suite tests
    (``path::name`` relative to the checkout) against ``mode``; returns a ``HostileRun``."""
    for name in list(os.environ):
        if name.startswith(("OAIC_", "OPENAI_", "PYTEST_XDIST")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OAIC_API_KEY", KEY)
    monkeypatch.setenv("OAIC_RETRIES", "0")
    for name, value in TIMEOUTS.items():
        monkeypatch.setenv(name, value)

    def run(mode: str, tests: list[str], *args: str, env: dict[str, str] | None = None):
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        report_dir = pytester.path / "reports"
        ids = [str(ROOT / t) for t in tests]
        started = time.monotonic()
        result = pytester.runpytest(
            "-p", "openai_conformance.plugin", *ids, "--target", hostile.base_url(mode),
            "--report-dir", str(report_dir), "-p", "no:cacheprovider", *args,
        )  # fmt: skip
        return HostileRun(result, report_dir, time.monotonic() - started)

    return run
