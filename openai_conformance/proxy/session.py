"""What the proxy saw, grouped for the reports: one ``TestResult`` per operation (or label).

``ProxySession(spec, report_dir=..., suite="proxy")`` is shared by the HTTP and WebSocket
handlers. ``observe(group, operation, exchange, failures, event_types)`` records the exchange
through the harness's ``EvidenceRecorder`` (test id ``<suite>::<group>``) and files its
failures under the group; ``results()`` builds the ``TestResult`` list (MUST failures make it
FAIL, SHOULD/MAY ones become findings); ``write_reports()`` merges the evidence and writes
results.json, junit.xml, summary.md, report.html ... into ``<report_dir>/runs/<UTC>-<name>``
and points ``<report_dir>/latest`` at it.

Groups are the operation id ("POST /chat/completions"), "unmatched" for requests outside the
contract, or a label the client chose with the ``x-oaic-exercise`` request header (the SDK
exercises label each SDK method this way). ``begin()``/``settle()`` let a caller wait until
every request in flight has been judged (judging runs after the response is sent).
"""

from __future__ import annotations

import contextlib
import platform
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..checks import CheckContext
from ..checks.failures import Failure, redact
from ..contract import Spec
from ..contract.validation import SchemaValidator
from ..wire.evidence import EvidenceRecorder, merge_evidence
from ..wire.exchange import Exchange
from .attribution import CLIENT, PREFIX, SERVER
from .calibration import Reading

UNMATCHED = "unmatched"
LABEL_HEADER = "x-oaic-exercise"


@dataclass
class Group:
    """Everything observed for one operation (or label)."""

    key: str
    operations: list[str] = field(default_factory=list)
    resource: str = "unknown"
    requests: int = 0
    failures: list[Failure] = field(default_factory=list)
    labelled: list[tuple[str, Failure]] = field(default_factory=list)  # (label, finding)
    evidence: list[int] = field(default_factory=list)
    sse_event_types: set[str] = field(default_factory=set)
    realtime_event_types: set[str] = field(default_factory=set)
    duration_s: float = 0.0

    def client_failures(self) -> list[Failure]:
        return [f for f in self.failures if f.title.startswith(PREFIX[CLIENT])]

    def server_failures(self) -> list[Failure]:
        return [f for f in self.failures if f.title.startswith(PREFIX[SERVER])]


