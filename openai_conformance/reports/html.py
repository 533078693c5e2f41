"""report.html: one self-contained page (inline CSS and JS, no external URL) rendered with
jinja2, autoescape ON (evidence holds hostile strings; nothing from a run is marked safe).

Sections: header (target, profile, spec version + hash, suite version, date, duration), overall
score and per-resource scores (UNSUPPORTED/DISABLED apart), resource x level matrix, per-operation
table of the generated suite, every test with filters (outcome, resource, text; with JS off every
test is shown), failures expandable with formatted text, evidence (request/response, SSE events,
WebSocket transcript, state timeline) and curl, findings, event-type coverage, overlays applied.

The two axes of docs/calibration.md stay apart and visible: a FAIL breaks the contract as the
live API honours it; a finding labelled ``observed`` (the target follows the API's observed
behaviour against the letter of the document) or ``rejected`` (an invalid request the server
rightly refused) is shown, never scored. The summary has a card with their counts, each test's
summary line a badge (``observed`` and its count), each finding its label, and the filter
bar a "Findings" select; with JS off the badges and the card still show.

Evidence embedding is bounded (per test and per report) so 5,000 tests stay a fast page; what is
left out is named by its ``seq`` in evidence.jsonl.

Size: every test's summary line (what the filters search) is always in the page; the details of
a test (``testbody.html.j2``: requirement, failures, findings, evidence) are inline until
``INLINE_BODY_BYTES`` are used, failing tests first, and the rest (with every overlay's reason and
evidence: their titles stay in the page) are stored once, as one
gzip-compressed JSON object (anchor -> the same escaped HTML) in a non-executed ``<script
type="application/gzip">``; report.js decompresses it with the browser's DecompressionStream and
fills a test's details when it is opened. A compressed test has no body element in the page:
report.js makes its placeholder (``.tbody[data-lazy]``). The summary line repeats for every test,
so it uses plain elements (``b`` name, ``cite`` requirement, ``em`` first failure, ``small``
duration) rather than classes. The page stays self-contained and a full run's report stays small
(bench_reports.py measures it); a test shows its first ``MAX_FAILURES_PER_TEST`` failures and
counts the others (results.json and junit.xml list every one); with JavaScript off the
inline details show and a ``noscript`` note says where the evidence is.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from openai_conformance.reports.causes import group
from openai_conformance.reports.evidence import (
    BODY_LIMIT,
    CURL_LIMIT,
    clip,
    exchange_view,
    load_evidence,
    timeline_view,
)
from openai_conformance.reports.model import (
    LEVELS,
    OUTCOMES,
    SCORE_RULE,
    FailureDetail,
    Results,
    TestResult,
)
from openai_conformance.reports.realtime_coverage import realtime_coverage
from openai_conformance.reports.text import (
    anchor,
    failure_header,
    fmt_duration,
    fmt_score,
    printable,
)
from openai_conformance.reports.text import format_failure as _format_failure
from openai_conformance.reports.webhook_coverage import webhook_coverage

TEMPLATES = Path(__file__).parent / "templates"
#: Outcomes whose evidence is embedded (others link to evidence.jsonl by seq).
EVIDENCE_OUTCOMES = frozenset({"FAIL", "ERROR", "XPASS", "XFAIL"})
MAX_EXCHANGES_PER_TEST = 6
# A test's first failures are shown, the rest counted: a stream whose every chunk breaks the
# same rule gave one test 291 failures (160 KB of the page); results.json keeps them all.
MAX_FAILURES_PER_TEST = 12
MAX_EXCHANGES_TOTAL = 2000
#: Bytes of test details kept inline (failing tests first); the rest go compressed.
INLINE_BODY_BYTES = 16_000


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
        # Test details rendered by this environment come back as Markup: already escaped.
        finalize=lambda v: printable(v) if isinstance(v, str) and not isinstance(v, Markup) else v,
    )
    env.filters.update(
        score=fmt_score,
        duration=fmt_duration,
        anchor=anchor,
        band=band,
        pct=_pct,
        format_failure=_failure_text,
        clip_curl=lambda v: clip(v, CURL_LIMIT),
        failure_header=failure_header,
        is_url=lambda v: isinstance(v, str) and v.startswith(("https://", "http://")),
        overlay_anchor=overlay_anchor,
    )
    env.globals["max_failures"] = MAX_FAILURES_PER_TEST
    return env


def overlay_anchor(name: str) -> str:
    """Anchor of an overlay's row in report.html (also its key among the compressed details)."""
    return "ov-" + anchor(name)[2:]


