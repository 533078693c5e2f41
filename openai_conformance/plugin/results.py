"""End of a run (controller / single process): results, reports, ``latest``, exit status.

``finish(session)`` merges the per-worker evidence, turns the collected per-test result dicts
into ``reports.model.TestResult`` values, writes every report format with
``reports.write_reports`` (results.json, junit.xml, summary.md, report.html, REPRODUCE.md),
points ``<report_dir>/latest`` at the run and returns the exit status (see outcomes.py).
"""

from __future__ import annotations

import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..checks.failures import redact
from ..checks.outcomes import Outcome, exit_status

if TYPE_CHECKING:
    from .session import OaicSession


def _iso_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _duration(started: str, finished: str) -> float:
    try:
        a = datetime.strptime(started, "%Y-%m-%dT%H:%M:%SZ")
        b = datetime.strptime(finished, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return 0.0
    return max(0.0, (b - a).total_seconds())


def run_info(session: OaicSession) -> dict[str, Any]:
    from .. import __version__ as suite_version

    cfg = session.run_config
    spec = session.spec
    finished = _iso_now()
    args = [redact(str(a)) for a in session.pytest_config.invocation_params.args]
    return {
        "id": session.run_dir.name if session.run_dir else "run",
        "started_at": session.started_at,
        "finished_at": finished,
        "duration_s": _duration(session.started_at, finished),
        "suite_version": str(suite_version),
        "command": ["pytest", *args],
        "target": {
            "base_url": redact(str(cfg.base_url)),
            "profile": cfg.profile,
            "embedded": session.embedded,
            "auth_style": cfg.auth,
        },
        "spec": {
            "origin": spec.origin,
            "version": spec.version,
            "sha256": spec.sha256,
            "overlays": [o.summary() for o in spec.overlays],
        },
        "config": cfg.redacted(),
        "seed": cfg.seed,
        "workers": session.workers(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "certify": session.certify,
    }


def collected_results(session: OaicSession) -> list[dict[str, Any]]:
    """Every test's result; tests that started but never reported a result are ERROR."""
    out = dict(session.results)
    for nodeid in session.seen:
        if nodeid not in out:
            out[nodeid] = {
                "id": nodeid,
                "name": nodeid.split("::")[-1],
                "suite": "unknown",
                "resource": "unknown",
                "outcome": "ERROR",
                "message": "the test never finished (the worker crashed or was interrupted)",
            }
    return [out[k] for k in sorted(out)]


def _write_minimal_results_json_temporary(run_dir: Path, run: dict, tests: list) -> dict:
    """Fallback while the reports package is unavailable: results.json only."""
    path = run_dir / "results.json"
    doc = {"format": "openai-conformance/results", "format_version": 1, "run": run, "tests": tests}
    path.write_text(json.dumps(doc, indent=2, default=str), encoding="utf-8")
    return {"results.json": path}


def write_all(session: OaicSession, tests: list[dict[str, Any]]) -> dict[str, Path]:
    assert session.run_dir is not None
    run = run_info(session)
    try:
        from ..reports.model import RunInfo, TestResult, write_reports
    except ImportError:
        return _write_minimal_results_json_temporary(session.run_dir, run, tests)
    return dict(
        write_reports(
            session.run_dir, RunInfo.from_dict(run), [TestResult.from_dict(t) for t in tests]
        )
    )


def point_latest(run_dir: Path) -> Path:
    """``<report root>/latest`` → ``runs/<name>`` (a symlink, or a text file naming it)."""
    root = run_dir.parent.parent
    latest = root / "latest"
    target = Path("runs") / run_dir.name
    tmp = root / f".latest-{os.getpid()}"
    try:
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(target, target_is_directory=True)
        if latest.is_dir() and not latest.is_symlink():
            raise OSError("latest is a real directory")
        os.replace(tmp, latest)
    except OSError:
        tmp.unlink(missing_ok=True)
        if not (latest.is_dir() and not latest.is_symlink()):
            latest.unlink(missing_ok=True)
            latest.write_text(str(target) + "\n", encoding="utf-8")
    return latest


def finish(session: OaicSession) -> int:
    """Merge evidence, write reports, update ``latest``; the run's exit status."""
    from ..wire.evidence import merge_evidence

    assert session.run_dir is not None
    if session.recorder is not None:  # single process: outcome records are already written
        session.recorder.close()
    merge_evidence(session.run_dir)
    tests = collected_results(session)
    write_all(session, tests)
    point_latest(session.run_dir)
    pairs = [
        (Outcome(t["outcome"]), (t.get("requirement") or {}).get("level") or "MUST") for t in tests
    ]
    return exit_status(pairs, certify=session.certify)
