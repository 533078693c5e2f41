"""report.html: one self-contained page (inline CSS and JS, no external URL) rendered with
jinja2, autoescape ON (evidence holds hostile strings; nothing from a run is marked safe).

Sections: header (target, profile, spec version + hash, suite version, date, duration), overall
score and per-resource scores (UNSUPPORTED/DISABLED apart), resource x level matrix, per-operation
table of the generated suite, every test with filters (outcome, resource, text; with JS off every
test is shown), failures expandable with formatted text, evidence (request/response, SSE events,
WebSocket transcript, state timeline) and curl, findings, event-type coverage, overlays applied.

Evidence embedding is bounded (per test and per report) so 5,000 tests stay a fast page; what is
left out is named by its ``seq`` in evidence.jsonl.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2

from openai_conformance.reports.evidence import exchange_view, load_evidence, timeline_view
from openai_conformance.reports.model import LEVELS, OUTCOMES, SCORE_RULE, Results, TestResult
from openai_conformance.reports.realtime_coverage import realtime_coverage
from openai_conformance.reports.text import (
    anchor,
    failure_header,
    fmt_duration,
    fmt_score,
    printable,
)
from openai_conformance.reports.text import format_failure as _format_failure

TEMPLATES = Path(__file__).parent / "templates"
#: Outcomes whose evidence is embedded (others link to evidence.jsonl by seq).
EVIDENCE_OUTCOMES = frozenset({"FAIL", "ERROR", "XPASS", "XFAIL"})
MAX_EXCHANGES_PER_TEST = 6
MAX_EXCHANGES_TOTAL = 2000


def band(score: float | None) -> str:
    """CSS class of a score band (matches the badge colours)."""
    if score is None:
        return "b-none"
    for minimum, name in ((95, "b-a"), (80, "b-b"), (60, "b-c"), (40, "b-d")):
        if score >= minimum:
            return name
    return "b-e"


def _pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.2f}" if whole else "0"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Every value printed is made printable (control characters, lone surrogates) before
        # autoescaping; markup is never trusted.
        finalize=lambda v: printable(v) if isinstance(v, str) else v,
    )
    env.filters.update(
        score=fmt_score,
        duration=fmt_duration,
        anchor=anchor,
        band=band,
        pct=_pct,
        format_failure=_format_failure,
        failure_header=failure_header,
        is_url=lambda v: isinstance(v, str) and v.startswith(("https://", "http://")),
    )
    return env


def _evidence_seqs(t: TestResult) -> list[int]:
    seqs = [s for f in t.failures for s in f.evidence_seq]
    if not seqs:
        seqs = t.evidence[-MAX_EXCHANGES_PER_TEST:]
    return list(dict.fromkeys(seqs))[:MAX_EXCHANGES_PER_TEST]


def build_context(results: Results, evidence_path: Path | None) -> dict[str, Any]:
    """Everything the template needs; evidence is loaded once for the embedded tests only."""
    wanted: dict[str, list[int]] = {}
    budget = MAX_EXCHANGES_TOTAL
    for t in results.tests:
        if t.outcome in EVIDENCE_OUTCOMES and budget > 0:
            seqs = _evidence_seqs(t)[:budget]
            budget -= len(seqs)
            wanted[t.id] = seqs
    index = load_evidence(
        evidence_path or Path("/nonexistent"),
        (s for seqs in wanted.values() for s in seqs),
        wanted.keys(),
    )
    evidence: dict[str, list[dict[str, Any]]] = {}
    missing: dict[str, list[int]] = {}
    timelines: dict[str, list[dict[str, str]]] = {}
    for test_id, seqs in wanted.items():
        found = [s for s in seqs if s in index.exchanges]
        evidence[test_id] = [exchange_view(index.exchanges[s]) for s in found]
        missing[test_id] = [s for s in seqs if s not in index.exchanges]
        for rec in index.outcomes.get(test_id, []):
            if rec.get("timeline"):
                timelines[test_id] = timeline_view(rec["timeline"])
    resources = sorted({t.resource for t in results.tests})
    spec_hash = results.run.spec.sha256
    return {
        "run": results.run,
        "s": results.summary,
        "tests": results.tests,
        "outcomes": OUTCOMES,
        "levels": LEVELS,
        "resources": resources,
        "evidence": evidence,
        "evidence_missing": missing,
        "evidence_file": evidence_path is not None and evidence_path.is_file(),
        "malformed_evidence": index.malformed_lines,
        "timelines": timelines,
        "score_rule": SCORE_RULE,
        "spec_short": spec_hash[:12],
        "rendered_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "generated_ops": results.summary["operations"],
        "realtime_cov": realtime_coverage(results.summary["coverage"]["realtime_event_types"]),
        # The report's own fingerprint, shown in the footer to tell two renderings apart.
        "fingerprint": hashlib.sha256(results.run.id.encode()).hexdigest()[:8],
    }


def render_html(results: Results, evidence_path: Path | None = None) -> str:
    template = _environment().get_template("report.html.j2")
    return template.render(build_context(results, evidence_path))


def write_html(path: Path, results: Results, evidence_path: Path | None = None) -> Path:
    text = render_html(results, evidence_path)
    path.write_text(text, encoding="utf-8", errors="backslashreplace")
    return path
