"""Plugin self-tests run small suites with ``pytester`` against one shared reference server."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from plugin_support import KEY

from openai_conformance.refserver.server import ReferenceServer


@pytest.fixture(scope="session")
def refserver() -> Iterator[ReferenceServer]:
    with ReferenceServer(api_key=KEY, allow_fault_header=True) as srv:
        yield srv


@pytest.fixture
def oaic_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """A clean environment: no OAIC_*/OPENAI_* from the developer's shell leaks in."""
    for name in list(os.environ):
        if name.startswith(("OAIC_", "OPENAI_", "PYTEST_XDIST")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OAIC_API_KEY", KEY)
    return monkeypatch


class Run:
    """One pytester run of a conformance suite and the results.json it wrote."""

    def __init__(self, result: pytest.RunResult, report_dir: Path) -> None:
        self.result = result
        self.report_dir = report_dir
        latest = report_dir / "latest"
        self.run_dir = latest.resolve() if latest.exists() else None
        path = self.run_dir / "results.json" if self.run_dir else None
        self.doc: dict[str, Any] = json.loads(path.read_text()) if path and path.exists() else {}

    @property
    def ret(self) -> int:
        return int(self.result.ret)

    def outcomes(self) -> dict[str, str]:
        return {t["name"]: t["outcome"] for t in self.doc.get("tests", [])}

    def test(self, name: str) -> dict[str, Any]:
        return next(t for t in self.doc["tests"] if t["name"] == name)


@pytest.fixture
def run_suite(pytester: pytest.Pytester, oaic_env: pytest.MonkeyPatch, refserver: ReferenceServer):
    """``run_suite(files: {name: source}, *args, target=True)``: write suites/demo/<name> and
    run pytest on suites/ with the plugin; returns a ``Run``."""

    def run(files: dict[str, str], *args: str, target: bool = True) -> Run:
        for name, source in files.items():
            path = pytester.path / "suites" / "demo" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(source)
        report_dir = pytester.path / "reports"
        argv = ["-p", "openai_conformance.plugin", "--report-dir", str(report_dir), "suites"]
        if target:
            argv += ["--target", refserver.base_url]
        result = pytester.runpytest(*argv, *args)
        return Run(result, report_dir)

    return run
