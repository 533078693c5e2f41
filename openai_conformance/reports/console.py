"""The short console summary printed at the end of ``oaic run`` (and by ``oaic report``)."""

from __future__ import annotations

from pathlib import Path

from openai_conformance.reports.model import OUTCOMES, Results
from openai_conformance.reports.text import fmt_duration, fmt_score

_SHORT = {
    "PASS": "pass",
    "FAIL": "fail",
    "ERROR": "error",
    "UNSUPPORTED": "unsup",
    "DISABLED": "disab",
    "XFAIL": "xfail",
    "XPASS": "xpass",
}


def render_console(results: Results, report: Path | None = None, max_rows: int = 60) -> str:
    """A plain-text table (per resource), the score, the verdict and where the report is."""
    s, run = results.summary, results.run
    rows = list(s["by_resource"].items())
    width = max([len("resource"), *(len(r) for r, _ in rows[:max_rows])])
    head = f"{'resource':<{width}}  {'score':>6}  " + " ".join(f"{_SHORT[o]:>5}" for o in OUTCOMES)
    lines = [head, "-" * len(head)]
    for resource, tally in rows[:max_rows]:
        counts = " ".join(f"{tally['counts'][o]:>5}" for o in OUTCOMES)
        lines.append(f"{resource:<{width}}  {fmt_score(tally['score']):>6}  {counts}")
    if len(rows) > max_rows:
        lines.append(f"… {len(rows) - max_rows} more resources in the report")
    lines.append("-" * len(head))
    totals = " ".join(f"{s['totals'][o]:>5}" for o in OUTCOMES)
    lines.append(f"{'total':<{width}}  {fmt_score(s['score']['overall']):>6}  {totals}")
    verdict = "CONFORMANT" if s["conformant"] else "NOT CONFORMANT"
    if run.interrupted:
        verdict = "INTERRUPTED (partial results)"
    lines.append("")
    lines.append(
        f"{verdict}: score {fmt_score(s['score']['overall'])} over {s['total']} tests in "
        f"{fmt_duration(run.duration_s)} against {run.target.base_url}"
        + (f" (seed {run.seed})" if run.seed is not None else "")
    )
    skipped = (getattr(run, "generation", None) or {}).get("skipped") or {}
    if skipped:
        drawn = sum(((getattr(run, "generation", None) or {}).get("drawn") or {}).values())
        lines.append(
            f"generated: {sum(skipped.values())} of {drawn} drawn case(s) sent nothing ("
            + ", ".join(f"{k} {n}" for k, n in sorted(skipped.items()))
            + "; results.json run.generation)"
        )
    final = s.get("cleanup", {}).get("final") or []
    if final:
        kinds = sorted({str(row.get("resource") or "object") for row in final})
        lines.append(
            f"cleanup: {len(final)} object(s) cannot be removed and are confirmed in a final "
            f"state ({', '.join(kinds)}: archived, expired or finished; evidence in the report)"
        )
    failed = s.get("cleanup", {}).get("failed") or []
    if failed:
        lines.append(f"cleanup: {len(failed)} object(s) could not be removed from the target:")
        for row in failed[:max_rows]:
            lines.append(f"  {row.get('description') or row.get('ident')}: {row.get('detail')}")
        if len(failed) > max_rows:
            lines.append(f"  … {len(failed) - max_rows} more in the report")
    if s["certify"]["enabled"] and s["certify"]["blockers"]:
        lines.append(
            f"certification: {len(s['certify']['blockers'])} blocker(s): MUST test(s) "
            "UNSUPPORTED, DISABLED or XFAIL, or cleanups that could not run"
        )
    if report is not None:
        lines.append(f"report: {report}")
    return "\n".join(lines)
