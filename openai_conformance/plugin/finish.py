"""End of a run (controller / single process): results, reports, ``latest``, exit status.

``finish(session)`` merges the per-worker evidence, completes the collected ``TestResult``s
(a test that started but never reported is ERROR), writes every report format with
``reports.writer.write_reports`` (results.json, junit.xml, summary.md, report.html,
REPRODUCE.md), points ``<report_dir>/latest`` at the run and returns the exit status
(see checks/outcomes.py).
"""

from __future__ import annotations

import json
import platform
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__ as suite_version
from ..checks.failures import redact
from ..checks.outcomes import EXIT_FAILURES, Outcome, exit_status
from ..reports.model import Overlay, RunInfo, SpecInfo, TargetInfo, TestResult
from ..reports.writer import point_latest, write_reports
from ..wire.evidence import MERGED_NAME, merge_evidence

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


def _records(run_dir: Path, kind: str) -> Iterator[dict[str, Any]]:
    """The merged evidence's records of ``kind``, streamed (the file may be large: only the
    lines that name the kind are parsed; a malformed line is skipped)."""
    path = run_dir / MERGED_NAME
    if not path.exists():
        return
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if f'"{kind}"' not in line:
                continue
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if isinstance(rec, dict) and rec.get("kind") == kind:
                yield rec


def cleanup_summary(run_dir: Path) -> dict[str, Any]:
    """The run's cleanup from the merged evidence: how many undos ran, the objects confirmed in
    a final state instead of removed (``final``: archived, expired; with their evidence), and
    the failed ones."""
    undone, failed, final = 0, [], []
    for rec in _records(run_dir, "cleanup"):
        row = {
            k: redact(str(rec.get(k) or ""))
            for k in ("resource", "ident", "description", "detail", "test_id")
        }
        if rec.get("ok") and rec.get("final"):
            final.append(row)
        elif rec.get("ok"):
            undone += 1
        else:
            failed.append(row)
    return {"undone": undone, "final": final, "failed": failed}


def generation_summary(run_dir: Path) -> dict[str, Any]:
    """The generated suite's draws from the merged evidence (``generation`` records, one per
    operation): how many cases were drawn per phase and how many sent nothing, by reason
    (``generated.runner.SKIP_REASONS``), in total and per operation with skips."""
    from ..generated.runner import SKIP_REASONS

    drawn: dict[str, int] = {}
    skipped: dict[str, int] = {}
    operations: dict[str, dict[str, int]] = {}
    for rec in _records(run_dir, "generation"):
        for phase, n in (rec.get("drawn") or {}).items():
            drawn[phase] = drawn.get(phase, 0) + int(n)
        for key, n in (rec.get("skipped") or {}).items():
            skipped[key] = skipped.get(key, 0) + int(n)
            op = operations.setdefault(str(rec.get("operation")), {})
            op[key] = op.get(key, 0) + int(n)
    return {
        "drawn": drawn,
        "skipped": dict(sorted(skipped.items())),
        "reasons": {k: v for k, v in SKIP_REASONS.items() if any(k in s for s in skipped)},
        "operations": dict(sorted(operations.items())),
    }


def run_info(session: OaicSession) -> RunInfo:
    cfg = session.run_config
    spec = session.spec
    finished = _iso_now()
    args = [redact(str(a)) for a in session.pytest_config.invocation_params.args]
    return RunInfo(
        id=session.run_dir.name if session.run_dir else "run",
        started_at=session.started_at,
        finished_at=finished,
        duration_s=_duration(session.started_at, finished),
        suite_version=str(suite_version),
        command=["pytest", *args],
        target=TargetInfo(
            base_url=redact(str(cfg.base_url)),
            profile=cfg.profile,
            embedded=session.embedded,
            auth_style=cfg.auth,
        ),
        spec=SpecInfo(
            origin=spec.origin,
            version=spec.version,
            sha256=spec.sha256,
            overlays=[Overlay(**o.summary()) for o in spec.overlays],
        ),
        config=cfg.redacted(),
        seed=cfg.seed,
        workers=session.workers(),
        python=sys.version.split()[0],
        platform=platform.platform(),
        certify=session.certify,
        interrupted=session.interrupted,
        cleanup=cleanup_summary(session.run_dir) if session.run_dir else {},
        generation=generation_summary(session.run_dir) if session.run_dir else {},
    )


def collected_results(session: OaicSession) -> list[TestResult]:
    """Every test's result; tests that started but never reported a result are ERROR."""
    out = dict(session.results)
    for nodeid in session.seen:
        if nodeid not in out:
            out[nodeid] = TestResult(
                id=nodeid,
                name=nodeid.split("::")[-1],
                suite="unknown",
                resource="unknown",
                outcome="ERROR",
                message="the test never finished (the worker crashed or was interrupted)",
            )
    return [out[k] for k in sorted(out)]


def finish(session: OaicSession) -> int:
    """Merge evidence, write reports, update ``latest``; the run's exit status."""
    assert session.run_dir is not None
    if session.recorder is not None:  # single process: outcome records are already written
        session.recorder.close()
    merge_evidence(session.run_dir)
    tests = collected_results(session)
    info = run_info(session)
    write_reports(session.run_dir, info, tests)
    point_latest(session.run_dir)
    if session.interrupted:
        return 2  # as pytest's INTERRUPTED: the partial results say so too
    pairs = [(Outcome(t.outcome), t.level) for t in tests]
    status = exit_status(pairs, certify=session.certify)
    if session.certify and info.cleanup.get("failed"):
        return EXIT_FAILURES  # an object left behind on the target fails a certification run
    return status
