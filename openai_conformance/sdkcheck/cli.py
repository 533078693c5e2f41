"""``oaic sdk-check python|node``: run an SDK exercise, print the per-method table.

Exit status: 0 every method sent a conformant request and parsed a conformant response,
1 otherwise; ``node`` without node/npm prints why and exits 0 (a clean skip).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .report import render


def run_sdk_check(args: Any) -> int:
    report_dir = Path(args.report_dir or "reports")
    if args.language == "node":
        from .node_runner import node_available, run_node

        reason = node_available()
        if reason:
            print(f"sdk-check node: skipped: {reason} (install Node.js 18+ to check the npm SDK)")
            return 0
        run = run_node(report_dir)
        what = f"openai (npm) {run.sdk_version}"
    else:
        from .python_runner import run_python

        run = run_python(report_dir)
        what = f"openai (Python) {run.sdk_version}"
    print(f"sdk-check: {what} through oaic proxy against the reference server")
    print(render(run.rows))
    bad = [r for r in run.rows if not r.ok]
    print(
        f"{len(run.rows)} method(s): {len(run.rows) - len(bad)} clean, {len(bad)} with findings; "
        f"client violations: {run.client_violations}"
    )
    if run.run_dir is not None:
        print(f"report: {run.run_dir / 'report.html'}")
    return 1 if bad else 0