def _failure_text(f: FailureDetail, with_response: bool = True) -> str:
    """The failure text without its curl line (shown once, below it), clipped for the page;
    ``with_response=False`` leaves out the response excerpt a previous failure showed."""
    from dataclasses import replace

    shown = replace(f, curl=None)
    if not with_response:
        shown = replace(shown, status_line=None, body_excerpt=None)
    return clip(_format_failure(shown), BODY_LIMIT)


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
    bodies, lazy_blob = _test_bodies(
        results.tests, evidence, missing, timelines, _overlay_bodies(results)
    )
    resources = sorted({t.resource for t in results.tests})
    spec_hash = results.run.spec.sha256
    return {
        "run": results.run,
        "s": results.summary,
        "tests": results.tests,
        "causes": group(results.tests),
        "outcomes": OUTCOMES,
        "levels": LEVELS,
        "resources": resources,
        "bodies": bodies,
        "labels": label_counts(results.tests),
        "axes_judged": axes_judged(results),
        "lazy_blob": lazy_blob,
        "evidence_file": evidence_path is not None and evidence_path.is_file(),
        "malformed_evidence": index.malformed_lines,
        "score_rule": SCORE_RULE,
        "spec_short": spec_hash[:12],
        "rendered_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "generated_ops": results.summary["operations"],
        "realtime_cov": realtime_coverage(results.summary["coverage"]["realtime_event_types"]),
        # results.json written before webhook coverage existed has no such key
        "webhook_cov": webhook_coverage(results.summary["coverage"].get("webhook_event_types")),
        # The report's own fingerprint, shown in the footer to tell two renderings apart.
        "fingerprint": hashlib.sha256(results.run.id.encode()).hexdigest()[:8],
    }


#: Finding labels shown as their own axis (docs/calibration.md), in display order.
LABELS = ("observed", "rejected")
#: Commands that judge the letter of the document alongside and label the differences.
LABELLING_COMMANDS = frozenset({"proxy", "check-traffic"})


def axes_judged(results: Results) -> bool:
    """Did this run label findings (``oaic proxy``, ``oaic check-traffic``)? ``oaic run``
    judges the contract as observed only, so it has no observed count to show."""
    command = results.run.command
    verb = command[1] if len(command) > 1 else ""
    return verb in LABELLING_COMMANDS or any(f.label for t in results.tests for f in t.findings)


def label_counts(tests: list[TestResult]) -> dict[str, Any]:
    """``{"findings": {label: n}, "tests": {label: n}, "by_test": {test id: {label: n}}}``."""
    findings = dict.fromkeys(LABELS, 0)
    with_label = dict.fromkeys(LABELS, 0)
    by_test: dict[str, dict[str, int]] = {}
    for t in tests:
        mine: dict[str, int] = {}
        for f in t.findings:
            if f.label in findings:
                mine[f.label] = mine.get(f.label, 0) + 1
        for label, n in mine.items():
            findings[label] += n
            with_label[label] += 1
        if mine:
            by_test[t.id] = {label: mine[label] for label in LABELS if label in mine}
    return {"findings": findings, "tests": with_label, "by_test": by_test}


def _test_bodies(
    tests: list[TestResult],
    evidence: dict[str, list[dict[str, Any]]],
    missing: dict[str, list[int]],
    timelines: dict[str, list[dict[str, str]]],
    extra_lazy: dict[str, str] | None = None,
) -> tuple[dict[str, Markup], str]:
    """(inline details by test id, base64 gzip JSON of the others by anchor; "" if none).
    ``extra_lazy`` (anchor -> escaped HTML) is always stored compressed (overlay details)."""
    template = _environment().get_template("testbody.html.j2")
    rendered = {
        t.id: template.render(t=t, evidence=evidence, evidence_missing=missing, timelines=timelines)
        for t in tests
    }
    first = sorted(tests, key=lambda t: t.outcome not in EVIDENCE_OUTCOMES)  # stable
    inline: dict[str, Markup] = {}
    lazy: dict[str, str] = dict(extra_lazy or {})
    budget = INLINE_BODY_BYTES
    for t in first:
        html = rendered[t.id]
        size = len(html.encode("utf-8", "backslashreplace"))
        if size <= budget:
            budget -= size
            inline[t.id] = Markup(html)  # rendered by the autoescaping environment above
        else:
            lazy[anchor(t.id)] = html
    if not lazy:
        return inline, ""
    data = json.dumps(lazy, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    return inline, base64.b64encode(gzip.compress(data, 9, mtime=0)).decode("ascii")


def _overlay_bodies(results: Results) -> dict[str, str]:
    """Each applied overlay's reason and evidence (escaped HTML) by its anchor: stored in the
    compressed blob (35 overlays were 50 KB of every report); the titles stay in the page."""
    template = _environment().get_template("overlay.html.j2")
    return {overlay_anchor(o.name): template.render(o=o) for o in results.run.spec.overlays}


def render_html(results: Results, evidence_path: Path | None = None) -> str:
    template = _environment().get_template("report.html.j2")
    return template.render(build_context(results, evidence_path))


def write_html(path: Path, results: Results, evidence_path: Path | None = None) -> Path:
    text = render_html(results, evidence_path)
    path.write_text(text, encoding="utf-8", errors="backslashreplace")
    return path