class ProxySession:
    """Shared, thread-safe collection of the proxy's observations (see module doc)."""

    def __init__(
        self,
        spec: Spec,
        *,
        report_dir: Path | str | None = None,
        suite: str = "proxy",
        name: str = "proxy",
        upstream: str = "",
        validator: SchemaValidator | None = None,
        letter: Reading | None = None,
    ) -> None:
        self.spec = spec
        # The letter of the document (observed overlays left out); None in --strict-spec mode
        # or when the caller judges against one reading only (calibration.py).
        self.letter = letter
        self.validator = validator or SchemaValidator(spec)
        self.ctx = CheckContext(spec=spec, validator=self.validator)
        self.suite = suite
        self.upstream = upstream
        self.started_at = _iso_now()
        self._t0 = time.monotonic()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._pending = 0
        self.groups: dict[str, Group] = {}
        self.run_dir: Path | None = None
        self.recorder: EvidenceRecorder | None = None
        if report_dir is not None:
            self.run_dir = _new_run_dir(Path(report_dir), name)
            self.recorder = EvidenceRecorder(self.run_dir, "proxy")

    # -- in-flight accounting ----------------------------------------------------------------

    def begin(self) -> None:
        with self._lock:
            self._pending += 1

    def done(self) -> None:
        with self._lock:
            self._pending -= 1
            self._idle.notify_all()

    def settle(self, timeout: float = 10.0) -> bool:
        """Wait until every request in flight has been judged; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._pending > 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    # -- observations ------------------------------------------------------------------------

    def test_id(self, group: str) -> str:
        return f"{self.suite}::{group}"

    def observe(
        self,
        group: str,
        operation: str | None,
        exchange: Exchange,
        failures: list[Failure],
        *,
        sse_event_types: list[str] = (),  # type: ignore[assignment]
        realtime_event_types: list[str] = (),  # type: ignore[assignment]
        labelled: list[tuple[str, Failure]] = (),  # type: ignore[assignment]
    ) -> None:
        """File one exchange and its failures under ``group`` (records the evidence).

        ``labelled``: (label, failure) pairs reported as labelled findings, never as FAIL:
        ``observed`` (the exchange follows the live API's observed behaviour against the
        letter of the document, ``calibration.observed_only``) or ``rejected`` (an invalid
        request the server rightly refused with a 4xx, check-traffic)."""
        seqs: tuple[int, ...] = ()
        if self.recorder is not None:
            exchange.test_id = self.test_id(group)
            seqs = (int(self.recorder.record_exchange(exchange)["seq"]),)
        with_ev = [f.with_exchange(exchange) for f in failures]
        notes = [(label, f.with_exchange(exchange)) for label, f in labelled]
        if seqs:
            with_ev = [_with_seq(f, seqs) for f in with_ev]
            notes = [(label, _with_seq(f, seqs)) for label, f in notes]
        resource = "unknown"
        if operation:
            with contextlib.suppress(KeyError):
                resource = self.spec.operation(operation).resource
        with self._lock:
            g = self.groups.get(group)
            if g is None:
                g = self.groups[group] = Group(group, resource=resource)
            if operation and operation not in g.operations:
                g.operations.append(operation)
            g.requests += 1
            g.failures += with_ev
            g.labelled += notes
            g.evidence += list(seqs)
            g.sse_event_types |= set(sse_event_types)
            g.realtime_event_types |= set(realtime_event_types)
            g.duration_s += exchange.elapsed_ms / 1000

    def add_failure(self, group: str, failure: Failure, operation: str | None = None) -> None:
        """File a failure found outside an exchange (e.g. an SDK that could not parse)."""
        with self._lock:
            g = self.groups.get(group)
            if g is None:
                g = self.groups[group] = Group(group)
            if operation and operation not in g.operations:
                g.operations.append(operation)
            g.failures.append(failure)

    def snapshot(self) -> dict[str, Group]:
        with self._lock:
            return dict(self.groups)

    # -- reports -----------------------------------------------------------------------------

    def results(self) -> list[Any]:
        """One ``reports.model.TestResult`` per group, sorted by id."""
        from ..reports.model import Finding, TestResult

        out = []
        for key, g in sorted(self.snapshot().items()):
            fatal = [f for f in g.failures if f.level == "MUST"]
            soft = [f for f in g.failures if f.level != "MUST"]
            client, server = len(g.client_failures()), len(g.server_failures())
            message = f"{g.requests} request(s)"
            if len(g.operations) > 1:
                message += f" to {', '.join(g.operations)}"
            if fatal:
                message += f"; client sent {client}, server returned {server} violation(s): "
                message += fatal[0].title
            out.append(
                TestResult(
                    id=self.test_id(key),
                    name=key,
                    suite=self.suite,
                    resource=g.resource,
                    outcome="FAIL" if fatal else "PASS",
                    operation=g.operations[0] if g.operations else None,
                    duration_s=round(g.duration_s, 6),
                    message=message,
                    failures=[f.to_dict() for f in fatal],  # type: ignore[misc]
                    findings=[
                        Finding(
                            check=f.check,
                            level=f.level,
                            message=redact(f"{f.title}: {f.message}"),
                            pointer=f.pointer,
                        )
                        for f in soft
                    ]
                    + [
                        Finding(
                            check=f.check,
                            level=f.level,
                            message=redact(f"{f.title}: {f.message}"),
                            pointer=f.pointer,
                            label=label,
                        )
                        for label, f in g.labelled
                    ],
                    evidence=sorted(g.evidence),
                    coverage={
                        "sse_event_types": sorted(g.sse_event_types),
                        "realtime_event_types": sorted(g.realtime_event_types),
                    },
                )
            )
        return out

    def run_info(self, command: list[str] | None = None) -> Any:
        from .. import __version__
        from ..reports.model import Overlay, RunInfo, SpecInfo, TargetInfo

        finished = _iso_now()
        return RunInfo(
            id=self.run_dir.name if self.run_dir else "proxy",
            started_at=self.started_at,
            finished_at=finished,
            duration_s=round(time.monotonic() - self._t0, 3),
            suite_version=str(__version__),
            target=TargetInfo(base_url=redact(self.upstream)),
            spec=SpecInfo(
                origin=self.spec.origin,
                version=self.spec.version,
                sha256=self.spec.sha256,
                overlays=[Overlay(**o.summary()) for o in self.spec.overlays],
            ),
            command=[redact(c) for c in (command or [])],
            python=sys.version.split()[0],
            platform=platform.platform(),
        )

    def write_reports(self, command: list[str] | None = None) -> Path | None:
        """Write every report format (None when the session has no report directory)."""
        if self.run_dir is None:
            return None
        from ..reports.writer import point_latest, write_reports

        self.settle()
        if self.recorder is not None:
            self.recorder.close()
        merge_evidence(self.run_dir)
        write_reports(self.run_dir, self.run_info(command), self.results())
        point_latest(self.run_dir)
        return self.run_dir

    def close(self) -> None:
        if self.recorder is not None:
            self.recorder.close()


def _with_seq(failure: Failure, seqs: tuple[int, ...]) -> Failure:
    from dataclasses import replace

    return replace(failure, evidence_seq=failure.evidence_seq or seqs)


def _iso_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _new_run_dir(root: Path, name: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    run_dir = root / "runs" / f"{stamp}-{name}"
    suffix = 1
    while run_dir.exists():
        suffix += 1
        run_dir = root / "runs" / f"{stamp}-{name}-{suffix}"
    run_dir.mkdir(parents=True)
    return run_dir
