"""Run one lifecycle suite folder against a reference server with given faults; read results.

``run_suite(feature, faults)`` starts ``ReferenceServer(faults=faults, allow_fault_header=True)``
on a free loopback port, runs ``pytest suites/<feature>`` in a subprocess with the project's
plugin (``--target URL --profile reference --report-dir DIR``) and returns
``{test name: outcome}`` from the run's results.json (names without the module path, with
parameters, e.g. ``test_upload_returns_file_object_for_each_purpose[batch]``). Runs are
memoised per (feature, faults, clock_speed) so a parametrized table shares one server per
fault. A slower clock makes short-lived states (half a finalizing phase) observable for sure.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_S = 300


@functools.cache
def run_suite(
    feature: str, faults: tuple[str, ...] = (), clock_speed: float = 1000.0
) -> dict[str, str]:
    from openai_conformance.refserver.server import ReferenceServer

    with (
        tempfile.TemporaryDirectory(prefix="oaic-lifecycle-") as tmp,
        ReferenceServer(faults=faults, allow_fault_header=True, clock_speed=clock_speed) as server,
    ):
        cmd = [
            sys.executable, "-m", "pytest", f"suites/{feature}", "-q", "-p", "no:cacheprovider",
            "-p", "no:hypothesispytest",
            "--target", server.base_url, "--profile", "reference", "--report-dir", tmp,
        ]  # fmt: skip
        env = {**os.environ, "OAIC_API_KEY": "sk-oaic-selftest-key"}
        proc = subprocess.run(
            cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S
        )
        found = sorted(Path(tmp).glob("runs/*/results.json"))
        if not found:
            raise AssertionError(
                f"no results.json for {feature} {faults}; exit {proc.returncode}\n"
                f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
            )
        results = json.loads(found[-1].read_text(encoding="utf-8"))
    return {t["id"].split("::")[-1]: t["outcome"] for t in results["tests"]}


def failing(outcomes: dict[str, str]) -> set[str]:
    """Names of tests whose outcome is not PASS (FAIL, ERROR, UNSUPPORTED, DISABLED...)."""
    return {name for name, outcome in outcomes.items() if outcome != "PASS"}


def prefetch(jobs: list[tuple[str, tuple[str, ...], float]], workers: int = 2) -> None:
    """Run several ``run_suite`` jobs concurrently (one per core) to fill the memo; errors are
    left for the test that asks for that job (it re-raises them when it calls ``run_suite``)."""
    from concurrent.futures import ThreadPoolExecutor

    def one(job: tuple[str, tuple[str, ...], float]) -> None:
        try:
            run_suite(*job)
        except Exception:  # reported by the test that owns the job
            return

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, jobs))
