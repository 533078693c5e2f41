"""``oaic webhooks listen``: receive a provider's webhook deliveries and report on them.

Point a provider's webhook endpoint (OpenAI: dashboard → Webhooks) at the receiver, directly or
through a tunnel, and give it the endpoint's signing secret::

    OPENAI_WEBHOOK_SECRET=whsec_... oaic webhooks listen --port 8765
    oaic webhooks listen --host 0.0.0.0 --port 8765 --secret-env MY_SECRET --duration 600

Every delivery is verified (Standard Webhooks signature, 300 s timestamp tolerance),
deduplicated by ``webhook-id``, validated against its event type's schema in the contract and
written to the evidence as it arrives; one line per delivery is printed. On SIGINT/SIGTERM or
after ``--duration`` seconds the usual run reports are written (results.json, report.html,
summary.md, junit.xml, evidence.jsonl) with one result per event type received: FAIL when any
of its deliveries did not verify, broke the schema, or repeated an event under another
webhook-id. Exit status: 0 all deliveries conform (or none arrived), 1 otherwise, 2 usage error.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from ..errors import UsageError

DEFAULT_SECRET_ENV = "OPENAI_WEBHOOK_SECRET"
UNATTRIBUTED = "unattributed"


def add_parsers(sub: Any) -> None:
    hooks = sub.add_parser("webhooks", help="receive and judge webhook deliveries")
    actions = hooks.add_subparsers(dest="webhooks_command", metavar="ACTION", required=True)
    listen = actions.add_parser(
        "listen",
        help="verify, validate and record every delivery; write a report on stop",
        description="Listen for webhook deliveries (Standard Webhooks), verify their "
        "signatures with the endpoint's signing secret, validate each payload against the "
        "contract and write the usual run reports when stopped.",
        epilog="Exit codes: 0 every delivery conformed, 1 some did not, 2 usage error.",
    )
    listen.add_argument("--host", default="127.0.0.1", help="interface to bind (127.0.0.1)")
    listen.add_argument("--port", type=int, default=8765, metavar="N", help="port (8765)")
    listen.add_argument("--path", default="/webhooks", help="URL path deliveries use (/webhooks)")
    listen.add_argument(
        "--secret",
        metavar="WHSEC",
        help="the endpoint's signing secret (prefer --secret-env: command lines are visible)",
    )
    listen.add_argument(
        "--secret-env",
        default=DEFAULT_SECRET_ENV,
        metavar="VAR",
        help=f"environment variable holding the secret ({DEFAULT_SECRET_ENV})",
    )
    listen.add_argument(
        "--duration", type=float, metavar="S", help="stop after S seconds (default: on Ctrl-C)"
    )
    listen.add_argument("--report-dir", metavar="DIR", help="where runs are written (reports/)")


def _secret(args: argparse.Namespace) -> str:
    secret = args.secret or os.environ.get(args.secret_env or DEFAULT_SECRET_ENV)
    if not secret:
        raise UsageError(
            f"no webhook signing secret: pass --secret or set ${args.secret_env}",
            hint="the provider shows the secret (whsec_...) when you create the endpoint",
        )
    return str(secret)


def results(receiver: Any, suite: Any) -> list[Any]:
    """One ``TestResult`` per event type received (plus unattributed deliveries)."""
    from ..checks.outcomes import ConformanceFailure
    from ..reports.model import TestResult
    from ..scenario.webhooks import checks

    groups: dict[str, list[Any]] = {}
    for d in receiver.deliveries():
        groups.setdefault(d.event_type or UNATTRIBUTED, []).append(d)
    out = []
    for event_type, deliveries in sorted(groups.items()):
        failures: list[Any] = []
        for check in (
            checks.signature_conformance,
            checks.payload_schema_conformance,
            checks.once_per_event_conformance,
        ):
            try:
                check(deliveries)
            except ConformanceFailure as exc:
                failures += exc.failures
        verified = [d for d in deliveries if d.verified]
        counts = {v: sum(1 for d in deliveries if d.verdict == v) for v in ("accepted", "replay")}
        message = (
            f"{len(deliveries)} deliveries: {counts['accepted']} accepted, "
            f"{counts['replay']} replays deduplicated, {len(deliveries) - len(verified)} rejected"
        )
        if failures:
            message += "; " + failures[0].title
        out.append(
            TestResult(
                id=suite.test_id(event_type),
                name=event_type,
                suite="webhooks",
                resource="webhooks",
                outcome="FAIL" if failures else "PASS",
                operation="POST {webhook endpoint}",
                message=message,
                failures=[f.to_dict() for f in failures],
                evidence=[],
                coverage={"webhook_event_types": [event_type] if verified else []},
            )
        )
    return out


def run_listen(args: argparse.Namespace, argv: list[str] | None = None) -> int:
    from ..contract import load_spec
    from ..proxy.session import ProxySession
    from ..reports.writer import point_latest, write_reports
    from ..scenario.webhooks import WebhookReceiver
    from ..wire.evidence import merge_evidence

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be 0..65535, got {args.port}")
    secret = _secret(args)
    spec = load_spec()
    session = ProxySession(
        spec, report_dir=Path(args.report_dir or "reports"), suite="webhooks", name="webhooks"
    )
    recorder = session.recorder

    def on_delivery(delivery: Any) -> None:
        if recorder is not None:
            recorder.record(
                delivery.to_record(session.test_id(delivery.event_type or UNATTRIBUTED))
            )
        print(delivery.summary(), flush=True)

    receiver = WebhookReceiver(
        secret,
        spec=spec,
        validator=session.validator,
        host=args.host,
        port=args.port,
        path=args.path,
        on_delivery=on_delivery,
    )
    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        receiver.start()
        session.upstream = receiver.url
        print(f"oaic webhooks: listening on {receiver.url}", flush=True)
        print("stop with Ctrl-C (SIGINT) or SIGTERM to write the reports", flush=True)
        if args.duration:
            stop.wait(args.duration)
        else:
            while not stop.wait(0.5):
                pass
    finally:
        receiver.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    tests = results(receiver, session)
    if recorder is not None:
        recorder.close()
    assert session.run_dir is not None
    merge_evidence(session.run_dir)
    write_reports(session.run_dir, session.run_info(["oaic", *(argv or [])]), tests)
    point_latest(session.run_dir)
    counts = receiver.counts()
    print(
        f"{sum(counts.values())} deliveries: "
        + ", ".join(f"{n} {verdict}" for verdict, n in counts.items())
    )
    print(f"report: {session.run_dir / 'report.html'}")
    sys.stdout.flush()
    return 1 if any(t.outcome == "FAIL" for t in tests) else 0
