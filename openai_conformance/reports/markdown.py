"""summary.md: a compact Markdown summary for PR comments and ``$GITHUB_STEP_SUMMARY``.

Contents: a header line (target, profile, spec version + short hash, date, duration), the overall
score and counts; when a baseline comparison is given (``oaic run --baseline``), the gate verdict
and the **new failures** (regressions first) come next, before anything else; then a
per-resource table, the remaining failures grouped by root cause (``causes.group``: one line
per cause with its count, its first test and that test's failure; at most ``max_failures``
causes, linking to report.html anchors), then notes (fixed tests, certification blockers,
overlays applied, the score rule).
Always smaller than ``MAX_BYTES`` (GitHub's step summary limit is 1 MiB, a PR comment 64 KiB):
when it would not fit, fewer failures are listed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from openai_conformance.reports.causes import group
from openai_conformance.reports.model import OUTCOMES, Results, TestResult
from openai_conformance.reports.text import (
    anchor,
    failure_header,
    fmt_duration,
    fmt_score,
    printable,
)

if TYPE_CHECKING:
    from openai_conformance.reports.baseline import Comparison

MAX_BYTES = 60 * 1024
FAILING_FIRST = ("FAIL", "XPASS", "ERROR")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#])")


def md(text: object, limit: int = 160) -> str:
    """Escape a value for inline Markdown: one line, no raw HTML, table-safe, truncated."""
    s = " ".join(printable(str(text)).split())
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", s)


def _counts_row(counts: dict[str, int]) -> str:
    return " | ".join(str(counts[o]) if counts[o] else "·" for o in OUTCOMES)


def _failure_line(t: TestResult, report_link: str) -> str:
    what = ""
    if t.failures:
        f = t.failures[0]
        what = f"{md(f.title)} — {md(failure_header(f), 120)}"
        if len(t.failures) > 1:
            what += f" (+{len(t.failures) - 1} more)"
    elif t.outcome == "XPASS":
        reason = t.expectation.reason if t.expectation else ""
        what = f"passed although expected to fail ({md(reason, 100)}): remove the expectation"
    else:
        what = md(t.message)
    return f"- **{t.outcome}** [{md(t.name, 100)}]({report_link}#{anchor(t.id)}) · {what}"


def render_summary(
    results: Results,
    max_failures: int = 50,
    report_link: str = "report.html",
    baseline: Comparison | None = None,
) -> str:
    """The summary; ``baseline`` (a ``baseline.Comparison`` of a previous run with this one)
    puts the gate verdict and the new failures first."""
    text = _render(results, max_failures, report_link, baseline)
    while len(text.encode("utf-8", "backslashreplace")) > MAX_BYTES and max_failures > 0:
        max_failures //= 2
        text = _render(results, max_failures, report_link, baseline)
    return text


def _baseline_lines(
    results: Results, cmp: Comparison, max_failures: int, report_link: str
) -> tuple[list[str], list[TestResult]]:
    """The gate verdict and the new failures (regressions first); returns the lines and the
    tests they listed (so the failures section does not list them again)."""
    by_id = {t.id: t for t in results.tests}
    regressed = {c.id for c in cmp.regressions}
    ordered = [c for c in cmp.new_failures if c.id in regressed]
    ordered += [c for c in cmp.new_failures if c.id not in regressed]
    verdict = (
        f"❌ **{len(cmp.regressions)} regression(s)** against baseline **{md(cmp.base_id)}**"
        if cmp.regressed
        else f"✅ no regression against baseline **{md(cmp.base_id)}**"
    )
    out = [
        "",
        f"{verdict}: {len(cmp.new_failures)} new failure(s), {len(cmp.fixed)} fixed, "
        f"{len(cmp.changed)} other outcome change(s), {len(cmp.added)} test(s) added, "
        f"{len(cmp.removed)} removed.",
    ]
    listed: list[TestResult] = []
    if ordered:
        out += ["", f"### New failures ({len(ordered)})", ""]
        for c in ordered[:max_failures]:
            t = by_id.get(c.id)
            if t is None:
                continue
            listed.append(t)
            tag = (
                "regression, was " + (c.before or "")
                if c.id in regressed
                else ("new test" if c.before is None else f"was {c.before}")
            )
            out.append(_failure_line(t, report_link) + f" ({md(tag)})")
        if len(ordered) > max_failures:
            out.append(
                f"- … and {len(ordered) - max_failures} more: see [report.html]({report_link})"
            )
    return out, listed


def _render(
    results: Results, max_failures: int, report_link: str, baseline: Comparison | None = None
) -> str:
    run, s = results.run, results.summary
    score = s["score"]["overall"]
    verdict = "conformant" if s["conformant"] else "NOT conformant"
    if run.interrupted:
        verdict = "INTERRUPTED (partial results)"
    icon = "✅" if s["conformant"] else "❌"
    profile = run.target.profile or "none"
    spec_v = f"{run.spec.version} ({run.spec.sha256[:12]})" if run.spec.sha256 else run.spec.version
    out = [
        f"## {icon} OpenAI API conformance: {fmt_score(score)} — {verdict}",
        "",
        f"Target `{md(run.target.base_url, 200)}`"
        + (" (embedded reference server)" if run.target.embedded else "")
        + f" · profile **{md(profile)}** · spec {md(spec_v)} · {md(run.started_at)}"
        + f" · {fmt_duration(run.duration_s)} · openai-conformance {md(run.suite_version)}"
        + (f" · seed {run.seed}" if run.seed is not None else ""),
        "",
        "| " + " | ".join(OUTCOMES) + " | total |",
        "|" + "---:|" * (len(OUTCOMES) + 1),
        f"| {_counts_row(s['totals'])} | {s['total']} |",
        "",
        f"Score {fmt_score(score)} = weighted pass rate (MUST=3, SHOULD=2, MAY=1); "
        "UNSUPPORTED and DISABLED are not scored.",
    ]
    listed: list[TestResult] = []
    if baseline is not None:
        lines, listed = _baseline_lines(results, baseline, max_failures, report_link)
        out += lines
    out += [
        "",
        "### Per resource",
        "",
        "| Resource | Score | " + " | ".join(OUTCOMES) + " |",
        "|---|---:|" + "---:|" * len(OUTCOMES),
    ]
    for resource, tally in s["by_resource"].items():
        score_cell = fmt_score(tally["score"])
        out.append(f"| {md(resource)} | {score_cell} | {_counts_row(tally['counts'])} |")
    shown = {t.id for t in listed}
    failing = [
        t for o in FAILING_FIRST for t in results.tests if t.outcome == o and t.id not in shown
    ]
    if failing:
        causes = group(failing)
        title = "Other failures" if baseline is not None else "Failures"
        out += ["", f"### {title} by cause ({len(causes)} causes, {len(failing)} tests)", ""]
        for cause in causes[:max_failures]:
            line = _failure_line(cause.first, report_link)
            ops = cause.operations
            if cause.resource is not None and len(ops) > 1:
                listed_ops = ", ".join(md(op, 80) for op in ops[:6])
                rest = f", +{len(ops) - 6}" if len(ops) > 6 else ""
                line += f" — on {len(ops)} operations of {md(cause.resource)}: {listed_ops}{rest}"
            if len(cause.tests) > 1:
                others = ", ".join(md(t.name, 60) for t in cause.tests[1:4])
                more = f", +{len(cause.tests) - 4}" if len(cause.tests) > 4 else ""
                line += f" — **{len(cause.tests)} tests** (also {others}{more})"
            out.append(line)
        if len(causes) > max_failures:
            hidden = len(causes) - max_failures
            out.append(f"- … and {hidden} more causes: see [report.html]({report_link})")
    xfail = s["totals"]["XFAIL"]
    notes: list[str] = []
    if baseline is not None and baseline.fixed:
        fixed = ", ".join(f"`{md(c.name, 80)}`" for c in baseline.fixed[:20])
        rest = f" and {len(baseline.fixed) - 20} more" if len(baseline.fixed) > 20 else ""
        notes.append(f"Fixed since the baseline: {fixed}{rest}.")
    if xfail:
        notes.append(f"{xfail} known failure(s) declared in the profile (XFAIL).")
    labels: dict[str, int] = {}
    for t in results.tests:
        for f in t.findings:
            if f.label:
                labels[f.label] = labels.get(f.label, 0) + 1
    plain = s["findings"] - sum(labels.values())
    if plain:
        notes.append(f"{plain} non-failing SHOULD/MAY finding(s): see report.html.")
    if labels.get("observed"):
        notes.append(
            f"{labels['observed']} finding(s) labelled `observed`: the target does what the live "
            "API does against the letter of the document (not scored; `--strict-spec` fails them)."
        )
    if labels.get("rejected"):
        notes.append(
            f"{labels['rejected']} request violation(s) the server rightly refused with a 4xx "
            "(labelled `rejected`, not scored)."
        )
    blockers = s["certify"]["blockers"]
    if s["certify"]["enabled"]:
        notes.append(
            f"Certification run: {len(blockers)} MUST test(s) UNSUPPORTED, DISABLED or XFAIL."
            if blockers
            else "Certification run: no MUST requirement skipped."
        )
    final = s.get("cleanup", {}).get("final") or []
    if final:
        notes.append(
            f"Cleanup: {len(final)} object(s) cannot be removed and were confirmed in a final "
            "state: "
            + "; ".join(
                f"`{md(str(r.get('ident')), 80)}` ({md(str(r.get('detail')), 160)})"
                for r in final[:5]
            )
            + (f"; … {len(final) - 5} more in results.json" if len(final) > 5 else "")
        )
    failed = s.get("cleanup", {}).get("failed") or []
    if failed:
        notes.append(
            f"Cleanup: {len(failed)} object(s) could not be removed from the target: "
            + "; ".join(
                f"`{md(str(r.get('ident')), 80)}` ({md(str(r.get('detail')), 120)})"
                for r in failed[:20]
            )
            + (f"; … {len(failed) - 20} more" if len(failed) > 20 else "")
        )
    for o in run.spec.overlays:
        notes.append(f"Overlay `{md(o.name)}` ({md(o.kind)}): {md(o.title or o.reason, 200)}")
    if notes:
        out += ["", "### Notes", ""] + [f"- {n}" for n in notes]
    out.append("")
    return "\n".join(out)


def write_summary(
    path: Path, results: Results, max_failures: int = 50, baseline: Comparison | None = None
) -> Path:
    text = render_summary(results, max_failures, baseline=baseline)
    path.write_text(text, encoding="utf-8", errors="backslashreplace")
    return path
